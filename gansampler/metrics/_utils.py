"""Input checks, shared image scaling and chunked distances for the metrics."""

import functools
import numbers

import numpy as np
import torch

from .._images import ImageFormat, check_images

# Upper bound, in bytes, of one block of a pairwise distance (or SSIM) computation.
_CHUNK_BYTES = 32 * 2**20


def _to_numpy(X):
    """Return ``X`` as a numpy array without copying numpy inputs."""
    if isinstance(X, torch.Tensor):
        return X.detach().cpu().numpy()
    return X


def _check_int(value, name, *, minimum=1):
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}.")
    return int(value)


def _check_features(X, name, *, min_rows=1):
    """Validate a 2-D ``(n, d)`` feature array and return it as float64.

    The result may share memory with ``X``; callers never write to it.
    """
    X = _to_numpy(X)
    X_arr = np.asarray(X)
    if X_arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {X_arr.dtype}.")
    if X_arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got shape {X_arr.shape}."
        )
    if X_arr.shape[0] < min_rows:
        raise ValueError(
            f"{name} needs at least {min_rows} rows, got {X_arr.shape[0]}."
        )
    if X_arr.shape[1] == 0:
        raise ValueError(f"{name} has no features: got shape {X_arr.shape}.")
    X_arr = X_arr.astype(np.float64, copy=False)
    if not np.isfinite(X_arr).all():
        raise ValueError(f"{name} contains NaN or infinity.")
    return X_arr


def _check_image_sets(Xs, names, *, image_shape=None, tabular=True):
    """Validate several image sets and give them one :class:`ImageFormat` each.

    Sets of the same dtype share one value range (the union of their ranges), so
    the same affine map takes all of them to ``[0, 1]`` and distances between
    sets compare like with like. Sets of different dtypes (say uint8 real images
    and float fakes in ``[0, 1]``) keep their own ranges.

    Returns
    -------
    images : list of ndarray of shape (n, C, H, W)
        Views of the inputs.
    fmts : list of ImageFormat
    """
    images, fmts = [], []
    for X, name in zip(Xs, names):
        try:
            imgs, fmt = check_images(_to_numpy(X), image_shape, tabular=tabular)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"{name}: {exc}") from None
        images.append(imgs)
        fmts.append(fmt)
    first = fmts[0]
    for fmt, name in zip(fmts[1:], names[1:]):
        if fmt.image_shape != first.image_shape:
            raise ValueError(
                f"{names[0]} and {name} must have the same image shape, got "
                f"{first.image_shape} and {fmt.image_shape}."
            )
    shared = []
    for fmt in fmts:
        same = [f for f in fmts if f.dtype == fmt.dtype]
        low = functools.reduce(np.minimum, [f.low for f in same])
        high = functools.reduce(np.maximum, [f.high for f in same])
        shared.append(ImageFormat(fmt.layout, fmt.image_shape, fmt.dtype, low, high))
    return images, shared


def _to_unit(images, fmt):
    """Scale ``(n, C, H, W)`` images of format ``fmt`` to float32 in ``[0, 1]``."""
    return (fmt.to_model(images) + 1.0) / 2.0


def _chunk_rows(n_cols, bytes_per_entry=8):
    """How many rows of an ``(rows, n_cols)`` block fit in ``_CHUNK_BYTES``."""
    return max(1, _CHUNK_BYTES // (max(n_cols, 1) * bytes_per_entry))


def _distance_chunks(A, B):
    """Yield ``(start, stop, D)`` with ``D[i, j] = ||A[start + i] - B[j]||_2``.

    Exact Euclidean distances in float64, computed block by block in one
    reused buffer of at most ``_CHUNK_BYTES``: each ``D`` is overwritten by the
    next, so callers reduce it before asking for the next block.
    """
    B_sq = np.einsum("ij,ij->i", B, B)
    step = min(_chunk_rows(B.shape[0]), A.shape[0])
    buffer = np.empty((step, B.shape[0]))
    for start in range(0, A.shape[0], step):
        a = A[start : start + step]
        D = np.matmul(a, B.T, out=buffer[: a.shape[0]])
        D *= -2.0
        D += np.einsum("ij,ij->i", a, a)[:, None]
        D += B_sq[None, :]
        np.maximum(D, 0.0, out=D)
        np.sqrt(D, out=D)
        yield start, start + a.shape[0], D


def _kth_neighbor_distances(X, k):
    """Distance of each row of ``X`` to its ``k``-th nearest *other* row."""
    out = np.empty(X.shape[0])
    for start, stop, D in _distance_chunks(X, X):
        rows = np.arange(stop - start)
        D[rows, rows + start] = np.inf
        D.partition(k - 1, axis=1)
        out[start:stop] = D[:, k - 1]
    return out
