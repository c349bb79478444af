import numpy as np
import pytest
import torch
from sklearn.base import clone

from gansampler import CNNClassifier


@pytest.fixture(scope="module")
def stripes():
    """Two learnable classes: horizontal vs vertical stripes, uint8 (n, 8, 8)."""
    rng = np.random.RandomState(0)
    X = np.zeros((80, 8, 8), dtype=np.uint8)
    X[:40, ::2, :] = 255
    X[40:, :, ::2] = 255
    X = np.clip(X.astype(int) + rng.randint(-40, 40, X.shape), 0, 255).astype(np.uint8)
    y = np.repeat(np.array(["horizontal", "vertical"]), 40)
    return X, y


@pytest.mark.parametrize("layout", ["nhw", "nchw", "flat"])
def test_layouts_learn_and_predict_labels(stripes, layout):
    X, y = stripes
    image_shape = None
    if layout == "nchw":
        X = X[:, None]
    elif layout == "flat":
        X, image_shape = X.reshape(len(X), -1), (8, 8)
    clf = CNNClassifier(max_epochs=10, lr=1e-2, image_shape=image_shape, random_state=0).fit(X, y)
    assert clf.image_shape_ == (1, 8, 8)
    assert list(clf.classes_) == ["horizontal", "vertical"]
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 2) and np.allclose(proba.sum(1), 1, atol=1e-5)
    assert clf.score(X, y) > 0.9
    assert clf.embed(X).shape == (80, clf.module_.n_features)


def test_reproducible_and_global_rng_untouched(stripes):
    X, y = stripes
    state = torch.get_rng_state()
    # bit-identical output is promised on CPU (cuDNN kernels are not deterministic)
    a = CNNClassifier(max_epochs=2, random_state=1, device="cpu").fit(X, y).predict_proba(X)
    b = CNNClassifier(max_epochs=2, random_state=1, device="cpu").fit(X, y).predict_proba(X)
    c = CNNClassifier(max_epochs=2, random_state=2, device="cpu").fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert torch.equal(state, torch.get_rng_state())


def test_fits_in_threads_give_the_same_models_as_one_by_one(stripes):
    # torch's default generators are process-wide: fits in threads must not
    # draw from each other's stream (joblib's threading backend, in-process dask)
    from concurrent.futures import ThreadPoolExecutor

    X, y = stripes

    def fit(seed):
        return CNNClassifier(max_epochs=3, random_state=seed, device="cpu").fit(X, y).predict_proba(X)

    one_by_one = [fit(seed) for seed in range(4)]
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fit, range(4)))
    for a, b in zip(one_by_one, threaded):
        np.testing.assert_array_equal(a, b)


def test_no_internal_split_by_default(stripes):
    X, y = stripes
    clf = CNNClassifier(max_epochs=2, random_state=0).fit(X, y)
    assert clf.train_split is None
    assert "valid_loss" not in clf.history[-1]  # nothing was held out
    assert clone(clf).get_params()["device"] == "auto"


def test_class_weight_balanced(stripes):
    X, y = stripes
    X, y = X[:50], y[:50]  # 40 vs 10
    clf = CNNClassifier(max_epochs=1, class_weight="balanced", random_state=0).fit(X, y)
    np.testing.assert_allclose(clf.class_weight_, [50 / 80, 50 / 20])
    np.testing.assert_allclose(clf.criterion_.weight.cpu().numpy(), clf.class_weight_)


def test_input_checks(stripes):
    X, y = stripes
    clf = CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="fitted on"):
        clf.predict(np.zeros((3, 1, 9, 9), dtype=np.uint8))
    with pytest.raises(ValueError, match="NaN|infinity"):
        clf.predict(np.full((3, 8, 8), np.nan))
    with pytest.raises(ValueError, match="at least 2 classes"):
        CNNClassifier(max_epochs=1).fit(X, np.zeros(len(X)))


def test_pickle_round_trip(stripes):
    import pickle

    X, y = stripes
    clf = CNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    loaded = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded.device == "auto"
