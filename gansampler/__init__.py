"""gansampler: balance imbalanced image datasets with generative models."""

from .classifier import CNNClassifier
from .over_sampling import AugmentationOverSampler, GANOverSampler, GANTrainingError

__version__ = "0.1.0"

__all__ = [
    "AugmentationOverSampler",
    "CNNClassifier",
    "GANOverSampler",
    "GANTrainingError",
    "__version__",
]
