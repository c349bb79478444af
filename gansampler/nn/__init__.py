"""Pure torch modules: generators, discriminators and the classifier CNN."""

from ._cnn import SmallCNN
from ._dcgan import DCGANDiscriminator, DCGANGenerator
from ._mlp import MLPDiscriminator, MLPGenerator

__all__ = [
    "DCGANDiscriminator",
    "DCGANGenerator",
    "MLPDiscriminator",
    "MLPGenerator",
    "SmallCNN",
]
