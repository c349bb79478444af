"""Utility of synthetic data for classifiers: TSTR and the classifier two-sample test."""

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import check_scoring

from .._random import check_random_state, draw_seed
from ._utils import _check_image_sets, _to_numpy, _to_unit

__all__ = ["c2st_score", "tstr_score"]


def _check_labels(y, n_samples, name):
    y = np.asarray(_to_numpy(y))
    if y.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {y.shape}.")
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{name} has {y.shape[0]} labels but its images number {n_samples}."
        )
    return y


def tstr_score(
    X_fake,
    y_fake,
    X_real_test,
    y_real_test,
    estimator=None,
    scoring="balanced_accuracy",
    *,
    image_shape=None,
):
    """Train a classifier on synthetic data only and score it on real data.

    "Train on synthetic, test on real": if synthetic images carry the
    information that separates the classes, a classifier fitted on them alone
    does well on real images. Compare with the same classifier trained on real
    data (TRTR) for an upper reference.

    Parameters
    ----------
    X_fake : array-like or torch.Tensor
        Synthetic images (or rows), in any layout the package accepts. Not
        modified.
    y_fake : array-like or torch.Tensor of shape (n_fake,)
        Their class labels, at least two classes.
    X_real_test : array-like or torch.Tensor
        Real held-out images of the same shape. Not modified.
    y_real_test : array-like or torch.Tensor of shape (n_test,)
        Their class labels.
    estimator : classifier or None, default=None
        Cloned with :func:`sklearn.base.clone` and fitted on ``X_fake`` as given
        (torch tensors converted to numpy); the instance passed is never fitted.
        None: ``LogisticRegression(max_iter=1000)`` on the flattened images
        scaled to ``[0, 1]`` (with the common value range of both sets when they
        share a dtype).
    scoring : str or callable, default="balanced_accuracy"
        A scikit-learn scorer name or ``scorer(estimator, X, y)``.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs; only the default
        estimator's scaling uses it.

    Returns
    -------
    score : float
        The score on the real test data.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import tstr_score
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 20)
    >>> X = rng.random((40, 4, 4)) + 2 * y[:, None, None]
    >>> tstr_score(X, y, X, y)
    1.0
    """
    (fake, test), fmts = _check_image_sets(
        [X_fake, X_real_test], ["X_fake", "X_real_test"], image_shape=image_shape
    )
    y_fake = _check_labels(y_fake, fake.shape[0], "y_fake")
    y_real_test = _check_labels(y_real_test, test.shape[0], "y_real_test")
    if np.unique(y_fake).shape[0] < 2:
        raise ValueError(
            "y_fake must hold at least 2 classes to train a classifier, got "
            f"{np.unique(y_fake).tolist()}."
        )
    if estimator is None:
        estimator = LogisticRegression(max_iter=1000)
        X_train, X_test = (
            _to_unit(imgs, fmt).reshape(imgs.shape[0], -1)
            for imgs, fmt in zip((fake, test), fmts)
        )
    else:
        X_train = np.asarray(_to_numpy(X_fake))
        X_test = np.asarray(_to_numpy(X_real_test))
    model = clone(estimator).fit(X_train, y_fake)
    scorer = check_scoring(model, scoring=scoring)
    return float(scorer(model, X_test, y_real_test))


def c2st_score(X_real, X_fake, estimator=None, *, test_size=0.5, image_shape=None,
               random_state=None):
    """Classifier two-sample test: how well can a classifier tell real from synthetic?

    Equal numbers of real and synthetic images (the larger set is subsampled)
    are split into train and test halves; a classifier learns "real or
    synthetic" on one half and its accuracy on the other is returned
    (Lopez-Paz & Oquab, 2017). 0.5 means indistinguishable; near 1.0 means a
    classifier can separate them, so a classifier trained on real plus synthetic
    images can learn "synthetic" instead of the class, and the synthetic images
    are unlikely to help it.

    Parameters
    ----------
    X_real, X_fake : array-like or torch.Tensor
        Images of one class, in any layout the package accepts. Not modified.
    estimator : classifier or None, default=None
        Cloned and fitted on the images as given, e.g.
        ``gansampler.CNNClassifier()`` (the strongest test for images). None:
        ``LogisticRegression(max_iter=1000)`` on the flattened images scaled to
        ``[0, 1]``.
    test_size : float, default=0.5
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    random_state : int, RandomState instance or None, default=None
        Subsampling and the split.

    Returns
    -------
    accuracy : float
        In ``[0, 1]``; 0.5 is the ideal.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import c2st_score
    >>> rng = np.random.default_rng(0)
    >>> real, fake = rng.random((100, 4, 4)), rng.random((100, 4, 4)) + 1
    >>> c2st_score(real, fake, random_state=0)
    1.0
    """
    from sklearn.model_selection import train_test_split

    (real, fake), fmts = _check_image_sets([X_real, X_fake], ["X_real", "X_fake"],
                                           image_shape=image_shape)
    rng = check_random_state(random_state)
    n = min(real.shape[0], fake.shape[0])
    if n < 4:
        raise ValueError(f"c2st_score needs at least 4 images in each set, got {n}.")
    pick_real = np.sort(rng.choice(real.shape[0], n, replace=False))
    pick_fake = np.sort(rng.choice(fake.shape[0], n, replace=False))
    if estimator is None:
        estimator = LogisticRegression(max_iter=1000)
        parts = [_to_unit(imgs, fmt).reshape(imgs.shape[0], -1) for imgs, fmt in zip((real, fake), fmts)]
    else:
        parts = [np.asarray(_to_numpy(X)) for X in (X_real, X_fake)]
    X = np.concatenate([parts[0][pick_real], parts[1][pick_fake]])
    y = np.repeat([0, 1], n)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=draw_seed(rng)
    )
    model = clone(estimator).fit(X_train, y_train)
    return float(np.mean(model.predict(X_test) == y_test))
