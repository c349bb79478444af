import weakref
from collections import Counter

import numpy as np
import pytest
import torch

from gansampler import GANOverSampler, _device
from gansampler._device import resolve_device, resolve_precision
from gansampler.over_sampling import _gan

# one epoch makes unusable images: the sample check would refuse them
FAST = dict(max_epochs=1, width=4, latent_dim=8, batch_size=16, sample_check=None)


def test_fitted_attributes_and_sample(tiny_images):
    X, y = tiny_images
    sampler = GANOverSampler(random_state=0, **dict(FAST, max_epochs=2)).fit(X, y)
    assert not hasattr(sampler, "generators_")  # fit only checks, like imblearn
    sampler.fit_resample(X, y)
    assert sampler.sampling_strategy_ == {1: 20}
    assert sampler.image_shape_ == (1, 8, 8)
    assert sampler.device_ == resolve_device("auto")
    assert set(sampler.generators_) == {1}
    assert all(p.device.type == "cpu" for p in sampler.generators_[1].parameters())
    history = sampler.history_[1]
    assert [row["epoch"] for row in history] == [1, 2]
    assert set(history[0]) >= {"d_loss", "g_loss", "d_real", "d_fake", "seconds"}
    draw = sampler.sample(7, 1, random_state=5)
    assert draw.shape == (7, 8, 8) and draw.dtype == np.uint8
    np.testing.assert_array_equal(draw, sampler.sample(7, 1, random_state=5))
    assert not np.array_equal(draw, sampler.sample(7, 1, random_state=6))
    with pytest.raises(ValueError, match="No generator for class 0"):
        sampler.sample(3, 0)


def test_conditional_one_generator(tiny_images):
    X, y = tiny_images
    sampler = GANOverSampler(conditional=True, random_state=0, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 40}
    assert list(sampler.history_) == ["conditional"]
    assert sampler.generators_[0].generator is sampler.generators_[1].generator


def _initial_logit_terms(architecture, shape, loss, width):
    """A freshly built conditional D's logit term and class-projection term on
    256 random inputs (two classes), after spectral norm's power iterations."""
    from gansampler.nn import build_networks

    G, D = build_networks(architecture, shape, n_classes=2, seed=0, latent_dim=16, width=width,
                          spectral_norm=loss == "hinge", batch_norm=loss != "wgan-gp")
    x = torch.rand(256, *shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = torch.arange(256) % 2
    with torch.no_grad():
        for _ in range(30):  # training-mode calls run spectral norm's power iteration
            D(x, y)
        h = D.features(x)
        return G, D, D.logit(h).squeeze(1), (D.embed(y) * h).sum(1)


@pytest.mark.parametrize("architecture, shape", [("dcgan", (1, 28, 28)), ("mlp", (64,))])
@pytest.mark.parametrize("loss", ["bce", "hinge"])
def test_conditional_discriminator_starts_with_class_term_on_the_logit_scale(architecture, shape, loss):
    """The projection term <embed(y), h> is initialised like the logit layer: at
    torch's N(0, 1) embedding init it was ~40x the logit term on 28x28 images,
    and the conditional GAN's D loss sat at 7-19 instead of ~1."""
    G, D, logit_term, class_term = _initial_logit_terms(architecture, shape, loss, width=32)
    ratio = (class_term.std() / logit_term.std()).item()
    assert 0.1 < ratio < 5, ratio
    for module in (G.embed, D.embed):
        weight = getattr(module, "weight_orig", module.weight)
        assert weight.std().item() == pytest.approx(0.02, rel=0.2)


@pytest.mark.parametrize("loss", ["bce", "hinge", "wgan-gp"])
def test_resnet_discriminator_starts_with_usable_logits(loss):
    """Residual networks get SNGAN's Xavier initialisation: with DCGAN's
    N(0, 0.02) the unnormalised residual D's logits started at a std of 4e-4
    and, with G training beside it, its BCE loss stayed at 2 ln 2 (chance).
    (The class term is compared by RMS: the sum-pooled features share a large
    positive mean, which the two class embeddings turn into a class offset.)"""
    G, D, logit_term, class_term = _initial_logit_terms("resnet", (1, 28, 28), loss, width=16)
    rms = lambda t: t.pow(2).mean().sqrt().item()  # noqa: E731
    assert rms(logit_term) > 0.1
    assert 0.1 < rms(class_term) / rms(logit_term) < 10
    with torch.no_grad():
        fake = G(torch.randn(64, 16), torch.arange(64) % 2)
    assert fake.std().item() > 0.05  # the generator's output is not collapsed at init
    spectral = any(name.endswith("weight_orig") for name, _ in D.named_parameters())
    assert spectral == (loss == "hinge")


@pytest.mark.parametrize("loss", ["bce", "lsgan", "hinge", "wgan", "wgan-gp"])
@pytest.mark.parametrize("channels, conditional", [(1, False), (3, True)])
def test_resnet_every_loss_and_trick_gray_and_rgb(loss, channels, conditional):
    rng = np.random.RandomState(0)
    X = rng.rand(40, channels, 8, 8).astype(np.float32)
    y = np.array([0] * 30 + [1] * 10)
    sampler = GANOverSampler(
        architecture="resnet", loss=loss, conditional=conditional, diff_augment="translation,cutout",
        ema=0.9, feature_matching=1.0, label_smoothing=0.1, n_critic=2, random_state=0, **FAST,
    )
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (60, channels, 8, 8) and np.bincount(y_res).tolist() == [30, 30]
    assert np.isfinite(X_res).all() and X_res.min() >= 0 and X_res.max() <= 1
    rows = [row for history in sampler.history_.values() for row in history]
    assert rows and all(np.isfinite([row["d_loss"], row["g_loss"]]).all() for row in rows)


def test_tabular_uses_mlp():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3) * [1, 10, 100]
    y = np.array([0] * 30 + [1] * 10)
    sampler = GANOverSampler(random_state=0, **FAST)
    X_res, _ = sampler.fit_resample(X, y)
    assert type(sampler.generators_[1]).__name__ == "MLPGenerator"
    assert X_res.shape == (60, 3)


