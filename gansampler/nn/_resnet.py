"""Residual generator and discriminator (SNGAN, Miyato et al. 2018; BigGAN).

The generator stacks up-sampling residual blocks (BatchNorm, ReLU, nearest
up-sampling, two 3x3 convolutions; a 1x1 convolution on the up-sampled
shortcut) on a projected ``z``, over the same stages as the DCGAN generator, so
every size from 8x8 to 128x128 works (28x28 grows 7 -> 14 -> 28). The
discriminator is SNGAN's: an "optimized" first block, down-sampling residual
blocks with average pooling, one block at the last resolution, ReLU and a
global sum over the map, then one logit (and a class projection when
conditional), with no BatchNorm; spectral normalisation is optional (SNGAN and
BigGAN pair it with the hinge loss).
"""

from torch import nn
from torch.nn import functional as F
from torch.nn.utils import spectral_norm as _spectral_norm

from ._dcgan import ProjectedGenerator, _channels, n_upsamplings
from ._projection import ProjectionDiscriminator

__all__ = ["ResNetDiscriminator", "ResNetGenerator"]


def _identity(module):
    return module


class _UpBlock(nn.Module):
    """Residual block of the generator: BN-ReLU-upsample-conv-BN-ReLU-conv, plus
    a 1x1 convolution of the upsampled input."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(c_in)
        self.conv1 = nn.Conv2d(c_in, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1)
        self.shortcut = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x):
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.shortcut(F.interpolate(x, scale_factor=2, mode="nearest"))


class _DownBlock(nn.Module):
    """Residual block of the discriminator; ``first`` is SNGAN's optimized
    block (no ReLU on the raw image, pooling before the shortcut convolution)."""

    def __init__(self, c_in, c_out, wrap, downsample=True, first=False):
        super().__init__()
        self.conv1 = wrap(nn.Conv2d(c_in, c_out, 3, padding=1))
        self.conv2 = wrap(nn.Conv2d(c_out, c_out, 3, padding=1))
        self.shortcut = wrap(nn.Conv2d(c_in, c_out, 1)) if (c_in != c_out or downsample) else None
        self.downsample = downsample
        self.first = first

    def forward(self, x):
        h = x if self.first else F.relu(x)
        h = self.conv2(F.relu(self.conv1(h)))
        if self.downsample:
            h = F.avg_pool2d(h, 2)
        s = x
        if self.first:
            s = self.shortcut(F.avg_pool2d(s, 2))
        else:
            if self.shortcut is not None:
                s = self.shortcut(s)
            if self.downsample:
                s = F.avg_pool2d(s, 2)
        return h + s


class _SumPool(nn.Module):
    """ReLU, then the sum over the spatial map: ``(N, C, H, W)`` to ``(N, C)``."""

    def forward(self, x):
        return F.relu(x).sum(dim=(2, 3))


class ResNetGenerator(ProjectedGenerator):
    """Latent vector to image with up-sampling residual blocks.

    Parameters
    ----------
    latent_dim : int
        Size of ``z``.
    image_shape : tuple of int
        ``(C, H, W)`` of the output.
    width : int, default=64
        Channels of the last stage; earlier stages have up to 8x more.
    n_classes : int, default=0
        Build a class-conditional generator (a label embedding concatenated to
        ``z``) when positive.
    """

    def __init__(self, latent_dim, image_shape, width=64, n_classes=0):
        super().__init__()
        k, c0, in_dim = self._project_latent(latent_dim, image_shape, width, n_classes)
        self.project = nn.Linear(in_dim, c0 * self.s0[0] * self.s0[1])
        blocks = [
            _UpBlock(_channels(width, stage, k), _channels(width, min(stage + 1, k - 1), k))
            for stage in range(k)
        ]
        self.blocks = nn.Sequential(*blocks)
        self.out = nn.Sequential(
            nn.BatchNorm2d(width), nn.ReLU(), nn.Conv2d(width, image_shape[0], 3, padding=1), nn.Tanh()
        )

    def body(self, x):
        return self.out(self.blocks(x))


class ResNetDiscriminator(ProjectionDiscriminator):
    """Image to one logit with down-sampling residual blocks (SNGAN).

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` of the input.
    width : int, default=64
        Channels of the first block; each down-sampling block doubles them (up to 8x).
    n_classes : int, default=0
        Add a projection term for class-conditional discrimination when positive.
    spectral_norm : bool, default=False
        Spectrally normalise every layer (for the hinge loss).
    """

    def __init__(self, image_shape, width=64, n_classes=0, spectral_norm=False):
        super().__init__()
        channels, height, width_px = image_shape
        self.n_classes = n_classes
        wrap = _spectral_norm if spectral_norm else _identity
        k = n_upsamplings(height, width_px)
        widths = [width * min(2**stage, 8) for stage in range(k)]
        blocks = [_DownBlock(channels, widths[0], wrap, first=True)]
        blocks += [_DownBlock(widths[i - 1], widths[i], wrap) for i in range(1, k)]
        blocks.append(_DownBlock(widths[-1], widths[-1], wrap, downsample=False))
        self.features = nn.Sequential(*blocks, _SumPool())
        self.n_features = widths[-1]
        self.logit = wrap(nn.Linear(self.n_features, 1))
        if n_classes:
            self.embed = wrap(nn.Embedding(n_classes, self.n_features))
