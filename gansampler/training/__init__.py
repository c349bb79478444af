"""GAN training: losses, the training loop, one-run training from a config,
and generation from a trained generator."""

from ._autoencoder import AutoencoderConfig, AutoencoderTrainer, encode, train_autoencoder
from ._check import SampleCheck, check_samples
from ._config import GANConfig, resolve_auto
from ._generate import generate
from ._loop import GANTrainer
from ._losses import LOSSES, make_loss
from ._progress import Progress
from ._train import GANSampleWarning, autoencoder_init, train_gan

__all__ = [
    "AutoencoderConfig",
    "AutoencoderTrainer",
    "GANConfig",
    "GANSampleWarning",
    "GANTrainer",
    "LOSSES",
    "Progress",
    "SampleCheck",
    "autoencoder_init",
    "check_samples",
    "encode",
    "generate",
    "make_loss",
    "resolve_auto",
    "train_autoencoder",
    "train_gan",
]
