"""Differentiable augmentation (Zhao et al., 2020, "Differentiable Augmentation
for Data-Efficient GAN Training").

A policy string such as ``"color,translation,cutout"`` names entries of
:data:`DIFF_AUGMENT_POLICIES`; each is a list of functions that take images in
``[-1, 1]`` and a ``torch.Generator`` and return augmented images,
differentiably, on the input's device and dtype. The GAN trainer applies the
same policy to real and fake images, in the D and G steps.
"""

import torch
import torch.nn.functional as F

from ._names import parse_names

__all__ = ["DIFF_AUGMENT_POLICIES", "check_policy", "diff_augment"]


def _rand(x, *shape, generator):
    return torch.rand(x.shape[0], *shape, device=x.device, dtype=x.dtype, generator=generator)


def _brightness(x, generator):
    return x + (_rand(x, 1, 1, 1, generator=generator) - 0.5)


def _saturation(x, generator):
    if x.shape[1] == 1:
        return x
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * (_rand(x, 1, 1, 1, generator=generator) * 2) + mean


def _contrast(x, generator):
    mean = x.mean(dim=[1, 2, 3], keepdim=True)
    return (x - mean) * (_rand(x, 1, 1, 1, generator=generator) + 0.5) + mean


def _translation(x, generator, ratio=0.125):
    n, _, height, width = x.shape
    shift_h, shift_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    dh = torch.randint(-shift_h, shift_h + 1, (n, 1, 1), device=x.device, generator=generator)
    dw = torch.randint(-shift_w, shift_w + 1, (n, 1, 1), device=x.device, generator=generator)
    grid_h, grid_w = torch.meshgrid(
        torch.arange(height, device=x.device), torch.arange(width, device=x.device), indexing="ij"
    )
    grid_h = torch.clamp(grid_h + dh + 1, 0, height + 1)
    grid_w = torch.clamp(grid_w + dw + 1, 0, width + 1)
    padded = F.pad(x, [1, 1, 1, 1])
    index = (grid_h * (width + 2) + grid_w).view(n, 1, -1).expand(-1, x.shape[1], -1)
    return padded.flatten(2).gather(2, index).view_as(x)


def _cutout(x, generator, ratio=0.5):
    n, _, height, width = x.shape
    size_h, size_w = int(height * ratio + 0.5), int(width * ratio + 0.5)
    off_h = torch.randint(0, height + (1 - size_h % 2), (n, 1, 1), device=x.device, generator=generator)
    off_w = torch.randint(0, width + (1 - size_w % 2), (n, 1, 1), device=x.device, generator=generator)
    top, left = off_h - size_h // 2, off_w - size_w // 2
    rows = torch.arange(height, device=x.device).view(1, -1, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, -1)
    inside = (rows >= top) & (rows < top + size_h) & (cols >= left) & (cols < left + size_w)
    return x * (~inside).unsqueeze(1).to(x.dtype)


#: DiffAugment's policies by name, each a list of functions applied in order.
DIFF_AUGMENT_POLICIES = {
    "color": [_brightness, _saturation, _contrast],
    "translation": [_translation],
    "cutout": [_cutout],
}


def check_policy(policy):
    """Split a DiffAugment policy into names (``()`` for None or ``""``)."""
    if policy is None or policy == "":
        return ()
    if not isinstance(policy, str):
        raise TypeError(f"diff_augment must be a string or None, got {policy!r}")
    return parse_names(policy, DIFF_AUGMENT_POLICIES, "diff_augment")


def diff_augment(x, policy, generator=None):
    """Apply the policies named in ``policy`` to ``x`` of shape (N, C, H, W)."""
    for name in check_policy(policy):
        for fn in DIFF_AUGMENT_POLICIES[name]:
            x = fn(x, generator)
    return x.contiguous()
