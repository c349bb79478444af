"""AugmentationOverSampler: balance image classes with transformed real images.

Each new image of a class is a real image of that class, picked at random, put
through a random, non-empty combination of the chosen classic augmentations
(the operations the seed papers compare GANs against). Everything runs in torch
on whole chunks of images at once, in the ``[-1, 1]`` model space:

1. ``mixup`` blends the image with a second image of the same class;
2. the geometric operations (``hflip``, ``vflip``, ``rotate``, ``scale``,
   ``translate``, ``crop``) are composed into one affine map per image and
   applied with a single ``F.affine_grid`` + ``F.grid_sample`` per chunk;
3. the photometric operations (``brightness``, ``contrast``, ``saturation``);
4. ``cutout``.

:func:`transform_batch` is that pipeline for one batch of tensors, reusable
outside the over-sampler.
"""

import math
import numbers

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseImageOverSampler, resolve_device

__all__ = [
    "AUGMENTATIONS",
    "DEFAULT_AUGMENTATIONS",
    "AugmentationOverSampler",
    "check_augmentations",
    "transform_batch",
]

_CHUNK = 1024

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

#: Every augmentation by name, in the order they are applied.
AUGMENTATIONS = {**_MIX, **_GEOMETRIC, **_PHOTOMETRIC, **_OCCLUSION}


def check_augmentations(augmentations):
    """Resolve ``augmentations`` to a tuple of names in application order.

    Parameters
    ----------
    augmentations : tuple or list of str, str or None
        Names from :data:`AUGMENTATIONS`; a string is split on commas; None
        means :data:`DEFAULT_AUGMENTATIONS`.

    Returns
    -------
    names : tuple of str
        Without duplicates, in the order of :data:`AUGMENTATIONS`.
    """
    if augmentations is None:
        return DEFAULT_AUGMENTATIONS
    if isinstance(augmentations, str):
        augmentations = [
            name.strip() for name in augmentations.split(",") if name.strip()
        ]
    names = list(augmentations)
    if not names:
        raise ValueError(
            f"augmentations must name at least one of {sorted(AUGMENTATIONS)}, got "
            f"{augmentations!r}; use None for the defaults {DEFAULT_AUGMENTATIONS}."
        )
    unknown = [name for name in names if name not in AUGMENTATIONS]
    if unknown:
        raise ValueError(
            f"Unknown augmentation(s) {unknown}; expected names from "
            f"{list(AUGMENTATIONS)}."
        )
    return tuple(name for name in AUGMENTATIONS if name in names)


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
        Names from :data:`AUGMENTATIONS`, e.g. as resolved by
        :func:`check_augmentations`. Each image gets a random non-empty subset
        of them; they are applied in the order of :data:`AUGMENTATIONS`.
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


def _range_pair(name, value, low, high):
    """Validate a ``(min, max)`` magnitude within ``(low, high]``."""
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a pair (min, max), got {value!r}") from None
    if not (low < a <= b <= high):
        raise ValueError(
            f"{name} must be a pair (min, max) with {low} < min <= max <= {high}, "
            f"got {value!r}"
        )
    return a, b


