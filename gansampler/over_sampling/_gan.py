"""GANOverSampler: balance image classes with GAN-generated images."""

import numbers

import numpy as np
import torch
from imblearn.utils import Substitution
from joblib import Parallel, delayed
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._device import resolve_device
from .._docstrings import DOCS
from .._persistence import to_json_value
from .._random import draw_seed
from ..nn import ClassView, LatentGaussian, build_networks
from ..training import GANConfig, Progress, autoencoder_init, generate, train_gan
from ._base import BaseImageOverSampler, SavedSamplerMixin
from ._selection import SELECTIONS, draw_selected

__all__ = ["GANOverSampler"]


@Substitution(**DOCS)
class GANOverSampler(SavedSamplerMixin, BaseImageOverSampler):
    """Over-sample classes with images drawn from a GAN trained on each class.

    By default one DCGAN (Radford, Metz & Chintala, 2016, "Unsupervised
    Representation Learning with Deep Convolutional Generative Adversarial
    Networks") is trained per class that needs new samples;
    ``conditional=True`` trains one class-conditional GAN on all classes
    instead. The originals are returned first, unchanged, followed by the
    synthetic images in the input's layout, dtype and value range.

    Parameters
    ----------
    {sampling_strategy}
    {image_shape}
        Without it, 2-D ``X`` is read as tabular rows (an MLP GAN).
    latent_dim : int, default=100
        Size of the generator's input noise.
    max_epochs : int or "auto", default="auto"
        Passes over each class's images. "auto" is 60, and 30 for images of
        96x96 and larger, where an epoch costs about four times a 64x64 one
        (see "Defaults by image size" below).
    batch_size : int, default=64
    min_steps_per_epoch : int, default=10
        Fewest generator steps in an epoch: a class smaller than
        ``10 * batch_size`` images sees its images more than once per epoch, so
        small classes still get ``max_epochs * 10`` steps.
    lr : float, default=2e-4
        Adam learning rate of the generator (and of the discriminator unless
        ``lr_d`` is given); Adam betas are (0.5, 0.999) as in DCGAN.
    loss : {{"bce", "lsgan", "hinge", "wgan", "wgan-gp"}}, default="bce"
        "bce": the non-saturating GAN loss (Goodfellow et al., 2014,
        "Generative Adversarial Nets"); "lsgan": least squares (Mao et al.,
        2017, "Least Squares Generative Adversarial Networks"); "hinge" with
        spectral normalisation (Miyato et al., 2018, "Spectral Normalization
        for Generative Adversarial Networks"); "wgan": weight clipping and
        RMSprop (Arjovsky, Chintala & Bottou, 2017, "Wasserstein GAN");
        "wgan-gp": gradient penalty (Gulrajani et al., 2017, "Improved
        Training of Wasserstein GANs").
    architecture : {{"auto", "dcgan", "resize-conv", "resnet", "mlp"}}, default="auto"
        "auto" is "dcgan" for images and "mlp" for tabular rows.
        "resize-conv" is the DCGAN with each transposed convolution of the
        generator replaced by nearest upsampling and a 3x3 convolution (Odena,
        Dumoulin & Olah, 2016, "Deconvolution and Checkerboard Artifacts").
        "resnet" is SNGAN's residual generator and discriminator (Miyato et
        al., 2018), initialised as in SNGAN.
    width : int, default=32
        Channel width of the networks (the DCGAN paper uses 64).
    conditional : bool, default=False
        Train one class-conditional GAN for all classes: a label embedding in
        the generator and a projection discriminator (Miyato & Koyama, 2018,
        "cGANs with Projection Discriminator").
    lr_d : float, default=None
        Discriminator learning rate; None means ``lr``.
    n_critic : int, default=1
        Discriminator steps per generator step.
    label_smoothing : float, default=0.0
        One-sided label smoothing of the real target (Salimans et al., 2016,
        "Improved Techniques for Training GANs").
    feature_matching : float, default=0.0
        Weight of the feature-matching term in the generator loss (Salimans
        et al., 2016).
    diff_augment : str, "auto" or None, default="auto"
        DiffAugment policy, e.g. "color,translation,cutout", applied to real
        and fake images before every discriminator call (Zhao et al., 2020,
        "Differentiable Augmentation for Data-Efficient GAN Training"); see
        :mod:`gansampler.augmentation`. "auto" is "translation,cutout" for
        images of 32x32 and larger, None below.
    ema : float, "auto" or None, default="auto"
        Decay of an exponential moving average of the generator, used for
        sampling; warmed up over the first steps (``min(ema, (1 + t) / (10 + t))``
        at update ``t``) so that the random initial weights fade out. "auto" is
        0.999 for images of 32x32 and larger, None below.
    pre_augment : int, default=0
        Classic augmentation before GAN training: each GAN is trained on its
        class plus this many randomly augmented copies of it
        (:class:`AugmentationOverSampler`'s default transforms). The synthetic
        rows still all come from the generator.
    selection : {{"discriminator", "nearest", "critic"}} or None, default=None
        Generate ``n_candidates`` times the images needed and keep the best:
        by the trained discriminator's score, by the margin between the
        distance to the nearest real image of another class and to the nearest
        of the target class, or by a fresh small CNN trained to tell the class's
        real images from other generator output ("critic": keeps the images a
        classifier finds hardest to tell from real ones). Candidates that are
        near-copies of a training image (nearest-neighbour ratio below 1/3, see
        :func:`gansampler.metrics.find_memorized`) are dropped first. Applies to
        ``fit_resample``; :meth:`sample` draws plain generator output.
    n_candidates : float, default=2.0
        Candidates per kept image when ``selection`` is set.
    early_stopping : int or None, default=None
        Patience in epochs. When set, a cheap quality signal is computed after
        every epoch (``history_[label][i]["fd"]``: the Fréchet distance between
        a fixed subset of the class's images and images from fixed noise, in a
        64-dimensional random projection of pixel space); training stops when
        it has not improved by 1% for this many epochs, and the generator of the
        best epoch is kept. ``max_epochs`` stays the upper bound.
    precision : {{"auto", "fp32", "bf16"}}, default="auto"
        "bf16" runs the forward passes under bf16 autocast (weights,
        optimizer state and losses stay fp32). "auto" is bf16 for
        convolutional GANs on images of 28x28 and larger on CPUs with bf16
        instructions (AVX512-BF16, AMX), fp32 elsewhere. bf16 results depend
        on the number of CPU threads: pass "fp32" for the same bits whatever
        ``n_jobs`` or the joblib backend.
    sample_check : {{"raise", "warn"}} or None, default="raise"
        After training, each class's generator draws 256 images that are
        checked against the class's real images for noise (neighbouring
        pixels correlate less than half as much as in the real images),
        collapse (images differ less than a quarter as much as real ones), no
        layout (they correlate less than half as much with the class's mean
        image, where the class has one) and off statistics (brightness or
        contrast far from the real images').
        A class that fails is trained again from a fresh seed derived from
        ``random_state``; if it fails again, "raise" raises
        :class:`GANTrainingError` naming the class and what failed, and
        "warn" keeps the images with a warning. The figures are in
        ``history_[label][-1]["sample_check"]``. None skips the check.
    init : {{"random", "autoencoder"}}, default="random"
        "autoencoder" starts each class's GAN from an autoencoder trained on
        the images of every class, as BAGAN does (Mariani et al., 2018,
        "BAGAN: Data Augmentation with Balancing GAN"): the generator is its
        decoder, the discriminator's features its encoder's, and the
        generator draws from a Gaussian fitted to the class's codes (Ledoit-Wolf
        covariance), so a rare class starts from what the common ones taught
        the autoencoder. Not with ``conditional=True``.
    init_epochs : int, default=5
        Epochs of that autoencoder over every class's images (Adam, learning
        rate 1e-3).
    {device}
        On CUDA the training step is captured once as a CUDA graph and
        replayed where it draws no random numbers of its own.
    {n_jobs}
    {random_state}
    {verbose}

    Notes
    -----
    **Defaults by image size.** From 32x32 up, the "auto" settings train with
    DiffAugment and an EMA generator, which a few hundred images need to make
    recognisable images at those sizes; smaller images train without them.
    See :func:`gansampler.training.resolve_auto`.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label to number of samples created.
    image_shape_ : tuple of int
        ``(C, H, W)`` of the images.
    device_ : torch.device
        Where training ran.
    generators_ : dict
        Class label to generator module (on CPU, eval mode).
    history_ : dict
        Class label (or "conditional") to a list of per-epoch dicts with
        ``epoch``, ``d_loss``, ``g_loss``, ``d_real``, ``d_fake`` (mean
        sigmoid of the discriminator's logits), ``seconds`` and, with
        ``early_stopping``, ``fd``.
    sample_checks_ : dict
        Class label (or "conditional") to its sample check: ``passed`` and
        each training's ``attempts`` (failures and figures); empty with
        ``sample_check=None``.

    See Also
    --------
    AugmentationOverSampler : New images from classic transforms of real ones.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import GANOverSampler
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance={{9: 20}})   # 8x8 digits, 20 nines
    >>> keep = (y == 0) | (y == 9)
    >>> X, y = X[keep], y[keep]
    >>> sampler = GANOverSampler(max_epochs=20, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, np.bincount(y_res)[[0, 9]].tolist()
    ((356, 1, 8, 8), dtype('uint8'), [178, 178])
    >>> sampler.history_[9][-1]["sample_check"]["passed"]
    True
    """

    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        **GANConfig.parameter_constraints(),
        "conditional": ["boolean"],
        "selection": [StrOptions(set(SELECTIONS)), None],
        "n_candidates": [Interval(numbers.Real, 1, None, closed="left")],
        "device": [str, torch.device],
        "n_jobs": [numbers.Integral, None],
    }
    _fitted_attribute = "generators_"

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        latent_dim=100,
        max_epochs="auto",
        batch_size=64,
        min_steps_per_epoch=10,
        lr=2e-4,
        loss="bce",
        architecture="auto",
        width=32,
        conditional=False,
        lr_d=None,
        n_critic=1,
        label_smoothing=0.0,
        feature_matching=0.0,
        diff_augment="auto",
        ema="auto",
        pre_augment=0,
        selection=None,
        n_candidates=2.0,
        early_stopping=None,
        precision="auto",
        sample_check="raise",
        init="random",
        init_epochs=5,
        device="auto",
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.min_steps_per_epoch = min_steps_per_epoch
        self.lr = lr
        self.loss = loss
        self.architecture = architecture
        self.width = width
        self.conditional = conditional
        self.lr_d = lr_d
        self.n_critic = n_critic
        self.label_smoothing = label_smoothing
        self.feature_matching = feature_matching
        self.diff_augment = diff_augment
        self.ema = ema
        self.pre_augment = pre_augment
        self.selection = selection
        self.n_candidates = n_candidates
        self.early_stopping = early_stopping
        self.precision = precision
        self.sample_check = sample_check
        self.init = init
        self.init_epochs = init_epochs
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _generate(self, images, fmt, y, targets, random_state):
        """Train the GANs, then draw each class's new images (model space)."""
        self.device_ = resolve_device(self.device)
        config = GANConfig.from_params(self.get_params(), fmt.image_shape, fmt.is_image)
        x = fmt.to_model(images)
        labels = [label for label, n in targets.items() if n > 0]
        tasks = self._training_tasks(x, y, labels)
        seeds = draw_seed(random_state, size=len(tasks) + len(labels))
        inits = [None] * len(tasks)
        if config.init == "autoencoder":
            if self.conditional:
                raise ValueError("init='autoencoder' starts one GAN per class; with conditional=True use "
                                 "init='random'")
            inits, self.init_history_ = autoencoder_init(
                x, [y == label for label in labels], config, draw_seed(random_state),
                self.device_, self.verbose)
        results = self._train(tasks, config, seeds[: len(tasks)], inits)
        discriminators = self._keep_fitted(tasks, results, labels)
        new = {}
        for label, seed in zip(labels, seeds[len(tasks):]):
            generator, n, seed = self.generators_[label], targets[label], int(seed)
            if self.selection is None:
                new[label] = generate(generator, n, seed, self.device_)
            else:
                new[label] = [draw_selected(
                    generator, n, seed, self.device_, self.selection, self.n_candidates,
                    x_class=x[y == label], x_other=x[y != label], discriminator=discriminators[label],
                    class_index=int(np.searchsorted(self.classes_, label)) if self.conditional else None,
                )]
        return new

    def _training_tasks(self, x, y, labels):
        """``(name, images, class indices or None, n_classes)`` per GAN to train."""
        if self.conditional:
            return [("conditional", x, np.searchsorted(self.classes_, y), len(self.classes_))]
        return [(label, x[y == label], None, 0) for label in labels]

    def _devices(self, n_tasks):
        """One device per task: classes spread over GPUs when ``device='cuda'``."""
        if self.device_.type == "cuda" and self.device_.index is None:
            count = torch.cuda.device_count()
            return [torch.device("cuda", i % count) for i in range(n_tasks)]
        return [self.device_] * n_tasks

    def _train(self, tasks, config, seeds, inits):
        """Train one GAN per task: in this process under one progress bar, or in
        parallel through joblib when ``n_jobs`` asks (a bar per task)."""
        jobs = [
            delayed(train_gan)(x, y, n_classes, config, int(seed), device, name, self.verbose, init=init)
            for (name, x, y, n_classes), seed, device, init in zip(tasks, seeds, self._devices(len(tasks)), inits)
        ]
        if self.n_jobs not in (None, 1) and len(jobs) > 1:
            return Parallel(n_jobs=self.n_jobs)(jobs)
        progress = Progress(config.max_epochs * len(jobs), self.verbose)
        try:
            return [fn(*args, **kwargs, progress=progress) for fn, args, kwargs in jobs]
        finally:
            progress.close()

    def _keep_fitted(self, tasks, results, labels):
        """Set ``history_`` and ``generators_``; return each label's discriminator."""
        self.history_ = {task[0]: history for task, (_, _, history) in zip(tasks, results)}
        if self.conditional:
            G, D, _ = results[0]
            self.generators_ = {label: ClassView(G, i) for i, label in enumerate(self.classes_)}
            return {label: D for label in labels}
        self.generators_ = {task[0]: G for task, (G, _, _) in zip(tasks, results)}
        return {task[0]: D for task, (_, D, _) in zip(tasks, results)}

    @property
    def sample_checks_(self):
        check_is_fitted(self, "generators_")
        return {label: epochs[-1]["sample_check"] for label, epochs in self.history_.items()
                if epochs and "sample_check" in epochs[-1]}

    def _sample_labels(self):
        return self.generators_

    def _draw(self, y, n_samples, seed):
        return generate(self.generators_[y], n_samples, seed, self.device_)

    # -- persistence (see PersistenceMixin) --------------------------------------
    def _state_to_save(self):
        labels = list(self.generators_)
        if self.conditional:
            modules = {"g": self.generators_[labels[0]].generator}
        else:
            modules = {f"g{i}": self.generators_[label] for i, label in enumerate(labels)}
        tensors = {
            f"{prefix}.{name}": tensor
            for prefix, module in modules.items()
            for name, tensor in module.state_dict().items()
        }
        fmt = self._image_format
        config = GANConfig.from_params(self.get_params(), fmt.image_shape, fmt.is_image)
        return tensors, {**self._sampler_state(), "network": config.to_dict(), "labels": to_json_value(labels)}

    @classmethod
    def _from_saved_state(cls, tensors, state, device):
        sampler = cls._sampler_from_state(state, device)
        labels = np.asarray(state["labels"], dtype=sampler.classes_.dtype)
        fmt = sampler._image_format
        config = GANConfig.from_params(state["network"], fmt.image_shape, fmt.is_image)
        n_classes = len(sampler.classes_) if sampler.conditional else 0
        prefixes = ["g"] if sampler.conditional else [f"g{i}" for i in range(len(labels))]
        modules = {}
        for prefix in prefixes:
            G, _ = build_networks(config.architecture, fmt.image_shape, n_classes=n_classes,
                                  **config.network_kwargs)
            if config.init == "autoencoder":  # the buffers are loaded below
                G = LatentGaussian(G, np.zeros(G.latent_dim), np.eye(G.latent_dim))
            G.load_state_dict({k[len(prefix) + 1:]: v for k, v in tensors.items() if k.split(".")[0] == prefix})
            modules[prefix] = G.eval()
        if sampler.conditional:
            sampler.generators_ = {label: ClassView(modules["g"], i) for i, label in enumerate(sampler.classes_)}
        else:
            sampler.generators_ = {label: modules[f"g{i}"] for i, label in enumerate(labels)}
        return sampler
