"""Train one GAN from a :class:`GANConfig`: retry once on divergence, check
the images it makes, and train again from a fresh seed when they fail."""

import warnings

import numpy as np
import torch

from .._random import SEED_BOUND
from ..augmentation import transform_batch
from ..exceptions import GANTrainingError
from ..nn import ClassView, LatentGaussian, build_networks
from ._autoencoder import AutoencoderConfig, encode, train_autoencoder
from ._check import N_CHECK, check_samples
from ._generate import generate
from ._loop import GANTrainer
from ._progress import Progress

__all__ = ["GANSampleWarning", "attempt_seed", "autoencoder_init", "pre_augment", "report_failed_check",
           "train_checked", "train_gan"]

#: Trainings per model before a failed sample check is final.
CHECK_ATTEMPTS = 2


class GANSampleWarning(UserWarning):
    """A trained generator failed the sample check, and ``sample_check="warn"``."""


def pre_augment(x, y, copies, seed):
    """``x`` plus ``copies`` classically augmented copies of it, the "classic
    augmentation, then GAN" recipe of Lim et al. (2022); ``y`` is tiled to
    match (None stays None)."""
    generator = torch.Generator().manual_seed(int(seed))
    x_t = torch.from_numpy(x)
    parts = [x_t] + [transform_batch(x_t, generator) for _ in range(copies)]
    return torch.cat(parts).numpy(), (None if y is None else np.tile(y, copies + 1))


def _label_text(label):
    return repr(label.item() if hasattr(label, "item") else label)



def attempt_seed(seed, attempt):
    """The seed of a model's ``attempt``-th training (0: ``seed`` itself), derived
    deterministically from the seed ``random_state`` gave it."""
    if attempt == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), attempt]).generate_state(1)[0] % SEED_BOUND)


def train_checked(train, check, seed, sample_check, *, describe, on_retry=None, retry_divergence=False):
    """Train with ``train(seed)`` and, where ``sample_check`` is set, check
    the result with ``check(result, seed)`` (key -> :class:`SampleCheck`);
    a result that fails is trained once more from a seed derived from
    ``seed`` (:func:`attempt_seed`), after ``on_retry()``. With
    ``retry_divergence``, a :class:`GANTrainingError` from ``train`` leads to
    that second training too, where one is left.

    Returns
    -------
    result
        What the last training returned.
    attempts : list
        Per training, ``describe(checks)`` or ``{"diverged": message}``.
    failed : dict
        The last training's failed checks (empty when they passed or none ran).
    """
    attempts, failed = [], {}
    n_attempts = CHECK_ATTEMPTS if sample_check else 1
    for attempt in range(n_attempts):
        if attempt and on_retry is not None:
            on_retry()
        attempt_seed_ = attempt_seed(seed, attempt)
        try:
            result = train(attempt_seed_)
        except GANTrainingError as exc:
            if not retry_divergence or attempt + 1 == n_attempts:
                raise
            attempts.append({"diverged": str(exc)})
            continue
        if not sample_check:
            break
        checks = check(result, attempt_seed_)
        attempts.append(describe(checks))
        failed = {k: c for k, c in checks.items() if not c.passed}
        if not failed:
            break
    return result, attempts, failed


def report_failed_check(message, failed, sample_check, stacklevel, **error):
    """Raise :class:`GANTrainingError` (``sample_check="raise"``, with the first
    failed check's figures and ``error``) or warn :class:`GANSampleWarning`
    ("warn") with ``message``; ``stacklevel`` counts from this function."""
    if sample_check == "raise":
        raise GANTrainingError(message, metrics=next(iter(failed.values())).figures, **error)
    warnings.warn(message, GANSampleWarning, stacklevel=stacklevel)


def autoencoder_init(x, groups, config, seed, device, verbose=0):
    """BAGAN's start (Mariani et al., 2018) for one GAN per group of ``x``: an
    autoencoder trained on all of ``x``, whose decoder and encoder features the
    GANs start from, and each group's Gaussian in the code space (Ledoit-Wolf
    covariance, well conditioned even with few images).

    Parameters
    ----------
    x : ndarray of shape (n, C, H, W)
        Every class's images, model space.
    groups : list of boolean masks over ``x``
        The images of each GAN's class.
    config : GANConfig
        ``init_epochs`` epochs of the autoencoder, with the GAN's networks.

    Returns
    -------
    inits : list of dict
        The ``init`` of :func:`train_gan` for each group.
    history : list of dict
        The autoencoder's epochs.
    """
    from sklearn.covariance import LedoitWolf

    ae_config = AutoencoderConfig(latent_dim=config.latent_dim, max_epochs=config.init_epochs,
                                  batch_size=config.batch_size, architecture=config.architecture, width=config.width,
                                  kind="ae")
    model, history = train_autoencoder(x, np.zeros(len(x), np.int64), 0, ae_config, seed, device, verbose,
                                       network_kwargs=config.layer_kwargs)
    inits = []
    for group in groups:
        codes = encode(model.encoder, x[group], device).astype(np.float64)
        covariance = LedoitWolf().fit(codes).covariance_ if len(codes) > 1 else np.eye(codes.shape[1]) * 1e-2
        inits.append({"decoder": model.decoder.state_dict(), "features": model.encoder.features.state_dict(),
                      "mean": codes.mean(0), "scale": np.linalg.cholesky(covariance + 1e-6 * np.eye(len(covariance)))})
    return inits, history


def _initialise(G, D, init):
    """BAGAN's start (Mariani et al., 2018): the generator is the autoencoder's
    decoder and the discriminator's features its encoder's, and the generator
    draws from the class's Gaussian in the code space."""
    G.load_state_dict(init["decoder"])
    D.features.load_state_dict(init["features"])
    return LatentGaussian(G, init["mean"], init["scale"]), D


