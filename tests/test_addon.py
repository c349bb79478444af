"""AddOn: synthetic samples as a fraction of each class's real count, exact
counts with every sampler, in a Pipeline, cloned and pickled."""

import pickle
from collections import Counter

import numpy as np
import pytest
from imblearn.over_sampling import RandomOverSampler
from imblearn.pipeline import make_pipeline
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._param_validation import InvalidParameterError

from gansampler import (
    AddOn,
    AugmentationOverSampler,
    GANOverSampler,
    LatentSMOTE,
    VAEOverSampler,
)

Y = np.array([0] * 40 + [1] * 10 + [2] * 25)


@pytest.mark.parametrize(
    "addon, expected",
    [
        (AddOn(1.0), {1: 20, 2: 40}),  # 25 + 25 capped at 40
        (AddOn(0.5), {1: 15, 2: 38}),  # 12.5 -> 13: halves up
        (AddOn(0.25), {1: 13, 2: 31}),  # 2.5 -> 3, 6.25 -> 6
        (AddOn(3.0), {1: 40, 2: 40}),
        (AddOn(1.0, cap=None), {1: 20, 2: 50}),
        (AddOn(0.5, classes="all", cap=None), {0: 60, 1: 15, 2: 38}),
        (AddOn(0.5, classes="all"), {0: 40, 1: 15, 2: 38}),
        (AddOn(2.0, classes="minority"), {1: 30}),
        (AddOn(1.0, classes="not minority", cap=None), {0: 80, 2: 50}),
        (AddOn(0.1, classes=[2]), {2: 28}),  # 2.5 -> 3
    ],
)
def test_target_counts(addon, expected):
    assert addon(Y) == expected
    if isinstance(addon.classes, str):
        assert addon(Y.astype(str)) == {str(k): v for k, v in expected.items()}


def test_ties_and_every_class_at_the_cap():
    y = np.array([0] * 10 + [1] * 10 + [2] * 4)
    assert AddOn(1.0)(y) == {1: 10, 2: 8}  # one majority, the first of ties, as imblearn
    assert AddOn(1.0, cap=None)(y) == {1: 20, 2: 8}


@pytest.mark.parametrize(
    "addon, error, match",
    [
        (AddOn(0), InvalidParameterError, "'ratio' parameter of AddOn"),
        (AddOn(-0.5), InvalidParameterError, "'ratio' parameter of AddOn"),
        (AddOn("1"), InvalidParameterError, "'ratio' parameter of AddOn"),
        (AddOn(1.0, classes="majority"), InvalidParameterError, "'classes' parameter"),
        (AddOn(1.0, cap=10), InvalidParameterError, "'cap' parameter"),
        (AddOn(1.0, classes=[7]), ValueError, r"classes \[7\] are not in y"),
    ],
)
def test_bad_parameters_raise_when_called(addon, error, match):
    with pytest.raises(error, match=match):
        addon(Y)


def test_repr_clone_pickle_and_nested_params():
    addon = AddOn(0.5, cap=None)
    assert repr(addon) == "AddOn(cap=None, ratio=0.5)"
    assert repr(AddOn(1.0)) == "AddOn(ratio=1.0)"
    assert pickle.loads(pickle.dumps(addon))(Y) == addon(Y)
    sampler = AugmentationOverSampler(sampling_strategy=addon)
    copy = clone(sampler)
    assert copy.sampling_strategy is not addon and copy.sampling_strategy(Y) == addon(Y)
    copy.set_params(sampling_strategy__ratio=1.0)  # reachable from a grid search
    assert copy.sampling_strategy(Y) == {1: 20, 2: 50}


TINY = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16, random_state=0)
SAMPLERS = {
    "gan": lambda s: GANOverSampler(sampling_strategy=s, sample_check=None, **TINY),
    "vae": lambda s: VAEOverSampler(sampling_strategy=s, **TINY),
    "latent-smote": lambda s: LatentSMOTE(sampling_strategy=s, k_neighbors=3, **TINY),
    "augment": lambda s: AugmentationOverSampler(sampling_strategy=s, random_state=0),
    "imblearn": lambda s: RandomOverSampler(sampling_strategy=s, random_state=0),
}


@pytest.mark.parametrize("make", SAMPLERS.values(), ids=SAMPLERS.keys())
def test_exact_counts_with_every_sampler(make):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(len(Y), 8, 8)).astype(np.uint8)
    sampler = make(AddOn(0.5))
    if isinstance(sampler, RandomOverSampler):
        X = X.reshape(len(X), -1)
    X_res, y_res = sampler.fit_resample(X, Y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 15, 2: 38}
    np.testing.assert_array_equal(X_res[: len(X)], X)


def test_in_a_pipeline_counts_follow_each_training_fold():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(len(Y), 64)).astype(np.uint8)
    sampler = AugmentationOverSampler(sampling_strategy=AddOn(1.0), image_shape=(8, 8), random_state=0)
    pipe = make_pipeline(sampler, DecisionTreeClassifier(random_state=0))
    train = np.r_[0:30, 40:46, 50:70]  # 30, 6 and 20 real images
    pipe.fit(X[train], Y[train])
    assert pipe[0].sampling_strategy_ == {1: 6, 2: 10}
    assert pipe.predict(X[:5]).shape == (5,)
