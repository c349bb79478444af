"""Precision, recall, density and coverage (Naeem et al., 2020)."""

import numpy as np

from ._utils import (
    _check_features,
    _check_int,
    _distance_chunks,
    _kth_neighbor_distances,
)

__all__ = ["precision_recall_density_coverage"]


def precision_recall_density_coverage(features_real, features_fake, k=5):
    """Fidelity and diversity of synthetic samples from k-NN balls in feature space.

    Every real sample ``r_i`` gets a ball of radius ``NND_k(r_i)``, the distance to
    its ``k``-th nearest other real sample (likewise for fake samples ``f_j``):

    - precision: fraction of fake samples inside at least one real ball
      (fidelity: do fakes look real?);
    - recall: fraction of real samples inside at least one fake ball
      (diversity: is all of the real data covered by fakes?);
    - density: ``1 / (k * n_fake) * sum_j #{i : f_j in ball(r_i)}``, the mean
      number of real balls holding a fake sample over ``k``; about 1 for
      matching distributions, may exceed 1, robust to real outliers;
    - coverage: fraction of real balls holding at least one fake sample;
      robust to fake outliers and about ``1 - (1/2)^k`` for matching
      distributions.

    Parameters
    ----------
    features_real : array-like or torch.Tensor of shape (n_real, d)
        Features of the real samples. Not modified.
    features_fake : array-like or torch.Tensor of shape (n_fake, d)
        Features of the synthetic samples. Not modified.
    k : int, default=5
        Neighbour used for the ball radii; must be smaller than both ``n_real``
        and ``n_fake``. Naeem et al. recommend ``k=5``.

    Returns
    -------
    scores : dict
        ``{"precision", "recall", "density", "coverage"}`` as floats. Higher is
        better for all four.

    Notes
    -----
    Radii and distances are exact Euclidean k-NN distances, computed in
    float64 and in blocks to bound memory. Balls are closed (a sample at
    exactly the radius counts as inside), so that exact copies of real samples
    count as real even when duplicates make a radius 0.

    References
    ----------
    .. [1] M. F. Naeem, S. J. Oh, Y. Uh, Y. Choi and J. Yoo, "Reliable Fidelity
       and Diversity Metrics for Generative Models", ICML 2020.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import precision_recall_density_coverage
    >>> real = np.random.default_rng(0).normal(size=(200, 2))
    >>> scores = precision_recall_density_coverage(real, real + 100.0)
    >>> scores["precision"], scores["coverage"]
    (0.0, 0.0)
    """
    real = _check_features(features_real, "features_real")
    fake = _check_features(features_fake, "features_fake")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(
            "features_real and features_fake must have the same number of features, "
            f"got {real.shape[1]} and {fake.shape[1]}."
        )
    k = _check_int(k, "k")
    for n, name in ((real.shape[0], "real"), (fake.shape[0], "fake")):
        if k >= n:
            raise ValueError(
                f"k={k} must be smaller than the number of {name} samples, got "
                f"{n} {name} samples; pass a smaller k or more samples."
            )

    real_radii = _kth_neighbor_distances(real, k)
    fake_radii = _kth_neighbor_distances(fake, k)
    balls_per_fake = np.zeros(fake.shape[0], dtype=np.int64)
    real_in_fake_ball = np.zeros(real.shape[0], dtype=bool)
    real_ball_covered = np.zeros(real.shape[0], dtype=bool)
    for start, stop, D in _distance_chunks(real, fake):
        inside_real_ball = D <= real_radii[start:stop, None]
        balls_per_fake += inside_real_ball.sum(axis=0)
        real_ball_covered[start:stop] = inside_real_ball.any(axis=1)
        real_in_fake_ball[start:stop] = (D <= fake_radii[None, :]).any(axis=1)
    return {
        "precision": float(np.mean(balls_per_fake > 0)),
        "recall": float(np.mean(real_in_fake_ball)),
        "density": float(balls_per_fake.sum() / (k * fake.shape[0])),
        "coverage": float(np.mean(real_ball_covered)),
    }
