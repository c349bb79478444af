"""Weights as safetensors, configuration as JSON in the same file: no pickle."""

import json
from pathlib import Path

import numpy as np

__all__ = ["read_safetensors", "to_json_value", "write_safetensors"]

_KEY = "gansampler"


def to_json_value(value):
    """numpy scalars/arrays and tuples to plain JSON types."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
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
