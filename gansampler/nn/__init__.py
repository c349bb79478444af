"""Pure torch modules: generators, discriminators and the classifier CNN."""

from ._cnn import SmallCNN
from ._dcgan import DCGANDiscriminator, DCGANGenerator, FlattenChannelsLast
from ._mlp import MLPDiscriminator, MLPGenerator
from ._resnet import ResNetDiscriminator, ResNetGenerator

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FlattenChannelsLast",
    "MLPDiscriminator",
    "MLPGenerator",
    "ResNetDiscriminator",
    "ResNetGenerator",
    "SmallCNN",
]
