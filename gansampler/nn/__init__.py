"""Pure torch modules: generators, discriminators, autoencoders built from them,
the classifier CNN, and the functions that build them by name."""

from ._autoencoder import Autoencoder, Encoder, LatentGaussian, build_autoencoder
from ._build import ARCHITECTURES, ClassView, build_networks
from ._cnn import SmallCNN
from ._dcgan import DCGANDiscriminator, DCGANGenerator, FlattenChannelsLast
from ._mlp import MLPDiscriminator, MLPGenerator
from ._resnet import ResNetDiscriminator, ResNetGenerator

__all__ = [
    "ARCHITECTURES",
    "Autoencoder",
    "ClassView",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "Encoder",
    "FlattenChannelsLast",
    "LatentGaussian",
    "MLPDiscriminator",
    "MLPGenerator",
    "ResNetDiscriminator",
    "ResNetGenerator",
    "SmallCNN",
    "build_autoencoder",
    "build_networks",
]
