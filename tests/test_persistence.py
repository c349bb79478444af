import pickle

import numpy as np
import pytest

from gansampler import GANOverSampler

FAST = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16, random_state=0, sample_check=None)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    y = np.array(["normal"] * 20 + ["pneumonia"] * 40)
    return X, y


@pytest.mark.parametrize("params", [{}, {"conditional": True}, {"ema": 0.9, "loss": "hinge"},
                                    {"architecture": "resize-conv"}, {"architecture": "resnet", "conditional": True}])
def test_save_load_reproduces_samples(tmp_path, data, params):
    X, y = data
    sampler = GANOverSampler(**FAST, **params)
    sampler.fit_resample(X, y)
    path = tmp_path / "sampler.safetensors"
    sampler.save(path)
    # loaded onto the device it was trained on ("cpu" in CI): the same device gives
    # the same bits (CUDA and CPU round differently: 4 of 576 pixels were off by 1)
    device = str(sampler.device_)
    loaded = GANOverSampler.load(path, device=device)
    for seed in (0, 7):
        np.testing.assert_array_equal(
            loaded.sample(9, "normal", random_state=seed),
            sampler.sample(9, "normal", random_state=seed),
        )
    assert loaded.get_params() == {**sampler.get_params(), "device": device}
    assert loaded.sampling_strategy_ == sampler.sampling_strategy_
    assert loaded.image_shape_ == (1, 8, 8)
    assert list(loaded.history_) == [str(k) for k in sampler.history_]


@pytest.mark.parametrize("architecture", ["dcgan", "resnet"])
def test_fitted_networks_are_in_the_layout_a_loaded_sampler_has(data, architecture):
    # the trainer runs channels-last; a fitted sampler gives back default-layout
    # weights, as load() builds them, so both run the same kernels (on CUDA a
    # channels-last and a default-layout resnet rounded 4 of 576 pixels apart)
    X, y = data
    sampler = GANOverSampler(**FAST, architecture=architecture)
    sampler.fit_resample(X, y)
    weights = [p for p in sampler.generators_["normal"].parameters() if p.dim() == 4]
    assert weights and all(p.is_contiguous() for p in weights)


def test_tabular_float_round_trip(tmp_path):
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3) * [1, 10, 100]
    y = np.array([0] * 30 + [1] * 10)
    sampler = GANOverSampler(**FAST)
    sampler.fit_resample(X, y)
    sampler.save(tmp_path / "t.safetensors")
    loaded = GANOverSampler.load(tmp_path / "t.safetensors")
    out = loaded.sample(5, 1, random_state=3)
    assert out.dtype == np.float64 and out.shape == (5, 3)
    np.testing.assert_array_equal(out, sampler.sample(5, 1, random_state=3))


def test_bad_files_give_clear_errors(tmp_path, data):
    X, y = data
    sampler = GANOverSampler(**FAST)
    sampler.fit_resample(X, y)
    path = tmp_path / "s.safetensors"
    sampler.save(path)
    raw = path.read_bytes()

    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match="not a valid gansampler file"):
        GANOverSampler.load(truncated)

    tampered = tmp_path / "tampered.safetensors"
    tampered.write_bytes(raw[:8] + raw[8:200].replace(b"{", b"[", 1) + raw[200:])
    with pytest.raises(ValueError, match="not a valid"):
        GANOverSampler.load(tampered)

    pickled = tmp_path / "model.pkl"
    pickled.write_bytes(pickle.dumps(sampler))
    with pytest.raises(ValueError, match="not a valid gansampler file"):
        GANOverSampler.load(pickled)

    with pytest.raises(FileNotFoundError):
        GANOverSampler.load(tmp_path / "missing.safetensors")


def test_save_before_fit(tmp_path):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        GANOverSampler().save(tmp_path / "x.safetensors")


def test_pickle_still_works(data):
    X, y = data
    sampler = GANOverSampler(**FAST)
    sampler.fit_resample(X, y)
    clone = pickle.loads(pickle.dumps(sampler))
    np.testing.assert_array_equal(clone.sample(4, "normal", random_state=1),
                                  sampler.sample(4, "normal", random_state=1))


def test_classifier_save_load_predicts_the_same(tmp_path):
    import torch

    from gansampler import CNNClassifier

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (60, 8, 8)).astype(np.uint8)
    y = np.repeat(np.array(["a", "b", "c"]), 20)
    clf = CNNClassifier(max_epochs=2, random_state=0, class_weight="balanced",  # bit-identity: CPU
                        module__width=8, device="cpu").fit(X, y)
    path = tmp_path / "clf.safetensors"
    clf.save(path)
    state = torch.get_rng_state()
    loaded = CNNClassifier.load(path, device="cpu")
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert loaded.classes_.tolist() == ["a", "b", "c"] and loaded.module__width == 8
    np.testing.assert_allclose(loaded.class_weight_, clf.class_weight_)
    with pytest.raises(ValueError, match="fitted on"):
        loaded.predict(X[:, :4])
    sampler = GANOverSampler(max_epochs=1, width=4, latent_dim=8, random_state=0, sample_check=None)
    sampler.fit_resample(X, np.array([0] * 40 + [1] * 20))
    sampler.save(tmp_path / "gan.safetensors")
    with pytest.raises(ValueError, match="does not hold a CNNClassifier"):
        CNNClassifier.load(tmp_path / "gan.safetensors")
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(ValueError, match="not a valid gansampler file"):
        CNNClassifier.load(path)


def test_classifier_save_refuses_custom_module(tmp_path):
    from gansampler import CNNClassifier
    from gansampler.nn import SmallCNN

    rng = np.random.RandomState(0)
    X = rng.rand(20, 1, 8, 8).astype(np.float32)
    y = np.repeat([0, 1], 10)
    clf = CNNClassifier(SmallCNN, module__image_shape=(1, 8, 8), module__n_classes=2,
                        max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(TypeError, match="default SmallCNN only"):
        clf.save(tmp_path / "clf.safetensors")


def test_classifier_saved_before_strided_blocks_loads_as_a_stride_1_network(tmp_path):
    # a file written before SmallCNN had stride_above holds no "stride_above":
    # the loaded network must convolve at stride 1, as the saved one was trained
    import torch

    from gansampler import CNNClassifier
    from gansampler._persistence import read_safetensors, write_safetensors

    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (12, 72, 72)).astype(np.uint8)
    y = np.repeat([0, 1], 6)
    old = CNNClassifier(max_epochs=1, random_state=0, module__stride_above=None, module__width=4,
                        device="cpu").fit(X, y)
    path = tmp_path / "old.safetensors"
    old.save(path)
    tensors, config = read_safetensors(path)
    assert config["params"]["module__stride_above"] is None  # the file records the stride-1 network
    config["format_version"] = 1
    config["params"] = {k: v for k, v in config["params"].items() if k != "module__stride_above"}
    write_safetensors(path, tensors, config)
    loaded = CNNClassifier.load(path, device="cpu")
    assert loaded.module_.stride_above is None
    assert all(m.stride == (1, 1) for m in loaded.module_.modules() if isinstance(m, torch.nn.Conv2d))
    np.testing.assert_array_equal(loaded.predict_proba(X), old.predict_proba(X))
    new = CNNClassifier(max_epochs=1, random_state=0, module__width=4, device="cpu").fit(X, y)
    new.save(tmp_path / "new.safetensors")
    again = CNNClassifier.load(tmp_path / "new.safetensors", device="cpu")
    assert again.module_.stride_above == 64 and "module__stride_above" not in again.get_params()
    np.testing.assert_array_equal(again.predict_proba(X), new.predict_proba(X))
