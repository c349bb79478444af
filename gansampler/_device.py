"""Where and in which precision networks run: one resolution for every estimator."""

import torch

__all__ = ["cpu_has_bf16", "resolve_device", "resolve_precision"]


def resolve_device(device):
    """Turn ``"auto"``, a string or a ``torch.device`` into a usable device.

    ``"auto"`` is CUDA when available, else the CPU. An unavailable CUDA device
    is a ``ValueError`` naming what exists.
    """
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(
            f"device must be 'auto', 'cpu', 'cuda', 'cuda:N' or a torch.device, "
            f"got {device!r}"
        ) from exc
    if resolved.type == "cuda":
        if not torch.cuda.is_available():
            raise ValueError(f"device={device!r} was asked for, but CUDA is not available")
        if resolved.index is not None and resolved.index >= torch.cuda.device_count():
            raise ValueError(
                f"device={device!r} was asked for, but only "
                f"{torch.cuda.device_count()} CUDA device(s) exist"
            )
    return resolved


def cpu_has_bf16():
    """Whether this CPU has native bf16 arithmetic (AVX512-BF16 or AMX); False
    where torch cannot tell (the probes are private and renamed across versions)."""
    probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported", "_is_cpu_support_avx512bf16")
    for name in probes:
        probe = getattr(torch.cpu, name, None)
        try:
            if probe is not None and probe():
                return True
        except Exception:  # pragma: no cover - a probe that fails means "cannot tell"
            continue
    return False


def resolve_precision(precision, device, image_shape=None, architecture="dcgan"):
    """The precision a GAN trains in: ``"fp32"`` or ``"bf16"``.

    ``"auto"`` is bf16 for convolutional networks on images of at least 28x28 on
    CPUs with native bf16 instructions, where it makes epochs about 1.2-1.35x
    faster with the same benchmark quality (``benchmarks/speed.py``), and fp32
    elsewhere: smaller networks do not pay for the casts, CUDA measured slower
    in bf16 for these launch-bound networks, and other CPUs emulate bf16.
    """
    if precision != "auto":
        return precision
    large_images = image_shape is not None and len(image_shape) == 3 and min(image_shape[1:]) >= 28
    cpu_bf16 = torch.device(device).type == "cpu" and cpu_has_bf16()
    return "bf16" if cpu_bf16 and large_images and architecture != "mlp" else "fp32"
