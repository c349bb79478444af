"""Saving fitted estimators without pickle: weights as safetensors tensors,
everything else as JSON in the same file.

:class:`PersistenceMixin` gives an estimator ``save(path)`` and
``load(path, device)``; the estimator says what to store
(:meth:`~PersistenceMixin._state_to_save`) and how to rebuild itself from it
(:meth:`~PersistenceMixin._from_saved_state`). The mixin writes atomically,
checks the class and format version on load, and turns every malformed file
into a ``ValueError`` that names it.
"""

import json
from pathlib import Path

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

__all__ = ["PersistenceMixin", "read_safetensors", "to_json_value", "write_safetensors"]

_KEY = "gansampler"


def to_json_value(value):
    """numpy scalars/arrays, tuples and devices to plain JSON types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return value


def write_safetensors(path, tensors, config):
    """Write ``tensors`` (name -> tensor) and ``config`` (JSON-able) atomically."""
    from safetensors.torch import save_file

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    save_file(tensors, str(tmp), metadata={_KEY: json.dumps(config)})
    tmp.replace(path)  # nothing half-written under the final name


def read_safetensors(path):
    """Read back ``(tensors, config)``; a clear ValueError for a bad file."""
    from safetensors import SafetensorError
    from safetensors.torch import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            metadata = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
        config = json.loads(metadata[_KEY])
    except (SafetensorError, KeyError, json.JSONDecodeError, OSError, ValueError) as exc:
        raise ValueError(
            f"{path} is not a valid gansampler file (truncated, tampered with or "
            f"written by something else): {exc}"
        ) from exc
    return tensors, config


class PersistenceMixin:
    """``save``/``load`` in one safetensors file; loading executes no code.

    Subclasses set :attr:`_fitted_attribute` and implement
    :meth:`_state_to_save` and :meth:`_from_saved_state`.
    """

    #: The version of the layout :meth:`_state_to_save` writes.
    _format_version = 1
    #: Older versions still read: version -> function turning such a file's
    #: state into the current layout.
    _upgrades = {}
    #: An attribute that exists once the estimator is fitted.
    _fitted_attribute = None

    def _json_params(self, keys=None, strict=False):
        """``get_params()`` (or the ``keys`` of it) as JSON values. A value with
        no JSON form is stored as None, or raises a TypeError when ``strict``."""
        params = self.get_params(deep=False)
        out = {}
        for key in params if keys is None else keys:
            value = to_json_value(params[key])
            try:
                json.dumps(value)
            except TypeError as exc:
                if strict:
                    raise TypeError(f"{type(self).__name__}.save needs JSON parameters: {key}: {exc}") from exc
                value = None
            out[key] = value
        return out

    def _state_to_save(self):
        """``(tensors, state)``: name -> tensor, and a JSON-able dict."""
        raise NotImplementedError

    @classmethod
    def _from_saved_state(cls, tensors, state, device):
        """A fitted estimator from what :meth:`_state_to_save` returned."""
        raise NotImplementedError

    def save(self, path):
        """Save the fitted estimator without pickle: one safetensors file.

        Weights are stored as safetensors tensors and everything else
        (parameters, image format, classes, history) as JSON in the file's
        metadata, so :meth:`load` never executes code from the file.

        Parameters
        ----------
        path : str or path-like
            Usually ending in ``.safetensors``.
        """
        from . import __version__

        check_is_fitted(self, self._fitted_attribute)
        tensors, state = self._state_to_save()
        config = {
            "format_version": self._format_version,
            "class": type(self).__name__,
            "gansampler_version": __version__,
            **state,
        }
        write_safetensors(path, tensors, config)

    @classmethod
    def load(cls, path, device="auto"):
        """Load an estimator written by :meth:`save`; no code is unpickled.

        Parameters
        ----------
        path : str or path-like
        device : str or torch.device, default="auto"
            Where the loaded estimator runs; one fitted on CUDA loads on a
            CPU-only machine.

        Returns
        -------
        estimator
            Fitted, and giving the same output as the saved one.
        """
        tensors, config = read_safetensors(path)
        name, version = config.get("class"), config.get("format_version")
        if name != cls.__name__:
            raise ValueError(f"{path} does not hold a {cls.__name__}: it holds a {name!r}")
        if version in cls._upgrades:
            config = cls._upgrades[version](dict(config))
        elif version != cls._format_version:
            raise ValueError(
                f"{path} holds a {cls.__name__} in format version {version!r} (written by "
                f"gansampler {config.get('gansampler_version', 'before 0.2')}); this gansampler "
                f"reads format version {cls._format_version}"
            )
        try:
            return cls._from_saved_state(tensors, config, device)
        except (KeyError, TypeError, RuntimeError) as exc:
            raise ValueError(f"{path} is not a valid {cls.__name__} file: {exc}") from exc
