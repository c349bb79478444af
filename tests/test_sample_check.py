"""The built-in sample check: noise, collapse, textures without the class's layout and off statistics are caught,
retried from a fresh seed, then raised (or warned about), never returned silently."""

import warnings

import numpy as np
import pytest
import torch

from gansampler import GANOverSampler, GANTrainingError
from gansampler.training import GANSampleWarning, _train, check_samples
from gansampler.training._train import attempt_seed


def _real(n=120, size=16, seed=0):
    """Smooth blobs of varying position and brightness in [-1, 1]: structured images."""
    rng = np.random.RandomState(seed)
    rows, cols = np.mgrid[:size, :size]
    centres = rng.uniform(4, size - 4, (n, 2))
    widths = rng.uniform(2, 4, n)
    blobs = np.exp(-((rows - centres[:, 0, None, None]) ** 2 + (cols - centres[:, 1, None, None]) ** 2)
                   / (2 * widths[:, None, None] ** 2))
    return (blobs * rng.uniform(1.2, 1.8, (n, 1, 1)) - 0.9)[:, None].astype(np.float32)


def test_real_images_pass_and_each_failure_is_named():
    real = _real()
    assert check_samples(_real(seed=1), real).passed
    noise = np.random.RandomState(0).uniform(-1, 1, real.shape)
    failures = check_samples(noise, real).failures
    assert len(failures) >= 1 and failures[0].startswith("noise: neighbouring pixels correlate")
    collapsed = np.repeat(real[:1], 100, axis=0) + 0.001 * np.random.RandomState(1).randn(100, *real.shape[1:])
    check = check_samples(collapsed, real)
    assert [f.split(":")[0] for f in check.failures] == ["collapse"] and check.figures["diversity_ratio"] < 0.25
    check = check_samples(np.clip(real + 0.6, -1, 1), real)  # much brighter
    assert any(f.startswith("off statistics: mean brightness") for f in check.failures)
    check = check_samples(real * 0.2, real)  # washed out
    assert any(f.startswith("off statistics: contrast") for f in check.failures)
    assert check.to_dict()["passed"] is False and "contrast_ratio" in check.to_dict()


def test_unstructured_real_images_are_not_held_to_structure():
    rng = np.random.RandomState(0)
    real, fake = rng.uniform(-1, 1, (80, 1, 8, 8)), rng.uniform(-1, 1, (80, 1, 8, 8))
    check = check_samples(fake, real)
    assert check.passed and check.figures["structure_real"] < 0.3
    # rows of tabular data have no spatial structure to check
    assert "structure_real" not in check_samples(fake.reshape(80, 64, 1, 1), real.reshape(80, 64, 1, 1)).figures


def _smooth_noise(n, size, seed):
    """Textures: noise smoothed over a few pixels, rescaled to about [-1, 1]."""
    noise = torch.from_numpy(np.random.RandomState(seed).randn(n, 1, size + 4, size + 4).astype(np.float32))
    smooth = torch.nn.functional.avg_pool2d(noise, 5, stride=1).numpy()
    return smooth / np.abs(smooth).max()


def _aligned(n=120, size=16, seed=0):
    """X-ray-like images: two dark "lungs" where every image has them, plus texture."""
    rows, cols = np.mgrid[:size, :size]
    lungs = sum(np.exp(-((rows - size / 2) ** 2 / 18 + (cols - c) ** 2 / 4)) for c in (size / 4, 3 * size / 4))
    return np.clip(0.6 - 1.4 * lungs + 0.3 * _smooth_noise(n, size, seed), -1, 1).astype(np.float32)


def test_textures_without_the_class_layout_are_caught():
    real = _aligned()
    check = check_samples(_aligned(seed=1), real)
    assert check.passed and check.figures["layout_real"] >= 0.5
    smooth = _smooth_noise(120, 16, 2)
    texture = real.mean() + smooth * real.std() / smooth.std()  # the real brightness and contrast, no lungs
    check = check_samples(texture, real)
    assert [f.split(":")[0] for f in check.failures] == ["no layout"]
    assert check.figures["layout_fake"] < 0.5 * check.figures["layout_real"]
    # a class without a shared layout (textures) is not held to one
    check = check_samples(_smooth_noise(120, 16, 3), _smooth_noise(120, 16, 4))
    assert check.passed and check.figures["layout_real"] < 0.5


