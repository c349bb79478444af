"""Bad input, divergence, interruption and the output contract ."""

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse

from gansampler import GANOverSampler, GANTrainingError
from gansampler.over_sampling import _gan
from gansampler.training import GANTrainer

FAST = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16, min_steps_per_epoch=1, sample_check=None)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    return rng.randint(0, 256, (40, 8, 8)).astype(np.uint8), np.array([0] * 30 + [1] * 10)


def test_keyboard_interrupt_leaves_sampler_as_it_was(data, monkeypatch):
    X, y = data
    sampler = GANOverSampler(random_state=0, **FAST)
    sampler.fit_resample(X, y)
    before = dict(sampler.__dict__)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_gan, "train_gan", interrupted)
    with pytest.raises(KeyboardInterrupt):
        sampler.fit_resample(X[:, :4, :4], y)  # would change image_shape_ and more
    assert sampler.__dict__.keys() == before.keys()
    assert all(sampler.__dict__[k] is before[k] for k in before)

    fresh = GANOverSampler(**FAST)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit_resample(X, y)
    assert not hasattr(fresh, "sampling_strategy_")  # still unfitted


def test_divergence_retries_then_names_class_and_epoch(data, monkeypatch):
    X, y = data
    calls = []

    def diverge(self, x, y=None, max_epochs=1):
        calls.append(self.opt_g.param_groups[0]["lr"])
        raise GANTrainingError("nan", epoch=3, metrics={"d_loss": float("nan")})

    monkeypatch.setattr(GANTrainer, "fit", diverge)
    with pytest.raises(GANTrainingError, match=r"class 1 diverged.*epoch 3"):
        GANOverSampler(random_state=0, **FAST).fit_resample(X, y)
    assert calls == [2e-4, 1e-4]  # retried once at half the learning rate


def test_divergence_once_recovers(data, monkeypatch):
    X, y = data
    original = GANTrainer.fit
    state = {"failed": False}

    def flaky(self, x, y=None, max_epochs=1):
        if not state["failed"]:
            state["failed"] = True
            raise GANTrainingError("nan", epoch=1)
        return original(self, x, y, max_epochs=max_epochs)

    monkeypatch.setattr(GANTrainer, "fit", flaky)
    X_res, y_res = GANOverSampler(random_state=0, **FAST).fit_resample(X, y)
    assert np.isfinite(X_res.astype(float)).all() and Counter(y_res.tolist()) == {0: 30, 1: 30}


@pytest.mark.parametrize(
    "X, y, params, error, match",
    [
        (sparse.csr_matrix(np.ones((40, 64))), None, {"image_shape": (8, 8)}, TypeError, "sparse"),
        (np.zeros((0, 8, 8)), np.zeros(0), {}, ValueError, "0 sample|empty"),
        (np.zeros((40, 8, 8)), np.zeros(39), {}, ValueError, "inconsistent numbers of samples"),
        (np.zeros(40), None, {}, ValueError, "1-D|2D array|2-D"),
        (np.zeros((40, 8, 8)), np.ones((40, 3)), {}, ValueError, "Multilabel"),
        (np.zeros((40, 8, 8)), None, {"sampling_strategy": {1: 5}}, ValueError, "greater or equal"),
        (np.zeros((40, 8, 8)), None, {"sampling_strategy": {7: 50}}, ValueError, "not present"),
        (np.zeros((40, 64)), None, {"image_shape": (8, -8)}, ValueError, "positive"),
        (np.zeros((40, 64)), None, {"image_shape": (8, 8.5)}, TypeError, "integers"),
        (np.zeros((40, 8, 8)), None, {"sampling_strategy": {1: 10**12}}, ValueError, "GiB of output"),
    ],
)
def test_bad_input_raises_named_errors(X, y, params, error, match):
    y = np.array([0] * 30 + [1] * 10) if y is None else y
    if isinstance(y, np.ndarray) and y.ndim == 2:
        y[:, 1] = 1  # two labels per row: multilabel
    with pytest.raises(error, match=match):
        GANOverSampler(**{**FAST, **params}).fit_resample(X, y)


def test_sample_bad_requests(data):
    X, y = data
    sampler = GANOverSampler(random_state=0, **FAST)
    sampler.fit_resample(X, y)
    with pytest.raises(ValueError, match="non-negative integer"):
        sampler.sample(-1, 1)
    with pytest.raises(ValueError, match="GiB of output"):
        sampler.sample(10**12, 1)
    assert sampler.sample(0, 1).shape == (0, 8, 8)


layouts = st.sampled_from(["nhw", "nchw", "flat"])
dtypes = st.sampled_from([np.uint8, np.float32, np.float64])
strategies = st.sampled_from(["auto", "minority", "all", "dict"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    layout=layouts, dtype=dtypes, strategy=strategies, channels=st.sampled_from([1, 3]),
    size=st.integers(8, 12), n_minority=st.integers(2, 12), seed=st.integers(0, 2**16),
)
def test_output_contract(layout, dtype, strategy, channels, size, n_minority, seed):
    rng = np.random.RandomState(seed)
    n = 20 + n_minority
    shape = (n, channels, size, size)
    if dtype == np.uint8:
        X = rng.randint(0, 256, shape).astype(dtype)
    else:
        X = rng.uniform(0, 1, shape).astype(dtype)
    image_shape = None
    if layout == "nhw":
        X = X[:, 0]
    elif layout == "flat":
        X, image_shape = X.reshape(n, -1), (channels, size, size)
    y = np.array([0] * 20 + [1] * n_minority)
    X_before = X.copy()
    sampling_strategy = {1: 25} if strategy == "dict" else strategy
    X_res, y_res = GANOverSampler(
        sampling_strategy=sampling_strategy, image_shape=image_shape, random_state=seed, **FAST
    ).fit_resample(X, y)
    np.testing.assert_array_equal(X, X_before)  # input untouched
    assert X_res.dtype == X.dtype and X_res.shape[1:] == X.shape[1:]
    np.testing.assert_array_equal(X_res[:n], X)  # originals first, bit-identical
    expected = {"auto": {0: 20, 1: 20}, "minority": {0: 20, 1: 20}, "all": {0: 20, 1: 20},
                "dict": {0: 20, 1: 25}}[strategy]
    assert Counter(y_res.tolist()) == expected
    synthetic = X_res[n:].astype(np.float64)
    assert np.isfinite(synthetic).all()
    high = 255 if dtype == np.uint8 else 1.0
    assert synthetic.min() >= 0 and synthetic.max() <= high
