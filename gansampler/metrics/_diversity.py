"""SSIM and mean pairwise SSIM, a diversity / mode-collapse signal."""

import numpy as np
import torch

from .._random import check_random_state
from ._utils import _CHUNK_BYTES, _check_image_sets, _check_int, _to_unit

__all__ = ["diversity_report", "mean_pairwise_ssim", "ssim"]

_WINDOW_SIZE = 11
_WINDOW_SIGMA = 1.5
_K1, _K2 = 0.01, 0.03
# Arrays of image size alive at once per pair in _ssim_unit (inputs, stacked
# moments, filtered moments, the SSIM map), used to size the pair blocks.
_COPIES_PER_PAIR = 16


def _gaussian_window(size, dtype):
    x = torch.arange(size, dtype=dtype) - (size - 1) / 2.0
    g = torch.exp(-(x**2) / (2.0 * _WINDOW_SIGMA**2))
    return g / g.sum()


def _band(length, window):
    """``(length - size + 1, length)`` matrix whose row ``i`` holds ``window`` at
    columns ``i..i+size-1``: multiplying by it is a "valid" 1-D filter."""
    size = len(window)
    band = torch.zeros(length - size + 1, length, dtype=window.dtype)
    rows = torch.arange(length - size + 1)
    for k in range(size):
        band[rows, rows + k] = window[k]
    return band


def _gaussian_filter(x, size):
    """"Valid" Gaussian filtering of the last two axes of ``x``.

    The window is separable (``outer(g, g)``), so it is a column then a row
    filter, done as two products with band matrices: BLAS runs these several
    times faster than a depthwise float64 convolution.
    """
    window = _gaussian_window(size, x.dtype)
    return _band(x.shape[-2], window) @ x @ _band(x.shape[-1], window).T


def _ssim_unit(a, b):
    """Per-pair SSIM of two float64 arrays ``(n, C, H, W)`` in ``[0, 1]``."""
    a = torch.from_numpy(np.asarray(a, dtype=np.float64))
    b = torch.from_numpy(np.asarray(b, dtype=np.float64))
    n, n_channels, height, width = a.shape
    size = min(_WINDOW_SIZE, height, width)
    size -= 1 - size % 2  # odd window, shrunk for small images
    moments = torch.cat([a, b, a * a, b * b, a * b], dim=1)
    filtered = _gaussian_filter(moments, size)
    mu_a, mu_b, e_aa, e_bb, e_ab = filtered.split(n_channels, dim=1)
    var_a = e_aa - mu_a**2
    var_b = e_bb - mu_b**2
    cov_ab = e_ab - mu_a * mu_b
    c1, c2 = _K1**2, _K2**2  # data range 1
    ssim_map = ((2 * mu_a * mu_b + c1) * (2 * cov_ab + c2)) / (
        (mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2)
    )
    return ssim_map.reshape(n, -1).mean(dim=1).numpy()


