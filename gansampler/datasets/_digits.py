"""scikit-learn's bundled 8x8 digits, made imbalanced in a reproducible way."""

import numbers
from collections.abc import Mapping

import numpy as np
from imblearn.datasets import make_imbalance
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

from .._random import check_random_state

__all__ = ["DIGITS_IMBALANCE_PRESETS", "load_digits_imbalanced"]

#: Images kept per digit class by the ``imbalance`` presets of
#: :func:`load_digits_imbalanced`. ``"moderate"`` is ``round(180 * 0.8**k)`` capped
#: at the 178 images digit 0 has; ``"steep"`` falls to 5 images.
DIGITS_IMBALANCE_PRESETS = {
    "moderate": dict(enumerate([178, 144, 115, 92, 74, 59, 47, 38, 30, 24])),
    "steep": dict(enumerate([178, 100, 60, 40, 25, 15, 10, 8, 6, 5])),
}


def _digits_counts(imbalance, available):
    """Return the ``{class: count}`` dict an ``imbalance`` argument stands for."""
    if isinstance(imbalance, str):
        if imbalance not in DIGITS_IMBALANCE_PRESETS:
            raise ValueError(
                f"imbalance must be one of {sorted(DIGITS_IMBALANCE_PRESETS)}, None or "
                f"a dict {{class: count}}, got {imbalance!r}"
            )
        return dict(DIGITS_IMBALANCE_PRESETS[imbalance])
    if not isinstance(imbalance, Mapping):
        raise TypeError(
            "imbalance must be a preset name, None or a dict {class: count}, got "
            f"{type(imbalance).__name__}"
        )
    if not imbalance:
        raise ValueError(
            "imbalance dict is empty; pass imbalance=None for the balanced data set"
        )
    counts = {}
    for label, count in imbalance.items():
        if (
            not isinstance(label, numbers.Integral)
            or isinstance(label, bool)
            or not 0 <= label <= 9
        ):
            raise ValueError(
                f"imbalance keys must be digit classes 0..9, got {label!r}"
            )
        n_available = int(available[int(label)])
        if (
            not isinstance(count, numbers.Integral)
            or isinstance(count, bool)
            or not 1 <= count <= n_available
        ):
            raise ValueError(
                f"imbalance[{int(label)}] must be an integer in 1..{n_available} "
                f"(the images digit {int(label)} has), got {count!r}"
            )
        counts[int(label)] = int(count)
    return counts


def load_digits_imbalanced(*, imbalance="moderate", random_state=0, return_X_y=True):
    """Load scikit-learn's 8x8 digits, made imbalanced in a reproducible way.

    The 1,797 bundled digit images (no download) are scaled from ``0..16`` to
    ``0..255`` with ``np.rint(x * 255 / 16)`` and kept per class as set by
    ``imbalance``, drawn without replacement with
    :func:`imblearn.datasets.make_imbalance`. The kept images stay in their
    original order.

    The digit classes have 178, 182, 177, 183, 181, 182, 181, 179, 174 and 180
    images (digits 0 to 9). The presets keep:

    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===
    digit          0    1    2    3    4    5    6    7    8    9
    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===
    "moderate"    178  144  115   92   74   59   47   38   30   24
    "steep"       178  100   60   40   25   15   10    8    6    5
    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===

    ``"moderate"`` (681 images) is ``round(180 * 0.8**k)`` for digit ``k``, capped
    at what the class has; ``"steep"`` (447 images) leaves digits 7, 8 and 9 with
    fewer than 10 images each.

    Parameters
    ----------
    imbalance : {"moderate", "steep"}, dict or None, default="moderate"
        A preset from the table above; a dict ``{digit: count}`` with digits
        ``0..9`` and counts from 1 to the images the digit has (digits left out
        keep all their images); or None for the full, balanced set.
    random_state : int, RandomState instance or None, default=0
        Which images are kept. Pass an int for reproducible output; None uses
        fresh OS entropy (numpy's global random state is never touched).
    return_X_y : bool, default=True
        If True, return ``(X, y)``; otherwise a :class:`~sklearn.utils.Bunch`.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 8, 8), dtype uint8
        The images in ``0..255``.
    y : ndarray of shape (n_samples,), dtype int64
        The digits.
    data : :class:`~sklearn.utils.Bunch`
        Only when ``return_X_y=False``: ``data`` (``X``), ``target`` (``y``),
        ``target_names`` (``0..9``), ``class_counts`` (the dict of images kept per
        digit) and ``DESCR``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance="steep")
    >>> X.shape, X.dtype
    ((447, 1, 8, 8), dtype('uint8'))
    >>> np.bincount(y).tolist()
    [178, 100, 60, 40, 25, 15, 10, 8, 6, 5]
    """
    data, target = load_digits(return_X_y=True)
    available = np.bincount(target, minlength=10)
    if imbalance is None:
        counts = {int(k): int(n) for k, n in enumerate(available)}
        keep = np.arange(len(target))
    else:
        counts = _digits_counts(imbalance, available)
        # Under-sample row indices rather than X so the original order survives.
        indices, _ = make_imbalance(
            np.arange(len(target)).reshape(-1, 1),
            target,
            sampling_strategy=counts,
            random_state=check_random_state(random_state),
        )
        keep = np.sort(indices.ravel())
        kept = np.bincount(target[keep], minlength=10)
        counts = {k: int(n) for k, n in enumerate(kept)}

    X = np.rint(data[keep] * (255 / 16)).astype(np.uint8).reshape(-1, 1, 8, 8)
    y = target[keep].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        target_names=np.arange(10),
        class_counts=counts,
        DESCR=(
            "scikit-learn's 8x8 digits scaled to 0..255 uint8, images kept per "
            f"digit: {counts}"
        ),
    )
