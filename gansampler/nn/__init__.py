"""Pure torch modules: generators, discriminators, the classifier CNN, and the
function that builds a GAN's pair of networks by name."""

from ._build import ARCHITECTURES, ClassView, build_networks
from ._cnn import SmallCNN
from ._dcgan import DCGANDiscriminator, DCGANGenerator, FlattenChannelsLast
from ._mlp import MLPDiscriminator, MLPGenerator
from ._resnet import ResNetDiscriminator, ResNetGenerator

__all__ = [
    "ARCHITECTURES",
    "ClassView",
    "DCGANDiscriminator",
    "DCGANGenerator",
    "FlattenChannelsLast",
    "MLPDiscriminator",
    "MLPGenerator",
    "ResNetDiscriminator",
    "ResNetGenerator",
    "SmallCNN",
    "build_networks",
]