def test_verbose_shows_progress(tiny_images, capsys):
    X, y = tiny_images
    GANOverSampler(random_state=0, verbose=0, **FAST).fit_resample(X, y)
    assert capsys.readouterr().err == ""
    GANOverSampler(random_state=0, verbose=1, **FAST).fit_resample(X, y)
    err = capsys.readouterr().err
    assert "GAN class 1" in err and "d_loss" in err


def test_n_jobs_gives_same_output():
    # joblib's workers run fewer threads each; fp32 kernels gave the same bits,
    # bf16 ones round differently with another thread count (README: Reproducibility)
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    y = np.array([0] * 30 + [1] * 15 + [2] * 15)
    params = dict(FAST, random_state=0, device="cpu", precision="fp32")
    a, _ = GANOverSampler(n_jobs=1, **params).fit_resample(X, y)
    b, _ = GANOverSampler(n_jobs=2, **params).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)


def test_generated_images_stream_through_one_chunk_at_a_time(tiny_images, monkeypatch):
    # memory stays at the output array plus a chunk: when the GAN is asked for a
    # chunk, the one before it has been written into the output and dropped
    alive, n_chunks = [], []
    real_generate = _gan.generate

    def spy(*args, **kwargs):
        for chunk in real_generate(*args, **kwargs):
            alive[:] = [ref for ref in alive if ref() is not None]
            assert not alive, "a previous chunk of generated images is still held"
            alive.append(weakref.ref(chunk))
            n_chunks.append(len(chunk))
            yield chunk

    monkeypatch.setattr(_gan, "generate", spy)
    X, y = tiny_images
    sampler = GANOverSampler(sampling_strategy={1: 2500}, random_state=0, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    assert n_chunks == [1024, 1024, 432] and X_res.shape == (60 + 2480, 8, 8)

    # sample(): checked from inside the generator, so that the generating loop's
    # own references count too
    class Recorder(torch.nn.Module):
        latent_dim = 8
        outputs = []

        def forward(self, z, y=None):
            assert all(ref() is None for ref in self.outputs), "a previous chunk is still held"
            out = torch.zeros(len(z), 1, 8, 8)
            self.outputs.append(weakref.ref(out))
            return out

    sampler.generators_[1] = Recorder()
    assert sampler.sample(3000, 1).shape == (3000, 8, 8)
    assert len(Recorder.outputs) == 3  # chunks of 1,024, 1,024 and 952


def test_cpu_generation_passes_shrink_with_the_image_size():
    class Echo(torch.nn.Module):  # each image is its latent vector's first value
        latent_dim = 8

        def __init__(self, image_shape):
            super().__init__()
            if image_shape:
                self.image_shape = image_shape

        def forward(self, z, y=None):
            return z[:, :1, None, None].expand(-1, 3, 64, 64).contiguous()

    def draw(image_shape, n):
        return list(_gan.generate(Echo(image_shape), n, 0, torch.device("cpu")))

    assert [len(c) for c in draw((3, 64, 64), 1100)] == [170] * 6 + [4, 76]  # 2**21 values a pass
    assert [len(c) for c in draw((1, 28, 28), 1100)] == [1024, 76]  # capped at the 1,024 drawn
    # the passes do not change the latent vectors: the same images as one pass per draw
    np.testing.assert_array_equal(np.concatenate(draw((3, 64, 64), 1100)), np.concatenate(draw(None, 1100)))


@pytest.mark.parametrize("device, expected", [
    ("cuda", ["cuda:0", "cuda:1", "cuda:2", "cuda:0"]),  # classes round the GPUs
    ("cuda:1", ["cuda:1"] * 4),  # a chosen GPU takes every class
    ("cpu", ["cpu"] * 4),
])
def test_classes_spread_over_the_gpus(monkeypatch, device, expected):
    # no GPU needed: _devices only reads how many there are
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 3)
    sampler = GANOverSampler(device=device)
    sampler.device_ = torch.device(device)
    assert [str(d) for d in sampler._devices(4)] == expected


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_same_seed_same_output_in_each_precision(tiny_images, precision):
    X, y = tiny_images
    params = dict(FAST, random_state=5, device="cpu", precision=precision)
    a, _ = GANOverSampler(**params).fit_resample(X, y)
    b, _ = GANOverSampler(**params).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)


