"""Fréchet distance between Gaussian fits of two feature sets, and FID."""

import numpy as np
import torch

from ._features import _extract_sets
from ._utils import _check_features, _to_numpy

__all__ = ["fid", "frechet_distance", "frechet_distance_from_stats"]


def _check_stats(mu, sigma, name):
    mu = np.asarray(_to_numpy(mu))
    sigma = np.asarray(_to_numpy(sigma))
    for arr, what in ((mu, "mu"), (sigma, "sigma")):
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"{what}{name} must hold real numbers, got {arr.dtype}.")
    mu = np.atleast_1d(mu.astype(np.float64))
    sigma = np.atleast_2d(sigma.astype(np.float64))
    if mu.ndim != 1:
        raise ValueError(f"mu{name} must be 1-D (d,), got shape {mu.shape}.")
    if sigma.shape != (mu.shape[0], mu.shape[0]):
        raise ValueError(
            f"sigma{name} must have shape (d, d) = {(mu.shape[0],) * 2} to match "
            f"mu{name}, got {sigma.shape}."
        )
    if not (np.isfinite(mu).all() and np.isfinite(sigma).all()):
        raise ValueError(f"mu{name} and sigma{name} must be finite.")
    return mu, sigma


def _psd_sqrt(sigma):
    """Symmetric square root of a (numerically) PSD matrix."""
    eigvals, eigvecs = torch.linalg.eigh(sigma)
    return (eigvecs * eigvals.clamp(min=0.0).sqrt()) @ eigvecs.T


def frechet_distance_from_stats(mu1, sigma1, mu2, sigma2):
    """Fréchet distance between two Gaussians given their parameters.

    ``||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - 2 (sigma1 sigma2)^(1/2))``.

    Parameters
    ----------
    mu1, mu2 : array-like or torch.Tensor of shape (d,)
        Means.
    sigma1, sigma2 : array-like or torch.Tensor of shape (d, d)
        Covariance matrices, symmetric positive semi-definite (only their
        symmetric part is used).

    Returns
    -------
    distance : float
        Non-negative; 0 for identical Gaussians.

    Notes
    -----
    ``Tr((sigma1 sigma2)^(1/2))`` is computed in float64 as the sum of the square
    roots of the eigenvalues of the symmetric PSD matrix
    ``sigma1^(1/2) sigma2 sigma1^(1/2)``, which has the same eigenvalues as
    ``sigma1 sigma2``; tiny negative eigenvalues from round-off are clipped to 0.
    This avoids the complex results and instabilities of ``scipy.linalg.sqrtm``
    on singular covariances.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import frechet_distance_from_stats
    >>> frechet_distance_from_stats([0, 0], np.eye(2), [1, 0], 4 * np.eye(2))
    3.0
    """
    mu1, sigma1 = _check_stats(mu1, sigma1, "1")
    mu2, sigma2 = _check_stats(mu2, sigma2, "2")
    if mu1.shape != mu2.shape:
        raise ValueError(
            f"the two Gaussians must have the same dimension, got {mu1.shape[0]} "
            f"and {mu2.shape[0]}."
        )
    # in torch, whose LAPACK runs on torch's own threads: numpy's BLAS pool,
    # called between training epochs (QualityMonitor), would fight torch's
    # still spinning threads
    mu1, sigma1, mu2, sigma2 = (torch.from_numpy(a) for a in (mu1, sigma1, mu2, sigma2))
    sigma1 = (sigma1 + sigma1.T) / 2.0
    sigma2 = (sigma2 + sigma2.T) / 2.0
    sqrt1 = _psd_sqrt(sigma1)
    middle = sqrt1 @ sigma2 @ sqrt1
    eigvals = torch.linalg.eigvalsh((middle + middle.T) / 2.0)
    trace_covmean = eigvals.clamp(min=0.0).sqrt().sum()
    diff = mu1 - mu2
    distance = diff @ diff + sigma1.trace() + sigma2.trace() - 2.0 * trace_covmean
    return max(float(distance), 0.0)


def _gaussian_fit(features):
    return features.mean(axis=0), np.atleast_2d(np.cov(features, rowvar=False, ddof=1))


