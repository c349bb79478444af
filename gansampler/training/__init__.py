"""GAN training: losses, the training loop, one-run training from a config,
and generation from a trained generator."""

from ._config import GANConfig
from ._generate import generate
from ._loop import GANTrainer
from ._losses import LOSSES, make_loss
from ._train import train_gan

__all__ = ["GANConfig", "GANTrainer", "LOSSES", "generate", "make_loss", "train_gan"]
