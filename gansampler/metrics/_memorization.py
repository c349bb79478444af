"""Memorization: synthetic images that are (near) copies of training images."""

import numbers

import numpy as np

from ._features import _extract_sets
from ._utils import _distance_chunks

__all__ = ["find_memorized", "nearest_neighbor_ratio"]

DEFAULT_MEMORIZATION_THRESHOLD = 1.0 / 3.0


def _nearest_indices(A, B, exclude=None):
    """Index in ``B`` of each row of ``A``'s nearest row.

    ``exclude(start, stop)`` gives a boolean mask of the pairs
    ``(A[start:stop], B)`` to skip.
    """
    nearest = np.empty(A.shape[0], dtype=np.intp)
    for start, stop, D in _distance_chunks(A, B):
        if exclude is not None:
            D[exclude(start, stop)] = np.inf
        nearest[start:stop] = D.argmin(axis=1)
    return nearest


def _nearest_distances(A, B, exclude=None):
    """Distance of each row of ``A`` to its nearest row of ``B``.

    The winners are recomputed directly, so exact copies get exactly 0.
    """
    nearest = _nearest_indices(A, B, exclude)
    distances = np.empty(A.shape[0])
    step = max(1, 2**18 // A.shape[1])
    for start in range(0, A.shape[0], step):
        diff = A[start : start + step] - B[nearest[start : start + step]]
        distances[start : start + step] = np.sqrt(np.einsum("ij,ij->i", diff, diff))
    return distances


def _duplicate_groups(X):
    """Label rows so that identical rows, and only those, share a label.

    Hashes one row at a time rather than sorting a copy of ``X``.
    """
    group = np.empty(X.shape[0], dtype=np.intp)
    representatives = {}
    for i, row in enumerate(X):
        candidates = representatives.setdefault(hash((row + 0.0).tobytes()), [])
        for j in candidates:
            if np.array_equal(X[j], row):
                group[i] = group[j]
                break
        else:
            candidates.append(i)
            group[i] = i
    return group


def _nearest_training_distances(train, fake):
    """Nearest-training distances of fakes, and of distinct training images.

    The second array has one entry per distinct training image: its distance to
    the nearest *different* training image.
    """
    group = _duplicate_groups(train)
    if (group == 0).all():
        raise ValueError(
            "all training images are identical, so there is no nearest-neighbour "
            "scale to compare synthetic images against."
        )
    # Self and duplicates are excluded: the nearest *different* training image.
    train_nn = _nearest_distances(
        train, train, lambda start, stop: group[start:stop, None] == group[None, :]
    )
    first_of_group = group == np.arange(train.shape[0])
    return _nearest_distances(fake, train), train_nn[first_of_group]


def _ratios(train, fake):
    fake_nn, train_nn = _nearest_training_distances(train, fake)
    scale = np.median(train_nn)
    assert scale > 0, "distinct training rows have positive distances"
    return fake_nn / scale


def nearest_neighbor_ratio(
    X_train, X_fake, *, feature_extractor=None, image_shape=None, batch_size=256
):
    """Distance of each synthetic image to its nearest training image, relative.

    For synthetic image ``j`` the ratio is ``d(f_j) / median_i d(t_i)``, where
    ``d(f_j)`` is the distance to the nearest training image and ``d(t_i)`` the
    distance of training image ``i`` to its nearest *other* training image. So
    the ratio says how close a synthetic image is to the training data compared
    with how close training images typically are to each other: about 1 or
    more for a fresh sample of the same distribution, 0 for an exact copy.

    Parameters
    ----------
    X_train : array-like or torch.Tensor
        The images the generator was trained on, in any layout
        :func:`extract_features` accepts. Not modified.
    X_fake : array-like or torch.Tensor
        Synthetic images of the same shape. Not modified.
    feature_extractor : callable, torch.nn.Module, object with ``embed`` or None, \
default=None
        Space the distances are measured in, see :func:`extract_features`. None:
        L2 distance between images scaled to ``[0, 1]`` (the common value range of
        both sets when they share a dtype), the most direct test for copies.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    batch_size : int, default=256
        Images per call of the feature extractor.

    Returns
    -------
    ratios : ndarray of shape (n_fake,), dtype float64

    Notes
    -----
    Duplicate training images (identical rows in the chosen space) are counted
    once for the reference scale: a training image's nearest *other* image is
    its nearest *different* one, so duplicates in the training set neither
    shrink the scale to 0 nor make copies look less suspicious. A ``ValueError``
    is raised when all training images are identical.

    Distances are exact (float64) and computed in blocks of at most about
    32 MB, so 5,000 x 5,000 images of 28 x 28 pixels need no 200 MB distance
    matrix.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import nearest_neighbor_ratio
    >>> X_train = np.random.default_rng(0).random((50, 8, 8))
    >>> nearest_neighbor_ratio(X_train, X_train[:3])
    array([0., 0., 0.])
    """
    train, fake = _extract_sets(
        [X_train, X_fake],
        ["X_train", "X_fake"],
        feature_extractor,
        image_shape=image_shape,
        batch_size=batch_size,
    )
    if train.shape[1] != fake.shape[1]:
        raise ValueError(
            "X_train and X_fake must give features of one dimension, got "
            f"{train.shape[1]} and {fake.shape[1]}."
        )
    return _ratios(train, fake)


def _check_threshold(threshold):
    if not isinstance(threshold, numbers.Real) or isinstance(threshold, bool):
        raise TypeError(f"threshold must be a real number, got {threshold!r}.")
    if not threshold > 0 or not np.isfinite(threshold):
        raise ValueError(f"threshold must be positive and finite, got {threshold!r}.")
    return float(threshold)


def find_memorized(
    X_train,
    X_fake,
    *,
    threshold=DEFAULT_MEMORIZATION_THRESHOLD,
    feature_extractor=None,
    image_shape=None,
    batch_size=256,
):
    """Indices of synthetic images that are (near) copies of training images.

    A synthetic image is flagged when its :func:`nearest_neighbor_ratio` is
    below ``threshold``: when it lies much closer to some training image than
    training images typically lie to each other.

    Parameters
    ----------
    X_train : array-like or torch.Tensor
        The images the generator was trained on. Not modified.
    X_fake : array-like or torch.Tensor
        Synthetic images of the same shape. Not modified.
    threshold : float, default=1/3
        Flag ratios strictly below this (exact copies, with ratio 0, are always
        flagged). The default flags a synthetic image that is at least three
        times closer to a training image than the median training image is to
        its nearest neighbour. Fresh samples of the training distribution have
        ratios around 1 (in high dimensions nearest-neighbour distances
        concentrate), so they are rarely flagged, while copies with small
        perturbations are. Lower it (e.g. 0.1) to flag only near-exact copies.
    feature_extractor : callable, torch.nn.Module, object with ``embed`` or None, \
default=None
        Space the distances are measured in; None for pixels in ``[0, 1]``. See
        :func:`extract_features`.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    batch_size : int, default=256
        Images per call of the feature extractor.

    Returns
    -------
    indices : ndarray of shape (n_memorized,), dtype int64
        Sorted indices into ``X_fake``.

    See Also
    --------
    nearest_neighbor_ratio : The ratios, and how duplicates are handled.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import find_memorized
    >>> rng = np.random.default_rng(0)
    >>> X_train = rng.random((50, 8, 8))
    >>> X_fake = np.concatenate([rng.random((3, 8, 8)), X_train[:2]])
    >>> find_memorized(X_train, X_fake)
    array([3, 4])
    """
    threshold = _check_threshold(threshold)
    ratios = nearest_neighbor_ratio(
        X_train,
        X_fake,
        feature_extractor=feature_extractor,
        image_shape=image_shape,
        batch_size=batch_size,
    )
    return np.flatnonzero(ratios < threshold).astype(np.int64)
