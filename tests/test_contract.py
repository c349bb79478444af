"""The contract every over-sampler of gansampler keeps, checked on each of them:
every sampling_strategy form, every layout/dtype/range, originals first and
bit-exact, random_state the only randomness, sample(n, y), save/load, clear
errors on bad input, all-or-nothing fits."""

import random
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.exceptions import NotFittedError

import gansampler
from gansampler import AugmentationOverSampler, DiffusionOverSampler, GANOverSampler, LatentSMOTE, VAEOverSampler

TINY = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16)
#: Each public sampler's tiny variants (id -> constructor); a new one fails
#: test_every_public_sampler_is_held_to_the_contract until it has an entry here.
CONTRACT = {
    "GANOverSampler": {
        # one GAN epoch makes unusable images: the sample check would refuse them
        "gan": lambda **kw: GANOverSampler(**TINY, sample_check=None, **kw),
        "gan-ae": lambda **kw: GANOverSampler(**TINY, sample_check=None, init="autoencoder", init_epochs=1, **kw),
    },
    # a few more epochs: one leaves an autoencoder's decoder at its constant start
    "VAEOverSampler": {"vae": lambda **kw: VAEOverSampler(**{**TINY, "max_epochs": 5}, **kw)},
    "LatentSMOTE": {"latent-smote": lambda **kw: LatentSMOTE(**{**TINY, "max_epochs": 5}, k_neighbors=3, **kw)},
    "DiffusionOverSampler": {"diffusion": lambda **kw: _diffusion(**kw)},
    "AugmentationOverSampler": {"augment": lambda **kw: AugmentationOverSampler(**kw)},
}
#: Public samplers held to their own tests instead, and why.
ELSEWHERE = {
    "FilteredOverSampler": "a meta-sampler: its layouts, strategies, determinism and errors are tested around "
                           "every sampler in tests/test_filter.py",
}
SAMPLERS = {key: build for variants in CONTRACT.values() for key, build in variants.items()}


def _public_samplers():
    from imblearn.base import BaseSampler

    return {name for name in gansampler.__all__
            if isinstance(getattr(gansampler, name), type) and issubclass(getattr(gansampler, name), BaseSampler)}


def test_every_public_sampler_is_held_to_the_contract():
    assert set(CONTRACT) | set(ELSEWHERE) == _public_samplers()
    assert not set(CONTRACT) & set(ELSEWHERE)


def _needs(sampler, *params, method=None):
    """Skip a contract test whose subject ``sampler`` does not have."""
    missing = [p for p in params if p not in sampler.get_params()]
    if missing or (method and not hasattr(sampler, method)):
        pytest.skip(f"{type(sampler).__name__} has no {', '.join(missing) or method}")


def _diffusion(architecture="auto", **kw):
    pytest.importorskip("diffusers")
    # a few steps make noise the sample check would refuse; the contract's
    # convolutional network is named for the GANs: the diffusion model's is the UNet
    return DiffusionOverSampler(max_steps=4, n_sampling_steps=2, width=4, batch_size=16, sample_check=None,
                                architecture="unet" if architecture == "dcgan" else architecture, **kw)


make = pytest.mark.parametrize("make", SAMPLERS.values(), ids=SAMPLERS.keys())


@make
@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {0: 40, 1: 40, 2: 40}),
        ("minority", {0: 40, 1: 20, 2: 40}),
        ("not minority", {0: 40, 1: 40, 2: 10}),
        ("not majority", {0: 40, 1: 40, 2: 40}),
        ("all", {0: 40, 1: 40, 2: 40}),
        ({1: 30, 2: 12}, {0: 40, 1: 30, 2: 12}),
        (lambda y: {2: 25}, {0: 40, 1: 20, 2: 25}),
    ],
)
def test_every_sampling_strategy(make, strategy, expected):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(70, 8, 8)).astype(np.uint8)
    y = np.array([0] * 40 + [1] * 20 + [2] * 10)
    X_res, y_res = make(sampling_strategy=strategy, random_state=0).fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == expected
    assert X_res.shape == (sum(expected.values()), 8, 8)


