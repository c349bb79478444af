"""GANOverSampler: balance image classes with GAN-generated images."""

import copy
import json
import math
import numbers
import threading
from functools import partial

import numpy as np
import torch
from joblib import Parallel, delayed
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .._images import ImageFormat
from .._persistence import read_safetensors, to_json_value, write_safetensors
from .._random import check_random_state
from ..nn import (
    DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, MLPGenerator, ResNetDiscriminator, ResNetGenerator,
)
from ..training import LOSSES, GANDivergenceError, GANTrainer
from ..training._diff_augment import check_policy
from ._augment import transform_batch
from ._base import BaseImageOverSampler, resolve_device, write_chunks
from ._selection import SELECTIONS, critic_scores, select
from ..training._progress import progress_callback

__all__ = ["GANOverSampler", "GANTrainingError"]

_SAMPLE_CHUNK = 1024  # latent vectors drawn at a time: fixes the noise stream of a seed
# At most this many output values per forward pass on CPU. Drawn from 3x64x64
# images on 2 cores: passes of 128-170 images made 2,200-2,400 images/s against
# 1,550 for passes of 1,024, and the process peaked ~400 MB lower; at 28x28 the
# size of the pass made little difference.
_CPU_PASS_VALUES = 2**21


class GANTrainingError(RuntimeError):
    """GAN training failed (diverged) even after a retry."""


def _init_weights(module):
    """DCGAN initialisation: N(0, 0.02) weights, N(1, 0.02) norm scales.

    Label embeddings included, as BigGAN's ``init_weights`` does: left at
    torch's N(0, 1), the projection discriminator's class term (a sum over
    thousands of features) starts with logits ~40 times larger than the rest of
    the network's, and the conditional GAN's D loss sat at 7-19 instead of ~1.
    """
    if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear, torch.nn.Embedding)):
        weight = getattr(module, "weight_orig", module.weight)
        torch.nn.init.normal_(weight, 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            torch.nn.init.zeros_(module.bias)
    elif isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
        torch.nn.init.normal_(module.weight, 1.0, 0.02)
        torch.nn.init.zeros_(module.bias)


def _init_xavier(module):
    """SNGAN's initialisation for the residual networks: Xavier-uniform weights.

    DCGAN's N(0, 0.02) shrinks the signal through ten unnormalised residual
    convolutions: the discriminator's logits started at a std of 4e-4, and with
    the generator training beside it the BCE discriminator stayed at chance
    (loss 1.38 = 2 ln 2 for 12 epochs on PneumoniaMNIST's normals) although
    against a frozen generator its loss fell to 0.09 by the second epoch.
    """
    if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding)):
        torch.nn.init.xavier_uniform_(getattr(module, "weight_orig", module.weight))
        if getattr(module, "bias", None) is not None:
            torch.nn.init.zeros_(module.bias)


_INIT_LOCK = threading.Lock()


def build_networks(config, image_shape, n_classes, seed):
    """Generator and discriminator for ``config``, initialised from ``seed``.

    Built under a forked CPU RNG so global torch state is left untouched; the lock
    keeps classes trained in threads (joblib's threading or dask backends) from
    seeding each other's initialisation.
    """
    loss = config["loss"]
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        if config["architecture"] == "mlp":
            G = MLPGenerator(
                config["latent_dim"], image_shape, width=config["width"] * 4,
                n_classes=n_classes, output=config["output"],
            )
            D = MLPDiscriminator(
                image_shape, width=config["width"] * 4, n_classes=n_classes,
                spectral_norm=loss == "hinge",
            )
        elif config["architecture"] == "resnet":
            G = ResNetGenerator(config["latent_dim"], image_shape, width=config["width"], n_classes=n_classes)
            D = ResNetDiscriminator(
                image_shape, width=config["width"], n_classes=n_classes,
                spectral_norm=loss == "hinge",
            )
        else:
            G = DCGANGenerator(
                config["latent_dim"], image_shape, width=config["width"],
                n_classes=n_classes,
                upsample="nearest" if config["architecture"] == "resize-conv" else "transposed",
            )
            D = DCGANDiscriminator(
                image_shape, width=config["width"], n_classes=n_classes,
                spectral_norm=loss == "hinge", batch_norm=loss != "wgan-gp",
            )
        init = _init_xavier if config["architecture"] == "resnet" else _init_weights
        G.apply(init)
        D.apply(init)
    return G, D


