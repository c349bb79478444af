from collections import Counter

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate

from gansampler import CNNClassifier, GANOverSampler


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = np.zeros((60, 8, 8), dtype=np.uint8)
    X[:45, ::2] = 200
    X[45:, :, ::2] = 200
    X = np.clip(X + rng.randint(0, 50, X.shape), 0, 255).astype(np.uint8)
    y = np.array([0] * 45 + [1] * 15)
    return X, y


class _Spy(GANOverSampler):
    """Records the class counts it was fitted on."""

    seen = []

    def _fit_resample(self, X, y):
        _Spy.seen.append(Counter(y.tolist()))
        return super()._fit_resample(X, y)


def _pipe(sampler_cls=GANOverSampler):
    return Pipeline([
        ("gan", sampler_cls(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None)),
        ("clf", CNNClassifier(max_epochs=2, random_state=0)),
    ])


def test_cross_validate_resamples_training_folds_only(data):
    X, y = data
    _Spy.seen.clear()
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_validate(_pipe(_Spy), X, y, cv=cv, scoring="balanced_accuracy")
    assert len(scores["test_score"]) == 3
    assert all(0 <= s <= 1 for s in scores["test_score"])
    # each fit saw a training fold (2/3 of the data), never the whole set
    assert _Spy.seen == [Counter({0: 30, 1: 10})] * 3


def test_pipeline_predict_keeps_test_size(data):
    X, y = data
    pipe = _pipe().fit(X, y)
    assert pipe.predict(X[:7]).shape == (7,)
    assert pipe.named_steps["gan"].sampling_strategy_ == {1: 30}


def test_grid_search_over_sampler_and_classifier(data):
    X, y = data
    grid = GridSearchCV(
        _pipe(),
        {"gan__sampling_strategy": ["auto", 0.5], "clf__lr": [1e-3, 1e-2]},
        cv=2,
        scoring="balanced_accuracy",
    ).fit(X, y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["gan__sampling_strategy"] in ("auto", 0.5)


def test_threshold_tuned_around_the_pipeline_scores_images_the_sampler_never_saw(data):
    # README: tune the decision threshold on real images, with the sampler inside
    from sklearn import model_selection

    if not hasattr(model_selection, "TunedThresholdClassifierCV"):
        pytest.skip("TunedThresholdClassifierCV needs scikit-learn >= 1.5")
    X, y = data
    _Spy.seen.clear()
    tuned = model_selection.TunedThresholdClassifierCV(
        _pipe(_Spy), scoring="balanced_accuracy", cv=3, random_state=0
    ).fit(X, y)
    assert 0 < tuned.best_threshold_ < 1
    assert set(tuned.predict(X).tolist()) <= {0, 1}
    # one fit on everything, three on training folds for the threshold
    seen = sorted(_Spy.seen, key=lambda counts: counts.total())
    assert seen == [Counter({0: 30, 1: 10})] * 3 + [Counter({0: 45, 1: 15})]
