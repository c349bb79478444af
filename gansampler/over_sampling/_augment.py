"""AugmentationOverSampler: balance image classes with transformed real images."""

import math
import numbers

import numpy as np
import torch
from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval, StrOptions

from .._device import resolve_device
from .._docstrings import DOCS
from .._random import draw_seed
from ..augmentation import check_augmentations, transform_batch
from ._base import BaseImageOverSampler

__all__ = ["AugmentationOverSampler"]

_CHUNK = 1024


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


@Substitution(**DOCS)
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
    {sampling_strategy}
    {image_shape}
        Required for 2-D ``X``: tabular rows cannot be rotated.
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
    padding_mode : {{"border", "zeros", "reflection"}}, default="border"
        How geometric transforms fill pixels coming from outside the image:
        "border" repeats the edge pixels, "zeros" fills with black (the low
        end of the value range), "reflection" mirrors the image.
    {device}
    {random_state}
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
        seeds = draw_seed(random_state, size=(len(labels), 2))
        new = {}
        for label, (index_seed, transform_seed) in zip(labels, seeds):
            if targets[label] == 0:
                continue
            if self.verbose:
                print(
                    f"[{type(self).__name__}] class {np.asarray(label).item()!r}: {targets[label]} new "
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
