"""DiffusionOverSampler beyond the contract every sampler keeps (tests/test_contract.py):
copy rejection, guidance, the sample check, the "auto" budget, the optional
dependency and its offline use."""

import importlib.util
import random
import socket
import sys

import numpy as np
import pytest
import torch
from sklearn.exceptions import NotFittedError

from gansampler import DiffusionOverSampler, GANTrainingError
from gansampler.over_sampling import _diffusion
from gansampler.training._check import SampleCheck
from gansampler.training._diffusion import DiffusionConfig, auto_max_steps
from gansampler.training._train import GANSampleWarning

needs_diffusers = pytest.mark.skipif(importlib.util.find_spec("diffusers") is None,
                                     reason="diffusers is not installed (pip install 'gansampler[diffusion]')")
TINY = dict(max_steps=4, n_sampling_steps=2, width=4, batch_size=16, sample_check=None)


def _tiny(**kw):
    return DiffusionOverSampler(**{**TINY, **kw})


@pytest.fixture(scope="module")
def fitted(tiny_images):
    pytest.importorskip("diffusers")
    X, y = tiny_images
    sampler = _tiny(random_state=0)
    X_res, _ = sampler.fit_resample(X, y)
    return sampler, X_res


def test_missing_diffusers_names_the_install_command(tiny_images, monkeypatch):
    monkeypatch.setitem(sys.modules, "diffusers", None)  # what an absent package looks like to import
    X, y = tiny_images
    sampler = _tiny(random_state=0)
    with pytest.raises(ImportError, match=r"pip install 'gansampler\[diffusion\]'"):
        sampler.fit_resample(X, y)
    assert not hasattr(sampler, "denoiser_")


