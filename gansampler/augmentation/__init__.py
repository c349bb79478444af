"""Image augmentations: classic transforms and DiffAugment's policies.

- Classic transforms (:func:`transform_batch`, names in
  :data:`CLASSIC_AUGMENTATIONS`): random rotations, zooms, shifts, crops, flips,
  brightness/contrast/saturation changes, cutout and mixup, applied to real
  images to make new ones. :class:`gansampler.AugmentationOverSampler` is built
  on them.
- Differentiable augmentation (:func:`diff_augment`, policies in
  :data:`DIFF_AUGMENT_POLICIES`): applied to real and generated images alike
  before the GAN's discriminator sees them, so that it cannot overfit a small
  class (Zhao et al., 2020).

Both take ``[-1, 1]`` float tensors of shape ``(N, C, H, W)`` and an explicit
``torch.Generator``, and accept names as a comma-separated string or a sequence.
"""

from ._classic import (
    CLASSIC_AUGMENTATIONS,
    DEFAULT_AUGMENTATIONS,
    DEFAULT_MAGNITUDES,
    check_augmentations,
    transform_batch,
)
from ._differentiable import DIFF_AUGMENT_POLICIES, check_policy, diff_augment

__all__ = [
    "CLASSIC_AUGMENTATIONS",
    "DEFAULT_AUGMENTATIONS",
    "DEFAULT_MAGNITUDES",
    "DIFF_AUGMENT_POLICIES",
    "check_augmentations",
    "check_policy",
    "diff_augment",
    "transform_batch",
]
