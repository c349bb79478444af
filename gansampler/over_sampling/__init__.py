"""Over-samplers that create new images for the minority classes."""

from ._gan import GANOverSampler, GANTrainingError

__all__ = ["GANOverSampler", "GANTrainingError"]
