"""Classic image augmentations, vectorised in torch.

Each image of a batch gets a random, non-empty combination of the chosen
operations (those the medical-imaging papers compare GANs against), in the
``[-1, 1]`` model space, on the batch's device:

1. ``mixup`` blends the image with a second image of the same class;
2. the geometric operations (``hflip``, ``vflip``, ``rotate``, ``scale``,
   ``translate``, ``crop``) are composed into one affine map per image and
   applied with a single ``F.affine_grid`` + ``F.grid_sample`` per batch;
3. the photometric operations (``brightness``, ``contrast``, ``saturation``);
4. ``cutout``.
"""

import math

import torch
import torch.nn.functional as F

from ._names import parse_names

__all__ = [
    "CLASSIC_AUGMENTATIONS",
    "DEFAULT_AUGMENTATIONS",
    "DEFAULT_MAGNITUDES",
    "check_augmentations",
    "transform_batch",
]

#: Transforms that keep a medical image's diagnosis: no flips (an X-ray upside
#: down, or mirrored with the heart on the right, is not a normal image).
DEFAULT_AUGMENTATIONS = ("rotate", "scale", "translate", "brightness", "contrast")

#: Magnitudes used by :func:`transform_batch` when not given.
DEFAULT_MAGNITUDES = {
    "rotation": 10.0,
    "scale": (0.9, 1.1),
    "translation": 0.1,
    "crop": (0.8, 1.0),
    "brightness": 0.1,
    "contrast": 0.1,
    "saturation": 0.1,
    "cutout": 0.25,
    "mixup_alpha": 0.4,
}

_CROP_RATIO = (3 / 4, 4 / 3)


def _uniform(n, low, high, like, generator):
    """``n`` draws from U(low, high) on ``like``'s device and dtype."""
    u = torch.rand(n, device=like.device, dtype=like.dtype, generator=generator)
    return low + (high - low) * u


def _eye(n, like):
    return torch.eye(3, device=like.device, dtype=like.dtype).repeat(n, 1, 1)


# Geometric operations: (n, generator, like, shape, magnitudes) -> sampling maps
# (n, 3, 3) taking output coordinates to input coordinates, in normalised
# [-1, 1] coordinates (x across the width, y down the height).


def _hflip(n, generator, like, shape, m):
    theta = _eye(n, like)
    theta[:, 0, 0] = -1
    return theta


def _vflip(n, generator, like, shape, m):
    theta = _eye(n, like)
    theta[:, 1, 1] = -1
    return theta


def _rotate(n, generator, like, shape, m):
    angle = torch.deg2rad(_uniform(n, -m["rotation"], m["rotation"], like, generator))
    cos, sin = torch.cos(angle), torch.sin(angle)
    height, width = shape
    # A rotation in pixel space, conjugated into normalised coordinates.
    theta = _eye(n, like)
    theta[:, 0, 0], theta[:, 0, 1] = cos, -sin * height / width
    theta[:, 1, 0], theta[:, 1, 1] = sin * width / height, cos
    return theta


def _scale(n, generator, like, shape, m):
    low, high = m["scale"]
    # log-uniform, so zooming in by s is as likely as zooming out by 1/s.
    factor = torch.exp(_uniform(n, math.log(low), math.log(high), like, generator))
    theta = _eye(n, like)
    theta[:, 0, 0] = theta[:, 1, 1] = 1 / factor
    return theta


def _translate(n, generator, like, shape, m):
    t = m["translation"]
    theta = _eye(n, like)
    # A shift of t image widths is 2t in normalised coordinates.
    theta[:, 0, 2] = -2 * _uniform(n, -t, t, like, generator)
    theta[:, 1, 2] = -2 * _uniform(n, -t, t, like, generator)
    return theta


