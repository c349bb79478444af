"""A transposed convolution on a 1x1 map, run as the matmul it is.

Classic DCGAN generators start with ``ConvTranspose2d(latent_dim, C, k, 1, 0)``
applied to the latent vector viewed as a ``(N, latent_dim, 1, 1)`` map (PyTorch's
DCGAN example; ``k=7`` in MNIST-size ones). On a 1x1 map that layer is a linear
map, ``out[n, :, i, j] = z[n] @ W[:, :, i, j]``, but on CPU oneDNN runs it as a
convolution: on issue 6's reference generator (100 -> 256 channels, 7x7), its
forward pass took 2.9 ms of a bf16 training step on 2 CPU cores, and the matmul
that replaces it 0.4 ms (``torch.profiler``).

:class:`MatmulTransposedConv1x1` is a ``TorchFunctionMode`` that the trainer
enters around its generator's forward pass on CPU. It computes such calls with
one ``addmm``/``mm`` and hands every other call through unchanged. The output
has the weight's memory layout (channels-last when the trainer made the weights
channels-last), and autograd gives weight gradients in that layout too, so the
optimizer sees the same tensors as before. gansampler's own generators project
the latent vector with an ``nn.Linear`` and never take this path.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

__all__ = ["MatmulTransposedConv1x1", "has_1x1_candidates"]

_DEFAULTS = {"bias": None, "stride": 1, "padding": 0, "output_padding": 0, "groups": 1, "dilation": 1}
_NAMES = ("input", "weight", *_DEFAULTS)


def _all(value, target):
    """Whether an int-or-sequence argument is ``target`` in every dimension."""
    values = value if isinstance(value, (tuple, list)) else (value,)
    return all(v == target for v in values)


def _is_plain(padding, output_padding, groups, dilation):
    """Whether a transposed convolution with these settings is a plain matmul on
    a 1x1 map: no padding, output padding, groups or dilation (the stride does
    not matter on a 1x1 map)."""
    return _all(padding, 0) and _all(output_padding, 0) and groups == 1 and _all(dilation, 1)


def has_1x1_candidates(module):
    """Whether ``module`` holds a transposed convolution that
    :class:`MatmulTransposedConv1x1` would compute as a matmul on a 1x1 map."""
    return any(
        isinstance(m, nn.ConvTranspose2d) and _is_plain(m.padding, m.output_padding, m.groups, m.dilation)
        for m in module.modules()
    )


def conv_transpose_1x1(z, weight, bias=None):
    """``F.conv_transpose2d(z, weight, bias)`` for ``z`` of shape ``(N, C_in, 1, 1)``
    as one matmul, with the output in ``weight``'s memory layout."""
    n, c_in = z.shape[:2]
    c_out, kh, kw = weight.shape[1:]
    z = z.reshape(n, c_in)
    channels_last = not weight.is_contiguous() and weight.is_contiguous(memory_format=torch.channels_last)
    if channels_last:  # (C_in, kh, kw, C_out) in memory: a view, and channels-last output
        w = weight.permute(0, 2, 3, 1).reshape(c_in, -1)
        b = None if bias is None else bias.repeat(kh * kw)
    else:
        w = weight.reshape(c_in, -1)
        b = None if bias is None else bias.repeat_interleave(kh * kw)
    out = z @ w if b is None else torch.addmm(b, z, w)
    if channels_last:
        return out.view(n, kh, kw, c_out).permute(0, 3, 1, 2)
    return out.view(n, c_out, kh, kw)


class MatmulTransposedConv1x1(TorchFunctionMode):
    """Compute ``F.conv_transpose2d`` calls on 1x1 maps as matmuls (see the
    module docstring); every other call runs unchanged."""

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        if func is F.conv_transpose2d:
            call = {**_DEFAULTS, **dict(zip(_NAMES, args)), **kwargs}
            x, weight = call["input"], call["weight"]
            if (
                x.dim() == 4
                and x.shape[-2:] == (1, 1)
                and weight.dim() == 4
                and _is_plain(call["padding"], call["output_padding"], call["groups"], call["dilation"])
            ):
                return conv_transpose_1x1(x, weight, call["bias"])
        return func(*args, **kwargs)
