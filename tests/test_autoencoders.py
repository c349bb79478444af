"""What the samplers that learn from every class do beyond the shared contract."""

import numpy as np
import pytest
import torch

from gansampler import GANOverSampler, GANTrainingError, LatentSMOTE, VAEOverSampler
from gansampler.datasets import load_digits_imbalanced
from gansampler.nn import LatentGaussian, build_autoencoder, build_networks
from gansampler.training import AutoencoderConfig, AutoencoderTrainer


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits_imbalanced(imbalance={9: 20})
    keep = (y == 0) | (y == 9)
    return X[keep], y[keep]


@pytest.mark.parametrize("architecture, shape", [("dcgan", (1, 16, 16)), ("dcgan", (3, 32, 32)),
                                                 ("resnet", (1, 16, 16)), ("mlp", (5, 1, 1))])
def test_autoencoder_parts_fit_the_gan_built_alike(architecture, shape):
    model = build_autoencoder(architecture, shape, latent_dim=6, width=4, variational=True, n_classes=3)
    x = torch.rand(4, *shape) * 2 - 1
    y = torch.tensor([0, 1, 2, 0])
    x_hat, mean, log_var = model(x, y)
    assert x_hat.shape == x.shape and mean.shape == log_var.shape == (4, 6)
    G, D = build_networks(architecture, shape, latent_dim=6, width=4, n_classes=3)
    G.load_state_dict(model.decoder.state_dict())  # decoder -> generator, encoder features -> D's
    D.features.load_state_dict(model.encoder.features.state_dict())
    model.eval()
    torch.testing.assert_close(model(x, y)[1], model.encoder(x, y)[0])  # eval decodes the mean


def test_latent_gaussian_feeds_the_generator_from_the_class_codes():
    G, _ = build_networks("dcgan", (1, 8, 8), latent_dim=3, width=4)
    mean, scale = np.array([1.0, -2.0, 0.5]), np.diag([0.1, 0.2, 0.3])
    wrapped = LatentGaussian(G, mean, scale).eval()
    z = torch.randn(5, 3)
    torch.testing.assert_close(wrapped(z), G.eval()(torch.as_tensor(mean, dtype=torch.float32) + z * torch.tensor(
        [0.1, 0.2, 0.3])))
    assert {"mean", "scale"} <= set(wrapped.state_dict())


def test_autoencoder_trainer_learns_and_stops_early():
    x = torch.rand(64, 1, 8, 8) * 2 - 1
    y = torch.arange(64) % 2
    config = AutoencoderConfig(latent_dim=4, width=4, kind="deepsmote", architecture="dcgan", early_stopping=2)
    model = build_autoencoder("dcgan", (1, 8, 8), latent_dim=4, width=4)
    history = AutoencoderTrainer(model, config, seed=0).fit(x, y, max_epochs=40)
    assert set(history[0]) >= {"loss", "reconstruction", "penalty", "epoch", "seconds"}
    assert history[-1]["reconstruction"] < history[0]["reconstruction"]
    assert len(history) <= 40
    with pytest.raises(GANTrainingError, match="non-finite loss at epoch 1"):
        AutoencoderTrainer(build_autoencoder("dcgan", (1, 8, 8), latent_dim=4, width=4), config).fit(
            torch.full_like(x, float("nan")), y)


def test_vae_draws_differ_within_a_class_and_follow_the_label(digits):
    X, y = digits
    sampler = VAEOverSampler(max_epochs=20, random_state=0)
    sampler.fit_resample(X, y)
    assert set(sampler.history_["autoencoder"][-1]) >= {"loss", "reconstruction", "kl"}
    nines, zeros = sampler.sample(50, 9, random_state=0).astype(float), sampler.sample(50, 0, random_state=0)
    assert nines.std(axis=0).mean() > 5  # not one image repeated
    # each class's draws are nearer its own real images than the other class's
    for draws, own, other in ((nines, X[y == 9], X[y == 0]), (zeros.astype(float), X[y == 0], X[y == 9])):
        mean = draws.mean(0)
        assert np.abs(mean - own.mean(0)).mean() < np.abs(mean - other.mean(0)).mean()


def test_latent_smote_keeps_or_reconstructs_the_originals(digits):
    X, y = digits
    kept, _ = LatentSMOTE(max_epochs=3, random_state=0).fit_resample(X, y)
    np.testing.assert_array_equal(kept[: len(X)], X)
    sampler = LatentSMOTE(max_epochs=3, random_state=0, reconstruct_originals=True)
    recon, y_res = sampler.fit_resample(X, y)
    np.testing.assert_array_equal(y_res[: len(y)], y)
    np.testing.assert_array_equal(recon[len(X):], kept[len(X):])  # the same new images either way
    assert not np.array_equal(recon[: len(X)], X) and recon.dtype == X.dtype
    assert sampler.codes_.shape == (len(X), 32) and (sampler.code_labels_ == y).all()
    with pytest.raises(ValueError, match="Class 9 has 20 sample.*needs at least 21"):
        LatentSMOTE(k_neighbors=20).fit_resample(X, y)


def test_gan_started_from_an_autoencoder(digits):
    X, y = digits
    sampler = GANOverSampler(init="autoencoder", init_epochs=2, max_epochs=2, random_state=0, sample_check=None)
    sampler.fit_resample(X, y)
    generator = sampler.generators_[9]
    assert isinstance(generator, LatentGaussian) and generator.mean.shape == (100,)
    assert len(sampler.init_history_) == 2 and "reconstruction" in sampler.init_history_[0]
    with pytest.raises(ValueError, match="conditional=True use init='random'"):
        GANOverSampler(init="autoencoder", conditional=True, max_epochs=1).fit_resample(X, y)
