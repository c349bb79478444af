import numpy as np
import pytest
import torch

from gansampler import GANOverSampler
from gansampler.over_sampling._selection import select


@pytest.fixture
def two_classes():
    rng = np.random.RandomState(0)
    x_class = (rng.rand(30, 1, 6, 6) * 0.5 - 0.75).astype(np.float32)  # dark
    x_other = (rng.rand(30, 1, 6, 6) * 0.5 + 0.25).astype(np.float32)  # bright
    return rng, x_class, x_other


def test_nearest_keeps_class_typical_candidates(two_classes):
    rng, x_class, x_other = two_classes
    good = (rng.rand(10, 1, 6, 6) * 0.5 - 0.75).astype(np.float32)
    bad = (rng.rand(10, 1, 6, 6) * 0.5 + 0.25).astype(np.float32)
    candidates = np.concatenate([bad, good])
    chosen = select(candidates, 10, "nearest", x_class=x_class, x_other=x_other)
    assert chosen.shape == (10, 1, 6, 6)
    assert chosen.mean() < -0.3  # all from the dark, target-class set


def test_near_copies_are_dropped(two_classes):
    rng, x_class, x_other = two_classes
    copies = x_class[:10] + 1e-4
    fresh = (rng.rand(10, 1, 6, 6) * 0.5 - 0.75).astype(np.float32)
    candidates = np.concatenate([copies, fresh])
    chosen = select(candidates, 10, "nearest", x_class=x_class, x_other=x_other)
    for image in chosen:
        assert np.abs(x_class - image).reshape(30, -1).max(axis=1).min() > 1e-3


class _Brightness(torch.nn.Module):
    def forward(self, x, y=None):
        return x.flatten(1).mean(1)


def test_discriminator_keeps_highest_scores(two_classes):
    rng, x_class, x_other = two_classes
    candidates = np.linspace(-1, 1, 20, dtype=np.float32)[:, None, None, None] * np.ones((1, 1, 6, 6), np.float32)
    chosen = select(candidates, 5, "discriminator", x_class=x_class, x_other=x_other,
                    discriminator=_Brightness(), memorization_threshold=None)
    np.testing.assert_allclose(chosen[:, 0, 0, 0], np.linspace(-1, 1, 20)[-5:], rtol=1e-6)


@pytest.mark.parametrize("selection", ["discriminator", "nearest", "critic"])
def test_sampler_with_selection(selection):
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (40, 8, 8)).astype(np.uint8)
    y = np.array([0] * 30 + [1] * 10)
    params = dict(max_epochs=1, width=4, latent_dim=8, random_state=0, selection=selection, device="cpu",
                  sample_check=None)
    a, y_res = GANOverSampler(**params).fit_resample(X, y)
    b, _ = GANOverSampler(**params).fit_resample(X, y)
    np.testing.assert_array_equal(a, b)
    assert np.bincount(y_res).tolist() == [30, 30]
    plain, _ = GANOverSampler(**{**params, "selection": None}).fit_resample(X, y)
    assert not np.array_equal(a, plain)


def test_critic_prefers_candidates_that_look_like_the_real_class():
    import torch

    from gansampler.over_sampling._selection import critic_scores

    rng = np.random.RandomState(0)
    real = (rng.rand(64, 1, 8, 8) * 0.2 + 0.6).astype(np.float32)   # bright
    fake = (rng.rand(64, 1, 8, 8) * 0.2 - 0.6).astype(np.float32)   # dark
    candidates = np.concatenate([fake[:10] + 0.05, real[:10] - 0.05])
    state = torch.get_rng_state()
    scores = critic_scores(candidates, real, fake, seed=0, device="cpu", steps=50)
    assert scores.shape == (20,)
    assert scores[10:].min() > scores[:10].max()  # every real-looking one ranks first
    np.testing.assert_array_equal(scores, critic_scores(candidates, real, fake, seed=0, device="cpu", steps=50))
    assert torch.equal(state, torch.get_rng_state())