def _pair_block(image_shape):
    return max(1, _CHUNK_BYTES // (_COPIES_PER_PAIR * 8 * int(np.prod(image_shape))))


def _ssim_pairs(images, fmt, first, second):
    """SSIM of ``images[first[p]]`` and ``images[second[p]]`` for every pair p."""
    step = _pair_block(fmt.image_shape)
    values = [
        _ssim_unit(
            _to_unit(images[first[i : i + step]], fmt),
            _to_unit(images[second[i : i + step]], fmt),
        )
        for i in range(0, len(first), step)
    ]
    return np.concatenate(values)


def ssim(a, b, *, image_shape=None):
    """Structural similarity (SSIM) of corresponding images of two sets.

    Wang et al.'s SSIM with an 11 x 11 Gaussian window (sigma 1.5) and the
    standard constants ``K1=0.01``, ``K2=0.03`` on images scaled to ``[0, 1]``
    (data range 1). The window is shrunk to the largest odd size that fits
    smaller images (7 for 8 x 8 images). Only "valid" window positions are
    used; colour images get the mean over channels.

    Parameters
    ----------
    a, b : array-like or torch.Tensor of shape (n, n_features), (n, H, W) or \
(n, C, H, W)
        Two sets of ``n`` images of one shape; pair ``i`` is ``(a[i], b[i])``. Pass
        a single image as ``img[None]``. Not modified.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.

    Returns
    -------
    ssim : ndarray of shape (n,), dtype float64
        Values in ``[-1, 1]``; 1 for identical images.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import ssim
    >>> rng = np.random.default_rng(0)
    >>> a = rng.random((2, 16, 16))
    >>> ssim(a, a)
    array([1., 1.])
    >>> bool(ssim(a, rng.random((2, 16, 16))).max() < 0.2)
    True
    """
    (images_a, images_b), (fmt_a, fmt_b) = _check_image_sets(
        [a, b], ["a", "b"], image_shape=image_shape, tabular=False
    )
    if images_a.shape[0] != images_b.shape[0]:
        raise ValueError(
            "a and b must hold the same number of images, got "
            f"{images_a.shape[0]} and {images_b.shape[0]}."
        )
    step = _pair_block(fmt_a.image_shape)
    values = [
        _ssim_unit(
            _to_unit(images_a[i : i + step], fmt_a),
            _to_unit(images_b[i : i + step], fmt_b),
        )
        for i in range(0, images_a.shape[0], step)
    ]
    return np.concatenate(values)


def _sample_pairs(n, max_pairs, rng):
    """All pairs ``i < j`` if there are at most ``max_pairs``, else random ones."""
    if n * (n - 1) // 2 <= max_pairs:
        return np.triu_indices(n, k=1)
    first = rng.randint(n, size=max_pairs)
    second = (first + rng.randint(1, n, size=max_pairs)) % n
    return first, second


def _mean_pairwise_ssim(images, fmt, max_pairs, rng, name):
    if images.shape[0] < 2:
        raise ValueError(
            f"{name} needs at least 2 images for pairwise SSIM, got {images.shape[0]}."
        )
    first, second = _sample_pairs(images.shape[0], max_pairs, rng)
    return float(np.mean(_ssim_pairs(images, fmt, first, second)))


def mean_pairwise_ssim(X, *, image_shape=None, max_pairs=2000, random_state=None):
    """Mean SSIM over pairs of distinct images of one set.

    A diversity signal: a set of varied images has a low mean pairwise SSIM; a
    mode-collapsed generator, producing near-identical images, a high one.
    Compare with the value on real images of the same class (see
    :func:`diversity_report`).

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n, n_features), (n, H, W) or (n, C, H, W)
        At least 2 images. Not modified.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D ``X``.
    max_pairs : int, default=2000
        All ``n (n - 1) / 2`` pairs are used when there are at most this many;
        otherwise ``max_pairs`` random pairs of distinct indices.
    random_state : int, RandomState instance or None, default=None
        Draws the random pairs.

    Returns
    -------
    mean_ssim : float

    See Also
    --------
    ssim : The SSIM used, and its settings.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import mean_pairwise_ssim
    >>> X = np.random.default_rng(0).random((20, 16, 16))
    >>> bool(mean_pairwise_ssim(X) < 0.2)
    True
    >>> mean_pairwise_ssim(np.repeat(X[:1], 5, axis=0))
    1.0
    """
    max_pairs = _check_int(max_pairs, "max_pairs")
    (images,), (fmt,) = _check_image_sets(
        [X], ["X"], image_shape=image_shape, tabular=False
    )
    rng = check_random_state(random_state)
    return _mean_pairwise_ssim(images, fmt, max_pairs, rng, "X")


def diversity_report(
    X_real, X_fake, *, image_shape=None, max_pairs=2000, random_state=None
):
    """Mean pairwise SSIM of real and synthetic images, and their ratio.

    Parameters
    ----------
    X_real, X_fake : array-like or torch.Tensor
        At least 2 images each, of one image shape. Sets of the same dtype are
        scaled to ``[0, 1]`` with their common value range. Not modified.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    max_pairs : int, default=2000
        Pairs per set, see :func:`mean_pairwise_ssim`.
    random_state : int, RandomState instance or None, default=None
        Draws the random pairs.

    Returns
    -------
    report : dict
        ``"ssim_real"`` and ``"ssim_fake"``, the mean pairwise SSIM of each set,
        and ``"ratio"`` = ``ssim_fake / ssim_real`` (NaN when ``ssim_real <= 0``).
        A ratio well above 1 means the synthetic images are more alike than the
        real ones: less diverse, a sign of mode collapse.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import diversity_report
    >>> X = np.random.default_rng(0).random((20, 16, 16))
    >>> diversity_report(X, np.repeat(X[:1], 5, axis=0))["ssim_fake"]
    1.0
    """
    max_pairs = _check_int(max_pairs, "max_pairs")
    (real, fake), (fmt_real, fmt_fake) = _check_image_sets(
        [X_real, X_fake], ["X_real", "X_fake"], image_shape=image_shape, tabular=False
    )
    rng = check_random_state(random_state)
    ssim_real = _mean_pairwise_ssim(real, fmt_real, max_pairs, rng, "X_real")
    ssim_fake = _mean_pairwise_ssim(fake, fmt_fake, max_pairs, rng, "X_fake")
    ratio = ssim_fake / ssim_real if ssim_real > 0 else float("nan")
    return {"ssim_real": ssim_real, "ssim_fake": ssim_fake, "ratio": float(ratio)}
