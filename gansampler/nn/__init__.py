"""Pure torch modules: generators, discriminators and the classifier CNN."""

from ._cnn import SmallCNN
from ._dcgan import DCGANDiscriminator, DCGANGenerator, FlattenChannelsLast
from ._mlp import MLPDiscriminator, MLPGenerator

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FlattenChannelsLast",
    "MLPDiscriminator",
    "MLPGenerator",
    "SmallCNN",
]
