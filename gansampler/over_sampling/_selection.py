"""Keep the best of several candidate synthetic images (seed paper 003 kept 443
of 2,000), and never near-copies of training images.

Criteria score candidates in the model's ``[-1, 1]`` space:

- ``"discriminator"``: the trained discriminator's logit (how real it looks);
- ``"nearest"``: distance to the nearest real image of *another* class over the
  distance to the nearest real image of the *target* class (how clearly it
  belongs to its class, a 1-nearest-neighbour margin in pixel space).

Candidates closer to a training image than ``memorization_threshold`` times the
typical real-to-real nearest-neighbour distance are dropped first (see
:func:`gansampler.metrics.find_memorized`).
"""

import numpy as np
import torch

from ..metrics import nearest_neighbor_ratio
from ..metrics._utils import _distance_chunks

__all__ = ["SELECTIONS", "select"]

SELECTIONS = ("discriminator", "nearest")


def _nearest(A, B):
    out = np.empty(len(A))
    for start, stop, D in _distance_chunks(A, B):
        out[start:stop] = D.min(axis=1)
    return out


def _scores(candidates, criterion, discriminator, x_class, x_other, class_index):
    if criterion == "discriminator":
        discriminator.eval()
        with torch.no_grad():
            x = torch.from_numpy(candidates)
            y = None if class_index is None else torch.full((len(x),), class_index)
            return torch.cat([
                discriminator(x[i : i + 1024], None if y is None else y[i : i + 1024])
                for i in range(0, len(x), 1024)
            ]).double().numpy()
    flat = candidates.reshape(len(candidates), -1).astype(np.float64)
    d_same = _nearest(flat, x_class.reshape(len(x_class), -1).astype(np.float64))
    d_other = _nearest(flat, x_other.reshape(len(x_other), -1).astype(np.float64))
    return d_other / np.maximum(d_same, 1e-12)


def select(candidates, n_samples, criterion, *, x_class, x_other, discriminator=None,
           class_index=None, memorization_threshold=1 / 3):
    """The ``n_samples`` best rows of ``candidates`` (model space), near-copies last.

    Returns
    -------
    chosen : ndarray of shape (n_samples, C, H, W)
    """
    scores = _scores(candidates, criterion, discriminator, x_class, x_other, class_index)
    if memorization_threshold:
        ratios = nearest_neighbor_ratio(
            (x_class + 1) / 2, (candidates + 1) / 2, image_shape=None
        )
        scores = np.where(ratios < memorization_threshold, -np.inf, scores)
    order = np.argsort(-scores, kind="stable")[:n_samples]
    return candidates[np.sort(order)]
