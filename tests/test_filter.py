"""FilteredOverSampler: keeps the stated share, drops planted copies of training
images, ranks by a classifier fitted on the training data only, deterministic,
every sampling_strategy form and layout, in a Pipeline."""

import pickle
import random
from collections import Counter

import numpy as np
import pytest
import torch
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.pipeline import make_pipeline
from imblearn.utils import check_target_type
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from gansampler import (
    AddOn,
    AugmentationOverSampler,
    CNNClassifier,
    FilteredOverSampler,
    GANOverSampler,
    LatentSMOTE,
    VAEOverSampler,
)

SEEN = []  # (who, method, array) for every array the stubs are given


class PlantingSampler(BaseOverSampler):
    """Random images, the first of each class an exact copy of the class's
    brightest training image."""

    _parameter_constraints = {**BaseOverSampler._parameter_constraints, "random_state": ["random_state"]}

    def __init__(self, *, sampling_strategy="auto", random_state=None):
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state

    def _check_X_y(self, X, y, accept_sparse=None):
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        return np.asarray(X), y, binarize_y

    def _fit_resample(self, X, y):
        SEEN.append(("sampler", "fit_resample", X))
        rng = np.random.RandomState(self.random_state)
        X_out, y_out = [X], [y]
        for label, n in self.sampling_strategy_.items():
            low, high = (0, 256) if X.dtype == np.uint8 else (X.min(), X.max())
            new = rng.uniform(low, high, size=(n, *X.shape[1:])).astype(X.dtype)
            own = X[y == label]
            new[0] = own[own.reshape(len(own), -1).mean(1).argmax()]
            X_out.append(new)
            y_out.append(np.full(n, label, dtype=y.dtype))
        return np.concatenate(X_out), np.concatenate(y_out)


class BrightnessClassifier(ClassifierMixin, BaseEstimator):
    """P(last class) grows with mean brightness: the brightest images score highest."""

    def fit(self, X, y):
        SEEN.append(("classifier", "fit", np.asarray(X)))
        self.classes_ = np.unique(y)
        X = np.asarray(X, dtype=np.float64)
        self.low_, self.high_ = X.min(), X.max()
        return self

    def predict_proba(self, X):
        SEEN.append(("classifier", "predict_proba", np.asarray(X)))
        X = np.asarray(X, dtype=np.float64)
        p = (X.reshape(len(X), -1).mean(1) - self.low_) / (self.high_ - self.low_)
        p = np.clip(p, 0, 1)[:, None]
        others = np.repeat((1 - p) / (len(self.classes_) - 1), len(self.classes_) - 1, axis=1)
        return np.hstack([others, p])


def _filter(**kw):
    return FilteredOverSampler(PlantingSampler(), classifier=BrightnessClassifier(), **kw)


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    y = np.array([0] * 40 + [1] * 20)
    X[45] = 250  # the brightest image of class 1: the planted copy would score highest
    SEEN.clear()
    return X, y


def test_keeps_the_stated_share_and_reports_why(data):
    X, y = data
    sampler = _filter(candidate_ratio=3.0, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 40}
    np.testing.assert_array_equal(X_res[:60], X)  # originals first, bit-exact
    assert X_res.dtype == np.uint8 and X_res.shape == (80, 8, 8)
    assert sampler.filter_report_ == {1: {"candidates": 60, "kept": 20, "kept_share": 0.3333,
                                          "dropped_as_copies": 1, "dropped_by_score": 39, "kept_copies": 0}}
    candidates, kept = sampler.candidates_[1], sampler.kept_indices_[1]
    assert candidates.shape == (60, 1, 8, 8) and len(kept) == 20
    np.testing.assert_array_equal(X_res[60:], candidates[kept].reshape(20, 8, 8))
    # the 20 best-scored candidates after the copy (index 0)
    scores = sampler.candidate_scores_[1]
    assert set(kept) == set(np.argsort(-scores[1:], kind="stable")[:20] + 1)
    assert isinstance(sampler.sampler_, PlantingSampler) and sampler.sampler_.random_state is not None
    assert isinstance(sampler.classifier_, BrightnessClassifier)


def test_rejects_a_planted_copy_of_a_training_image(data):
    X, y = data
    X_res, _ = _filter(random_state=0).fit_resample(X, y)
    assert not any(np.array_equal(row, X[45]) for row in X_res[60:])
    # without the memorization check the copy scores highest and is kept
    X_res, _ = _filter(memorization_threshold=None, random_state=0).fit_resample(X, y)
    assert any(np.array_equal(row, X[45]) for row in X_res[60:])


def test_too_few_fresh_candidates_warns_and_says_so(data):
    X, y = data
    sampler = _filter(candidate_ratio=1.0, random_state=0)
    with pytest.warns(UserWarning, match="class 1: only 19 of 20 candidates.*candidate_ratio"):
        sampler.fit_resample(X, y)
    assert sampler.filter_report_[1]["kept_copies"] == 1


