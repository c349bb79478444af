"""gansampler: balance imbalanced image datasets with generative models."""

from .classifier import CNNClassifier
from .exceptions import GANTrainingError
from .over_sampling import (
    AddOn,
    AugmentationOverSampler,
    DiffusionOverSampler,
    FilteredOverSampler,
    GANOverSampler,
    LatentSMOTE,
    VAEOverSampler,
)

__version__ = "0.2.0"

__all__ = [
    "AddOn",
    "AugmentationOverSampler",
    "CNNClassifier",
    "DiffusionOverSampler",
    "FilteredOverSampler",
    "GANOverSampler",
    "GANTrainingError",
    "LatentSMOTE",
    "VAEOverSampler",
    "__version__",
]
