"""Tests for gansampler.metrics on cases with known answers."""

import numpy as np
import pytest
import scipy.linalg
import scipy.spatial
import torch
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from gansampler.metrics import (
    _utils,
    c2st_score,
    diversity_report,
    extract_features,
    fid,
    find_memorized,
    frechet_distance,
    frechet_distance_from_stats,
    mean_pairwise_ssim,
    nearest_neighbor_ratio,
    precision_recall_density_coverage,
    quality_report,
    ssim,
    tstr_score,
)

# --------------------------------------------------------------------------- data


@pytest.fixture(scope="module")
def digits():
    """8 x 8 digit images as uint8 (n, 8, 8) in 0..255 and their labels."""
    X, y = load_digits(return_X_y=True)
    return (X.reshape(-1, 8, 8) * 255 / 16).round().astype(np.uint8), y


@pytest.fixture(scope="module")
def gaussians():
    """Two independent samples of N(0, I) in 4-D, and a mean-shifted sample."""
    rng = np.random.default_rng(0)
    real = rng.normal(size=(600, 4))
    same = rng.normal(size=(600, 4))
    shifted = rng.normal(size=(600, 4)) + np.array([2.5, 0.0, 0.0, 0.0])
    return real, same, shifted


def _naive_prdc(real, fake, k):
    """Naeem et al.'s definitions on full distance matrices (closed balls)."""
    d_rr = scipy.spatial.distance.cdist(real, real)
    d_ff = scipy.spatial.distance.cdist(fake, fake)
    d_rf = scipy.spatial.distance.cdist(real, fake)
    r_real = np.sort(d_rr, axis=1)[:, k]  # column 0 is the point itself
    r_fake = np.sort(d_ff, axis=1)[:, k]
    inside = d_rf <= r_real[:, None]
    return {
        "precision": inside.any(axis=0).mean(),
        "recall": (d_rf <= r_fake[None, :]).any(axis=1).mean(),
        "density": inside.sum() / (k * fake.shape[0]),
        "coverage": inside.any(axis=1).mean(),
    }


# ------------------------------------------------------------------ Fréchet distance


