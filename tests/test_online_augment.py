"""CNNClassifier's online augmentation: off by default, deterministic for a
seed, applied to training batches only, saved and cloned with the classifier."""

import pickle
import random

import numpy as np
import pytest
import torch
from sklearn.base import clone
from skorch.dataset import ValidSplit

import gansampler._online_augment as online
from gansampler import CNNClassifier
from gansampler._online_augment import _same_class_partners, check_online_augment
from gansampler._persistence import read_safetensors, write_safetensors
from gansampler.augmentation import CLASSIC_AUGMENTATIONS, DEFAULT_AUGMENTATIONS

TINY = dict(max_epochs=2, batch_size=16, module__width=4, device="cpu")


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(48, 8, 8)).astype(np.uint8)
    y = np.repeat(["normal", "pneumonia"], 24)
    return X, y


def _weights(clf):
    return torch.cat([p.detach().flatten() for p in clf.module_.parameters()])


@pytest.fixture
def spy(monkeypatch):
    """Record each batch transform_batch gets in the training step."""
    calls = []

    def record(x, generator, names, partners=None):
        calls.append((x.shape[0], x.device, names))
        return real(x, generator, names, partners=partners)

    real = online.transform_batch
    monkeypatch.setattr(online, "transform_batch", record)
    return calls


def test_off_by_default_and_bit_identical(data, spy):
    X, y = data
    assert CNNClassifier().augment is None
    default = CNNClassifier(random_state=0, **TINY).fit(X, y)
    off = CNNClassifier(augment=None, random_state=0, **TINY).fit(X, y)
    assert spy == []
    np.testing.assert_array_equal(default.predict_proba(X), off.predict_proba(X))
    assert torch.equal(_weights(default), _weights(off))


def test_each_training_batch_augmented_on_device_and_deterministic(data, spy):
    X, y = data
    torch_state, np_state, py_state = torch.get_rng_state(), np.random.get_state(), random.getstate()
    a = CNNClassifier(augment="default", random_state=0, **TINY).fit(X, y)
    assert [n for n, _, _ in spy] == [16, 16, 16] * 2  # every batch of both epochs
    assert all(device == a.device_ for _, device, _ in spy)
    assert all(names == DEFAULT_AUGMENTATIONS for _, _, names in spy)
    b = CNNClassifier(augment="default", random_state=0, **TINY).fit(X, y)
    c = CNNClassifier(augment="default", random_state=1, **TINY).fit(X, y)
    plain = CNNClassifier(random_state=0, **TINY).fit(X, y)
    assert torch.equal(_weights(a), _weights(b))  # same seed, same model
    assert not torch.equal(_weights(a), _weights(c))
    assert not torch.equal(_weights(a), _weights(plain))  # the batches changed
    assert torch.equal(torch_state, torch.get_rng_state())
    assert np.array_equal(np_state[1], np.random.get_state()[1])
    assert py_state == random.getstate()


def test_never_at_predict_embed_or_validation_time(data, spy):
    X, y = data
    clf = CNNClassifier(augment=["rotate", "cutout", "mixup"], random_state=0,
                        train_split=ValidSplit(4, stratified=True), callbacks__valid_acc=None,
                        **TINY).fit(X, y)
    assert np.isfinite(clf.history[-1, "valid_loss"])  # the validation step ran
    assert sum(n for n, _, _ in spy) == 36 * 2  # the 3/4 trained on, not the validation quarter
    spy.clear()
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(proba, clf.predict_proba(X))
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(1)])
    embedded = clf.embed(X)
    np.testing.assert_array_equal(embedded, clf.embed(X))
    assert spy == []
    clf.augment = None  # the parameter plays no part in prediction
    np.testing.assert_array_equal(proba, clf.predict_proba(X))


def test_partial_fit_augments_too(data, spy):
    X, y = data
    clf = CNNClassifier(augment="default", random_state=0, **TINY).partial_fit(X, y)
    assert len(spy) == 6
    clf.partial_fit(X, y)
    assert len(spy) == 12


def test_names_resolve_like_the_vocabulary():
    assert check_online_augment(None) is None
    assert check_online_augment("default") == DEFAULT_AUGMENTATIONS
    assert check_online_augment(["cutout", "hflip"]) == ("hflip", "cutout")
    assert check_online_augment("rotate, crop") == ("rotate", "crop")


@pytest.mark.parametrize(
    "augment, error, match",
    [
        (["rotate", "flip"], ValueError, r"unknown augmentations \['flip'\].*'hflip'.*'cutout'.*'default'"),
        ("defaults", ValueError, "unknown augmentations.*expected names from"),
        ([], ValueError, "at least one of"),
        (3, TypeError, "augment must be a string or a sequence"),
        (["saturation"], ValueError, "saturation.*3 channels"),
    ],
)
def test_bad_augment_raises_in_fit(data, augment, error, match):
    X, y = data
    clf = CNNClassifier(augment=augment, **TINY)  # accepted here, checked in fit
    with pytest.raises(error, match=match):
        clf.fit(X, y)


def test_tabular_rows_cannot_be_augmented(data):
    X, y = data
    with pytest.raises(ValueError, match="2-D.*image_shape"):
        CNNClassifier(augment="default", **TINY).fit(X.reshape(len(X), -1), y)
    clf = CNNClassifier(augment="default", image_shape=(8, 8), random_state=0, **TINY)
    assert clf.fit(X.reshape(len(X), -1), y).predict(X.reshape(len(X), -1)).shape == (48,)


def test_mixup_partners_are_of_the_same_class():
    y = torch.tensor([0, 1, 0, 2, 1, 0, 1])
    partners = _same_class_partners(y, torch.Generator().manual_seed(0), "cpu")
    assert torch.equal(y[partners], y)
    assert partners[3] == 3  # alone in its class
    assert all(partners[i] != i for i in range(len(y)) if i != 3)


def test_clone_pickle_save_load(data, tmp_path):
    X, y = data
    clf = CNNClassifier(augment=["rotate", "cutout"], random_state=0, **TINY).fit(X, y)
    assert clone(clf).augment == ["rotate", "cutout"]
    again = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(again.predict_proba(X), clf.predict_proba(X))
    path = tmp_path / "clf.safetensors"
    clf.save(path)
    loaded = CNNClassifier.load(path, device="cpu")
    assert loaded.augment == ["rotate", "cutout"]
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    # a file written before augment existed loads with it off
    tensors, config = read_safetensors(path)
    del config["params"]["augment"]
    write_safetensors(path, tensors, config)
    assert CNNClassifier.load(path, device="cpu").augment is None


def test_vocabulary_is_the_classic_one():
    for name in CLASSIC_AUGMENTATIONS:
        assert check_online_augment([name]) == (name,)
