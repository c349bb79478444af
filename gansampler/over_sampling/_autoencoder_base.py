"""What the samplers built on an autoencoder share: training it on every class,
decoding, and saving."""

import inspect

import numpy as np
import torch

from .._device import resolve_device
from .._random import draw_seed
from ..nn import build_autoencoder
from ..training import AutoencoderConfig, train_autoencoder
from ._base import BaseImageOverSampler, SavedSamplerMixin

__all__ = ["AutoencoderSampler", "decode"]


@torch.no_grad()
def decode(decoder, codes, device, y=None, chunk=1024):
    """Yield the images ``decoder`` makes of ``codes`` (and labels ``y``), in
    float32 numpy chunks."""
    model = decoder.to(device).eval()
    for start in range(0, len(codes), chunk):
        z = torch.from_numpy(np.ascontiguousarray(codes[start : start + chunk], dtype=np.float32)).to(device)
        labels = None if y is None else torch.as_tensor(y[start : start + chunk], device=device)
        yield model(z, labels).float().cpu().numpy()
    decoder.cpu()


class AutoencoderSampler(SavedSamplerMixin, BaseImageOverSampler):
    """Base of the samplers that train one autoencoder on every class.

    Subclasses set :attr:`_kind` ("vae" or "deepsmote") and implement
    ``_generate`` and ``sample``; fitted: ``classes_``, ``autoencoder_``,
    ``history_``, ``device_``, ``image_shape_``.
    """

    _kind = None
    _fitted_attribute = "autoencoder_"

    def __init_subclass__(cls, **kwargs):
        # every AutoencoderConfig option is declared above; each sampler
        # validates the ones its signature takes (beta: VAE, penalty: DeepSMOTE)
        super().__init_subclass__(**kwargs)
        params = inspect.signature(cls).parameters
        cls._parameter_constraints = {k: v for k, v in cls._parameter_constraints.items() if k in params}
    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        **AutoencoderConfig.parameter_constraints(),
        "device": [str, torch.device],
    }

    def _config(self, fmt):
        return AutoencoderConfig.from_params(self.get_params(), fmt.image_shape, fmt.is_image, **self._extra_config())

    def _extra_config(self):
        """Config fields that are not estimator parameters under their own name."""
        return {"kind": self._kind}

    def _train(self, x, y, random_state):
        """Train the autoencoder on ``x`` (model space) and class indices; sets
        ``device_``, ``autoencoder_`` and ``history_``."""
        self.device_ = resolve_device(self.device)
        config = self._config(self._image_format)
        index = np.searchsorted(self.classes_, y)
        seed = draw_seed(random_state)
        self.autoencoder_, history = train_autoencoder(x, index, len(self.classes_), config, seed, self.device_,
                                                       self.verbose)
        self.history_ = {"autoencoder": history}
        return index

    # -- persistence (see PersistenceMixin) --------------------------------------
    def _extra_tensors(self):
        return {}

    def _state_to_save(self):
        tensors = {f"ae.{k}": v for k, v in self.autoencoder_.state_dict().items()}
        tensors.update(self._extra_tensors())
        return tensors, {**self._sampler_state(), "network": self._config(self._image_format).to_dict()}

    def _restore_extra(self, tensors):
        pass

    @classmethod
    def _from_saved_state(cls, tensors, state, device):
        sampler = cls._sampler_from_state(state, device)
        fmt = sampler._image_format
        config = AutoencoderConfig(**state["network"])
        conditional = config.kind == "vae"
        model = build_autoencoder(config.architecture, fmt.image_shape, latent_dim=config.latent_dim,
                                  width=config.width, n_classes=len(sampler.classes_) if conditional else 0,
                                  variational=config.kind == "vae")
        model.load_state_dict({k[3:]: v for k, v in tensors.items() if k.startswith("ae.")})
        sampler.autoencoder_ = model.eval()
        sampler._restore_extra(tensors)
        return sampler
