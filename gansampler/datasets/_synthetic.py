"""Synthetic RGB images with known structure, for trying samplers on colour data."""

import numpy as np

from .._random import check_random_state

__all__ = ["make_fundus_like"]


def _disc_image(size, rng, grade):
    rows, cols = (np.mgrid[:size, :size] + 0.5) / size * 2 - 1  # [-1, 1]
    centre = rng.uniform(-0.05, 0.05, 2)
    r = np.hypot(rows - centre[0], cols - centre[1])
    radius = rng.uniform(0.82, 0.92)
    inside = np.clip((radius - r) * size / 2, 0, 1)  # anti-aliased edge
    shade = 1 - 0.45 * (r / radius) ** 2  # vignetting toward the rim
    base = np.array([0.85, 0.38, 0.18]) * rng.uniform(0.8, 1.1)
    image = base[:, None, None] * shade * inside
    side = rng.choice([-1, 1])  # the optic disc, left or right of the centre
    disc = np.array([rng.uniform(-0.1, 0.1), side * rng.uniform(0.35, 0.5)])
    d = np.hypot(rows - disc[0], cols - disc[1])
    image += np.array([0.15, 0.45, 0.35])[:, None, None] * np.exp(-(d / 0.11) ** 2) * inside
    for angle in rng.uniform(0, 2 * np.pi, 5):  # vessels: dark curves from the optic disc
        bend = rng.uniform(-1.5, 1.5)
        theta = np.arctan2(rows - disc[0], cols - disc[1])
        dist = np.abs(np.sin(theta - angle - bend * d)) * d
        vessel = np.exp(-(dist / 0.012) ** 2) * (np.cos(theta - angle - bend * d) > 0) * (d > 0.1)
        image -= np.array([0.25, 0.2, 0.1])[:, None, None] * vessel * inside
    for _ in range(rng.poisson(3 * grade)):  # lesions: yellow exudates and dark haemorrhages, more with grade
        spot = rng.uniform(-0.6, 0.6, 2)
        s = np.exp(-(np.hypot(rows - spot[0], cols - spot[1]) / rng.uniform(0.02, 0.05)) ** 2)
        colour = [0.3, 0.35, 0.05] if rng.rand() < 0.5 else [-0.3, -0.2, -0.1]
        image += np.array(colour)[:, None, None] * s * inside
    image += rng.normal(0, 0.015, image.shape) * inside
    return np.clip(image, 0, 1)


def make_fundus_like(n_samples=(486, 66), image_size=64, random_state=0):
    """Synthetic colour fundus-like images: a graded, imbalanced RGB data set.

    Each image is an orange disc with darker rim, a bright optic disc on the
    left or right, dark vessels from it and, more with each grade, small
    yellow and dark lesions; the disc, vessels and lesions vary in place and
    size. It has the structure a generator must learn (a round field, a bright
    spot, thin lines, colour) without any real patient's data.

    Parameters
    ----------
    n_samples : sequence of int, default=(486, 66)
        Images per grade ``0, 1, ...``.
    image_size : int, default=64
    random_state : int, RandomState instance or None, default=0

    Returns
    -------
    X : ndarray of shape (sum(n_samples), 3, image_size, image_size), dtype uint8
    y : ndarray of shape (sum(n_samples),), dtype int64
        The grade of each image.

    Examples
    --------
    >>> from gansampler.datasets import make_fundus_like
    >>> X, y = make_fundus_like((20, 5), image_size=32)
    >>> X.shape, X.dtype, y.tolist().count(1)
    ((25, 3, 32, 32), dtype('uint8'), 5)
    """
    rng = check_random_state(random_state)
    images, labels = [], []
    for grade, n in enumerate(n_samples):
        images += [_disc_image(int(image_size), rng, grade) for _ in range(int(n))]
        labels += [grade] * int(n)
    X = np.rint(np.stack(images) * 255).astype(np.uint8)
    return X, np.asarray(labels, dtype=np.int64)
