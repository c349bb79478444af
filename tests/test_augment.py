import doctest

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression

from gansampler import AugmentationOverSampler
from gansampler.augmentation import (
    CLASSIC_AUGMENTATIONS as AUGMENTATIONS,
)
from gansampler.augmentation import (
    DEFAULT_AUGMENTATIONS,
    transform_batch,
)
from gansampler.over_sampling import _augment


@pytest.fixture(scope="module")
def gray():
    """uint8 (n, 12, 12) images; classes 0 (30), 1 (12), 2 (6)."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(48, 12, 12)).astype(np.uint8)
    y = np.array([0] * 30 + [1] * 12 + [2] * 6)
    return X, y


@pytest.fixture(scope="module")
def rgb():
    """float32 (n, 3, 10, 10) images in [0, 1]; classes 0 (20), 1 (8)."""
    rng = np.random.RandomState(1)
    X = rng.uniform(0.05, 0.95, size=(28, 3, 10, 10)).astype(np.float32)
    y = np.array([0] * 20 + [1] * 8)
    return X, y


def _new(X, X_res, y, y_res):
    return X_res[len(X):], y_res[len(y):]


def _matches_any(image, originals, atol):
    return any(np.allclose(image, o, atol=atol, rtol=0) for o in originals)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {0: 30, 1: 30, 2: 30}),
        ("minority", {0: 30, 1: 12, 2: 30}),
        ("not majority", {0: 30, 1: 30, 2: 30}),
        ({1: 20, 2: 9}, {0: 30, 1: 20, 2: 9}),
    ],
)
def test_counts_per_sampling_strategy(gray, strategy, expected):
    X, y = gray
    X_res, y_res = AugmentationOverSampler(
        sampling_strategy=strategy, random_state=0
    ).fit_resample(X, y)
    counts = dict(zip(*np.unique(y_res, return_counts=True)))
    assert {int(k): int(v) for k, v in counts.items()} == expected
    assert len(X_res) == len(y_res) == sum(expected.values())


def test_float_strategy_binary(gray):
    X, y = gray
    binary = y < 2
    X, y = X[binary], y[binary]  # 30 vs 12
    _, y_res = AugmentationOverSampler(
        sampling_strategy=0.5, random_state=0
    ).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [30, 15]


def test_large_class_is_made_in_several_chunks():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(10, 4, 4)).astype(np.uint8)
    y = np.array([0] * 8 + [1] * 2)
    X_res, y_res = AugmentationOverSampler(
        sampling_strategy={1: 2 + 1500}, random_state=0
    ).fit_resample(X, y)
    new = X_res[len(X):]
    assert new.shape == (1500, 4, 4) and (y_res[len(X):] == 1).all()
    # The second chunk continues the random stream instead of repeating it.
    assert not np.array_equal(new[:100], new[1024:1124])


def test_originals_first_and_unchanged(gray):
    X, y = gray
    X_res, y_res = AugmentationOverSampler(random_state=0).fit_resample(X, y)
    assert np.array_equal(X_res[: len(X)], X)
    assert np.array_equal(y_res[: len(y)], y)
    assert y_res[len(y):].tolist() == [1] * 18 + [2] * 24


def test_uint8_nhw_round_trip(gray):
    X, y = gray
    X_res, _ = AugmentationOverSampler(random_state=0).fit_resample(X, y)
    assert X_res.dtype == np.uint8
    assert X_res.shape == (90, 12, 12)


def test_float_rgb_nchw_round_trip(rgb):
    X, y = rgb
    X_res, y_res = AugmentationOverSampler(
        augmentations=("saturation", "rotate", "brightness"), random_state=0
    ).fit_resample(X, y)
    new, _ = _new(X, X_res, y, y_res)
    assert X_res.dtype == np.float32
    assert X_res.shape == (40, 3, 10, 10)
    assert new.min() >= 0.0 and new.max() <= 1.0


def test_flat_with_image_shape(gray):
    X, y = gray
    X_flat = X.reshape(len(X), -1).astype(np.float64) * 2.0 + 10.0  # range [10, 520]
    sampler = AugmentationOverSampler(image_shape=(12, 12), random_state=0)
    X_res, y_res = sampler.fit_resample(X_flat, y)
    new, _ = _new(X_flat, X_res, y, y_res)
    assert X_res.shape == (90, 144) and X_res.dtype == np.float64
    assert new.min() >= X_flat.min() and new.max() <= X_flat.max()
    assert sampler.image_shape_ == (1, 12, 12)
    # Flat and (n, H, W) input give the same images.
    X_img, _ = AugmentationOverSampler(random_state=0).fit_resample(
        X_flat.reshape(-1, 12, 12), y
    )
    assert np.array_equal(X_img.reshape(90, -1), X_res)


def test_fitted_attributes(rgb):
    X, y = rgb
    sampler = AugmentationOverSampler(
        augmentations="rotate, hflip", device="cpu", random_state=0
    )
    sampler.fit_resample(X, y)
    assert sampler.augmentations_ == ("hflip", "rotate")
    assert sampler.device_ == torch.device("cpu")
    assert sampler.image_shape_ == (3, 10, 10)
    assert sampler.sampling_strategy_ == {1: 12}
    assert clone(sampler).get_params() == sampler.get_params()


def test_same_seed_same_output_other_seed_differs(gray):
    X, y = gray
    augmentations = tuple(AUGMENTATIONS.keys() - {"saturation"})

    def resample(random_state):
        sampler = AugmentationOverSampler(
            augmentations=augmentations, random_state=random_state
        )
        return sampler.fit_resample(X, y)[0]

    X1, X2, X3 = resample(3), resample(3), resample(4)
    assert np.array_equal(X1, X2)
    assert not np.array_equal(X1[len(X):], X3[len(X):])
    X4 = resample(np.random.RandomState(3))
    assert np.array_equal(X1, X4)


@pytest.mark.parametrize("random_state", [None, 0])
def test_global_rng_untouched(gray, random_state):
    X, y = gray
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()
    AugmentationOverSampler(
        augmentations=tuple(AUGMENTATIONS.keys() - {"saturation"}),
        random_state=random_state,
    ).fit_resample(X, y)
    assert torch.equal(torch.get_rng_state(), torch_state)
    after = np.random.get_state()
    assert after[0] == numpy_state[0] and np.array_equal(after[1], numpy_state[1])
    assert after[2:] == numpy_state[2:]


def test_inputs_not_modified(rgb):
    X, y = rgb
    X_in, y_in = X.copy(), y.copy()
    X_in.setflags(write=False)
    AugmentationOverSampler(
        augmentations=tuple(AUGMENTATIONS), random_state=0
    ).fit_resample(X_in, y_in)
    assert np.array_equal(X_in, X) and np.array_equal(y_in, y)


@pytest.mark.parametrize("name", list(AUGMENTATIONS))
def test_each_augmentation_changes_images_within_range(rgb, name):
    X, y = rgb
    sampler = AugmentationOverSampler(augmentations=(name,), random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    new, _ = _new(X, X_res, y, y_res)
    assert sampler.augmentations_ == (name,)
    assert new.shape == (12, 3, 10, 10)
    assert new.min() >= 0.0 and new.max() <= 1.0
    originals = X[y == 1]
    changed = [not _matches_any(image, originals, atol=1e-5) for image in new]
    # mixup may pick the same image twice; every other operation always acts.
    assert np.mean(changed) >= (0.5 if name == "mixup" else 1.0)


@pytest.mark.parametrize("name, axis", [("hflip", -1), ("vflip", -2)])
def test_flips_mirror_an_original(gray, name, axis):
    X, y = gray
    X_res, y_res = AugmentationOverSampler(
        augmentations=(name,), random_state=0
    ).fit_resample(X, y)
    new, y_new = _new(X, X_res, y, y_res)
    for image, label in zip(new, y_new):
        mirrored = np.flip(X[y == label], axis=axis)
        assert any(np.array_equal(image, m) for m in mirrored)


def _upright(n, rng):
    """Images whose top half is bright and bottom half dark."""
    X = rng.randint(0, 60, size=(n, 12, 12)).astype(np.uint8)
    X[:, :6] += 180
    return X


def test_defaults_keep_orientation():
    assert "vflip" not in DEFAULT_AUGMENTATIONS
    assert "hflip" not in DEFAULT_AUGMENTATIONS
    rng = np.random.RandomState(0)
    X, y = _upright(30, rng), np.array([0] * 20 + [1] * 10)
    sampler = AugmentationOverSampler(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.augmentations_ == DEFAULT_AUGMENTATIONS
    new = X_res[len(X):].astype(float)
    assert (new[:, :6].mean(axis=(1, 2)) > new[:, 6:].mean(axis=(1, 2))).all()
    # The check can tell: a vertical flip turns some images upside down.
    X_flip, _ = AugmentationOverSampler(
        augmentations=("vflip",), random_state=0
    ).fit_resample(X, y)
    flipped = X_flip[len(X):].astype(float)
    assert (flipped[:, :6].mean(axis=(1, 2)) < flipped[:, 6:].mean(axis=(1, 2))).any()


def test_unknown_augmentation_lists_valid_names(gray):
    X, y = gray
    sampler = AugmentationOverSampler(augmentations=("rotate", "warp"))
    with pytest.raises(ValueError, match=r"(?i)unknown augmentation.*'warp'") as info:
        sampler.fit_resample(X, y)
    assert all(repr(name) in str(info.value) for name in AUGMENTATIONS)
    assert not hasattr(sampler, "augmentations_")
    with pytest.raises(ValueError, match="at least one"):
        AugmentationOverSampler(augmentations=()).fit_resample(X, y)


def test_tabular_input_is_rejected(gray):
    X, y = gray
    with pytest.raises(ValueError, match="image_shape"):
        AugmentationOverSampler().fit_resample(X.reshape(len(X), -1), y)


def test_saturation_needs_rgb(gray):
    X, y = gray
    with pytest.raises(ValueError, match="3 channels"):
        AugmentationOverSampler(augmentations=("saturation",)).fit_resample(X, y)


@pytest.mark.parametrize(
    "params",
    [{"scale": (1.2, 0.9)}, {"crop": (0.5, 1.5)}, {"scale": 1.1}, {"rotation": -1.0},
     {"mixup_alpha": 0.0}, {"padding_mode": "wrap"}],
)
def test_invalid_magnitudes(gray, params):
    X, y = gray
    with pytest.raises(ValueError):
        AugmentationOverSampler(**params).fit_resample(X, y)


def test_mixup_stays_within_class_pixel_range():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(40, 8, 8)).astype(np.uint8)
    y = np.array([0] * 25 + [1] * 10 + [2] * 5)
    X_res, y_res = AugmentationOverSampler(
        augmentations=("mixup",), random_state=0
    ).fit_resample(X, y)
    new, y_new = _new(X, X_res, y, y_res)
    for label in (1, 2):
        own = X[y == label]
        images = new[y_new == label]
        assert (images >= own.min(axis=0)).all() and (images <= own.max(axis=0)).all()
        # Not the whole data set's range: per-class bounds are tighter.
        assert (own.max(axis=0) - own.min(axis=0)).mean() < 255


def test_synthetic_images_are_nearest_to_their_class():
    rng = np.random.RandomState(0)
    means = {0: 40, 1: 130, 2: 220}
    y = np.array([0] * 20 + [1] * 8 + [2] * 4)
    X = np.stack([rng.normal(means[c], 15, size=(12, 12)) for c in y])
    X = np.clip(X, 0, 255).astype(np.uint8)
    X_res, y_res = AugmentationOverSampler(
        augmentations=tuple(AUGMENTATIONS.keys() - {"saturation"}), random_state=0
    ).fit_resample(X, y)
    new, y_new = _new(X, X_res, y, y_res)
    centroids = np.stack([X[y == c].astype(float).mean(axis=0) for c in (0, 1, 2)])
    distance = ((new[:, None].astype(float) - centroids[None]) ** 2).sum(axis=(2, 3))
    assert np.array_equal(distance.argmin(axis=1), y_new)


def test_single_image_class(gray):
    X, y = gray
    X, y = X[:31], y[:31]  # class 1 has one image
    X_res, y_res = AugmentationOverSampler(random_state=0).fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [30, 30]


def test_pipeline_with_logistic_regression():
    rng = np.random.RandomState(0)
    y = np.array([0] * 40 + [1] * 10)
    X = rng.normal(0.3, 0.05, size=(50, 64))
    X[y == 1, :32] += 0.4  # class 1: bright top half
    pipe = Pipeline([
        ("augment", AugmentationOverSampler(image_shape=(8, 8), random_state=0)),
        ("model", LogisticRegression(max_iter=500)),
    ])
    pipe.fit(X, y)
    assert pipe.named_steps["augment"].sampling_strategy_ == {1: 30}
    assert pipe.predict(X).shape == (50,)  # no resampling at predict time
    assert pipe.score(X, y) > 0.95


def test_transform_batch_is_reusable():
    x = torch.rand(16, 1, 9, 7) * 2 - 1
    x_before = x.clone()
    out1 = transform_batch(x, torch.Generator().manual_seed(0), tuple(AUGMENTATIONS))
    out2 = transform_batch(x, torch.Generator().manual_seed(0), tuple(AUGMENTATIONS))
    assert torch.equal(x, x_before)
    assert torch.equal(out1, out2)
    assert out1.shape == x.shape and out1.dtype == x.dtype
    assert out1.min() >= -1 and out1.max() <= 1
    assert not torch.equal(out1, x)
    # One operation at a time: hflip is an exact mirror.
    flipped = transform_batch(x, torch.Generator().manual_seed(0), ("hflip",))
    assert torch.allclose(flipped, x.flip(-1), atol=1e-6)


def test_docstring_example():
    result = doctest.testmod(_augment, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