def test_auto_precision_is_bf16_only_where_measured_faster(monkeypatch):
    big, small = (1, 28, 28), (1, 8, 8)
    assert resolve_precision("fp32", "cpu", big) == "fp32"
    assert resolve_precision("bf16", "cuda", small) == "bf16"
    assert resolve_precision("auto", "cuda", big) == "fp32"  # slower on CUDA for these networks
    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: True)
    assert resolve_precision("auto", "cpu", big) == "bf16"
    assert resolve_precision("auto", torch.device("cpu"), (3, 64, 64)) == "bf16"
    assert resolve_precision("auto", "cpu", small) == "fp32"  # slower at 8x8 (digits)
    assert resolve_precision("auto", "cpu", big, "mlp") == "fp32"
    assert resolve_precision("auto", "cpu", (784,)) == "fp32"  # tabular rows
    monkeypatch.setattr(_device, "cpu_has_bf16", lambda: False)
    assert resolve_precision("auto", "cpu", big) == "fp32"


def test_pneumonia_counts_dtype_layout(pneumonia_path):
    from gansampler.datasets import load_medmnist

    X, y = load_medmnist(pneumonia_path)
    X = X[:, 0]  # (n, 28, 28) uint8, as a user would pass it
    X_res, y_res = GANOverSampler(max_epochs=1, random_state=0, sample_check=None).fit_resample(X, y)
    assert X_res.dtype == np.uint8 and X_res.shape == (2 * 3494, 28, 28)
    assert Counter(y_res.tolist()) == {0: 3494, 1: 3494}
    np.testing.assert_array_equal(X_res[: len(X)], X)


def test_pre_augment_trains_on_enlarged_class(tiny_images):
    X, y = tiny_images
    plain = GANOverSampler(random_state=0, **FAST).fit_resample(X, y)[0]
    sampler = GANOverSampler(pre_augment=2, random_state=0, **dict(FAST, min_steps_per_epoch=1))
    X_res, y_res = sampler.fit_resample(X, y)
    assert Counter(y_res.tolist()) == {0: 40, 1: 40}
    assert not np.array_equal(plain, X_res)
    np.testing.assert_array_equal(X_res[:60], X)


