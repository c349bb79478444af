"""Over-samplers that create new images for the minority classes."""

from ._augment import AugmentationOverSampler
from ._diffusion import DiffusionOverSampler
from ._filter import FilteredOverSampler
from ._gan import GANOverSampler
from ._latent_smote import LatentSMOTE
from ._strategy import AddOn
from ._vae import VAEOverSampler

__all__ = [
    "AddOn",
    "AugmentationOverSampler",
    "DiffusionOverSampler",
    "FilteredOverSampler",
    "GANOverSampler",
    "LatentSMOTE",
    "VAEOverSampler",
]
