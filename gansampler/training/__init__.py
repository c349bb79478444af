"""GAN training: losses, differentiable augmentation and the training loop."""

from ._diff_augment import AUGMENTATIONS, diff_augment
from ._losses import LOSSES, make_loss
from ._loop import GANDivergenceError, GANTrainer

__all__ = [
    "AUGMENTATIONS",
    "GANDivergenceError",
    "GANTrainer",
    "LOSSES",
    "diff_augment",
    "make_loss",
]