class Forced(torch.nn.Module):
    """A 'trained' generator forced into one failure."""

    def __init__(self, kind, image_shape=(1, 16, 16)):
        super().__init__()
        self.kind, self.image_shape, self.latent_dim = kind, image_shape, 8
        self.template = torch.from_numpy(_real(1)[0])

    def forward(self, z, y=None):
        if self.kind == "noise":
            return torch.rand(len(z), *self.image_shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
        if self.kind == "collapse":
            return self.template.expand(len(z), *self.image_shape).clone() + 1e-3 * z[:, :1, None, None]
        return torch.from_numpy(_real(len(z), seed=int(z[0, 0].abs() * 1e6) % 1000))  # "good"


def _forced_fit(kinds, seeds):
    """A stand-in for one training: the generator of the next kind, and the seeds asked for."""
    def fit(x, y, n_classes, config, seed, device, label, progress, init=None):
        seeds.append(seed)
        return Forced(kinds[len(seeds) - 1]), torch.nn.Identity(), [{"epoch": 1, "d_loss": 1.0}]
    return fit


@pytest.fixture
def data():
    real = _real(60)
    X = np.concatenate([_real(100, seed=2), real])
    return ((X + 1) * 127.5).round().astype(np.uint8), np.r_[np.zeros(100, int), np.ones(60, int)]


@pytest.mark.parametrize("kind", ["noise", "collapse"])
def test_a_failing_generator_is_retrained_then_raises_naming_the_class(data, monkeypatch, kind):
    X, y = data
    seeds = []
    monkeypatch.setattr(_train, "_fit", _forced_fit([kind, kind], seeds))
    sampler = GANOverSampler(random_state=0)
    with pytest.raises(GANTrainingError, match=rf"class 1 failed the sample check after 2 trainings.*{kind}") as info:
        sampler.fit_resample(X, y)
    assert info.value.label == 1 and info.value.metrics["diversity_ratio"] >= 0
    # the second training starts from a fresh seed derived from the first, deterministically
    assert len(seeds) == 2 and seeds[1] == attempt_seed(seeds[0], 1) != seeds[0]
    assert not hasattr(sampler, "generators_")  # nothing kept
    seeds_again = []
    monkeypatch.setattr(_train, "_fit", _forced_fit([kind, kind], seeds_again))
    with pytest.raises(GANTrainingError):
        GANOverSampler(random_state=0).fit_resample(X, y)
    assert seeds_again == seeds


def test_a_retry_that_passes_is_kept_and_recorded(data, monkeypatch):
    X, y = data
    seeds = []
    monkeypatch.setattr(_train, "_fit", _forced_fit(["noise", "good"], seeds))
    sampler = GANOverSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert np.bincount(y_res).tolist() == [100, 100] and len(seeds) == 2
    record = sampler.history_[1][-1]["sample_check"]
    assert record["passed"] is True and len(record["attempts"]) == 2
    assert record["attempts"][0]["passed"] is False and record["attempts"][0]["failures"][0].startswith("noise")
    assert record["attempts"][1]["passed"] is True
    assert sampler.sample_checks_ == {1: record}  # the fitted attribute compare's report reads


def test_warn_keeps_the_images_and_none_skips_the_check(data, monkeypatch):
    X, y = data
    monkeypatch.setattr(_train, "_fit", _forced_fit(["collapse"] * 2, []))
    with pytest.warns(GANSampleWarning, match="class 1 failed the sample check.*collapse"):
        X_res, _ = GANOverSampler(random_state=0, sample_check="warn").fit_resample(X, y)
    assert len(X_res) == 200
    seeds = []
    monkeypatch.setattr(_train, "_fit", _forced_fit(["collapse"], seeds))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sampler = GANOverSampler(random_state=0, sample_check=None)
        sampler.fit_resample(X, y)
    assert len(seeds) == 1 and "sample_check" not in sampler.history_[1][-1]
    assert sampler.sample_checks_ == {}


def test_conditional_gan_is_checked_per_class(data, monkeypatch):
    X, y = data
    seeds = []

    def fit(x, y_, n_classes, config, seed, device, label, progress, init=None):
        seeds.append(seed)
        G = Forced("good")
        G.forward = lambda z, y=None: (Forced("noise") if y[0] == 1 else Forced("good"))(z)
        return G, torch.nn.Identity(), [{"epoch": 1}]

    monkeypatch.setattr(_train, "_fit", fit)
    with pytest.raises(GANTrainingError, match="class index 1: noise"):
        GANOverSampler(random_state=0, conditional=True).fit_resample(X, y)
    assert len(seeds) == 2