def test_frechet_from_stats_diagonal_closed_form():
    mu1, mu2 = np.array([0.0, 1.0, -2.0]), np.array([0.5, 0.0, 1.0])
    a, b = np.array([1.0, 4.0, 0.25]), np.array([2.0, 1.0, 0.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    got = frechet_distance_from_stats(mu1, np.diag(a), mu2, np.diag(b))
    assert isinstance(got, float)
    assert got == pytest.approx(expected, rel=1e-12)


def test_frechet_from_stats_matches_sqrtm_non_diagonal():
    rng = np.random.default_rng(1)
    A, B = rng.normal(size=(5, 5)), rng.normal(size=(5, 5))
    sigma1, sigma2 = A @ A.T + 0.1 * np.eye(5), B @ B.T
    mu1, mu2 = rng.normal(size=5), rng.normal(size=5)
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    expected = (
        np.sum((mu1 - mu2) ** 2)
        + np.trace(sigma1)
        + np.trace(sigma2)
        - 2 * np.trace(covmean)
    )
    got = frechet_distance_from_stats(mu1, sigma1, mu2, sigma2)
    assert got == pytest.approx(expected, rel=1e-9)
    # symmetric in its two Gaussians, and torch input gives the same
    assert frechet_distance_from_stats(mu2, sigma2, mu1, sigma1) == pytest.approx(got)
    as_torch = [torch.from_numpy(v) for v in (mu1, sigma1, mu2, sigma2)]
    assert frechet_distance_from_stats(*as_torch) == pytest.approx(got, rel=1e-12)


def test_frechet_from_stats_singular_covariance_is_stable():
    sigma = np.zeros((3, 3))
    sigma[0, 0] = 1.0  # rank 1: sqrtm-based formulas go complex or NaN here
    got = frechet_distance_from_stats(np.zeros(3), sigma, np.zeros(3), 4 * sigma)
    assert got == pytest.approx((1.0 - 2.0) ** 2, abs=1e-12)


def test_frechet_distance_samples_approach_population_value():
    rng = np.random.default_rng(2)
    a, b = np.array([1.0, 2.0]), np.array([4.0, 0.5])
    x = rng.normal(size=(20000, 2)) * np.sqrt(a)
    y = rng.normal(size=(20000, 2)) * np.sqrt(b) + [1.0, 0.0]
    expected = 1.0 + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(x, y) == pytest.approx(expected, rel=0.03)


def test_frechet_distance_identical_vs_shifted(gaussians):
    real, same, shifted = gaussians
    fd_same = frechet_distance(real, same)
    fd_shifted = frechet_distance(real, shifted)
    assert fd_same < 0.05
    assert fd_shifted == pytest.approx(2.5**2, rel=0.15)
    assert fd_shifted > 20 * fd_same
    assert frechet_distance(real, real) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(torch.from_numpy(real), torch.from_numpy(shifted)) == (
        pytest.approx(fd_shifted, rel=1e-12)
    )


def test_frechet_distance_uses_ddof_1():
    x = np.array([[0.0], [2.0]])  # mean 1, variance 2 with ddof=1
    y = np.array([[1.0], [1.0]])  # variance 0
    assert frechet_distance(x, y) == pytest.approx(2.0)


@pytest.mark.parametrize(
    "real, fake, match",
    [
        (np.zeros((5, 3)), np.zeros((5, 4)), "same number of features"),
        (np.zeros((1, 3)), np.zeros((5, 3)), "at least 2 rows"),
        (np.zeros((5, 3)), np.zeros((1, 3)), "at least 2 rows"),
        (np.zeros(5), np.zeros((5, 1)), "must be 2-D"),
        (np.full((5, 3), np.nan), np.zeros((5, 3)), "NaN or infinity"),
        (np.zeros((5, 3)), np.full((5, 3), np.inf), "NaN or infinity"),
    ],
)
def test_frechet_distance_errors(real, fake, match):
    with pytest.raises(ValueError, match=match):
        frechet_distance(real, fake)


def test_frechet_from_stats_errors():
    with pytest.raises(ValueError, match="same dimension"):
        frechet_distance_from_stats(np.zeros(2), np.eye(2), np.zeros(3), np.eye(3))
    with pytest.raises(ValueError, match=r"shape \(d, d\)"):
        frechet_distance_from_stats(np.zeros(2), np.eye(3), np.zeros(2), np.eye(2))


def test_fid_pixels_shifted_brightness_scores_worse(digits):
    X, _ = digits
    real, fake = X[:600], X[600:1200]
    darker = (fake * 0.6).astype(np.uint8)
    assert fid(real, fake) < fid(real, darker)
    # flat input with image_shape and torch input give the same number
    assert fid(real.reshape(600, -1), torch.from_numpy(fake), image_shape=(8, 8)) == (
        pytest.approx(fid(real, fake), rel=1e-12)
    )


# ------------------------------------------------------------------ feature extractors


class _Linear(torch.nn.Module):
    def __init__(self, weight):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.as_tensor(weight, dtype=torch.float32))
        self.dropout = torch.nn.Dropout(0.9)  # would change outputs in train mode

    def forward(self, x):
        return self.dropout(x.flatten(1) @ self.weight)


class _Embedder:
    """Stands in for CNNClassifier: scales the user's uint8 images itself."""

    def __init__(self, weight):
        self.weight = weight
        self.seen = []

    def embed(self, X):
        self.seen.append((X.shape, X.dtype))
        return (X.reshape(X.shape[0], -1) / 255.0) @ self.weight


def test_extractors_give_the_same_features(digits):
    X, _ = digits
    X = X[:100]
    weight = np.random.default_rng(3).normal(size=(64, 5)).astype(np.float32)
    module = _Linear(weight)
    module.train()
    embedder = _Embedder(weight.astype(np.float64))

    from_callable = extract_features(
        X, lambda imgs: imgs.reshape(len(imgs), -1) @ weight, batch_size=32
    )
    from_torch_callable = extract_features(
        X, lambda imgs: torch.from_numpy(imgs).flatten(1) @ torch.from_numpy(weight)
    )
    from_module = extract_features(X, module, batch_size=7)
    from_embed = extract_features(X.reshape(100, 64), embedder, image_shape=(8, 8))

    assert from_callable.shape == (100, 5) and from_callable.dtype == np.float64
    np.testing.assert_allclose(from_torch_callable, from_callable, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(from_module, from_callable, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(from_embed, from_callable, rtol=1e-5, atol=1e-5)
    # embed got the user's layout and dtype, in one call
    assert embedder.seen == [((100, 64), np.dtype(np.uint8))]
    # the module ran in eval mode (no dropout) and was put back in train mode
    assert module.training and module.dropout.training
    # the metrics use the same dispatch
    assert fid(X[:50], X[50:], module) == pytest.approx(
        frechet_distance(from_callable[:50], from_callable[50:]), rel=1e-4
    )


def test_pixel_features_are_scaled_to_unit_range(digits):
    X, _ = digits
    features = extract_features(X[:10])
    np.testing.assert_allclose(features, X[:10].reshape(10, -1) / 255.0, rtol=1e-6)


def test_extractor_errors(digits):
    X, _ = digits
    with pytest.raises(TypeError, match="feature_extractor must be"):
        extract_features(X, feature_extractor="inception")
    with pytest.raises(ValueError, match="expected 10 rows"):
        extract_features(X[:10], lambda imgs: imgs[:3].reshape(3, -1))
    with pytest.raises(ValueError, match="image_shape"):  # callable needs images
        extract_features(X.reshape(len(X), -1), lambda imgs: imgs.mean(axis=(2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        extract_features(X[:10], lambda imgs: np.full((len(imgs), 2), np.nan))


# ------------------------------------------------------------------------------ PRDC


def test_prdc_matches_naive_definition():
    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(80, 3)), rng.normal(size=(60, 3)) + 0.5
    got = precision_recall_density_coverage(real, fake, k=3)
    expected = _naive_prdc(real, fake, k=3)
    assert set(got) == {"precision", "recall", "density", "coverage"}
    for key, value in expected.items():
        assert isinstance(got[key], float)
        assert got[key] == pytest.approx(value, abs=1e-12), key


def test_prdc_chunked_matches_unchunked(gaussians, monkeypatch):
    real, _, shifted = gaussians
    full = precision_recall_density_coverage(real, shifted)
    monkeypatch.setattr(_utils, "_CHUNK_BYTES", 8 * 600 * 7)  # blocks of 7 rows
    assert precision_recall_density_coverage(real, shifted) == full


def test_prdc_same_shifted_collapsed(gaussians):
    real, same, shifted = gaussians
    good = precision_recall_density_coverage(real, same, k=5)
    bad = precision_recall_density_coverage(real, shifted, k=5)
    assert good["precision"] > 0.9 and good["recall"] > 0.9
    assert 0.8 < good["density"] < 1.2
    assert good["coverage"] > 0.9  # about 1 - 2**-5 for matching distributions
    assert bad["precision"] < good["precision"] - 0.15
    assert bad["density"] < 0.6 * good["density"]

    collapsed = np.random.default_rng(5).normal(scale=0.01, size=(600, 4))
    mode = precision_recall_density_coverage(real, collapsed, k=5)
    assert mode["precision"] == 1.0  # the collapsed samples all look real ...
    assert mode["recall"] < 0.05 and mode["coverage"] < 0.05  # ... but cover nothing


def test_prdc_errors():
    real, fake = np.zeros((5, 2)), np.ones((8, 2))
    with pytest.raises(ValueError, match="smaller than the number of real"):
        precision_recall_density_coverage(real, fake, k=5)
    with pytest.raises(ValueError, match="smaller than the number of fake"):
        precision_recall_density_coverage(fake, real, k=6)
    with pytest.raises(ValueError, match="same number of features"):
        precision_recall_density_coverage(real, np.ones((8, 3)), k=2)
    with pytest.raises(TypeError, match="k must be an integer"):
        precision_recall_density_coverage(real, fake, k=2.0)
    with pytest.raises(ValueError, match="k must be >= 1"):
        precision_recall_density_coverage(real, fake, k=0)


# ------------------------------------------------------------------------------ SSIM


def _naive_ssim(x, y, size, sigma=1.5):
    """SSIM of two 2-D images by an explicit loop over valid windows."""
    r = np.arange(size) - (size - 1) / 2
    g = np.exp(-(r**2) / (2 * sigma**2))
    w = np.outer(g, g) / np.outer(g, g).sum()
    c1, c2 = 0.01**2, 0.03**2
    values = []
    for i in range(x.shape[0] - size + 1):
        for j in range(x.shape[1] - size + 1):
            px, py = x[i : i + size, j : j + size], y[i : i + size, j : j + size]
            mx, my = (w * px).sum(), (w * py).sum()
            vx, vy = (w * (px - mx) ** 2).sum(), (w * (py - my) ** 2).sum()
            cxy = (w * (px - mx) * (py - my)).sum()
            numerator = (2 * mx * my + c1) * (2 * cxy + c2)
            values.append(numerator / ((mx**2 + my**2 + c1) * (vx + vy + c2)))
    return np.mean(values)


def test_ssim_matches_naive_windows():
    rng = np.random.default_rng(6)
    a = rng.random((2, 14, 13))
    b = np.clip(a + rng.normal(scale=0.2, size=a.shape), 0, 1)
    got = ssim(a, b)
    assert got.shape == (2,) and got.dtype == np.float64
    for i in range(2):
        assert got[i] == pytest.approx(_naive_ssim(a[i], b[i], size=11), abs=1e-6)
    # 8 x 8 images: window shrunk to 7
    small_a, small_b = a[:, :8, :8], b[:, :8, :8]
    assert ssim(small_a, small_b)[0] == pytest.approx(
        _naive_ssim(small_a[0], small_b[0], size=7), abs=1e-6
    )


def test_ssim_identity_noise_and_colour():
    rng = np.random.default_rng(7)
    a = rng.random((4, 3, 16, 16))
    np.testing.assert_allclose(ssim(a, a), 1.0, rtol=0, atol=1e-12)
    assert np.all(np.abs(ssim(a, rng.random(a.shape))) < 0.1)
    # RGB: the mean of the per-channel values
    b = np.clip(a + rng.normal(scale=0.1, size=a.shape), 0, 1)
    per_channel = [ssim(a[:, c], b[:, c]) for c in range(3)]
    np.testing.assert_allclose(ssim(a, b), np.mean(per_channel, axis=0), rtol=1e-12)


def test_ssim_errors():
    with pytest.raises(ValueError, match="same number of images"):
        ssim(np.zeros((3, 8, 8)), np.zeros((2, 8, 8)))
    with pytest.raises(ValueError, match="same image shape"):
        ssim(np.zeros((3, 8, 8)), np.zeros((3, 9, 9)))
    with pytest.raises(ValueError, match="image_shape"):
        ssim(np.zeros((3, 64)), np.zeros((3, 64)))


def test_mean_pairwise_ssim_detects_collapse(digits):
    X, y = digits
    real = X[y == 3]
    base = real[0].astype(np.float64)
    noise = np.random.default_rng(8).normal(scale=8.0, size=(100, 8, 8))
    collapsed = np.clip(base + noise, 0, 255).astype(np.uint8)
    ssim_real = mean_pairwise_ssim(real, random_state=0)
    ssim_collapsed = mean_pairwise_ssim(collapsed, random_state=0)
    assert ssim_collapsed > ssim_real + 0.2
    report = diversity_report(real, collapsed, random_state=0)
    assert report["ssim_real"] == pytest.approx(ssim_real)
    assert report["ratio"] == pytest.approx(report["ssim_fake"] / ssim_real)
    assert report["ratio"] > 1.3
    fresh = diversity_report(real[:90], real[90:], random_state=0)
    assert 0.8 < fresh["ratio"] < 1.25


def test_mean_pairwise_ssim_pairs(digits):
    X, _ = digits
    X = X[:300]
    # random pairs: reproducible with random_state, different with another seed
    assert mean_pairwise_ssim(X, max_pairs=50, random_state=1) == mean_pairwise_ssim(
        X, max_pairs=50, random_state=np.random.RandomState(1)
    )
    assert mean_pairwise_ssim(X, max_pairs=50, random_state=1) != mean_pairwise_ssim(
        X, max_pairs=50, random_state=2
    )
    # few images: every distinct pair, no randomness
    small = X[:6]
    i, j = np.triu_indices(6, k=1)
    assert mean_pairwise_ssim(small, random_state=3) == pytest.approx(
        ssim(small[i], small[j]).mean(), rel=1e-12
    )
    with pytest.raises(ValueError, match="at least 2 images"):
        mean_pairwise_ssim(X[:1])
    with pytest.raises(ValueError, match="max_pairs must be >= 1"):
        mean_pairwise_ssim(X, max_pairs=0)


# ---------------------------------------------------------------------- memorization


def test_find_memorized_copies_and_fresh_samples(digits):
    X, _ = digits
    train, fresh = X[:900], X[900:1300]
    rng = np.random.default_rng(9)
    copies = train[:40]
    noisy = np.clip(train[40:80] + rng.normal(scale=5.0, size=(40, 8, 8)), 0, 255)
    X_fake = np.concatenate([copies, noisy.astype(np.uint8), fresh])

    ratios = nearest_neighbor_ratio(train, X_fake)
    assert ratios.shape == (len(X_fake),)
    np.testing.assert_array_equal(ratios[:40], 0.0)  # exact copies: exactly 0
    flagged = find_memorized(train, X_fake)
    assert flagged.dtype == np.int64
    assert np.all(np.diff(flagged) > 0)
    assert set(range(80)) <= set(flagged)  # every copy and noisy copy
    assert np.sum(flagged >= 80) <= 0.02 * len(fresh)  # fresh samples rarely
    # a tiny threshold still flags exact copies, and only (near-)exact ones
    assert set(find_memorized(train, X_fake, threshold=1e-9)) == set(range(40))


def test_memorization_duplicates_in_training_set(digits):
    X, _ = digits
    train, fake = X[:300], X[300:400]
    with_duplicates = np.concatenate([train, train[:200]])
    # duplicates are counted once: same scale, same ratios
    np.testing.assert_allclose(
        nearest_neighbor_ratio(with_duplicates, fake),
        nearest_neighbor_ratio(train, fake),
        rtol=1e-12,
    )
    assert set(find_memorized(with_duplicates, train[:5])) == set(range(5))
    with pytest.raises(ValueError, match="all training images are identical"):
        nearest_neighbor_ratio(np.repeat(train[:1], 5, axis=0), fake)


def test_memorization_chunked_and_in_feature_space(digits, monkeypatch):
    X, _ = digits
    train, fake = X[:200], np.concatenate([X[200:260], X[:5]])
    full = nearest_neighbor_ratio(train, fake)
    monkeypatch.setattr(_utils, "_CHUNK_BYTES", 8 * 200 * 3)  # blocks of 3 rows
    np.testing.assert_allclose(nearest_neighbor_ratio(train, fake), full, rtol=1e-10)
    monkeypatch.undo()

    def row_means(imgs):  # a coarse feature space: mean of each image row
        return imgs.mean(axis=3).reshape(len(imgs), -1)

    in_features = nearest_neighbor_ratio(train, fake, feature_extractor=row_means)
    assert not np.allclose(in_features, full)
    np.testing.assert_array_equal(in_features[-5:], 0.0)


def test_memorization_shares_the_value_range_of_float_sets(digits):
    X, _ = digits
    # floats in 0..255, so each set's range is inferred from its data
    train = np.concatenate([X[:200] * 0.8, X[200:201]]).astype(np.float64)
    fake = train[:5]  # exact copies, whose observed range (0..204) is narrower
    assert fake.max() < train.max()
    np.testing.assert_array_equal(nearest_neighbor_ratio(train, fake), 0.0)
    assert fid(train, train[:100]) == pytest.approx(
        frechet_distance(
            train.reshape(201, -1) / 255, train[:100].reshape(100, -1) / 255
        ),
        rel=1e-6,
    )


def test_find_memorized_errors(digits):
    X, _ = digits
    with pytest.raises(ValueError, match="threshold must be positive"):
        find_memorized(X[:20], X[:5], threshold=0)
    with pytest.raises(TypeError, match="threshold must be a real number"):
        find_memorized(X[:20], X[:5], threshold="0.1")
    with pytest.raises(ValueError, match="same image shape"):
        find_memorized(X[:20], np.zeros((5, 7, 7)))


# ------------------------------------------------------------------------------ TSTR


def _blobs(n, rng):
    """Two classes of 6 x 6 images: bright top half or bright bottom half."""
    y = np.repeat([0, 1], n // 2)
    X = rng.random((n, 6, 6)) * 0.6
    X[y == 0, :3] += 0.4
    X[y == 1, 3:] += 0.4
    return X, y


def test_tstr_separable_and_shuffled():
    rng = np.random.default_rng(10)
    X_fake, y_fake = _blobs(200, rng)
    X_test, y_test = _blobs(200, rng)
    assert tstr_score(X_fake, y_fake, X_test, y_test) > 0.95
    shuffled = rng.permutation(y_fake)
    assert abs(tstr_score(X_fake, shuffled, X_test, y_test) - 0.5) < 0.15
    assert tstr_score(X_fake, y_fake, X_test, y_test, scoring="accuracy") > 0.95


def test_tstr_clones_the_estimator():
    rng = np.random.default_rng(11)
    X_fake, y_fake = _blobs(100, rng)
    X_test, y_test = _blobs(100, rng)
    estimator = LogisticRegression(C=0.5)
    score = tstr_score(
        X_fake.reshape(100, -1),
        y_fake,
        X_test.reshape(100, -1),
        y_test,
        estimator=estimator,
    )
    assert score > 0.9
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


def test_tstr_errors():
    X = np.random.default_rng(12).random((10, 4, 4))
    with pytest.raises(ValueError, match="at least 2 classes"):
        tstr_score(X, np.zeros(10), X, np.zeros(10))
    with pytest.raises(ValueError, match="has 9 labels"):
        tstr_score(X, np.arange(9) % 2, X, np.arange(10) % 2)


# ---------------------------------------------------------------------- quality report


def test_quality_report_good_vs_collapsed(digits):
    X, y = digits
    real = X[y == 0]
    fresh = X[y == 0][::-1].copy()  # the same images in another order
    good = quality_report(real, fresh, random_state=0)
    assert set(good) == {
        "fid",
        "precision",
        "recall",
        "density",
        "coverage",
        "ssim_real",
        "ssim_fake",
        "memorized_fraction",
    }
    assert all(type(v) is float for v in good.values())
    assert good["fid"] == pytest.approx(0.0, abs=1e-9)
    assert good["memorized_fraction"] == 1.0  # they are all copies

    collapsed = np.repeat(real[:2], 60, axis=0)
    bad = quality_report(real, collapsed, k=3, random_state=0)
    assert bad["fid"] > 1.0
    assert bad["recall"] < 0.1 and bad["coverage"] < 0.1
    assert bad["ssim_fake"] > good["ssim_fake"] + 0.1


def test_quality_report_with_extractor_and_errors(digits):
    X, y = digits
    real, fake = X[y == 1][:60], X[y == 1][60:]
    extractor = _Embedder(np.random.default_rng(13).normal(size=(64, 3)))
    report = quality_report(real, fake, extractor, random_state=0)
    features = extract_features(np.concatenate([real, fake]), extractor)
    assert report["fid"] == pytest.approx(
        frechet_distance(features[:60], features[60:]), rel=1e-9
    )
    assert report["memorized_fraction"] < 0.1
    with pytest.raises(ValueError, match="smaller than the number of fake"):
        quality_report(real, fake[:5], k=5)


# ---------------------------------------------------------------- inputs unchanged


def test_inputs_are_not_modified(digits):
    X, y = digits
    real = X[:60].astype(np.float32) / 255
    fake = torch.from_numpy(X[60:110].astype(np.float32) / 255)
    feats_real = np.random.default_rng(14).normal(size=(60, 3))
    feats_fake = torch.randn(50, 3, dtype=torch.float64)
    labels = y[60:110] % 2
    inputs = (real, fake, feats_real, feats_fake, labels)
    originals = [a.copy() if isinstance(a, np.ndarray) else a.clone() for a in inputs]

    frechet_distance(feats_real, feats_fake)
    precision_recall_density_coverage(feats_real, feats_fake)
    fid(real, fake, lambda imgs: imgs.mean(axis=2).reshape(len(imgs), -1))
    extract_features(fake)
    ssim(real[:50], fake)
    diversity_report(real, fake, random_state=0)
    nearest_neighbor_ratio(real, fake)
    find_memorized(real, fake)
    tstr_score(fake, labels, real[:50], labels)
    quality_report(real, fake, random_state=0)

    for current, original in zip(inputs, originals):
        if isinstance(current, np.ndarray):
            np.testing.assert_array_equal(current, original)
        else:
            assert torch.equal(current, original)


def test_sampler_report_per_class():
    from gansampler import GANOverSampler
    from gansampler.metrics import sampler_report

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (50, 8, 8)).astype(np.uint8)
    y = np.array([0] * 35 + [1] * 15)
    sampler = GANOverSampler(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None)
    sampler.fit_resample(X, y)
    reports = sampler_report(sampler, X, y, k=3)
    assert list(reports) == [1]
    report = reports[1]
    assert set(report) >= {"fid", "precision", "recall", "coverage", "memorized_fraction"}
    assert report["fid"] > 0 and 0 <= report["coverage"] <= 1
    # the same call twice gives the same numbers (seeded draw)
    assert sampler_report(sampler, X, y, k=3)[1] == report


def test_c2st_same_distribution_near_half_shifted_near_one():
    rng = np.random.RandomState(0)
    real = rng.randint(0, 256, (300, 6, 6)).astype(np.uint8)
    same = rng.randint(0, 256, (200, 6, 6)).astype(np.uint8)
    brighter = np.clip(same.astype(int) + 60, 0, 255).astype(np.uint8)
    before = real.copy()
    assert abs(c2st_score(real, same, random_state=0) - 0.5) < 0.12
    assert c2st_score(real, brighter, random_state=0) > 0.9
    assert c2st_score(real, same, random_state=1) == c2st_score(real, same, random_state=1)
    np.testing.assert_array_equal(real, before)


def test_c2st_with_cnn_classifier_and_errors():
    from gansampler import CNNClassifier

    rng = np.random.RandomState(0)
    real = rng.rand(40, 1, 8, 8).astype(np.float32)
    fake = np.zeros_like(real)
    fake[:, :, ::2, ::2] = 1.0  # a checkerboard artifact a CNN sees at once
    score = c2st_score(real, fake, CNNClassifier(max_epochs=5, random_state=0), random_state=0)
    assert score > 0.9
    with pytest.raises(ValueError, match="at least 4 images"):
        c2st_score(real[:3], fake)
