"""Train one GAN from a :class:`GANConfig`, retrying once on divergence."""

import numpy as np
import torch

from .._device import resolve_precision
from ..augmentation import transform_batch
from ..exceptions import GANTrainingError
from ..nn import build_networks
from ._loop import GANTrainer
from ._progress import progress_callback

__all__ = ["pre_augment", "train_gan"]


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


def train_gan(x, y, n_classes, config, seed, device, label, verbose=0):
    """Train one GAN on ``x`` (a float32 model-space array) as ``config`` says.

    A non-finite loss restarts training once, from ``seed + 1`` at half the
    learning rates.

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

    Returns
    -------
    generator, discriminator : torch.nn.Module
        On CPU, in eval mode and the default memory layout; the generator is
        the one that samples (the EMA copy when there is one).
    history : list of dict
        Per-epoch metrics.

    Raises
    ------
    GANTrainingError
        When training diverged twice.
    """
    if config.pre_augment:
        x, y = pre_augment(x, y, config.pre_augment, seed)
    precision = resolve_precision(config.precision, device, x.shape[1:], config.architecture)
    x_t = torch.from_numpy(x)
    y_t = None if y is None else torch.from_numpy(y)
    for attempt in range(2):
        G, D = build_networks(config.architecture, x.shape[1:], n_classes=n_classes, seed=seed + attempt,
                              **config.network_kwargs)
        scale = 2.0**-attempt
        progress = progress_callback(label, config.max_epochs, verbose)
        trainer = GANTrainer(
            G, D, loss=config.loss, lr_g=config.lr * scale, lr_d=(config.lr_d or config.lr) * scale,
            n_critic=config.n_critic, batch_size=config.batch_size, min_steps=config.min_steps_per_epoch,
            label_smoothing=config.label_smoothing, feature_matching=config.feature_matching,
            diff_augment=config.diff_augment, ema=config.ema, precision=precision, device=device,
            seed=seed + attempt, patience=config.early_stopping, callbacks=[progress],
            cuda_graph=config.cuda_graph,
        )
        try:
            history = trainer.fit(x_t, y_t, max_epochs=config.max_epochs)
        except GANTrainingError as exc:
            error = exc
            continue
        finally:
            progress.close()
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