@make
def test_float_strategy_binary(make, tiny_images):
    X, y = tiny_images
    _, y_res = make(sampling_strategy=0.75, random_state=0).fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 30}


@make
@pytest.mark.parametrize(
    "data, image_shape",
    [
        (lambda rng: rng.randint(0, 256, (30, 8, 8)).astype(np.uint8), None),
        (lambda rng: rng.rand(30, 3, 8, 8).astype(np.float32), None),
        (lambda rng: rng.rand(30, 64), (8, 8)),
        (lambda rng: rng.randint(0, 256, (30, 3 * 64)).astype(np.uint8), (3, 8, 8)),
        (lambda rng: (rng.rand(30, 1, 12, 10) * 2 - 1).astype(np.float64), None),
        (lambda rng: rng.randn(30, 5) * [1, 10, 100, 1e3, 1e4], None),  # tabular rows
    ],
)
def test_layout_dtype_range_round_trip(make, data, image_shape):
    rng = np.random.RandomState(0)
    X = data(rng)
    if isinstance(make(), AugmentationOverSampler) and image_shape is None and X.ndim == 2:
        pytest.skip("AugmentationOverSampler transforms images: tabular rows are a clear error (test_augment.py)")
    X_before = X.copy()
    y = np.array([0] * 20 + [1] * 10)
    X_res, y_res = make(image_shape=image_shape, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)  # input untouched
    assert X_res.dtype == X.dtype and X_res.shape[1:] == X.shape[1:]
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, bit-exact
    np.testing.assert_array_equal(y_res[: len(y)], y)
    synthetic = X_res[len(X):]
    assert len(synthetic) == 10 and np.isfinite(synthetic).all()
    if X.ndim == 2 and image_shape is None:  # tabular: each feature within its observed range
        assert (synthetic >= X.min(0)).all() and (synthetic <= X.max(0)).all()
        return
    low, high = (0, 255) if X.dtype == np.uint8 else ((0.0, 1.0) if X.min() >= 0 else (-1.0, 1.0))
    assert synthetic.min() >= low and synthetic.max() <= high


@make
def test_same_seed_bit_identical_and_global_rng_untouched(make, tiny_images):
    X, y = tiny_images
    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    # bit-identical output is promised on CPU (cuDNN kernels are not deterministic)
    a, _ = make(random_state=3, device="cpu").fit_resample(X, y)
    b, _ = make(random_state=3, device="cpu").fit_resample(X, y)
    c, _ = make(random_state=4, device="cpu").fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert py_state == random.getstate()


@make
def test_sample_draws_more_of_a_class(make, tiny_images):
    _needs(make(), method="sample")
    X, y = tiny_images
    with pytest.raises(NotFittedError):
        make().sample(3, 1)
    sampler = make(random_state=0)
    assert not hasattr(sampler.fit(X, y), "history_")  # fit only checks, as in imblearn
    sampler.fit_resample(X, y)
    assert sampler.sampling_strategy_ == {1: 20} and sampler.image_shape_ == (1, 8, 8)
    draw = sampler.sample(7, 1, random_state=5)
    assert draw.shape == (7, 8, 8) and draw.dtype == np.uint8
    np.testing.assert_array_equal(draw, sampler.sample(7, 1, random_state=5))
    assert not np.array_equal(draw, sampler.sample(7, 1, random_state=6))
    assert sampler.sample(0, 1).shape == (0, 8, 8)
    with pytest.raises(ValueError, match="class 7"):
        sampler.sample(3, 7)
    with pytest.raises(ValueError, match="n_samples"):
        sampler.sample(-1, 1)


@make
def test_lists_and_dataframes(make, tiny_images):
    X, y = tiny_images
    flat = X.reshape(len(X), -1)
    df = pd.DataFrame(flat, columns=[f"p{i}" for i in range(64)])
    X_res, y_res = make(image_shape=(8, 8), random_state=0).fit_resample(df, pd.Series(y, name="label"))
    assert isinstance(X_res, pd.DataFrame) and list(X_res.columns) == list(df.columns)
    assert y_res.name == "label" and len(X_res) == 80
    X_list, _ = make(random_state=0).fit_resample(X.tolist(), y.tolist())
    assert isinstance(X_list, list) and len(X_list) == 80


