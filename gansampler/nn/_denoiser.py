"""The noise-predicting networks of the diffusion sampler: ``eps(x_t, t, y)``.

Images go through diffusers' ``UNet2DModel`` built from a config (nothing is
fetched from a hub); tabular rows through a small MLP. Label ``n_classes`` is
the "no class" label that classifier-free guidance trains with label dropout
(Ho & Salimans, 2022, "Classifier-Free Diffusion Guidance").
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._random import seeded_torch

__all__ = ["DIFFUSION_ARCHITECTURES", "Denoiser", "build_denoiser", "import_diffusers", "unet_config"]

#: The networks ``build_denoiser`` knows.
DIFFUSION_ARCHITECTURES = ("unet", "mlp")

_INSTALL = "pip install 'gansampler[diffusion]'"


def import_diffusers():
    """The ``diffusers`` module, or an ImportError naming the install command."""
    try:
        import diffusers
    except ImportError as exc:
        raise ImportError(f"DiffusionOverSampler needs the diffusers package: {_INSTALL}") from exc
    return diffusers


def _levels(image_shape):
    """Resolutions of the UNet: halve while the smallest side stays at least 4
    pixels, at most five (8 px: 2 levels, 28: 3, 64 and 128: 5)."""
    side = min(image_shape[1:])
    return max(1, min(5, int(math.log2(side / 4)) + 1))


def unet_config(image_shape, n_classes, width):
    """The ``UNet2DModel`` config for images of ``image_shape``: channels
    ``width * (1, 2, 2, 4, 4)`` over :func:`_levels` resolutions, one residual
    block per level and no attention, which costs more than it gives at these
    sizes on a CPU."""
    levels = _levels(image_shape)
    channels = tuple(width * m for m in (1, 2, 2, 4, 4)[:levels])
    return {
        "sample_size": list(image_shape[1:]), "in_channels": image_shape[0], "out_channels": image_shape[0],
        "block_out_channels": list(channels), "layers_per_block": 1,
        "down_block_types": ["DownBlock2D"] * levels, "up_block_types": ["UpBlock2D"] * levels,
        "add_attention": False, "norm_num_groups": math.gcd(width, 8), "num_class_embeds": n_classes + 1,
    }


def _timestep_features(t, dim):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class _MLP(nn.Module):
    """Noise prediction for tabular rows (``(C, 1, 1)`` images)."""

    def __init__(self, n_features, n_classes, width):
        super().__init__()
        hidden = 8 * width
        self.dim = hidden
        self.time = nn.Sequential(nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.label = nn.Embedding(n_classes + 1, hidden)
        self.inp = nn.Linear(n_features, hidden)
        self.body = nn.Sequential(nn.SiLU(), nn.Linear(hidden, hidden), nn.SiLU(), nn.Linear(hidden, n_features))

    def forward(self, x, t, y):
        h = self.inp(x.flatten(1)) + self.time(_timestep_features(t, self.dim)) + self.label(y)
        return self.body(h).view_as(x)


class _UNet(nn.Module):
    """diffusers' UNet, on images padded to a multiple of its total downsampling
    (its upsampling doubles sizes, so odd sides would not meet their skips)."""

    def __init__(self, config):
        super().__init__()
        self.unet = import_diffusers().UNet2DModel(**config)
        self.multiple = 2 ** (len(config["block_out_channels"]) - 1)

    def forward(self, x, t, y):
        h, w = x.shape[-2:]
        pad_h, pad_w = -h % self.multiple, -w % self.multiple
        if pad_h or pad_w:
            x = F.pad(x, (0, pad_w, 0, pad_h), mode="replicate")
        return self.unet(x, t, class_labels=y).sample[..., :h, :w]


class Denoiser(nn.Module):
    """``eps(x_t, t, y)``; ``y=None`` (or label ``n_classes``) is unconditional.

    Parameters
    ----------
    architecture : {"unet", "mlp"}
    image_shape : tuple of int
        ``(C, H, W)``.
    n_classes : int
    width : int
    """

    def __init__(self, architecture, image_shape, n_classes, width):
        super().__init__()
        if architecture not in DIFFUSION_ARCHITECTURES:
            raise ValueError(f"architecture must be one of {DIFFUSION_ARCHITECTURES}, got {architecture!r}")
        self.n_classes = n_classes
        self.image_shape = tuple(image_shape)
        self.net = (_UNet(unet_config(image_shape, n_classes, width)) if architecture == "unet"
                    else _MLP(int(math.prod(image_shape)), n_classes, width))

    def forward(self, x, t, y=None):
        if y is None:
            y = torch.full((len(x),), self.n_classes, dtype=torch.long, device=x.device)
        return self.net(x, t.expand(len(x)) if t.ndim == 0 else t, y)


def build_denoiser(architecture, image_shape, n_classes, width, seed=0):
    """A :class:`Denoiser` whose initial weights come from ``seed`` alone
    (built under a fork of torch's generators, which are left as they were)."""
    with seeded_torch(seed):
        return Denoiser(architecture, image_shape, n_classes, width)