def _frechet_distance_gram(real, fake):
    """:func:`frechet_distance` from the centred data, never forming a d x d matrix.

    With ``A = (X1 - mean1) / sqrt(n1 - 1)`` and ``B`` likewise, the covariances
    are ``C1 = A^T A`` and ``C2 = B^T B``. ``C1 C2 = A^T (A B^T B)`` has the
    nonzero eigenvalues of ``(A B^T B) A^T = M M^T`` with ``M = A B^T``
    (``n1 x n2``), since ``PQ`` and ``QP`` share them; these are the squared
    singular values of ``M``, so ``Tr((C1 C2)^(1/2))`` is the sum of the
    singular values of ``M`` (its nuclear norm). With ``Tr C1 = ||A||_F^2``
    the distance costs ``O(n1 n2 d)``, not the ``O(d^3)`` of the dense route.
    """
    a, b = torch.from_numpy(real), torch.from_numpy(fake)
    mean_a, mean_b = a.mean(dim=0), b.mean(dim=0)
    a = (a - mean_a) / float(len(a) - 1) ** 0.5
    b = (b - mean_b) / float(len(b) - 1) ** 0.5
    trace_covmean = torch.linalg.svdvals(a @ b.T).sum()
    diff = mean_a - mean_b
    distance = diff @ diff + (a * a).sum() + (b * b).sum() - 2.0 * trace_covmean
    return max(float(distance), 0.0)


def frechet_distance(features_real, features_fake):
    """Fréchet distance between Gaussian fits of two feature sets.

    Each set is summarised by its mean and covariance (``ddof=1``) and the
    Fréchet (2-Wasserstein) distance between the two Gaussians is returned; on
    Inception features this is the FID (Heusel et al., 2017, "GANs Trained by
    a Two Time-Scale Update Rule Converge to a Local Nash Equilibrium").

    Parameters
    ----------
    features_real : array-like or torch.Tensor of shape (n_real, d)
        Features of the real samples, at least 2 rows. Not modified.
    features_fake : array-like or torch.Tensor of shape (n_fake, d)
        Features of the synthetic samples, at least 2 rows. Not modified.

    Returns
    -------
    distance : float
        Lower is better; near 0 for two samples of one distribution (the sample
        estimate is biased upwards, by more for fewer rows or larger ``d``).

    See Also
    --------
    frechet_distance_from_stats : The same distance from means and covariances.
    fid : Features and distance from images in one call.

    Notes
    -----
    With fewer rows than features, as with raw pixels (a 64 x 64 RGB image has
    12,288), the covariances have rank below ``d`` and the distance is
    computed from the centred rows: ``Tr((C1 C2)^(1/2))`` is the sum of the
    singular values of the ``n_real x n_fake`` matrix of cross products of
    the scaled, centred rows, so the cost grows as ``n_real n_fake d`` and no
    ``d x d`` covariance is formed. Otherwise (``n_real n_fake >= d^2``) the
    ``d x d`` covariances are decomposed, as
    :func:`frechet_distance_from_stats` does. Both give the same distance up
    to rounding.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import frechet_distance
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(500, 2))
    >>> round(frechet_distance(a, a), 6)
    0.0
    >>> round(frechet_distance(a, a + [3.0, 0.0]), 6)
    9.0
    """
    real = _check_features(features_real, "features_real", min_rows=2)
    fake = _check_features(features_fake, "features_fake", min_rows=2)
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "features_real and features_fake must have the same number of features, "
            f"got {real.shape[1]} and {fake.shape[1]}."
        )
    d = real.shape[1]
    if len(real) * len(fake) < d * d:  # the Gram route's n1 n2 d is below the dense route's d^3
        return _frechet_distance_gram(real, fake)
    return frechet_distance_from_stats(*_gaussian_fit(real), *_gaussian_fit(fake))


def fid(X_real, X_fake, feature_extractor=None, *, image_shape=None, batch_size=256):
    """Fréchet distance between the features of real and synthetic images.

    Parameters
    ----------
    X_real, X_fake : array-like or torch.Tensor
        Images, at least 2 of each, in any layout :func:`extract_features`
        accepts. Not modified.
    feature_extractor : callable, torch.nn.Module, object with ``embed`` or None, \
default=None
        See :func:`extract_features`. With None the distance is computed on raw
        pixels in ``[0, 1]`` ("pixel FID"), a weak proxy for perceptual quality
        that is only meaningful to compare models on the same data.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    batch_size : int, default=256
        Images per call of the feature extractor.

    Returns
    -------
    fid : float
        Lower is better.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import fid
    >>> X = np.random.default_rng(0).random((50, 1, 4, 4))
    >>> round(fid(X, X), 6)
    0.0
    """
    real, fake = _extract_sets(
        [X_real, X_fake],
        ["X_real", "X_fake"],
        feature_extractor,
        image_shape=image_shape,
        batch_size=batch_size,
    )
    return frechet_distance(real, fake)
