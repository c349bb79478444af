"""Inception score with a classifier the user trusts, not downloaded Inception weights."""

import numpy as np

from .._random import check_random_state
from ._utils import _check_features, _check_int, _to_numpy

__all__ = ["inception_score"]


def _class_probabilities(classifier, X):
    """``classifier``'s ``(n, K)`` class probabilities for ``X``, checked."""
    if hasattr(classifier, "predict_proba"):
        proba = classifier.predict_proba(X)
    elif callable(classifier):
        proba = classifier(X)
    else:
        raise TypeError(
            "classifier must be a fitted classifier with predict_proba or a callable "
            f"returning class probabilities, got {type(classifier).__name__}."
        )
    proba = _check_features(proba, "classifier's probabilities")
    if proba.shape[1] < 2:
        raise ValueError(f"need probabilities over at least 2 classes, got shape {proba.shape}.")
    if (proba < 0).any() or not np.allclose(proba.sum(axis=1), 1.0, atol=1e-3):
        raise ValueError(
            "the classifier's outputs are not probabilities (rows must be >= 0 and sum "
            "to 1); pass probabilities, not logits."
        )
    return proba


def inception_score(X_fake, classifier, *, n_splits=10, random_state=None):
    """Inception score (Salimans et al., 2016) in a classifier of your domain.

    ``exp(E_x KL(p(y | x) || p(y)))`` over the synthetic images: high when the
    classifier is confident on each image and the images spread over many
    classes. The medical GAN papers compute it with ImageNet's Inception network,
    which cannot be downloaded here and knows nothing of X-rays; pass a
    classifier fitted on the real data of your domain instead (a fitted
    :class:`~gansampler.CNNClassifier`, any estimator with ``predict_proba``, or
    a callable). Scores are comparable only under the same classifier.

    It never looks at real images: it cannot see whether the images are
    realistic or copies, only whether the classifier is sure of them. It is at
    most the number of classes, and for images of a single class (what an
    over-sampler adds) it measures confidence alone. Prefer :func:`fid` and
    :func:`precision_recall_density_coverage`; this is here to compare with
    papers that report it, computed over a set with every class.

    Parameters
    ----------
    X_fake : array-like or torch.Tensor
        Synthetic images, in the layout the classifier expects; passed to it
        as given (tensors converted to numpy) and not modified.
    classifier : estimator with ``predict_proba``, or callable
        Maps ``X_fake`` to an ``(n, K)`` array of class probabilities.
    n_splits : int, default=10
        The images are shuffled and cut into this many splits, as in the
        original score; the score is computed on each. Shuffling makes it
        independent of the order: an over-sampler returns its images class by
        class, and contiguous splits of such a set would score near 1.
    random_state : int, RandomState instance or None, default=None
        Seed of the shuffle.

    Returns
    -------
    mean, std : float
        Mean and standard deviation of the score over the splits.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import inception_score
    >>> confident = np.repeat(np.eye(4), 25, axis=0)  # sure, 4 classes equally often
    >>> mean, std = inception_score(confident, lambda X: X, n_splits=1)
    >>> round(mean, 6), round(std, 6)
    (4.0, 0.0)
    """
    n_splits = _check_int(n_splits, "n_splits")
    proba = _class_probabilities(classifier, _to_numpy(X_fake))
    if proba.shape[0] < n_splits:
        raise ValueError(f"n_splits={n_splits} is more than the {proba.shape[0]} images.")
    proba = proba[check_random_state(random_state).permutation(len(proba))]
    tiny = np.finfo(np.float64).tiny
    scores = []
    for part in np.array_split(proba, n_splits):
        log_marginal = np.log(np.maximum(part.mean(axis=0, keepdims=True), tiny))
        # p log(p / m), with 0 log 0 = 0 (m > 0 wherever p > 0)
        kl = np.where(part > 0, part * (np.log(np.maximum(part, tiny)) - log_marginal), 0.0)
        scores.append(float(np.exp(kl.sum(axis=1).mean())))
    return float(np.mean(scores)), float(np.std(scores))
