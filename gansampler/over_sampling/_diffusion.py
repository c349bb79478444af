"""DiffusionOverSampler: new images from a class-conditional diffusion model
trained on every class, with near-copies of training images drawn again."""

import warnings

import numpy as np
import torch
from imblearn.utils import Substitution
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from .._device import resolve_device, resolve_precision
from .._docstrings import DOCS
from .._persistence import to_json_value
from .._random import draw_seed
from ..exceptions import GANTrainingError
from ..metrics._memorization import _nearest_distances, _nearest_training_distances
from ..nn._denoiser import build_denoiser
from ..training._check import N_CHECK, check_samples
from ..training._diffusion import DiffusionConfig, ddim_sample, train_diffusion
from ..training._train import report_failed_check, train_checked
from ._base import BaseImageOverSampler, SavedSamplerMixin

__all__ = ["DiffusionOverSampler"]

#: Images the sample check draws per class: fewer than the GAN's, as each
#: costs ``n_sampling_steps`` passes through the network.
N_CHECK_DIFFUSION = 64
#: Most output values per DDIM chunk, 64 images of 28x28 and at least 8 a
#: chunk: on 2 CPU cores, chunks of 64 28x28 images sampled 1.2-1.5x faster than
#: chunks of 256 (the activations of a smaller chunk stay in cache).
CHUNK_VALUES = 2**16