def test_early_stopping_records_quality_and_bounds_epochs(tiny_images):
    X, y = tiny_images
    params = dict(FAST, max_epochs=12, lr=1e-6, early_stopping=2, random_state=0, device="cpu")
    sampler = GANOverSampler(**params)
    X_res, y_res = sampler.fit_resample(X, y)
    history = sampler.history_[1]
    assert 3 <= len(history) < 12  # no 1% gain at this learning rate: stopped early
    assert all(np.isfinite(row["fd"]) and row["fd"] >= 0 for row in history)
    assert Counter(y_res.tolist()) == {0: 40, 1: 40}
    np.testing.assert_array_equal(X_res, GANOverSampler(**params).fit_resample(X, y)[0])
    plain = GANOverSampler(random_state=0, **FAST)
    plain.fit_resample(X, y)
    assert "fd" not in plain.history_[1][0]  # the signal costs time: only when asked


@pytest.mark.parametrize("architecture", ["dcgan", "resize-conv", "resnet", "mlp"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_architecture_gray_and_rgb(architecture, channels):
    rng = np.random.RandomState(0)
    X = rng.rand(40, channels, 8, 8).astype(np.float32)
    y = np.array([0] * 30 + [1] * 10)
    sampler = GANOverSampler(architecture=architecture, random_state=0, **FAST)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (60, channels, 8, 8) and X_res.dtype == np.float32
    assert np.isfinite(X_res).all() and X_res.min() >= 0 and X_res.max() <= 1
    assert np.bincount(y_res).tolist() == [30, 30]
    assert all(np.isfinite(row["g_loss"]) for row in sampler.history_[1])


@pytest.mark.parametrize("estimator", ["GANOverSampler", "VAEOverSampler", "LatentSMOTE", "DiffusionOverSampler"])
def test_every_training_option_is_declared_once_in_its_config(estimator):
    import dataclasses
    import inspect

    import gansampler
    from gansampler.training import AutoencoderConfig, GANConfig
    from gansampler.training._diffusion import DiffusionConfig

    estimator = getattr(gansampler, estimator)
    config = {GANOverSampler: GANConfig, gansampler.DiffusionOverSampler: DiffusionConfig}.get(estimator,
                                                                                              AutoencoderConfig)
    signature = inspect.signature(estimator).parameters
    options = {k: v for k, v in config.parameter_constraints().items() if k in signature}
    assert len(options) >= 9
    # LatentSMOTE's autoencoder needs fewer passes than the VAE's: its own default
    own_defaults = {"LatentSMOTE": {"max_epochs"}}.get(estimator.__name__, set())
    for f in dataclasses.fields(config):
        if f.name in options:  # the estimator's default is the config's
            default = signature[f.name].default
            assert default == f.default or f.name in own_defaults, f.name
            assert f"    {f.name} : " in estimator.__doc__, f"{f.name} is not documented"
            line = estimator.__doc__.split(f"    {f.name} : ")[1].split("\n")[0]
            documented = line.split("default=")[-1].strip("\"'")
            assert documented == str(default) or float(documented) == default, line  # documented as it is
            assert estimator._parameter_constraints[f.name] is options[f.name]
    # every constraint is of a parameter the estimator has, and every parameter has one
    assert set(estimator._parameter_constraints) == set(signature)

def test_gan_config_resolves_auto_and_is_frozen():
    import dataclasses

    from gansampler.training import AutoencoderConfig, GANConfig

    # a config built from the estimator's parameters resolves "auto" and ignores the rest
    config = GANConfig.from_params(GANOverSampler(width=8).get_params(), (1, 28, 28))
    assert config.architecture == "dcgan" and config.width == 8
    assert GANConfig.from_params({}, (64, 1, 1), is_image=False).architecture == "mlp"
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.width = 16
    with pytest.raises(ValueError, match="at least 4x4"):
        GANConfig.from_params({"architecture": "dcgan"}, (1, 2, 2))
    # a config built by hand is validated like the estimator's parameters, its
    # derived settings too
    with pytest.raises(ValueError, match="'loss' parameter of GANConfig"):
        GANConfig(loss="hinge-ish")
    with pytest.raises(ValueError, match="'kind' parameter of AutoencoderConfig"):
        AutoencoderConfig(kind="gan")