def _crop(n, generator, like, shape, m):
    low, high = m["crop"]
    area = _uniform(n, low, high, like, generator)
    log_ratio = _uniform(n, *map(math.log, _CROP_RATIO), like, generator)
    ratio = torch.exp(log_ratio)
    crop_w = torch.sqrt(area * ratio).clamp(max=1.0)
    crop_h = torch.sqrt(area / ratio).clamp(max=1.0)
    center_x = (1 - crop_w) * (2 * _uniform(n, 0, 1, like, generator) - 1)
    center_y = (1 - crop_h) * (2 * _uniform(n, 0, 1, like, generator) - 1)
    theta = _eye(n, like)
    theta[:, 0, 0], theta[:, 0, 2] = crop_w, center_x
    theta[:, 1, 1], theta[:, 1, 2] = crop_h, center_y
    return theta


# Pixel operations: (x, generator, magnitudes) -> x, for x in [-1, 1].


def _per_image(x, low, high, generator):
    return _uniform(x.shape[0], low, high, x, generator).view(-1, 1, 1, 1)


def _brightness(x, generator, m):
    # The range [-1, 1] is 2 wide: brightness=0.1 shifts by up to 10% of it.
    b = m["brightness"]
    return x + 2 * _per_image(x, -b, b, generator)


def _gray(x):
    if x.shape[1] == 3:
        weights = torch.tensor([0.299, 0.587, 0.114], device=x.device, dtype=x.dtype)
        return (x * weights.view(1, 3, 1, 1)).sum(dim=1, keepdim=True)
    return x.mean(dim=1, keepdim=True)


def _contrast(x, generator, m):
    c = m["contrast"]
    mean = _gray(x).mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _per_image(x, 1 - c, 1 + c, generator) + mean


def _saturation(x, generator, m):
    s = m["saturation"]
    gray = _gray(x)
    return (x - gray) * _per_image(x, 1 - s, 1 + s, generator) + gray


def _cutout(x, generator, m):
    n, _, height, width = x.shape
    size_h = max(1, round(height * m["cutout"]))
    size_w = max(1, round(width * m["cutout"]))
    # The square's centre is anywhere in the image; it may stick out.
    top = torch.randint(height, (n, 1, 1), device=x.device, generator=generator)
    left = torch.randint(width, (n, 1, 1), device=x.device, generator=generator)
    top, left = top - size_h // 2, left - size_w // 2
    rows = torch.arange(height, device=x.device).view(1, -1, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, -1)
    inside = (rows >= top) & (rows < top + size_h)
    inside = inside & (cols >= left) & (cols < left + size_w)
    fill = x.mean(dim=(2, 3), keepdim=True)
    return torch.where(inside.unsqueeze(1), fill, x)


def _mixup(x, partners, generator, m):
    alpha = torch.full(
        (2, x.shape[0]), float(m["mixup_alpha"]), device=x.device, dtype=torch.float32
    )
    gamma = torch._standard_gamma(alpha, generator=generator)
    lam = gamma[0] / (gamma[0] + gamma[1]).clamp(min=torch.finfo(gamma.dtype).tiny)
    lam = lam.to(x.dtype).view(-1, 1, 1, 1)
    return lam * x + (1 - lam) * partners


_MIX = {"mixup": _mixup}
_GEOMETRIC = {
    "hflip": _hflip,
    "vflip": _vflip,
    "rotate": _rotate,
    "scale": _scale,
    "translate": _translate,
    "crop": _crop,
}
_PHOTOMETRIC = {
    "brightness": _brightness,
    "contrast": _contrast,
    "saturation": _saturation,
}
_OCCLUSION = {"cutout": _cutout}

#: Every classic augmentation by name, in the order they are applied.
CLASSIC_AUGMENTATIONS = {**_MIX, **_GEOMETRIC, **_PHOTOMETRIC, **_OCCLUSION}


def check_augmentations(augmentations):
    """Resolve ``augmentations`` to a tuple of names in application order.

    Parameters
    ----------
    augmentations : tuple or list of str, str or None
        Names from :data:`CLASSIC_AUGMENTATIONS`; a string is split on commas;
        None means :data:`DEFAULT_AUGMENTATIONS`.

    Returns
    -------
    names : tuple of str
        Without duplicates, in the order of :data:`CLASSIC_AUGMENTATIONS`.
    """
    if augmentations is None:
        return DEFAULT_AUGMENTATIONS
    names = parse_names(augmentations, CLASSIC_AUGMENTATIONS, "augmentations")
    if not names:
        raise ValueError(
            f"augmentations must name at least one of {sorted(CLASSIC_AUGMENTATIONS)}, got "
            f"{augmentations!r}; use None for the defaults {DEFAULT_AUGMENTATIONS}."
        )
    return tuple(name for name in CLASSIC_AUGMENTATIONS if name in names)


