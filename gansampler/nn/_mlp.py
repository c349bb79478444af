"""Fully connected generator and discriminator, for tabular rows and tiny images."""

import math

import torch
from torch import nn
from torch.nn.utils import spectral_norm as _spectral_norm

from ._projection import ProjectionDiscriminator

__all__ = ["MLPDiscriminator", "MLPGenerator"]


class MLPGenerator(nn.Module):
    """Latent vector to ``image_shape`` through Linear + BatchNorm + ReLU layers.

    Parameters
    ----------
    latent_dim : int
    image_shape : tuple of int
        ``(C, H, W)``; tabular rows use ``(n_features, 1, 1)``.
    width : int, default=128
        Hidden units per layer.
    n_layers : int, default=2
        Hidden layers.
    n_classes : int, default=0
        Class-conditional when positive.
    output : {"tanh", "linear"}, default="tanh"
    """

    def __init__(
        self, latent_dim, image_shape, width=128, n_layers=2, n_classes=0, output="tanh"
    ):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        self.n_classes = n_classes
        in_dim = latent_dim
        if n_classes:
            self.embed = nn.Embedding(n_classes, latent_dim)
            in_dim += latent_dim
        layers = []
        for _ in range(n_layers):
            layers += [nn.Linear(in_dim, width), nn.BatchNorm1d(width), nn.ReLU(True)]
            in_dim = width
        layers.append(nn.Linear(in_dim, math.prod(image_shape)))
        if output == "tanh":
            layers.append(nn.Tanh())
        self.net = nn.Sequential(*layers)

    def forward(self, z, y=None):
        if self.n_classes:
            z = torch.cat([z, self.embed(y)], dim=1)
        return self.net(z).view(-1, *self.image_shape)


class MLPDiscriminator(ProjectionDiscriminator):
    """Flattened input to one logit through Linear + LeakyReLU layers.

    Parameters
    ----------
    image_shape : tuple of int
    width : int, default=128
    n_layers : int, default=2
    n_classes : int, default=0
        Adds a projection term when positive.
    spectral_norm : bool, default=False
    """

    def __init__(
        self, image_shape, width=128, n_layers=2, n_classes=0, spectral_norm=False
    ):
        super().__init__()
        wrap = _spectral_norm if spectral_norm else (lambda m: m)
        self.n_classes = n_classes
        layers, in_dim = [nn.Flatten()], math.prod(image_shape)
        for _ in range(n_layers):
            layers += [wrap(nn.Linear(in_dim, width)), nn.LeakyReLU(0.2, True)]
            in_dim = width
        self.features = nn.Sequential(*layers)
        self.n_features = in_dim
        self.logit = wrap(nn.Linear(in_dim, 1))
        if n_classes:
            self.embed = wrap(nn.Embedding(n_classes, in_dim))