def chunk_size(image_shape):
    """Images per DDIM chunk for images of ``image_shape``: at most
    ``CHUNK_VALUES`` output values and 64 images, at least 8."""
    return max(8, min(64, CHUNK_VALUES // int(np.prod(image_shape))))


class CopyWarning(UserWarning):
    """Generated images stayed closer to a training image than the copy
    threshold after every redraw, and were kept."""


@Substitution(**DOCS)
class DiffusionOverSampler(SavedSamplerMixin, BaseImageOverSampler):
    """Over-sample classes with images from a class-conditional diffusion model.

    One denoising diffusion model (Ho, Jain & Abbeel, 2020, "Denoising
    Diffusion Probabilistic Models") is trained on the images of every class
    to predict the noise added to them, conditioned on the class, so a rare
    class borrows the structure the common ones teach the network. A
    ``label_dropout`` share of each batch is trained without its label, which
    makes the same network an unconditional model for classifier-free
    guidance (Ho & Salimans, 2022, "Classifier-Free Diffusion Guidance"). An
    EMA copy of the weights samples, with the deterministic DDIM sampler
    (Song, Meng & Ermon, 2021, "Denoising Diffusion Implicit Models"). Images
    are trained on as given, without augmentation: a diffusion model learns
    its training distribution, augmented images included, so flips or shifts
    would appear in the outputs. Images go through diffusers' ``UNet2DModel``
    (``pip install 'gansampler[diffusion]'``), built from a config, nothing
    fetched; tabular rows through a small MLP.

    Diffusion models copy training images more readily than GANs when data are
    few, so each generated image is compared with the training images of its
    class, in pixels: a copy is a pixel copy, and the pixel distance needs no
    feature extractor that may not suit the images (X-rays, 8x8 digits). An
    image whose nearest-neighbour distance is below the ``copy_quantile``
    quantile of the real images' distances to their nearest other real image
    of the class is discarded and drawn again, at most ``max_redraws`` times
    per chunk of images; what is still a copy then is kept, with a
    ``CopyWarning``. The originals are returned first, unchanged, followed by
    the new images in the input's layout, dtype and value range.

    Parameters
    ----------
    {sampling_strategy}
    {image_shape}
        Without it, 2-D ``X`` is read as tabular rows (an MLP denoiser).
    max_steps : int or "auto", default="auto"
        Optimizer steps of training. "auto" is four passes over the data of
        every class, at least 200 and at most 1,000 steps, times
        ``sqrt(28 * 28 / (H * W))`` for images larger than 28x28 (at least
        100): a budget for minutes on a CPU. On 2 CPU cores without bf16,
        the default ``fit_resample`` on PneumoniaMNIST (4,708 images of 28x28,
        296 steps, 2,280 new images) took 211 s, 107 s of them training; 64 s
        on 2 cores with bf16 (AMX). More steps raised the recall and coverage
        of the generated images but not a classifier's scores in
        ``benchmarks/compute_curve.py`` (docs/results.md).
    batch_size : int, default=64
    lr : float, default=0.001
        Adam's learning rate.
    architecture : {{"auto", "unet", "mlp"}}, default="auto"
        The denoiser: "auto" is "unet" for images and "mlp" for tabular rows.
    width : int, default=16
        Channels of the UNet's first level (``width * (1, 2, 2, 4, 4)`` down
        to 4 pixels: 3 levels at 28x28, 5 at 128x128; 0.26M parameters at
        28x28 gray), or an eighth of the MLP's hidden units. 32 has four times
        the parameters and trained and sampled about three times slower on
        2 CPU cores.
    schedule : {{"cosine", "linear"}}, default="cosine"
        Noise schedule: the cosine one of Nichol & Dhariwal (2021, "Improved
        Denoising Diffusion Probabilistic Models") or the linear one of Ho et
        al. (2020), over 1,000 noise levels.
    n_sampling_steps : int, default=20
        DDIM steps per image: each costs one pass through the network (two
        with guidance).
    guidance : float, default=0.0
        Classifier-free guidance weight ``w``: the noise estimate is
        ``(1 + w) * eps(x, class) - w * eps(x)``. 0 is the plain conditional
        model (the most diverse images, one pass per step); higher values
        make images more typical of their class and less varied.
    label_dropout : float, default=0.1
        Share of each training batch whose label is dropped, training the
        unconditional model guidance needs.
    ema_decay : float or None, default=0.995
        Decay of the EMA weights that sample (warmed up as
        ``min(ema_decay, (1 + step) / (10 + step))``); None samples with the
        trained weights.
    copy_quantile : float or None, default=0.01
        Copy rejection threshold, a quantile of the class's real-to-real
        nearest-neighbour distances; None keeps every image.
    max_redraws : int, default=5
        Rounds of redrawing the copies of a chunk before the rest are kept.
    sample_check : {{"raise", "warn"}} or None, default="raise"
        Check the images of each class to be over-sampled for noise, collapse,
        no layout and off statistics (as :class:`GANOverSampler` does); a model that
        fails is trained again from a derived seed, then a
        :class:`~gansampler.GANTrainingError` is raised ("raise") or a warning
        issued ("warn"). Recorded in ``history_["sample_check"]``.
    {device}
    {random_state}
    {verbose}

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label to number of samples created.
    classes_ : ndarray
        The class labels; the model's class index ``i`` is ``classes_[i]``.
    image_shape_ : tuple of int
    device_ : torch.device
    max_steps_ : int
        The optimizer steps trained (``max_steps`` resolved).
    denoiser_ : torch.nn.Module
        The noise-predicting network (EMA weights, on CPU, eval mode).
    n_rejected_ : dict
        Class label to the number of generated images discarded as copies
        during ``fit_resample``.
    history_ : dict
        ``{{"diffusion": [per-epoch dicts with loss], "sample_check": ...}}``.
    sample_checks_ : dict
        ``{{"every class": check}}``: the one model's sample check (``passed``
        and each training's ``attempts``); empty with ``sample_check=None``.

    Notes
    -----
    A saved file holds the training images (for copy rejection after
    :meth:`load`).

    The pixel test flags more than copies: an image near its class's average
    (a blurry image from an undertrained model, or any smooth image when the
    real ones are noisy) also lies closer to some training image than real
    images lie to each other. A ``CopyWarning`` after every redraw therefore
    means copies or such images; look at them, or train for more steps.

    See Also
    --------
    GANOverSampler : A GAN per class, faster to train and to sample.
    VAEOverSampler : A class-conditional VAE.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import DiffusionOverSampler
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance={{9: 20}})
    >>> keep = (y == 0) | (y == 9)
    >>> sampler = DiffusionOverSampler(max_steps=20, n_sampling_steps=4, width=8, sample_check=None,
    ...                                random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X[keep], y[keep])
    >>> X_res.shape, X_res.dtype, np.bincount(y_res)[[0, 9]].tolist()
    ((356, 1, 8, 8), dtype('uint8'), [178, 178])
    """

    _fitted_attribute = "denoiser_"
    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        **DiffusionConfig.parameter_constraints(),
        "device": [str, torch.device],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        max_steps="auto",
        batch_size=64,
        lr=1e-3,
        architecture="auto",
        width=16,
        schedule="cosine",
        n_sampling_steps=20,
        guidance=0.0,
        label_dropout=0.1,
        ema_decay=0.995,
        copy_quantile=0.01,
        max_redraws=5,
        sample_check="raise",
        device="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.image_shape = image_shape
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.lr = lr
        self.architecture = architecture
        self.width = width
        self.schedule = schedule
        self.n_sampling_steps = n_sampling_steps
        self.guidance = guidance
        self.label_dropout = label_dropout
        self.ema_decay = ema_decay
        self.copy_quantile = copy_quantile
        self.max_redraws = max_redraws
        self.sample_check = sample_check
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # -- fitting -----------------------------------------------------------------
    def _config(self, n_images=None):
        """The config of the current parameters (``max_steps`` as fitted, when fitted)."""
        fmt = self._image_format
        overrides = {} if n_images is not None else {"max_steps": self.max_steps_}
        return DiffusionConfig.from_params(self.get_params(), fmt.image_shape, fmt.is_image, n_images, **overrides)

    def _generate(self, images, fmt, y, targets, random_state):
        """Train the model on every class, then draw each class's images."""
        self.device_ = resolve_device(self.device)
        x = fmt.to_model(images)
        index = np.searchsorted(self.classes_, y)
        config = self._config(len(x))
        self.max_steps_ = config.max_steps
        wanted = [int(np.searchsorted(self.classes_, label)) for label, n in targets.items() if n > 0]
        self.denoiser_, self.history_ = self._train(x, index, wanted, config, draw_seed(random_state))
        self._reference = [x[index == i].reshape(int((index == i).sum()), -1).astype(np.float64)
                           for i in range(len(self.classes_))]
        self._real_distances = [_real_to_real(ref) for ref in self._reference]
        self.n_rejected_ = {label: 0 for label in targets}
        seeds = draw_seed(random_state, size=len(targets))
        return {label: self._draw(label, n, int(seed), record=True)
                for (label, n), seed in zip(targets.items(), seeds) if n > 0}

    def _train(self, x, index, wanted, config, seed):
        """Train, check the images of the ``wanted`` class indices, and train
        again from a derived seed when they fail or training diverges (see
        ``sample_check``)."""
        def train(attempt_seed_):
            return train_diffusion(x, index, len(self.classes_), config, attempt_seed_, self.device_, self.verbose)

        def check(result, attempt_seed_):
            checks = {}
            for i in wanted:
                generator = torch.Generator().manual_seed(attempt_seed_)
                fake = ddim_sample(result[0], i, N_CHECK_DIFFUSION, generator, config, self.device_,
                                   self._precision()).numpy()
                checks[i] = check_samples(fake, x[index == i][: N_CHECK * 4], seed)
            return checks

        try:
            (model, history), attempts, failed = train_checked(
                train, check, seed, config.sample_check, retry_divergence=True,
                describe=lambda checks: {str(self.classes_[i]): c.to_dict() for i, c in checks.items()})
        except GANTrainingError as exc:
            raise GANTrainingError(f"diffusion training diverged: {exc}. Try a lower lr.",
                                   epoch=exc.epoch, metrics=exc.metrics) from exc
        if not config.sample_check:
            return model, {"diffusion": history}
        if failed:
            where = "; ".join(f"class {self.classes_[i]!r}: {'; '.join(c.failures)}" for i, c in failed.items())
            report_failed_check(
                f"the diffusion model failed the sample check after {len(attempts)} trainings from "
                f"different seeds: {where}. Look at sampler.history_['sample_check'], try more max_steps; "
                "sample_check='warn' keeps the images anyway.", failed, config.sample_check, 5)
        return model, {"diffusion": history, "sample_check": {"passed": not failed, "attempts": attempts}}

    def _precision(self):
        return resolve_precision("auto", self.device_, self.image_shape_, self._config().architecture)

    # -- drawing -----------------------------------------------------------------
    def _draw(self, label, n_samples, seed, record=False):
        """Yield ``n_samples`` model-space images of ``label`` in chunks, copies
        drawn again (counted in ``n_rejected_`` when ``record``)."""
        i = int(np.searchsorted(self.classes_, label))
        config = self._config()
        precision = self._precision()
        generator = torch.Generator().manual_seed(seed)
        chunk = chunk_size(self.image_shape_)
        distances = self._real_distances[i]
        threshold = (0.0 if config.copy_quantile is None or not len(distances)
                     else float(np.quantile(distances, config.copy_quantile)))
        model = self.denoiser_.to(self.device_)
        with tqdm(total=n_samples, desc=f"diffusion sampling class {label}", unit="image",
                  disable=not self.verbose, leave=self.verbose > 1, dynamic_ncols=True) as bar:
            try:
                for start in range(0, n_samples, chunk):
                    images = ddim_sample(model, i, min(chunk, n_samples - start), generator, config, self.device_,
                                         precision)
                    images = self._redraw_copies(images, i, threshold, label, generator, config, precision, record)
                    bar.update(len(images))
                    yield images.numpy()
            finally:
                self.denoiser_.cpu()

    def _redraw_copies(self, images, i, threshold, label, generator, config, precision, record):
        if threshold <= 0:
            return images
        for redraw in range(config.max_redraws + 1):
            flat = images.reshape(len(images), -1).double().numpy()
            copies = np.flatnonzero(_nearest_distances(flat, self._reference[i]) < threshold)
            if not len(copies):
                break
            if redraw == config.max_redraws:
                warnings.warn(f"{len(copies)} generated image(s) of class {label!r} stayed nearer a training "
                              f"image than the copy threshold after {config.max_redraws} redraws, and were kept.",
                              CopyWarning, stacklevel=2)
                break
            if record:
                self.n_rejected_[label] += len(copies)
            images[torch.from_numpy(copies)] = ddim_sample(self.denoiser_, i, len(copies), generator, config,
                                                           self.device_, precision)
        return images

    @property
    def sample_checks_(self):
        check_is_fitted(self, self._fitted_attribute)
        check = self.history_.get("sample_check")
        return {"every class": check} if check else {}

    # -- persistence (see PersistenceMixin) --------------------------------------
    def _state_to_save(self):
        tensors = {f"net.{k}": v for k, v in self.denoiser_.state_dict().items()}
        for i, (reference, distances) in enumerate(zip(self._reference, self._real_distances)):
            tensors[f"reference.{i}"] = torch.from_numpy(reference)
            tensors[f"real_distances.{i}"] = torch.from_numpy(distances)
        config = self._config()
        state = {**self._sampler_state(), "max_steps_": self.max_steps_,
                 "network": {"architecture": config.architecture, "width": config.width},
                 "n_rejected_": [[to_json_value(k), int(v)] for k, v in self.n_rejected_.items()]}
        return tensors, state

    @classmethod
    def _from_saved_state(cls, tensors, state, device):
        sampler = cls._sampler_from_state(state, device)
        sampler.max_steps_ = state["max_steps_"]
        network = state["network"]
        model = build_denoiser(network["architecture"], sampler.image_shape_, len(sampler.classes_),
                               network["width"])
        model.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        sampler.denoiser_ = model.eval()
        n = len(sampler.classes_)
        sampler._reference = [tensors[f"reference.{i}"].numpy() for i in range(n)]
        sampler._real_distances = [tensors[f"real_distances.{i}"].numpy() for i in range(n)]
        dtype = sampler.classes_.dtype
        sampler.n_rejected_ = {np.asarray(k, dtype=dtype)[()]: v for k, v in state["n_rejected_"]}
        return sampler


def _real_to_real(reference):
    """Each distinct real image's distance to its nearest other real image of
    its class; empty when the class has one distinct image (nothing to compare)."""
    if len(reference) < 2:
        return np.zeros(0)
    try:
        return _nearest_training_distances(reference, reference[:1])[1]
    except ValueError:  # every image identical
        return np.zeros(0)
