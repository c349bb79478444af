"""A cheap, deterministic per-epoch quality signal for a generator."""

import contextlib

import torch

from ..metrics import frechet_distance_from_stats

__all__ = ["QualityMonitor"]


class QualityMonitor:
    """A cheap, deterministic per-epoch quality signal for a generator.

    The Fréchet distance between Gaussian fits of a fixed subset of real images
    and of images generated from fixed noise, both projected onto ``dim`` fixed
    random directions of pixel space. It sees mean brightness, contrast and
    coarse structure, not fine detail: a signal for when training stops
    improving, not a substitute for :func:`gansampler.metrics.fid`.
    """

    def __init__(self, x, y, latent_dim, seed, n_samples=512, dim=64):
        rng = torch.Generator().manual_seed(int(seed) + 1)  # not the training stream
        n = min(n_samples, x.shape[0])
        index = torch.randperm(x.shape[0], generator=rng)[:n].to(x.device)
        n_features = x[0].numel()
        dim = min(dim, n_features)
        self.projection = (torch.randn(n_features, dim, generator=rng) / n_features**0.5).to(x.device)
        self.z = torch.randn(n, latent_dim, generator=rng).to(x.device)
        self.y = None if y is None else y[index]
        self.real = self._stats(x[index])

    def _stats(self, images):
        features = (images.reshape(len(images), -1).float() @ self.projection).double().cpu()
        return features.mean(0), torch.cov(features.T).reshape(features.shape[1], -1)

    @torch.no_grad()
    def __call__(self, generator, autocast=contextlib.nullcontext):
        """The distance for ``generator``'s images, generated in eval mode under
        the context ``autocast()`` returns (the trainer's precision)."""
        was_training = generator.training
        generator.eval()
        with autocast():
            fake = torch.cat([
                generator(self.z[i : i + 256], None if self.y is None else self.y[i : i + 256]).float()
                for i in range(0, len(self.z), 256)
            ])
        generator.train(was_training)
        return frechet_distance_from_stats(*self.real, *self._stats(fake))