def _fit(x, y, n_classes, config, seed, device, label, progress, init=None):
    """One training, retried once from ``seed + 1`` at half the learning rates
    if a loss becomes non-finite; ``init`` (see :func:`train_gan`) starts it
    from an autoencoder."""
    x_t = torch.from_numpy(x)
    y_t = None if y is None else torch.from_numpy(y)
    for attempt in range(2):
        if attempt:
            progress.again(config.max_epochs)
        G, D = build_networks(config.architecture, x.shape[1:], n_classes=n_classes, seed=seed + attempt,
                              **config.network_kwargs)
        if init is not None:
            G, D = _initialise(G, D, init)
        trainer = GANTrainer(G, D, config, device=device, seed=seed + attempt, lr_scale=2.0**-attempt,
                             callbacks=[progress.model(label, config.max_epochs)])
        try:
            history = trainer.fit(x_t, y_t, max_epochs=config.max_epochs)
        except GANTrainingError as exc:
            error = exc
            continue
        finally:
            progress.finished()
        # back to the default layout (the trainer runs channels-last), so a fitted
        # generator and one loaded from disk run the same kernels on any device
        G, D = (net.cpu().to(memory_format=torch.contiguous_format).eval()
                for net in (trainer.sampling_generator, trainer.D))
        return G, D, history
    raise GANTrainingError(
        f"GAN training for class {_label_text(label)} diverged (non-finite loss at epoch "
        f"{error.epoch}) twice, the second time with half the learning rate. Try a "
        "lower lr, loss='wgan-gp' or loss='hinge'.",
        label=label, epoch=error.epoch, metrics=error.metrics,
    )


def _check(G, x, y, n_classes, seed):
    """The sample check of ``G`` against ``x`` (per class when conditional)."""
    if not n_classes:
        fake = np.concatenate(list(generate(G, N_CHECK, seed, "cpu")))
        return {None: check_samples(fake, x[:N_CHECK * 4], seed)}
    checks = {}
    for index in np.unique(y):
        fake = np.concatenate(list(generate(ClassView(G, int(index)), N_CHECK, seed, "cpu")))
        checks[int(index)] = check_samples(fake, x[y == index][:N_CHECK * 4], seed)
    return checks


def train_gan(x, y, n_classes, config, seed, device, label, verbose=0, progress=None, init=None):
    """Train one GAN on ``x`` (a float32 model-space array) as ``config`` says.

    A non-finite loss restarts training once, from ``seed + 1`` at half the
    learning rates. With ``config.sample_check`` set, the trained generator's
    images are checked against ``x`` (:func:`check_samples`: noise, collapse,
    no layout, off statistics); a failing model is trained once more from a fresh seed
    derived from ``seed`` (:func:`attempt_seed`), and if it fails again, a
    :class:`GANTrainingError` is raised ("raise") or a
    :class:`GANSampleWarning` issued ("warn"). The checks are recorded in the
    last epoch of the history, under ``"sample_check"``.

    Parameters
    ----------
    x : ndarray of shape (n, C, H, W)
    y : ndarray of shape (n,) or None
        Class indices for a conditional GAN (``n_classes > 0``).
    n_classes : int
    config : GANConfig
    seed : int
    device : torch.device
    label : object
        The class (for progress and errors).
    verbose : int, default=0
    progress : Progress, default=None
        A bar shared by the models of one fit; None makes one for this model.
    init : dict, default=None
        Start from an autoencoder trained on every class (BAGAN): ``decoder``
        and ``features`` (state dicts for the generator and the
        discriminator's feature stack) and ``mean``, ``scale`` (the class's
        Gaussian in the code space, which the generator draws from).

    Returns
    -------
    generator, discriminator : torch.nn.Module
        On CPU, in eval mode and the default memory layout; the generator is
        the one that samples (the EMA copy when there is one).
    history : list of dict
        Per-epoch metrics of the training that was kept.

    Raises
    ------
    GANTrainingError
        When training diverged twice, or (``sample_check="raise"``) its images
        failed the check twice.
    """
    own_progress = progress is None
    progress = Progress(config.max_epochs, verbose, desc=f"GAN class {label}") if own_progress else progress
    x_train, y_train = (pre_augment(x, y, config.pre_augment, seed) if config.pre_augment else (x, y))
    try:
        (G, D, history), attempts, failed = train_checked(
            lambda s: _fit(x_train, y_train, n_classes, config, s, device, label, progress, init),
            lambda result, s: _check(result[0], x, y, n_classes, s), seed, config.sample_check,
            describe=lambda checks: ({str(k): c.to_dict() for k, c in checks.items()} if n_classes
                                     else checks[None].to_dict()),
            on_retry=lambda: progress.again(config.max_epochs))
    finally:
        if own_progress:
            progress.close()
    if not config.sample_check:
        return G, D, history
    history[-1]["sample_check"] = {"passed": not failed, "attempts": attempts}
    if failed:
        where = "; ".join(f"{'' if k is None else f'class index {k}: '}{'; '.join(c.failures)}"
                          for k, c in failed.items())
        report_failed_check(
            f"the GAN for class {_label_text(label)} failed the sample check after {len(attempts)} "
            f"trainings from different seeds: {where}. Look at sampler.history_[...][-1]['sample_check'], "
            "try more epochs, diff_augment='translation,cutout' or another architecture; "
            "sample_check='warn' keeps the images anyway.", failed, config.sample_check, 3, label=label)
    return G, D, history
