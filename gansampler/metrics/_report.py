"""All quality metrics for one class of real and synthetic images in one call."""

import numpy as np

from .._random import check_random_state
from ._diversity import _mean_pairwise_ssim
from ._features import _extract_sets
from ._frechet import frechet_distance
from ._memorization import DEFAULT_MEMORIZATION_THRESHOLD, _check_threshold, _ratios
from ._prdc import precision_recall_density_coverage
from ._utils import _check_image_sets, _check_int

__all__ = ["quality_report", "sampler_report"]


def quality_report(
    X_real,
    X_fake,
    feature_extractor=None,
    *,
    k=5,
    image_shape=None,
    batch_size=256,
    max_pairs=2000,
    threshold=DEFAULT_MEMORIZATION_THRESHOLD,
    random_state=None,
):
    """Fidelity, diversity and memorization of synthetic images of one class.

    Parameters
    ----------
    X_real : array-like or torch.Tensor
        Real images of the class, the ones the generator was trained on; more
        than ``k`` of them. Not modified.
    X_fake : array-like or torch.Tensor
        Synthetic images of the same shape; more than ``k`` of them. Not
        modified.
    feature_extractor : callable, torch.nn.Module, object with ``embed`` or None, \
default=None
        Feature space of the FID and of precision, recall, density and
        coverage; see :func:`extract_features`. None uses raw pixels, a weak
        proxy. SSIM and memorization are always measured on pixels in
        ``[0, 1]``.
    k : int, default=5
        Neighbour for :func:`precision_recall_density_coverage`.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)`` for flat 2-D inputs.
    batch_size : int, default=256
        Images per call of the feature extractor.
    max_pairs : int, default=2000
        Pairs per set for :func:`mean_pairwise_ssim`.
    threshold : float, default=1/3
        Memorization threshold of :func:`find_memorized`.
    random_state : int, RandomState instance or None, default=None
        Draws the SSIM pairs.

    Returns
    -------
    report : dict of float
        ``"fid"`` (lower is better), ``"precision"``, ``"recall"``,
        ``"density"``, ``"coverage"`` (higher is better), ``"ssim_real"`` and
        ``"ssim_fake"`` (mean pairwise SSIM; a fake value well above the real
        one signals mode collapse) and ``"memorized_fraction"``, the fraction of
        synthetic images flagged as copies of real ones.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import quality_report
    >>> rng = np.random.default_rng(0)
    >>> X_real, X_fake = rng.random((40, 8, 8)), rng.random((30, 8, 8))
    >>> report = quality_report(X_real, X_fake, random_state=0)
    >>> sorted(report)  # doctest: +NORMALIZE_WHITESPACE
    ['coverage', 'density', 'fid', 'memorized_fraction', 'precision', 'recall',
     'ssim_fake', 'ssim_real']
    >>> report["memorized_fraction"]
    0.0
    """
    k = _check_int(k, "k")
    max_pairs = _check_int(max_pairs, "max_pairs")
    threshold = _check_threshold(threshold)
    names = ["X_real", "X_fake"]
    (real, fake), (fmt_real, fmt_fake) = _check_image_sets(
        [X_real, X_fake], names, image_shape=image_shape, tabular=False
    )
    pixels = _extract_sets([X_real, X_fake], names, None, image_shape=image_shape)
    if feature_extractor is None:
        features = pixels
    else:
        features = _extract_sets(
            [X_real, X_fake],
            names,
            feature_extractor,
            image_shape=image_shape,
            batch_size=batch_size,
        )
    report = {"fid": None}
    report.update(precision_recall_density_coverage(*features, k=k))
    report["fid"] = frechet_distance(*features)
    rng = check_random_state(random_state)
    report["ssim_real"] = _mean_pairwise_ssim(real, fmt_real, max_pairs, rng, "X_real")
    report["ssim_fake"] = _mean_pairwise_ssim(fake, fmt_fake, max_pairs, rng, "X_fake")
    report["memorized_fraction"] = float(np.mean(_ratios(*pixels) < threshold))
    return report


def sampler_report(sampler, X, y, feature_extractor=None, *, n_samples=None,
                   random_state=0, **kwargs):
    """:func:`quality_report` for each class a fitted over-sampler generates.

    Parameters
    ----------
    sampler : fitted GANOverSampler
        Anything with ``generators_`` and ``sample(n_samples, y, random_state)``.
    X, y : array-like
        The real data the sampler was fitted on (or held-out real data).
    feature_extractor : see :func:`quality_report`
        E.g. a :class:`~gansampler.CNNClassifier` fitted on the real data.
    n_samples : int, default=None
        Synthetic images per class; None draws as many as the class has real ones.
    random_state : int, default=0
        Seeds the synthetic draw and the SSIM pairs.
    **kwargs
        Passed to :func:`quality_report` (``k``, ``image_shape``, ...).

    Returns
    -------
    reports : dict
        Class label to the :func:`quality_report` dict.
    """
    y = np.asarray(y)
    X = np.asarray(X)
    reports = {}
    for label in getattr(sampler, "generators_", {}):
        X_real = X[y == label]
        n = n_samples or len(X_real)
        X_fake = sampler.sample(n, label, random_state=random_state)
        reports[label] = quality_report(
            X_real, X_fake, feature_extractor, random_state=random_state, **kwargs
        )
    return reports
