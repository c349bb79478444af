"""gansampler: balance imbalanced image datasets with generative models."""

from .classifier import CNNClassifier
from .exceptions import GANTrainingError
from .over_sampling import AddOn, AugmentationOverSampler, GANOverSampler, LatentSMOTE, VAEOverSampler

__version__ = "0.2.0"

__all__ = [
    "AddOn",
    "AugmentationOverSampler",
    "CNNClassifier",
    "GANOverSampler",
    "GANTrainingError",
    "LatentSMOTE",
    "VAEOverSampler",
    "__version__",
]