@needs_diffusers
def test_nothing_is_fetched(tiny_images, monkeypatch, tmp_path):
    def refuse(*args, **kwargs):
        raise AssertionError(f"network access: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    X, y = tiny_images
    sampler = _tiny(random_state=0)
    sampler.fit_resample(X, y)
    sampler.sample(3, 1, random_state=0)
    # older diffusers (0.30) write a cache-version marker when imported; nothing else may appear
    written = [p.name for p in (tmp_path / "hf").rglob("*") if p.is_file()]
    assert written in ([], ["version_diffusers_cache.txt"])


@needs_diffusers
def test_same_seed_same_images_and_global_rng_untouched(fitted, tiny_images):
    sampler, X_res = fitted
    X, y = tiny_images
    states = torch.get_rng_state(), np.random.get_state()[1].copy(), random.getstate()
    again, _ = _tiny(random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(again, X_res)
    np.testing.assert_array_equal(X_res[: len(X)], X)
    assert X_res.dtype == np.uint8 and len(X_res) == 80
    assert torch.equal(states[0], torch.get_rng_state()) and np.array_equal(states[1], np.random.get_state()[1])
    assert states[2] == random.getstate()
    with pytest.raises(NotFittedError):
        _tiny().sample(2, 1)


def _copying(sampler, always):
    """A ``ddim_sample`` that returns training images of the class: on the
    first call only, or on every call (``always``)."""
    honest = _diffusion.ddim_sample
    calls = []

    def ddim_sample(model, class_index, n, generator, config, device, precision="fp32"):
        images = honest(model, class_index, n, generator, config, device, precision)
        calls.append(n)
        if always or len(calls) == 1:
            reference = sampler._reference[class_index][:n]
            return torch.from_numpy(reference.reshape(len(reference), *sampler.image_shape_)).float()
        return images

    return ddim_sample, calls


def _rows_in(rows, X):
    known = {row.tobytes() for row in X}
    return sum(row.tobytes() in known for row in rows)


@needs_diffusers
def test_copies_are_drawn_again_and_counted(tiny_images, monkeypatch):
    X, y = tiny_images
    sampler = _tiny(random_state=0)
    patched, calls = _copying(sampler, always=False)
    monkeypatch.setattr(_diffusion, "ddim_sample", patched)
    X_res, _ = sampler.fit_resample(X, y)
    assert sampler.n_rejected_ == {1: 20}  # the first 20 images were copies, drawn again once
    assert calls == [20, 20]
    assert _rows_in(X_res[len(X):], X) == 0
    # a model that copies whatever it draws: the copies are kept after max_redraws, with a warning
    monkeypatch.setattr(_diffusion, "ddim_sample", _copying(sampler, always=True)[0])
    with pytest.warns(_diffusion.CopyWarning, match="20 generated image"):
        X_res, _ = sampler.set_params(max_redraws=2).fit_resample(X, y)
    assert sampler.n_rejected_ == {1: 40}
    assert _rows_in(X_res[len(X):], X) == 20
    # copy rejection off
    sampler.set_params(copy_quantile=None).fit_resample(X, y)
    assert sampler.n_rejected_ == {1: 0}


@needs_diffusers
def test_copy_threshold_is_a_low_quantile_of_real_distances(fitted, tiny_images):
    sampler, _ = fitted
    X, y = tiny_images
    distances = sampler._real_distances[1]
    assert distances.shape == (20,) and (distances > 0).all()
    # the nearest other real image of each real one, in model-space pixels
    x = (X[y == 1].reshape(20, -1).astype(np.float64) / 255) * 2 - 1
    full = np.linalg.norm(x[:, None] - x[None], axis=2) + np.diag(np.full(20, np.inf))
    np.testing.assert_allclose(np.sort(distances), np.sort(full.min(1)), rtol=1e-5)


@needs_diffusers
def test_guidance_changes_the_images(fitted):
    sampler, _ = fitted
    plain = sampler.sample(6, 1, random_state=3)
    guided = sampler.set_params(guidance=3.0).sample(6, 1, random_state=3)
    sampler.set_params(guidance=0.0)
    assert not np.array_equal(plain, guided)
    np.testing.assert_array_equal(plain, sampler.sample(6, 1, random_state=3))


@needs_diffusers
def test_save_load_keeps_the_model_and_the_copy_reference(fitted, tmp_path):
    sampler, _ = fitted
    path = tmp_path / "diffusion.safetensors"
    sampler.save(path)
    loaded = DiffusionOverSampler.load(path, device="cpu")
    np.testing.assert_array_equal(loaded.sample(5, 1, random_state=1), sampler.sample(5, 1, random_state=1))
    assert loaded.n_rejected_ == sampler.n_rejected_ and loaded.max_steps_ == sampler.max_steps_ == 4
    for a, b in zip(loaded._real_distances, sampler._real_distances):
        np.testing.assert_array_equal(a, b)


@needs_diffusers
def test_failing_sample_check_trains_again_then_raises_or_warns(tiny_images, monkeypatch):
    X, y = tiny_images
    failing = SampleCheck({"diversity_ratio": 0.0}, ("collapse: near-identical outputs",))
    monkeypatch.setattr(_diffusion, "check_samples", lambda fake, real, seed=0: failing)
    sampler = _tiny(sample_check="raise", random_state=0)
    with pytest.raises(GANTrainingError, match="sample check after 2 trainings.*collapse"):
        sampler.fit_resample(X, y)
    assert not hasattr(sampler, "denoiser_")
    with pytest.warns(GANSampleWarning, match="collapse"):
        sampler.set_params(sample_check="warn").fit_resample(X, y)
    record = sampler.history_["sample_check"]
    assert record["passed"] is False and len(record["attempts"]) == 2
    assert sampler.sample_checks_ == {"every class": record}


@needs_diffusers
@pytest.mark.parametrize("shape, schedule", [((3, 16, 12), "linear"), ((1, 9, 9), "cosine")])
def test_rgb_odd_sizes_and_both_schedules(shape, schedule):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(24, *shape)).astype(np.uint8)
    y = np.array([0] * 16 + [1] * 8)
    X_res, y_res = _tiny(schedule=schedule, guidance=1.0, random_state=0).fit_resample(X, y)
    assert X_res.shape == (32, *shape) and np.bincount(y_res).tolist() == [16, 16]


@needs_diffusers
def test_verbose_shows_training_and_sampling(tiny_images, capsys):
    X, y = tiny_images
    _tiny(random_state=0, verbose=1).fit_resample(X, y)
    err = capsys.readouterr().err
    assert "epoch" in err and "diffusion sampling class 1" in err


def test_auto_budget_follows_data_and_image_size():
    # PneumoniaMNIST's training set: 4,708 images of 28x28, 74 batches a pass
    assert auto_max_steps(4708, (1, 28, 28), 64) == 296
    assert auto_max_steps(100, (1, 28, 28), 64) == 200  # at least 200
    assert auto_max_steps(10**6, (1, 28, 28), 64) == 1000  # at most 1,000
    assert auto_max_steps(4708, (3, 64, 64), 64) == round(296 * 28 / 64)  # larger images: fewer steps
    assert auto_max_steps(100, (3, 128, 128), 64) == 100
    config = DiffusionConfig.from_params(DiffusionOverSampler().get_params(), (1, 28, 28), n_images=4708)
    assert config.max_steps == 296 and config.architecture == "unet"
    assert DiffusionConfig.from_params({}, (5, 1, 1), is_image=False, n_images=30).architecture == "mlp"


@needs_diffusers
@pytest.mark.parametrize("side, levels", [(8, 2), (28, 3), (64, 5), (128, 5)])
def test_unet_depth_follows_image_size(side, levels):
    from gansampler.nn._denoiser import unet_config

    config = unet_config((3, side, side), n_classes=2, width=32)
    assert len(config["block_out_channels"]) == levels and config["num_class_embeds"] == 3


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_steps": 0}, "max_steps"),
        ({"n_sampling_steps": 0}, "n_sampling_steps"),
        ({"guidance": -1.0}, "guidance"),
        ({"copy_quantile": 1.5}, "copy_quantile"),
        ({"schedule": "quadratic"}, "schedule"),
        ({"architecture": "dcgan"}, "architecture"),
    ],
)
def test_bad_parameters(tiny_images, params, match):
    X, y = tiny_images
    with pytest.raises(ValueError, match=match):
        _tiny(**params).fit_resample(X, y)


@needs_diffusers
@pytest.mark.parametrize("stage", ["train_diffusion", "ddim_sample"])
def test_keyboard_interrupt_leaves_the_sampler_as_it_was(tiny_images, monkeypatch, stage):
    X, y = tiny_images
    sampler = _tiny(random_state=0)
    sampler.fit_resample(X, y)
    before = dict(sampler.__dict__)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(_diffusion, stage, interrupted)  # Ctrl-C while training, or while sampling
    with pytest.raises(KeyboardInterrupt):
        sampler.fit_resample(X, y)  # a refit replaces the model and every fitted attribute
    assert sampler.__dict__.keys() == before.keys()
    assert all(sampler.__dict__[k] is before[k] for k in before)
    fresh = _tiny(random_state=0)
    with pytest.raises(KeyboardInterrupt):
        fresh.fit_resample(X, y)
    assert not hasattr(fresh, "denoiser_")