class AugmentationOverSampler(BaseImageOverSampler):
    """Over-sample classes with randomly transformed copies of their images.

    Each new image of a class is a real image of that class, drawn at random,
    put through a random non-empty combination of the chosen classic
    augmentations, each with a random magnitude. The originals are returned
    first, unchanged, followed by the synthetic images, in the input's layout,
    dtype and value range. The transforms run vectorised in torch, in chunks
    of 1024 images, with one ``affine_grid`` + ``grid_sample`` per chunk for
    all geometric operations together.

    Available augmentations (order of application):

    - ``"mixup"``: convex combination ``lam * a + (1 - lam) * b`` with a second
      image ``b`` of the same class, ``lam ~ Beta(mixup_alpha, mixup_alpha)``;
    - ``"hflip"``, ``"vflip"``: horizontal, vertical mirror;
    - ``"rotate"``: by an angle uniform in ``[-rotation, rotation]`` degrees;
    - ``"scale"``: zoom by a factor log-uniform in ``scale``;
    - ``"translate"``: shift by up to ``translation`` of the width and height;
    - ``"crop"``: random resized crop of a region covering a fraction of the
      area uniform in ``crop``, aspect ratio log-uniform in [3/4, 4/3];
    - ``"brightness"``: add up to ``brightness`` of the value range;
    - ``"contrast"``: scale deviations from the mean by ``1 ± contrast``;
    - ``"saturation"``: scale deviations from the grey level by
      ``1 ± saturation`` (images with 3 channels only);
    - ``"cutout"``: fill a square, its sides ``cutout`` times the image's, with
      the image's mean per channel (DeVries & Taylor, 2017).

    The defaults keep what a diagnosis depends on: no vertical flip (a chest
    X-ray upside down is not a plausible image) and no horizontal flip either
    (the heart is on the left; a mirrored X-ray looks like dextrocardia). Add
    them for data without such an orientation (e.g. skin lesions, cells).

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        As in imbalanced-learn's samplers: a float (binary targets), 'auto',
        'minority', 'not minority', 'not majority', 'all', a dict of target
        counts, or a callable returning one.
    image_shape : tuple of int, default=None
        ``(C, H, W)`` or ``(H, W)`` of each row when ``X`` is 2-D; required
        then, since tabular rows cannot be rotated. 3-D ``X`` is
        ``(n, H, W)``, 4-D ``X`` is ``(n, C, H, W)``.
    augmentations : tuple of str, str or None, default=None
        Names of the augmentations to draw from (a string is split on
        commas). None means ``("rotate", "scale", "translate", "brightness",
        "contrast")``.
    rotation : float, default=10.0
        Largest rotation, in degrees.
    scale : tuple of float, default=(0.9, 1.1)
        Range of zoom factors (> 1 enlarges).
    translation : float, default=0.1
        Largest shift, as a fraction of the image's width (height).
    crop : tuple of float, default=(0.8, 1.0)
        Range of the fraction of the area a random resized crop keeps.
    brightness : float, default=0.1
        Largest brightness change, as a fraction of the value range.
    contrast : float, default=0.1
        Largest relative contrast change.
    saturation : float, default=0.1
        Largest relative saturation change.
    cutout : float, default=0.25
        Side of the cutout square, as a fraction of the image's sides.
    mixup_alpha : float, default=0.4
        Parameter of the symmetric Beta distribution of mixup's weight.
    padding_mode : {"border", "zeros", "reflection"}, default="border"
        How geometric transforms fill pixels coming from outside the image:
        "border" repeats the edge pixels, "zeros" fills with black (the low
        end of the value range), "reflection" mirrors the image.
    device : str or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU.
    random_state : int, RandomState instance or None, default=None
        The only source of randomness; an integer gives bit-identical output
        on CPU.
    verbose : int, default=0
        1 prints how many images each class gets.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label to number of samples created.
    image_shape_ : tuple of int
        ``(C, H, W)`` of the images.
    device_ : torch.device
        Where the transforms ran.
    augmentations_ : tuple of str
        The augmentations used, in the order they are applied.

    See Also
    --------
    GANOverSampler : New images from a GAN trained on each class.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import AugmentationOverSampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(60, 16, 16)).astype(np.uint8)
    >>> y = np.array([0] * 45 + [1] * 15)
    >>> sampler = AugmentationOverSampler(random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, X_res.dtype, np.bincount(y_res).tolist()
    ((90, 16, 16), dtype('uint8'), [45, 45])
    >>> sampler.augmentations_
    ('rotate', 'scale', 'translate', 'brightness', 'contrast')
    """

    #: A single image can be transformed.
    min_class_size = 1

    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        "augmentations": [tuple, list, str, None],
        "rotation": [Interval(numbers.Real, 0, 180, closed="both")],
        "scale": [tuple, list],
        "translation": [Interval(numbers.Real, 0, 1, closed="both")],
        "crop": [tuple, list],
        "brightness": [Interval(numbers.Real, 0, 1, closed="both")],
        "contrast": [Interval(numbers.Real, 0, 1, closed="both")],
        "saturation": [Interval(numbers.Real, 0, 1, closed="both")],
        "cutout": [Interval(numbers.Real, 0, 1, closed="right")],
        "mixup_alpha": [Interval(numbers.Real, 0, None, closed="neither")],
        "padding_mode": [StrOptions({"border", "zeros", "reflection"})],
        "device": [str, torch.device],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        augmentations=None,
        rotation=10.0,
        scale=(0.9, 1.1),
        translation=0.1,
        crop=(0.8, 1.0),
        brightness=0.1,
        contrast=0.1,
        saturation=0.1,
        cutout=0.25,
        mixup_alpha=0.4,
        padding_mode="border",
        device="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.image_shape = image_shape
        self.augmentations = augmentations
        self.rotation = rotation
        self.scale = scale
        self.translation = translation
        self.crop = crop
        self.brightness = brightness
        self.contrast = contrast
        self.saturation = saturation
        self.cutout = cutout
        self.mixup_alpha = mixup_alpha
        self.padding_mode = padding_mode
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _magnitudes(self):
        return {
            "rotation": float(self.rotation),
            "scale": _range_pair("scale", self.scale, 0.0, math.inf),
            "translation": float(self.translation),
            "crop": _range_pair("crop", self.crop, 0.0, 1.0),
            "brightness": float(self.brightness),
            "contrast": float(self.contrast),
            "saturation": float(self.saturation),
            "cutout": float(self.cutout),
            "mixup_alpha": float(self.mixup_alpha),
        }

    def _generate(self, images, fmt, y, targets, random_state):
        if not fmt.is_image:
            raise ValueError(
                f"{type(self).__name__} transforms images, but X is 2-D "
                f"(n, n_features) without image_shape; pass image_shape=(C, H, W) "
                "or (H, W), or give X as (n, H, W) or (n, C, H, W)."
            )
        augmentations = check_augmentations(self.augmentations)
        if "saturation" in augmentations and fmt.image_shape[0] != 3:
            raise ValueError(
                "augmentation 'saturation' needs RGB images (3 channels), got "
                f"image_shape={fmt.image_shape}."
            )
        magnitudes = self._magnitudes()
        self.augmentations_ = augmentations
        self.device_ = resolve_device(self.device)
        labels = list(targets)
        seeds = random_state.randint(np.iinfo(np.int32).max, size=(len(labels), 2))
        new = {}
        for label, (index_seed, transform_seed) in zip(labels, seeds):
            if targets[label] == 0:
                continue
            if self.verbose:
                print(
                    f"[{type(self).__name__}] class {label!r}: {targets[label]} new "
                    f"images from {int(np.sum(y == label))} with {augmentations}"
                )
            new[label] = self._augment_class(
                images[y == label], fmt, targets[label], int(index_seed),
                int(transform_seed), augmentations, magnitudes,
            )
        return new

    @torch.no_grad()
    def _augment_class(self, images, fmt, n_samples, index_seed, transform_seed,
                       augmentations, magnitudes):
        """Yield ``n_samples`` augmented images of one class in model-space chunks.

        Which originals are used comes from a CPU generator, so it is the same
        on every device; the transforms draw from a generator on ``device_``.
        """
        device = self.device_
        pick = torch.Generator().manual_seed(index_seed)
        transform = torch.Generator(device=device).manual_seed(transform_seed)
        mixup = "mixup" in augmentations
        for start in range(0, n_samples, _CHUNK):
            n = min(_CHUNK, n_samples - start)
            index = torch.randint(len(images), (n,), generator=pick).numpy()
            x = torch.from_numpy(fmt.to_model(images[index])).to(device)
            partners = None
            if mixup:
                index = torch.randint(len(images), (n,), generator=pick).numpy()
                partners = torch.from_numpy(fmt.to_model(images[index])).to(device)
            x = transform_batch(
                x, transform, augmentations, partners=partners,
                padding_mode=self.padding_mode, **magnitudes,
            )
            yield x.cpu().numpy()