def test_the_classifier_and_sampler_never_see_test_data(data):
    X, y = data
    X = X.reshape(len(X), -1)
    train, test = np.r_[0:30, 40:55], np.r_[30:40, 55:60]
    pipe = make_pipeline(_filter(image_shape=(8, 8), random_state=0), DecisionTreeClassifier(random_state=0))
    pipe.fit(X[train], y[train])
    assert pipe[0].filter_report_[1]["kept"] == 15
    pipe.predict(X[test])
    fits = [a for who, method, a in SEEN if method in ("fit", "fit_resample")]
    assert len(fits) == 2 and all(np.array_equal(a.reshape(len(a), -1), X[train]) for a in fits)
    for _, _, array in SEEN:
        flat = array.reshape(len(array), -1)
        assert not any((flat == row.ravel()).all(1).any() for row in X[test])


def test_deterministic_for_a_seed_with_real_models():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(48, 8, 8)).astype(np.uint8)
    y = np.array([0] * 32 + [1] * 16)

    def make(seed):
        vae = VAEOverSampler(max_epochs=2, width=4, latent_dim=4, batch_size=16)
        return FilteredOverSampler(vae, classifier=CNNClassifier(max_epochs=2, module__width=4, device="cpu"),
                                   random_state=seed)

    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    a, _ = make(3).fit_resample(X, y)
    b, _ = make(3).fit_resample(X, y)
    c, _ = make(4).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert py_state == random.getstate()


def test_default_classifier_is_a_small_cnn():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(48, 8, 8)).astype(np.uint8)
    y = np.array([0] * 32 + [1] * 16)
    sampler = FilteredOverSampler(PlantingSampler(), random_state=0)
    sampler.fit_resample(X, y)
    assert isinstance(sampler.classifier_, CNNClassifier) and sampler.classifier_.class_weight == "balanced"
    assert sampler.filter_report_[1]["kept"] == 16


TINY = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16)
INNER = {
    "gan": lambda: GANOverSampler(**TINY, sample_check=None),
    "vae": lambda: VAEOverSampler(**TINY),
    "latent-smote": lambda: LatentSMOTE(**TINY, k_neighbors=3),
    "augment": lambda: AugmentationOverSampler(),
}


@pytest.mark.parametrize("make", INNER.values(), ids=INNER.keys())
def test_every_gansampler_sampler_inside_with_an_add_on_amount(make):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(48, 8, 8)).astype(np.uint8)
    y = np.array(["normal"] * 16 + ["pneumonia"] * 32)
    sampler = FilteredOverSampler(make(), sampling_strategy=AddOn(0.5), classifier=BrightnessClassifier(),
                                  random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {"normal": 24, "pneumonia": 32}
    np.testing.assert_array_equal(X_res[:48], X)
    assert X_res.dtype == np.uint8 and X_res.shape == (56, 8, 8)
    report = sampler.filter_report_["normal"]
    assert report["candidates"] == 16 and report["kept"] == 8
    assert sampler.sampler_.sampling_strategy == {"normal": 32}


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("auto", {0: 40, 1: 40, 2: 40}),
        ("minority", {0: 40, 1: 20, 2: 40}),
        ("not minority", {0: 40, 1: 40, 2: 10}),
        ({1: 30, 2: 12}, {0: 40, 1: 30, 2: 12}),
        (lambda y: {2: 25}, {0: 40, 1: 20, 2: 25}),
        (AddOn(0.5), {0: 40, 1: 30, 2: 15}),
        (AddOn(1.0, classes="all", cap=None), {0: 80, 1: 40, 2: 20}),
    ],
)
def test_every_sampling_strategy(strategy, expected):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(70, 8, 8)).astype(np.uint8)
    y = np.array([0] * 40 + [1] * 20 + [2] * 10)
    sampler = _filter(sampling_strategy=strategy, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res.tolist())) == expected
    for label, report in sampler.filter_report_.items():
        assert report["kept"] == expected[label] - Counter(y.tolist())[label]
        assert report["candidates"] == 2 * report["kept"]


