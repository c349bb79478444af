"""DCGAN generator and discriminator for any image size from 8x8 to 128x128.

The generator projects ``z`` to a small ``(width, s0, s0)`` map and doubles it with
transposed convolutions until it covers the image, then centre-crops when the size
is not ``s0 * 2**k`` exactly (so 28x28 grows 7 -> 14 -> 28 with no crop). The
discriminator halves the image with strided convolutions and reads one logit from
the flattened features, so any size works without resizing.

Both follow the ``G(z, y)`` / ``D(x, y)`` interface: ``y`` is ignored unless the
module was built with ``n_classes``, in which case the generator concatenates a
label embedding to ``z`` and the discriminator adds a projection term
(Miyato & Koyama, 2018).
"""

import math

import torch
from torch import nn
from torch.nn.utils import spectral_norm as _spectral_norm

from ._projection import ProjectionDiscriminator

__all__ = ["DCGANDiscriminator", "DCGANGenerator", "FlattenChannelsLast", "ProjectedGenerator", "n_upsamplings"]


def n_upsamplings(height, width, max_doublings=5):
    """Number of stride-2 stages between a ~4-pixel map and an image of this size."""
    smallest = min(height, width)
    return int(min(max(math.floor(math.log2(smallest / 4)), 1), max_doublings))


def _channels(width, stage, n_stages, max_mult=8):
    """Channels at ``stage`` (0 = smallest map): wide at low resolution."""
    return width * min(2 ** (n_stages - 1 - stage), max_mult)


class FlattenChannelsLast(nn.Module):
    """Flatten ``(N, C, H, W)`` to ``(N, H * W * C)``, channel fastest.

    The trainer runs convolutions channels-last; in that layout this is a view,
    while ``nn.Flatten`` (channel slowest) copies the map and sends back a
    gradient in the other layout, whose LeakyReLU/convolution backward is then
    slow on CPU. The order of the features is only the
    order of the next layer's weights: the network computes the same function class.
    """

    def forward(self, x):
        return x.permute(0, 2, 3, 1).flatten(1)


class ProjectedGenerator(nn.Module):
    """Base of the convolutional generators: ``z`` (plus a label embedding when
    conditional) projected to a ``(c0, *s0)`` map, ``self.body`` grows it to the
    image, then a centre crop when the size is not ``s0 * 2**k`` exactly.

    Subclasses call ``_project_latent`` in ``__init__`` and define ``body``.
    """

    def _project_latent(self, latent_dim, image_shape, width, n_classes):
        """Set the shared attributes; returns ``(k, c0, in_dim)``: doublings,
        channels of the first map and the size of the projected input."""
        _, height, width_px = image_shape
        self.image_shape = tuple(image_shape)
        self.latent_dim = latent_dim
        self.n_classes = n_classes
        k = n_upsamplings(height, width_px)
        self.s0 = (math.ceil(height / 2**k), math.ceil(width_px / 2**k))
        self.c0 = _channels(width, 0, k)
        in_dim = latent_dim
        if n_classes:
            self.embed = nn.Embedding(n_classes, latent_dim)
            in_dim += latent_dim
        return k, self.c0, in_dim

    def forward(self, z, y=None):
        if self.n_classes:
            z = torch.cat([z, self.embed(y)], dim=1)
        x = self.body(self.project(z).view(-1, self.c0, *self.s0))
        _, height, width = self.image_shape
        if x.shape[-2:] != (height, width):
            top = (x.shape[-2] - height) // 2
            left = (x.shape[-1] - width) // 2
            x = x[..., top : top + height, left : left + width]
        return x


class DCGANGenerator(ProjectedGenerator):
    """Latent vector to image, upsampling with ConvTranspose + BatchNorm + ReLU.

    Parameters
    ----------
    latent_dim : int
        Size of ``z``.
    image_shape : tuple of int
        ``(C, H, W)`` of the output.
    width : int, default=64
        Channels of the last hidden stage; earlier stages have up to 8x more.
    n_classes : int, default=0
        Build a class-conditional generator when positive.
    upsample : {"transposed", "nearest"}, default="transposed"
        How each stage doubles the map: a stride-2 4x4 transposed convolution
        (DCGAN), or nearest-neighbour upsampling followed by a 3x3 convolution
        ("resize-convolution", Odena et al. 2016), which cannot produce the
        checkerboard pattern of uneven transposed-convolution overlap.
    """

    def __init__(self, latent_dim, image_shape, width=64, n_classes=0, upsample="transposed"):
        super().__init__()
        channels = image_shape[0]
        k, c0, in_dim = self._project_latent(latent_dim, image_shape, width, n_classes)
        self.project = nn.Sequential(
            nn.Linear(in_dim, c0 * self.s0[0] * self.s0[1], bias=False),
            nn.BatchNorm1d(c0 * self.s0[0] * self.s0[1]),
            nn.ReLU(inplace=True),
        )
        if upsample not in ("transposed", "nearest"):
            raise ValueError(f"upsample must be 'transposed' or 'nearest', got {upsample!r}")

        def double(c_in, c_out, bias):
            if upsample == "transposed":
                return [nn.ConvTranspose2d(c_in, c_out, 4, stride=2, padding=1, bias=bias)]
            return [nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, padding=1, bias=bias)]

        layers = []
        for stage in range(k - 1):
            c_in, c_out = _channels(width, stage, k), _channels(width, stage + 1, k)
            layers += [*double(c_in, c_out, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True)]
        layers += [*double(_channels(width, k - 1, k), channels, bias=True), nn.Tanh()]
        self.upsample = nn.Sequential(*layers)

    def body(self, x):
        return self.upsample(x)


class DCGANDiscriminator(ProjectionDiscriminator):
    """Image to one logit, downsampling with strided Conv + LeakyReLU.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` of the input.
    width : int, default=64
        Channels of the first stage; each later stage doubles them (up to 8x).
    n_classes : int, default=0
        Add a projection term for class-conditional discrimination when positive.
    spectral_norm : bool, default=False
        Wrap every layer in spectral normalisation (for the hinge loss).
    batch_norm : bool, default=True
        BatchNorm after each hidden convolution but the first, as in DCGAN. Turned
        off for the gradient-penalty loss, which needs per-sample gradients.
    """

    def __init__(
        self, image_shape, width=64, n_classes=0, spectral_norm=False, batch_norm=True
    ):
        super().__init__()
        channels, height, width_px = image_shape
        self.n_classes = n_classes
        wrap = _spectral_norm if spectral_norm else (lambda m: m)
        k = n_upsamplings(height, width_px)
        layers, c_in = [], channels
        for stage in range(k):
            c_out = width * min(2**stage, 8)
            layers.append(wrap(nn.Conv2d(c_in, c_out, 4, 2, 1, bias=stage == 0)))
            if stage > 0 and batch_norm and not spectral_norm:
                layers.append(nn.BatchNorm2d(c_out))
            layers.append(nn.LeakyReLU(0.2, inplace=True))
            c_in = c_out
        self.features = nn.Sequential(*layers, FlattenChannelsLast())
        with torch.no_grad():
            n_features = self.features(torch.zeros(2, channels, height, width_px))
        n_features = n_features.shape[1]
        self.n_features = n_features
        self.logit = wrap(nn.Linear(n_features, 1))
        if n_classes:
            self.embed = wrap(nn.Embedding(n_classes, n_features))