@make
@pytest.mark.parametrize(
    "X, y, params, error, match",
    [
        (np.full((30, 8, 8), np.nan), np.r_[[0] * 20, [1] * 10], {}, ValueError, "NaN|infinity"),
        (np.zeros((30, 64)), np.r_[[0] * 20, [1] * 10], {"image_shape": (7, 7)}, ValueError, "image_shape"),
        (np.zeros((30, 1, 1, 8, 8)), np.r_[[0] * 20, [1] * 10], {}, ValueError, "5-D|dim"),
        (np.zeros((30, 8, 8)), np.r_[[0] * 29, [1]], {}, ValueError, "Class 1 has 1 sample.*at least"),
        (np.array([["a"] * 4] * 30), np.r_[[0] * 20, [1] * 10], {}, TypeError, "numbers"),
        (np.zeros((30, 8, 8)), np.zeros(30), {}, ValueError, "class"),
        (np.zeros((30, 8, 8)), np.linspace(0, 1, 30), {}, ValueError, "Unknown label type"),
        (np.zeros((30, 8, 8)), np.r_[[0] * 20, [1] * 10], {"device": "tpu:9"}, ValueError, "device"),
        (np.zeros((30, 8, 8)), np.r_[[0] * 20, [1] * 10], {"architecture": "nope"}, ValueError, "architecture"),
        (np.zeros((30, 2, 2)), np.r_[[0] * 20, [1] * 10], {"architecture": "dcgan"}, ValueError, "at least 4x4"),
    ],
)
def test_bad_input(make, X, y, params, error, match):
    _needs(make(), *params)
    if "Class 1 has 1 sample" in match and make().min_class_size < 2:
        pytest.skip(f"{type(make()).__name__} transforms a single image")
    with pytest.raises(error, match=match):
        make(**params).fit_resample(X, y)


@make
def test_failed_fit_leaves_estimator_unchanged(make, tiny_images):
    X, y = tiny_images
    sampler = make(random_state=0)
    sampler.fit_resample(X, y)
    before = dict(sampler.__dict__)
    with pytest.raises(ValueError):
        sampler.fit_resample(np.full_like(X, 0, dtype=float) * np.nan, y)
    assert sampler.__dict__.keys() == before.keys() and all(sampler.__dict__[k] is before[k] for k in before)


@make
def test_verbose_shows_progress_and_zero_is_silent(make, tiny_images, capsys):
    X, y = tiny_images
    make(random_state=0, verbose=0).fit_resample(X, y)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    make(random_state=0, verbose=1).fit_resample(X, y)
    shown = capsys.readouterr()
    if isinstance(make(), AugmentationOverSampler):  # trains nothing: says what it makes
        assert "class 1: 20 new images from 20" in shown.out
    else:
        assert "epoch" in shown.err


@make
def test_save_load_reproduces_samples(make, tmp_path):
    _needs(make(), method="save")
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    y = np.array(["normal"] * 20 + ["pneumonia"] * 40)
    sampler = make(random_state=0)
    sampler.fit_resample(X, y)
    path = tmp_path / "sampler.safetensors"
    sampler.save(path)
    loaded = type(sampler).load(path, device="cpu")
    for seed in (0, 7):
        np.testing.assert_array_equal(loaded.sample(9, "normal", random_state=seed),
                                      sampler.sample(9, "normal", random_state=seed))
    assert loaded.get_params() == {**sampler.get_params(), "device": "cpu"}
    assert loaded.sampling_strategy_ == sampler.sampling_strategy_ and loaded.image_shape_ == (1, 8, 8)
    other = VAEOverSampler if not isinstance(sampler, VAEOverSampler) else LatentSMOTE
    with pytest.raises(ValueError, match=f"does not hold a {other.__name__}"):
        other.load(path)