def _choose(n, k, generator, like):
    """A random non-empty subset of ``k`` operations per image, as an (n, k) mask.

    Each operation is kept with probability 1/2; an image left with none gets
    one, drawn uniformly.
    """
    chosen = torch.rand(n, k, device=like.device, generator=generator) < 0.5
    forced = torch.randint(k, (n, 1), device=like.device, generator=generator)
    forced = forced == torch.arange(k, device=like.device)
    return chosen | (forced & ~chosen.any(dim=1, keepdim=True))


def _resample(x, theta, padding_mode):
    grid = F.affine_grid(theta[:, :2], list(x.shape), align_corners=False)
    if padding_mode == "zeros":
        # Fill with black (-1 in model space), not with 0 (mid-grey).
        shifted = F.grid_sample(x + 1, grid, padding_mode="zeros", align_corners=False)
        return shifted - 1
    return F.grid_sample(x, grid, padding_mode=padding_mode, align_corners=False)


def transform_batch(
    x, generator, augmentations=DEFAULT_AUGMENTATIONS, *, partners=None,
    padding_mode="border", **magnitudes,
):
    """Apply a random combination of ``augmentations`` to each image of a batch.

    Parameters
    ----------
    x : tensor of shape (n, C, H, W)
        Float images in ``[-1, 1]``; not modified.
    generator : torch.Generator
        On ``x``'s device; the only source of randomness.
    augmentations : sequence of str, default=DEFAULT_AUGMENTATIONS
        Names from :data:`CLASSIC_AUGMENTATIONS`, e.g. as resolved by
        :func:`check_augmentations`. Each image gets a random non-empty subset
        of them; they are applied in the order of :data:`CLASSIC_AUGMENTATIONS`.
    partners : tensor of shape (n, C, H, W), default=None
        The images ``mixup`` blends with; None means a random permutation of
        ``x``.
    padding_mode : {"border", "zeros", "reflection"}, default="border"
        How geometric operations fill pixels from outside the image; "zeros"
        fills with black (the low end of the range).
    **magnitudes
        Overrides of :data:`DEFAULT_MAGNITUDES` (``rotation``, ``scale``, ...).

    Returns
    -------
    x : tensor of shape (n, C, H, W)
        Augmented images, clipped to ``[-1, 1]``.
    """
    unknown = set(magnitudes) - set(DEFAULT_MAGNITUDES)
    assert not unknown, f"unknown magnitudes {unknown}"
    m = {**DEFAULT_MAGNITUDES, **magnitudes}
    names = check_augmentations(augmentations)
    n, _, height, width = x.shape
    chosen = _choose(n, len(names), generator, x)
    keep = dict(zip(names, chosen.T))

    def mask(name, like):
        return keep[name].view(-1, *[1] * (like.dim() - 1))

    if "mixup" in keep:
        if partners is None:
            order = torch.randperm(n, device=x.device, generator=generator)
            partners = x[order]
        x = torch.where(mask("mixup", x), _mixup(x, partners, generator, m), x)
    geometric = [name for name in names if name in _GEOMETRIC]
    if geometric:
        # One sampling map per image, output -> input coordinates: flip, rotate,
        # scale, translate the output grid, then map it into the crop region.
        theta = _eye(n, x)
        for name in geometric:
            step = _GEOMETRIC[name](n, generator, x, (height, width), m)
            theta = torch.where(mask(name, step), step, _eye(n, x)) @ theta
        x = _resample(x, theta, padding_mode)
    for name in names:
        op = _PHOTOMETRIC.get(name) or _OCCLUSION.get(name)
        if op is not None:
            x = torch.where(mask(name, x), op(x, generator, m), x)
    return x.clamp(-1.0, 1.0)