class _ClassView(torch.nn.Module):
    """One class of a conditional generator, with the unconditional interface."""

    def __init__(self, generator, class_index):
        super().__init__()
        self.generator = generator
        self.class_index = class_index
        self.latent_dim = generator.latent_dim
        self.image_shape = generator.image_shape

    def forward(self, z, y=None):
        y = torch.full((z.shape[0],), self.class_index, device=z.device)
        return self.generator(z, y)


def pre_augment(x, y, copies, seed):
    """``x`` plus ``copies`` classically augmented copies of it (seed paper 003)."""
    generator = torch.Generator().manual_seed(int(seed))
    x_t = torch.from_numpy(x)
    parts = [x_t] + [transform_batch(x_t, generator) for _ in range(copies)]
    x = torch.cat(parts).numpy()
    return x, (None if y is None else np.tile(y, copies + 1))


def cpu_has_bf16():
    """Whether this CPU has native bf16 arithmetic (AVX512-BF16 or AMX); False
    where torch cannot tell (the probes are private and renamed across versions)."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported", "_is_cpu_support_avx512bf16")
    for name in probes:
        probe = getattr(torch.cpu, name, None)
        try:
            if probe is not None and probe():
                return True
        except Exception:  # pragma: no cover - a probe that fails means "cannot tell"
            continue
    return False


def resolve_precision(precision, device, image_shape=None, architecture="dcgan"):
    """"auto" is bf16 for convolutional GANs on images of at least 28x28 on CPUs
    with native bf16: about 1.2-1.3x faster epochs at 28x28 with the same
    benchmark quality (``benchmarks/speed.py``). Elsewhere fp32: at 8x8 and for MLPs the networks
    are too small for bf16 to pay for its casts (slower on digits), on CUDA bf16
    measured slower for these launch-bound networks, and CPUs without bf16
    instructions emulate it."""
    if precision != "auto":
        return precision
    large_images = (
        image_shape is not None and len(image_shape) == 3 and min(image_shape[1:]) >= 28
    )
    cpu_bf16 = torch.device(device).type == "cpu" and cpu_has_bf16()
    return "bf16" if cpu_bf16 and large_images and architecture != "mlp" else "fp32"


def train_gan(x, y, n_classes, config, seed, device, label, verbose):
    """Train one GAN on ``x`` (model-space float32 array); retry once on divergence.

    Returns the sampling generator and the discriminator (on CPU, eval mode) and
    the epoch history.
    """
    if config["pre_augment"]:
        x, y = pre_augment(x, y, config["pre_augment"], seed)
    for attempt in range(2):
        G, D = build_networks(config, x.shape[1:], n_classes, seed + attempt)
        lr = config["lr"] / 2**attempt
        callbacks = [progress_callback(label, config["max_epochs"], verbose)]
        trainer = GANTrainer(
            G, D, loss=config["loss"], lr_g=lr,
            lr_d=(config["lr_d"] or config["lr"]) / 2**attempt,
            n_critic=config["n_critic"], batch_size=config["batch_size"],
            min_steps=config["min_steps_per_epoch"],
            label_smoothing=config["label_smoothing"],
            feature_matching=config["feature_matching"],
            diff_augment=config["diff_augment"], ema=config["ema"],
            precision=resolve_precision(config["precision"], device, x.shape[1:],
                                        config["architecture"]),
            device=device, seed=seed + attempt, patience=config.get("early_stopping"),
            callbacks=callbacks,
        )
        x_t = torch.from_numpy(x)
        y_t = None if y is None else torch.from_numpy(y)
        try:
            history = trainer.fit(x_t, y_t, max_epochs=config["max_epochs"])
        except GANDivergenceError as exc:
            error = exc
            continue
        finally:
            callbacks[0].close()
        # back to the default layout (the trainer runs channels-last), so a fitted
        # generator and one loaded from disk run the same kernels on any device
        G, D = (net.cpu().to(memory_format=torch.contiguous_format).eval()
                for net in (trainer.sampling_generator, trainer.D))
        return G, D, history
    raise GANTrainingError(
        f"GAN training for class {getattr(label, 'item', lambda: label)()!r} diverged (non-finite loss at epoch "
        f"{error.epoch}) twice, the second time with half the learning rate. Try a "
        "lower lr, loss='wgan-gp' or loss='hinge'."
    )


@torch.no_grad()
def generate(generator, n_samples, seed, device, chunk_size=_SAMPLE_CHUNK):
    """Yield ``n_samples`` images from ``generator`` in float32 chunks.

    Noise comes from a CPU ``torch.Generator`` seeded with ``seed``, drawn
    ``chunk_size`` vectors at a time, so the same seed draws the same latent
    vectors on every device. On CPU, large images go through the generator in
    smaller passes (at most ``_CPU_PASS_VALUES`` output values each), and each
    pass is a chunk.
    """
    rng = torch.Generator().manual_seed(int(seed))
    model = generator if device.type == "cpu" else copy.deepcopy(generator).to(device)
    model.eval()
    step = chunk_size
    image_shape = getattr(generator, "image_shape", None)
    if device.type == "cpu" and image_shape is not None:
        step = max(1, min(chunk_size, _CPU_PASS_VALUES // math.prod(image_shape)))
    for start in range(0, n_samples, chunk_size):
        z = torch.randn(min(chunk_size, n_samples - start), generator.latent_dim, generator=rng).to(device)
        for i in range(0, len(z), step):
            # yielded without a name in this frame, so that the consumer holds
            # the only reference and the chunk is freed before the next one is made
            yield _checked_numpy(model(z[i : i + step]))


def _checked_numpy(images):
    if not torch.isfinite(images).all():
        raise GANTrainingError("the generator produced non-finite images")
    return images.float().cpu().numpy()


class GANOverSampler(BaseImageOverSampler):
    """Over-sample classes with images drawn from a GAN trained on each class.

    By default one DCGAN (Radford et al., 2016) is trained per class that needs
    new samples, as in the seed papers; ``conditional=True`` trains one
    class-conditional GAN on all classes instead. The originals are returned
    first, unchanged, followed by the synthetic images.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        As in imbalanced-learn's samplers: a float (binary targets), 'auto',
        'minority', 'not minority', 'not majority', 'all', a dict of target
        counts, or a callable returning one.
    image_shape : tuple of int, default=None
        ``(C, H, W)`` or ``(H, W)`` of each row when ``X`` is 2-D. Without it,
        2-D ``X`` is treated as tabular data (with ``architecture="auto"``, an
        MLP GAN). 3-D ``X`` is ``(n, H, W)``, 4-D ``X`` is ``(n, C, H, W)``.
    latent_dim : int, default=100
        Size of the generator's input noise.
    max_epochs : int, default=60
        Passes over each class's images.
    batch_size : int, default=64
    min_steps_per_epoch : int, default=10
        Fewest generator steps in an epoch: a class smaller than
        ``10 * batch_size`` images sees its images more than once per epoch, so
        small classes still get ``max_epochs * 10`` steps.
    lr : float, default=2e-4
        Adam learning rate of the generator (and of the discriminator unless
        ``lr_d`` is given); Adam betas are (0.5, 0.999) as in DCGAN.
    loss : {"bce", "lsgan", "hinge", "wgan", "wgan-gp"}, default="bce"
    architecture : {"auto", "dcgan", "resize-conv", "resnet", "mlp"}, default="auto"
        "auto" is "dcgan" for images and "mlp" for tabular rows.
        "resize-conv" is the DCGAN with each transposed convolution of the
        generator replaced by nearest upsampling and a 3x3 convolution (no
        checkerboard artifacts). "resnet" is SNGAN's residual generator and
        discriminator (no BatchNorm in the discriminator; spectral norm with
        the hinge loss, as for the other architectures), initialised as in SNGAN.
    width : int, default=32
        Channel width of the networks (the DCGAN paper uses 64).
    conditional : bool, default=False
        Train one class-conditional GAN for all classes.
    lr_d : float, default=None
        Discriminator learning rate; None means ``lr``.
    n_critic : int, default=1
        Discriminator steps per generator step.
    label_smoothing : float, default=0.0
        One-sided label smoothing of the real target.
    feature_matching : float, default=0.0
        Weight of the feature-matching term in the generator loss.
    diff_augment : str or None, default=None
        DiffAugment policy, e.g. "color,translation,cutout".
    ema : float or None, default=None
        Decay of an exponential moving average of the generator, used for
        sampling; warmed up over the first steps (``min(ema, (1 + t) / (10 + t))``
        at update ``t``) so that the random initial weights fade out.
    pre_augment : int, default=0
        Classic augmentation before GAN training (seed paper 003): each GAN is
        trained on its class plus this many randomly augmented copies of it
        (:class:`AugmentationOverSampler`'s default transforms). The synthetic
        rows still all come from the generator.
    selection : {"discriminator", "nearest", "critic"} or None, default=None
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
    precision : {"auto", "fp32", "bf16"}, default="auto"
        "bf16" runs the forward passes under bf16 autocast (weights,
        optimizer state and losses stay fp32). "auto" is bf16 for
        convolutional GANs on images of 28x28 and larger on CPUs with bf16
        instructions (AVX512-BF16, AMX), where it trained the default networks
        about 1.2-1.3x faster with the same benchmark quality, and fp32
        elsewhere (slower at 8x8 and on CUDA for these small networks; see
        ``benchmarks/speed.py``). bf16 results depend on the number of CPU
        threads: pass "fp32" for the same bits whatever ``n_jobs`` or the
        joblib backend.
    device : str or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU.
    n_jobs : int, default=None
        Classes trained in parallel with joblib (-1: all cores).
    random_state : int, RandomState instance or None, default=None
        The only source of randomness; an integer gives bit-identical output
        on the same CPU with the same number of threads.
    verbose : int, default=0
        1 shows a progress bar per class with live losses.

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

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import GANOverSampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    >>> y = np.array([0] * 45 + [1] * 15)
    >>> sampler = GANOverSampler(max_epochs=2, random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, np.bincount(y_res).tolist()
    ((90, 8, 8), dtype('uint8'), [45, 45])
    """

    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        "latent_dim": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "min_steps_per_epoch": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "loss": [StrOptions(set(LOSSES))],
        "architecture": [StrOptions({"auto", "dcgan", "resize-conv", "resnet", "mlp"})],
        "width": [Interval(numbers.Integral, 1, None, closed="left")],
        "conditional": ["boolean"],
        "lr_d": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "n_critic": [Interval(numbers.Integral, 1, None, closed="left")],
        "label_smoothing": [Interval(numbers.Real, 0, 1, closed="left")],
        "feature_matching": [Interval(numbers.Real, 0, None, closed="left")],
        "diff_augment": [str, None],
        "ema": [Interval(numbers.Real, 0, 1, closed="neither"), None],
        "pre_augment": [Interval(numbers.Integral, 0, None, closed="left")],
        "selection": [StrOptions(set(SELECTIONS)), None],
        "n_candidates": [Interval(numbers.Real, 1, None, closed="left")],
        "early_stopping": [Interval(numbers.Integral, 1, None, closed="left"), None],
        "precision": [StrOptions({"auto", "fp32", "bf16"})],
        "device": [str, torch.device],
        "n_jobs": [numbers.Integral, None],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        latent_dim=100,
        max_epochs=60,
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
        diff_augment=None,
        ema=None,
        pre_augment=0,
        selection=None,
        n_candidates=2.0,
        early_stopping=None,
        precision="auto",
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
        self.device = device
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    def _config(self, fmt):
        check_policy(self.diff_augment)
        architecture = self.architecture
        if architecture == "auto":
            architecture = "dcgan" if fmt.is_image else "mlp"
        if architecture != "mlp" and min(fmt.image_shape[1:]) < 4:
            raise ValueError(
                f"architecture={architecture!r} needs images of at least 4x4 pixels, got "
                f"image_shape={fmt.image_shape}; use architecture='mlp'."
            )
        params = self.get_params()
        config = {key: params[key] for key in (
            "latent_dim", "max_epochs", "batch_size", "min_steps_per_epoch", "lr", "lr_d", "loss", "width",
            "n_critic", "label_smoothing", "feature_matching", "diff_augment", "ema",
            "pre_augment", "early_stopping", "precision",
        )}
        config["architecture"] = architecture
        config["output"] = "tanh"
        return config

    def _devices(self, n_tasks):
        """One device per task: classes spread over GPUs when ``device='cuda'``."""
        if self.device_.type == "cuda" and self.device_.index is None:
            count = torch.cuda.device_count()
            return [torch.device("cuda", i % count) for i in range(n_tasks)]
        return [self.device_] * n_tasks

    def _generate(self, images, fmt, y, targets, random_state):
        self.device_ = resolve_device(self.device)
        config = self._config(fmt)
        x = fmt.to_model(images)
        labels = [label for label, n in targets.items() if n > 0]
        if self.conditional:
            tasks = [("conditional", x, np.searchsorted(self.classes_, y), len(self.classes_))]
        else:
            tasks = [(label, x[y == label], None, 0) for label in labels]
        seeds = random_state.randint(np.iinfo(np.int32).max, size=len(tasks) + len(labels))
        devices = self._devices(len(tasks))
        jobs = (
            delayed(train_gan)(xs, ys, n, config, int(seed), dev, label, self.verbose)
            for (label, xs, ys, n), seed, dev in zip(tasks, seeds, devices)
        )
        if self.n_jobs in (None, 1) or len(tasks) == 1:
            results = [fn(*args, **kwargs) for fn, args, kwargs in jobs]
        else:
            results = Parallel(n_jobs=self.n_jobs)(jobs)
        self.history_ = {task[0]: h for task, (_, _, h) in zip(tasks, results)}
        if self.conditional:
            G = results[0][0]
            self.generators_ = {
                label: _ClassView(G, i) for i, label in enumerate(self.classes_)
            }
            discriminators = {label: results[0][1] for label in labels}
        else:
            self.generators_ = {task[0]: G for task, (G, _, _) in zip(tasks, results)}
            discriminators = {task[0]: D for task, (_, D, _) in zip(tasks, results)}
        sample_seeds = dict(zip(labels, seeds[len(tasks):]))
        new = {}
        for label in labels:
            n, seed = targets[label], sample_seeds[label]
            if self.selection is None:
                new[label] = generate(self.generators_[label], n, seed, self.device_)
                continue
            n_candidates = int(np.ceil(n * self.n_candidates))
            candidates = np.concatenate(list(
                generate(self.generators_[label], n_candidates, seed, self.device_)
            ))
            index = int(np.searchsorted(self.classes_, label))
            x_class = x[y == label]
            critic = None
            if self.selection == "critic":  # trained on a draw independent of the candidates
                x_fake = np.concatenate(list(generate(
                    self.generators_[label], min(max(len(x_class), 256), 2048), seed + 1, self.device_
                )))
                critic = partial(critic_scores, x_real=x_class, x_fake=x_fake, seed=seed,
                                 device=self.device_)
            new[label] = [select(
                candidates, n, self.selection, x_class=x_class,
                x_other=x[y != label], discriminator=discriminators[label],
                class_index=index if self.conditional else None, critic=critic,
            )]
        return new

    def _fit_resample(self, X, y):
        self.classes_ = np.unique(y)
        return super()._fit_resample(X, y)

    def sample(self, n_samples, y, random_state=None):
        """Draw new images of class ``y`` from the fitted generator.

        Parameters
        ----------
        n_samples : int
            Number of images.
        y : label
            A class the sampler has a generator for.
        random_state : int, RandomState instance or None, default=None
            Seed of the latent noise; the same seed gives the same images.

        Returns
        -------
        X : ndarray
            ``n_samples`` images in the layout, dtype and range of the fitted data.
        """
        check_is_fitted(self, "generators_")
        if not isinstance(n_samples, numbers.Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}")
        if y not in self.generators_:
            raise ValueError(
                f"No generator for class {y!r}; fitted classes with generators: "
                f"{sorted(np.asarray(list(self.generators_)).tolist())}"
            )
        fmt = self._image_format
        self._check_request_size(fmt, n_samples)
        seed = check_random_state(random_state).randint(np.iinfo(np.int32).max)
        # in the fitted data's layout from the start (a view of a new array), so
        # chunks are written as from_model gives them, as fit_resample writes them
        out = fmt.to_layout(np.empty((n_samples, *fmt.image_shape), dtype=fmt.dtype))
        write_chunks(generate(self.generators_[y], n_samples, seed, self.device_), out, 0, fmt.from_model)
        return out

    # -- persistence ------------------------------------------------------------
    def save(self, path):
        """Save the fitted sampler without pickle: one safetensors file.

        The generator weights are stored as safetensors tensors and everything
        else (parameters, image format, classes, history) as JSON in the file's
        metadata, so :meth:`load` never executes code from the file.
        Parameters that are not JSON (a callable ``sampling_strategy``, a
        RandomState) are stored as None; the fitted ``sampling_strategy_`` is kept.

        Parameters
        ----------
        path : str or path-like
            Usually ending in ``.safetensors``.
        """
        check_is_fitted(self, "generators_")
        params = {}
        for key, value in self.get_params().items():
            value = str(value) if isinstance(value, torch.device) else to_json_value(value)
            try:
                json.dumps(value)
            except TypeError:
                value = None
            params[key] = value
        fmt = self._image_format
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
        config = {
            "format_version": 1,
            "class": type(self).__name__,
            "params": params,
            "network": self._config(fmt),
            "image_format": fmt.to_dict(),
            "classes": to_json_value(self.classes_),
            "classes_dtype": self.classes_.dtype.str,
            "labels": to_json_value(labels),
            "sampling_strategy_": [[to_json_value(k), int(v)] for k, v in self.sampling_strategy_.items()],
            "history_": to_json_value({str(k): v for k, v in self.history_.items()}),
            "device_": str(self.device_),
            "n_features_in_": int(self.n_features_in_),
        }
        write_safetensors(path, tensors, config)

    @classmethod
    def load(cls, path, device="auto"):
        """Load a sampler written by :meth:`save`; no code is unpickled.

        Parameters
        ----------
        path : str or path-like
        device : str or torch.device, default="auto"
            Where :meth:`sample` runs; a sampler fitted on CUDA loads on a
            CPU-only machine.

        Returns
        -------
        sampler : GANOverSampler
            Fitted: ``sample`` with a given ``random_state`` reproduces the
            images the saved sampler gives for that seed.
        """
        tensors, config = read_safetensors(path)
        if config.get("class") != cls.__name__ or config.get("format_version") != 1:
            raise ValueError(f"{path} does not hold a {cls.__name__} (format version 1)")
        try:
            params = {**config["params"], "device": device}
            sampler = cls(**params)
            dtype = np.dtype(config["classes_dtype"])
            sampler.classes_ = np.asarray(config["classes"], dtype=dtype)
            labels = np.asarray(config["labels"], dtype=dtype)
            fmt = ImageFormat.from_dict(config["image_format"])
            network = config["network"]
            n_classes = len(sampler.classes_) if sampler.conditional else 0
            prefixes = ["g"] if sampler.conditional else [f"g{i}" for i in range(len(labels))]
            modules = {}
            for prefix in prefixes:
                G, _ = build_networks(network, fmt.image_shape, n_classes, seed=0)
                state = {k[len(prefix) + 1:]: v for k, v in tensors.items() if k.split(".")[0] == prefix}
                G.load_state_dict(state, strict=True)
                modules[prefix] = G.eval()
            if sampler.conditional:
                sampler.generators_ = {
                    label: _ClassView(modules["g"], i) for i, label in enumerate(sampler.classes_)
                }
            else:
                sampler.generators_ = {label: modules[f"g{i}"] for i, label in enumerate(labels)}
            sampler._image_format = fmt
            sampler.image_shape_ = fmt.image_shape
            sampler.sampling_strategy_ = {
                np.asarray(k, dtype=dtype)[()]: v for k, v in config["sampling_strategy_"]
            }
            sampler.history_ = config["history_"]
            sampler.n_features_in_ = config["n_features_in_"]
            sampler.device_ = resolve_device(device)
        except (KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(f"{path} is not a valid {cls.__name__} file: {exc}") from exc
        return sampler
