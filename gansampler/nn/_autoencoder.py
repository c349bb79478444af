"""Autoencoders built from a GAN's own networks, and a latent Gaussian wrapper.

The encoder is a discriminator's feature stack with a linear head, and the
decoder is a generator, so that an autoencoder trained on every class can
initialise a GAN (Mariani et al., 2018, "BAGAN: Data Augmentation with
Balancing GAN"): decoder -> generator, encoder features -> discriminator.
"""

import torch
from torch import nn

from .._random import seeded_torch
from ._build import build_networks, init_dcgan

__all__ = ["Autoencoder", "Encoder", "LatentGaussian", "build_autoencoder"]


class Encoder(nn.Module):
    """Image (or row) to a latent code: ``features`` then a linear head.

    With ``variational`` the head gives a mean and a log-variance; with
    ``n_classes`` a label embedding is added to the features first (a
    class-conditional encoder, ``q(z | x, y)``).
    """

    def __init__(self, features, n_features, latent_dim, n_classes=0, variational=False):
        super().__init__()
        self.features = features
        self.latent_dim = latent_dim
        self.variational = variational
        self.n_classes = n_classes
        self.head = nn.Linear(n_features, latent_dim * (2 if variational else 1))
        if n_classes:
            self.embed = nn.Embedding(n_classes, n_features)

    def forward(self, x, y=None):
        h = self.features(x)
        if self.n_classes:
            h = h + self.embed(y)
        out = self.head(h)
        if self.variational:
            mean, log_var = out.chunk(2, dim=1)
            return mean, log_var.clamp(-20, 10)
        return out, None


class Autoencoder(nn.Module):
    """``encoder`` and ``decoder`` (a generator with the ``G(z, y)`` interface).

    ``forward(x, y)`` returns ``(reconstruction, mean, log_var)``; for a
    variational autoencoder the reconstruction decodes a sample of ``q(z | x)``
    drawn with ``generator`` while training, its mean otherwise.
    """

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder
        self.latent_dim = decoder.latent_dim
        self.image_shape = decoder.image_shape

    def forward(self, x, y=None, generator=None):
        mean, log_var = self.encoder(x, y)
        z = mean
        if log_var is not None and self.training:
            noise = torch.randn(mean.shape, device=mean.device, dtype=mean.dtype, generator=generator)
            z = mean + noise * (0.5 * log_var).exp()
        return self.decoder(z, y), mean, log_var


def build_autoencoder(architecture, image_shape, *, latent_dim, width, n_classes=0, variational=False,
                      seed=0, **network_kwargs):
    """An :class:`Autoencoder` whose decoder and encoder features are
    :func:`build_networks`'s generator and discriminator features for the same
    arguments (so their weights fit a GAN built alike), initialised from ``seed``.

    ``n_classes`` makes both conditional (a class-conditional VAE).
    """
    G, D = build_networks(architecture, image_shape, latent_dim=latent_dim, width=width, n_classes=n_classes,
                          seed=seed, **network_kwargs)
    with seeded_torch(int(seed) + 1):
        encoder = Encoder(D.features, D.n_features, latent_dim, n_classes=n_classes, variational=variational)
        encoder.head.apply(init_dcgan)
        if n_classes:
            encoder.embed.apply(init_dcgan)
    return Autoencoder(encoder, G)


class LatentGaussian(nn.Module):
    """A generator fed from a Gaussian fitted to a class's latent codes:
    ``generator(mean + z @ scale.T)`` for standard normal ``z`` (BAGAN's class
    conditioning, here for one class's GAN)."""

    def __init__(self, generator, mean, scale):
        super().__init__()
        self.generator = generator
        self.latent_dim = generator.latent_dim
        self.image_shape = generator.image_shape
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float32).clone())
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).clone())

    def forward(self, z, y=None):
        return self.generator(self.mean + z @ self.scale.T.to(z.dtype), y)
