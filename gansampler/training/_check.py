"""A cheap check of a trained generator's images against the real images of
their class: never hand back noise, one repeated image, textures without the
class's layout, or images with the wrong brightness or contrast without saying so.

Four failures are looked for, each relative to the real images, so that a
class whose real images lack some property is never held to it:

- **noise**: no spatial structure. The mean correlation between neighbouring
  pixels (along rows and columns) of the generated images is under half that
  of the real ones (checked where the real images have some, >= 0.3).
- **collapse**: near-identical outputs. The mean distance between random pairs
  of generated images (on a copy shrunk to at most 32x32) is under a quarter of
  that between real pairs.
- **no layout**: the images do not put their structures where the class
  does. Each image's correlation with the real images' mean image (on copies
  shrunk to at most 32x32) is averaged; the generated images' average is
  under half the real ones' (checked where the class has a layout, >= 0.5:
  aligned images such as X-rays or centred digits, not varied scenes). This
  catches textures with the right pixel statistics and no anatomy.
- **off statistics**: a channel's mean brightness differs from the real
  images' by more than 0.25 (an eighth of the ``[-1, 1]`` range) and by more
  than three times the spread of the real images' own means; or the mean
  contrast (pixel standard deviation within an image) is under 0.4 or over 2.5
  times the real one.
"""

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["SampleCheck", "check_samples"]

#: Generated images a check draws.
N_CHECK = 256
_STRUCTURED = 0.3
_NOISE_RATIO = 0.5
_COLLAPSE_RATIO = 0.25
_LAID_OUT = 0.5
_LAYOUT_RATIO = 0.5
_MEAN_SHIFT = 0.25
_CONTRAST = (0.4, 2.5)


@dataclass(frozen=True)
class SampleCheck:
    """The figures of one check, and what failed (empty when it passed)."""

    figures: dict
    failures: tuple = field(default=())

    @property
    def passed(self):
        return not self.failures

    def to_dict(self):
        return {"passed": self.passed, "failures": list(self.failures), **self.figures}


def _correlation(a, b):
    """Pearson correlation of each row of ``a`` with the same row of ``b`` (0 for a constant row)."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    denominator = np.sqrt((a * a).sum(axis=1) * (b * b).sum(axis=1))
    return np.where(denominator > 1e-12, (a * b).sum(axis=1) / np.maximum(denominator, 1e-12), 0.0)


def _structure(x):
    """Mean correlation between neighbouring pixels, per image, averaged."""
    n = len(x)
    rows = _correlation(x[..., :, :-1].reshape(n, -1), x[..., :, 1:].reshape(n, -1))
    cols = _correlation(x[..., :-1, :].reshape(n, -1), x[..., 1:, :].reshape(n, -1))
    return float(np.mean((rows + cols) / 2))


def _shrunk(x):
    """``x`` shrunk to at most 32x32, one float64 row per image."""
    t = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    t = F.adaptive_avg_pool2d(t, 32) if min(t.shape[-2:]) > 32 else t
    return t.reshape(len(t), -1).double().numpy()


def _layout(flat, template):
    """Mean correlation of each row of ``flat`` with ``template``."""
    return float(np.mean(_correlation(flat, np.broadcast_to(template, flat.shape))))


def _spread(flat, rng, n_pairs=512):
    """Mean distance between random pairs of distinct rows."""
    i = rng.randint(len(flat), size=n_pairs)
    j = (i + 1 + rng.randint(len(flat) - 1, size=n_pairs)) % len(flat)
    return float(np.linalg.norm(flat[i] - flat[j], axis=1).mean())


def check_samples(fake, real, seed=0):
    """Check generated images against the real images of their class.

    Parameters
    ----------
    fake, real : ndarray of shape (n, C, H, W)
        Model-space images (``[-1, 1]``); at least 2 of each.
    seed : int, default=0
        Draws the pairs of the diversity figure.

    Returns
    -------
    check : SampleCheck
        ``figures``: ``structure_fake``/``structure_real`` (neighbouring-pixel
        correlation) and ``layout_fake``/``layout_real`` (correlation with
        the real mean image), images of at least 4x4 only; ``diversity_ratio``,
        ``mean_shift`` (largest per-channel difference of mean brightness),
        ``contrast_ratio``; ``failures``: one sentence per failure.
    """
    fake = np.asarray(fake, dtype=np.float64)
    real = np.asarray(real, dtype=np.float64)
    rng = np.random.RandomState(seed)
    real_small, fake_small = _shrunk(real), _shrunk(fake)  # for layout and diversity
    figures, failures = {}, []
    if min(real.shape[-2:]) >= 4:
        figures["structure_real"], figures["structure_fake"] = _structure(real), _structure(fake)
        if (figures["structure_real"] >= _STRUCTURED
                and figures["structure_fake"] < _NOISE_RATIO * figures["structure_real"]):
            failures.append(
                f"noise: neighbouring pixels correlate {figures['structure_fake']:.2f} in the generated images "
                f"against {figures['structure_real']:.2f} in the real ones")
        template = real_small.mean(axis=0)
        figures["layout_real"], figures["layout_fake"] = _layout(real_small, template), _layout(fake_small, template)
        if figures["layout_real"] >= _LAID_OUT and figures["layout_fake"] < _LAYOUT_RATIO * figures["layout_real"]:
            failures.append(
                f"no layout: the generated images correlate {figures['layout_fake']:.2f} with the real images' "
                f"mean image against {figures['layout_real']:.2f} for the real ones (textures without the "
                "class's structure)")
    figures["diversity_ratio"] = _spread(fake_small, rng) / max(_spread(real_small, rng), 1e-12)
    if figures["diversity_ratio"] < _COLLAPSE_RATIO:
        failures.append(f"collapse: generated images differ {figures['diversity_ratio']:.2f} times as much as "
                        "real ones (near-identical outputs)")
    means_real, means_fake = real.mean(axis=(2, 3)), fake.mean(axis=(2, 3))
    shift = np.abs(means_fake.mean(0) - means_real.mean(0))
    spread = means_real.std(0)
    figures["mean_shift"] = float(shift.max())
    contrast_real = real.reshape(len(real), -1).std(axis=1).mean()
    contrast_fake = fake.reshape(len(fake), -1).std(axis=1).mean()
    figures["contrast_ratio"] = float(contrast_fake / max(contrast_real, 1e-12))
    if np.any((shift > _MEAN_SHIFT) & (shift > 3 * spread)):
        failures.append(f"off statistics: mean brightness {means_fake.mean():+.2f} against "
                        f"{means_real.mean():+.2f} in the real images (range -1..1)")
    if contrast_real > 1e-6 and not _CONTRAST[0] <= figures["contrast_ratio"] <= _CONTRAST[1]:
        failures.append(f"off statistics: contrast {figures['contrast_ratio']:.2f} times the real images'")
    return SampleCheck({k: round(float(v), 4) for k, v in figures.items()}, tuple(failures))
