"""Pixel-space quality figures whose cost does not explode with the image size."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gansampler.metrics import frechet_distance, frechet_distance_from_stats
from gansampler.metrics._diversity import _gaussian_filter, _gaussian_window
from gansampler.metrics._frechet import _frechet_distance_gram, _gaussian_fit


@pytest.mark.parametrize("n_real, n_fake, d", [(10, 7, 30), (40, 3, 50), (5, 60, 20), (30, 30, 12)])
def test_gram_route_equals_the_dense_computation(n_real, n_fake, d):
    rng = np.random.default_rng(d)
    real = rng.normal(size=(n_real, d)) @ rng.normal(size=(d, d))  # correlated features
    fake = 1.7 * rng.normal(size=(n_fake, d)) + 0.3
    dense = frechet_distance_from_stats(*_gaussian_fit(real), *_gaussian_fit(fake))
    assert _frechet_distance_gram(real, fake) == pytest.approx(dense, rel=1e-6)


def test_few_rows_many_features_never_form_a_covariance(monkeypatch):
    rng = np.random.default_rng(0)
    real, fake = rng.random((50, 4096)), rng.random((8, 4096))

    def no_cov(*args, **kwargs):
        raise AssertionError("a d x d covariance was formed")

    monkeypatch.setattr(np, "cov", no_cov)
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-9)
    shifted = frechet_distance(real, real + 0.5)
    assert shifted == pytest.approx(4096 * 0.25, rel=1e-9)  # same covariance: the squared mean shift
    assert frechet_distance(real, fake) > 0
    with pytest.raises(AssertionError, match="covariance"):
        frechet_distance(rng.random((100, 3)), rng.random((100, 3)))  # many rows, few features: the dense route


def test_gaussian_filter_is_the_two_dimensional_window():
    x = torch.rand(3, 2, 17, 12, dtype=torch.float64)
    g = _gaussian_window(7, torch.float64)
    kernel = torch.outer(g, g).expand(2, 1, 7, 7)
    expected = F.conv2d(x, kernel, groups=2)
    torch.testing.assert_close(_gaussian_filter(x, 7), expected, rtol=0, atol=1e-12)
