"""Building a generator/discriminator pair by name, initialised from a seed."""


import torch

from .._random import seeded_torch
from ._dcgan import DCGANDiscriminator, DCGANGenerator
from ._mlp import MLPDiscriminator, MLPGenerator
from ._resnet import ResNetDiscriminator, ResNetGenerator

__all__ = ["ARCHITECTURES", "ClassView", "build_networks", "init_dcgan", "init_xavier"]

#: Network families by name (``"auto"`` is resolved by the estimator).
ARCHITECTURES = ("dcgan", "resize-conv", "resnet", "mlp")


def init_dcgan(module):
    """DCGAN's initialisation (Radford et al., 2016): N(0, 0.02) weights,
    N(1, 0.02) norm scales.

    Label embeddings included, as BigGAN's ``init_weights`` does: left at
    torch's N(0, 1), the projection discriminator's class term (a sum over
    thousands of features) starts with logits ~40 times larger than the rest of
    the network's.
    """
    if isinstance(module, (torch.nn.Conv2d, torch.nn.ConvTranspose2d, torch.nn.Linear, torch.nn.Embedding)):
        torch.nn.init.normal_(getattr(module, "weight_orig", module.weight), 0.0, 0.02)
        if getattr(module, "bias", None) is not None:
            torch.nn.init.zeros_(module.bias)
    elif isinstance(module, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
        torch.nn.init.normal_(module.weight, 1.0, 0.02)
        torch.nn.init.zeros_(module.bias)


def init_xavier(module):
    """SNGAN's initialisation for the residual networks: Xavier-uniform weights.

    DCGAN's N(0, 0.02) shrinks the signal through ten unnormalised residual
    convolutions until the discriminator's logits start near zero and a BCE
    discriminator stays at chance.
    """
    if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear, torch.nn.Embedding)):
        torch.nn.init.xavier_uniform_(getattr(module, "weight_orig", module.weight))
        if getattr(module, "bias", None) is not None:
            torch.nn.init.zeros_(module.bias)




def build_networks(architecture, image_shape, *, latent_dim, width, n_classes=0, seed=0,
                   spectral_norm=False, batch_norm=True, output="tanh"):
    """Generator and discriminator of ``architecture``, initialised from ``seed``.

    Parameters
    ----------
    architecture : {"dcgan", "resize-conv", "resnet", "mlp"}
    image_shape : tuple of int
        ``(C, H, W)``; tabular rows are ``(n_features, 1, 1)``.
    latent_dim, width : int
    n_classes : int, default=0
        Class-conditional networks when positive.
    seed : int, default=0
    spectral_norm : bool, default=False
        Spectrally normalised discriminator layers.
    batch_norm : bool, default=True
        BatchNorm in the DCGAN discriminator (off for gradient penalties).
    output : {"tanh", "linear"}, default="tanh"
        The MLP generator's output.

    Built under :func:`~gansampler._random.seeded_torch`: global torch state is
    left untouched, and classes trained in threads (joblib's threading or dask
    backends) do not seed each other's initialisation.
    """
    with seeded_torch(seed):
        if architecture == "mlp":
            G = MLPGenerator(latent_dim, image_shape, width=width * 4, n_classes=n_classes, output=output)
            D = MLPDiscriminator(image_shape, width=width * 4, n_classes=n_classes, spectral_norm=spectral_norm)
        elif architecture == "resnet":
            G = ResNetGenerator(latent_dim, image_shape, width=width, n_classes=n_classes)
            D = ResNetDiscriminator(image_shape, width=width, n_classes=n_classes, spectral_norm=spectral_norm)
        elif architecture in ("dcgan", "resize-conv"):
            upsample = "nearest" if architecture == "resize-conv" else "transposed"
            G = DCGANGenerator(latent_dim, image_shape, width=width, n_classes=n_classes, upsample=upsample)
            D = DCGANDiscriminator(image_shape, width=width, n_classes=n_classes,
                                   spectral_norm=spectral_norm, batch_norm=batch_norm)
        else:
            raise ValueError(f"architecture must be one of {ARCHITECTURES}, got {architecture!r}")
        init = init_xavier if architecture == "resnet" else init_dcgan
        G.apply(init)
        D.apply(init)
    return G, D


class ClassView(torch.nn.Module):
    """One class of a conditional generator, with the unconditional interface."""

    def __init__(self, generator, class_index):
        super().__init__()
        self.generator = generator
        self.class_index = class_index
        self.latent_dim = generator.latent_dim
        self.image_shape = generator.image_shape

    def forward(self, z, y=None):
        y = torch.full((z.shape[0],), self.class_index, device=z.device)
        return self.generator(z, y)