@pytest.mark.parametrize(
    "X, image_shape",
    [
        (np.random.RandomState(0).rand(30, 64), (8, 8)),
        (np.random.RandomState(0).rand(30, 3, 8, 8).astype(np.float32), None),
        (np.random.RandomState(0).randint(0, 256, (30, 3 * 64)).astype(np.uint8), (3, 8, 8)),
        (np.random.RandomState(0).randn(30, 5) * [1, 10, 100, 1e3, 1e4], None),  # tabular rows
    ],
)
def test_layouts_dtypes_ranges(X, image_shape):
    y = np.array([0] * 20 + [1] * 10)
    X_res, y_res = _filter(image_shape=image_shape, random_state=0).fit_resample(X, y)
    assert X_res.dtype == X.dtype and X_res.shape == (40, *X.shape[1:])
    np.testing.assert_array_equal(X_res[:30], X)
    if X.ndim == 2 and image_shape is None:  # tabular: each feature within its observed range
        assert (X_res[30:] >= X.min(0)).all() and (X_res[30:] <= X.max(0)).all()
    else:
        assert X_res[30:].min() >= X.min() and X_res[30:].max() <= X.max()


def test_filter_quality_before_and_after(data):
    X, y = data
    sampler = _filter(random_state=0)
    sampler.fit_resample(X, y)
    quality = sampler.filter_quality(X, y, k=3)
    assert set(quality) == {1}
    for when in ("before", "after"):
        assert set(quality[1][when]) == {"precision", "recall", "density", "coverage"}
    assert quality[1]["before"] != quality[1]["after"]


class TwinSampler(PlantingSampler):
    """Each class's training images in turn, every pixel moved by at most 1."""

    def _fit_resample(self, X, y):
        rng = np.random.RandomState(self.random_state)
        X_out, y_out = [X], [y]
        for label, n in self.sampling_strategy_.items():
            own = X[y == label].astype(np.int16)
            new = own[np.arange(n) % len(own)] + rng.randint(-1, 2, size=(n, *X.shape[1:]))
            X_out.append(new.clip(0, 255).astype(X.dtype))
            y_out.append(np.full(n, label, dtype=y.dtype))
        return np.concatenate(X_out), np.concatenate(y_out)


def test_filter_quality_known_answer_when_the_filter_drops_half_the_class():
    # class 1: 10 dark and 10 bright images; two candidates beside each; the
    # brightness classifier keeps the 20 bright candidates, so the dark half of
    # the class is no longer covered or recalled
    rng = np.random.RandomState(0)
    centre = np.repeat([128, 30, 220], [40, 10, 10])[:, None, None]
    X = (centre + rng.randint(-20, 21, size=(60, 8, 8))).astype(np.uint8)
    y = np.array([0] * 40 + [1] * 20)
    sampler = FilteredOverSampler(TwinSampler(), sampling_strategy=AddOn(1.0), classifier=BrightnessClassifier(),
                                  memorization_threshold=None, random_state=0)
    sampler.fit_resample(X, y)
    assert sampler.candidates_[1].reshape(40, -1).mean(1)[sampler.kept_indices_[1]].min() > 150
    quality = sampler.filter_quality(X, y, k=3)[1]
    assert quality["before"]["recall"] == quality["before"]["coverage"] == 1.0
    assert quality["after"]["recall"] == quality["after"]["coverage"] == 0.5
    assert quality["before"]["precision"] == quality["after"]["precision"] == 1.0


def test_clone_and_pickle(data):
    X, y = data
    sampler = FilteredOverSampler(VAEOverSampler(max_epochs=1), sampling_strategy=AddOn(1.0), candidate_ratio=4)
    copy = clone(sampler)
    assert copy.sampler is not sampler.sampler and copy.get_params()["sampler__max_epochs"] == 1
    assert repr(copy).startswith("FilteredOverSampler(candidate_ratio=4, sampler=VAEOverSampler(max_epochs=1)")
    fitted = _filter(random_state=0)
    fitted.fit_resample(X, y)
    again = pickle.loads(pickle.dumps(fitted))
    assert again.filter_report_ == fitted.filter_report_


class NoResample(BaseEstimator):
    def sample(self, n, y):
        return None


@pytest.mark.parametrize(
    "params, match",
    [
        ({"sampler": NoResample()}, "'sampler' parameter.*fit_resample"),
        ({"candidate_ratio": 0.5}, "'candidate_ratio' parameter"),
        ({"classifier": object()}, "'classifier' parameter"),
        ({"memorization_threshold": 0}, "'memorization_threshold' parameter"),
    ],
)
def test_bad_parameters(data, params, match):
    X, y = data
    sampler = FilteredOverSampler(**{"sampler": PlantingSampler(), **params})  # checked in fit
    with pytest.raises(InvalidParameterError, match=match):
        sampler.fit_resample(X, y)


def test_a_sampler_that_returns_the_wrong_count_is_named(data):
    X, y = data

    class Short(PlantingSampler):
        def _fit_resample(self, X, y):
            X_res, y_res = super()._fit_resample(X, y)
            return X_res[:-1], y_res[:-1]

    with pytest.raises(ValueError, match="Short returned 39 new samples of class 1.*asked it for 40"):
        FilteredOverSampler(Short(), classifier=BrightnessClassifier()).fit_resample(X, y)
