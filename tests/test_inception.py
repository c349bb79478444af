import numpy as np
import pytest
import scipy.stats
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression

from gansampler.metrics import inception_score


def identity(X):
    return X


@pytest.mark.parametrize("n_classes", [2, 5, 10])
def test_confident_and_evenly_spread_scores_the_number_of_classes(n_classes):
    proba = np.repeat(np.eye(n_classes), 20, axis=0)
    mean, std = inception_score(proba, identity, n_splits=1)
    assert mean == pytest.approx(n_classes)
    assert std == 0.0


@pytest.mark.parametrize(
    "proba",
    [np.full((50, 4), 0.25), np.tile([0.0, 1.0, 0.0], (50, 1))],
    ids=["unsure", "one class only"],
)
def test_unsure_or_single_class_images_score_one(proba):
    mean, _ = inception_score(proba, identity, n_splits=1)
    assert mean == pytest.approx(1.0)


def test_matches_the_definition_split_by_split():
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.full(6, 0.3), size=103)
    expected = [
        np.exp(np.mean([scipy.stats.entropy(p, part.mean(0)) for p in part]))
        for part in np.array_split(proba[np.random.RandomState(7).permutation(103)], 4)
    ]
    mean, std = inception_score(proba, identity, n_splits=4, random_state=7)
    assert mean == pytest.approx(np.mean(expected), rel=1e-10)
    assert std == pytest.approx(np.std(expected), rel=1e-8)
    assert std > 0


def test_a_set_ordered_by_class_scores_as_shuffled():
    """An over-sampler returns its synthetic images class by class."""
    rng = np.random.RandomState(0)
    proba = rng.dirichlet(np.full(5, 0.1), size=500)
    ordered = proba[np.argsort(proba.argmax(1), kind="stable")]
    shuffled, _ = inception_score(proba, identity, random_state=0)
    by_class, _ = inception_score(ordered, identity, random_state=0)
    assert shuffled > 3.0
    assert by_class == pytest.approx(shuffled, rel=0.05)


def test_fitted_classifier_scores_real_digits_above_scrambled_ones():
    X, y = load_digits(return_X_y=True)
    clf = LogisticRegression(max_iter=2000).fit(X[:1200], y[:1200])
    X_test = X[1200:]
    before = X_test.copy()
    real, _ = inception_score(X_test, clf, random_state=0)
    scrambled = np.random.RandomState(0).permutation(X_test.ravel()).reshape(X_test.shape)
    noise, _ = inception_score(scrambled, clf, random_state=0)
    np.testing.assert_array_equal(X_test, before)  # the input is not modified
    assert real > 7.0  # 10 classes, nearly all recognised with confidence
    assert noise < real - 2.0


def test_same_seed_same_score():
    proba = np.random.RandomState(0).dirichlet(np.full(5, 0.3), size=200)
    assert inception_score(proba, identity, random_state=3) == inception_score(proba, identity, random_state=3)
    assert inception_score(proba, identity, random_state=3) != inception_score(proba, identity, random_state=4)


def test_errors_name_the_problem():
    proba = np.full((20, 3), 1 / 3)
    with pytest.raises(ValueError, match="not probabilities.*logits"):
        inception_score(np.log(proba), identity)
    with pytest.raises(ValueError, match="at least 2 classes"):
        inception_score(np.ones((20, 1)), identity)
    with pytest.raises(ValueError, match="n_splits=10 is more than the 5 images"):
        inception_score(proba[:5], identity)
    with pytest.raises(TypeError, match="predict_proba or a callable"):
        inception_score(proba, "not a classifier")
    with pytest.raises(ValueError, match="NaN or infinity"):
        inception_score(np.full((20, 3), np.nan), identity)
