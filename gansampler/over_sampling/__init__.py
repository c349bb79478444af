"""Over-samplers that create new images for the minority classes."""

from ._augment import AugmentationOverSampler
from ._gan import GANOverSampler

__all__ = ["AugmentationOverSampler", "GANOverSampler"]
