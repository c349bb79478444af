"""Keep the best of several candidate synthetic images, and never near-copies of
training images.

Criteria score candidates in the model's ``[-1, 1]`` space:

- ``"discriminator"``: the trained discriminator's logit (how real it looks);
- ``"nearest"``: distance to the nearest real image of *another* class over the
  distance to the nearest real image of the *target* class (how clearly it
  belongs to its class, a 1-nearest-neighbour margin in pixel space);
- ``"critic"``: the logit of a fresh small CNN (:class:`gansampler.nn.SmallCNN`)
  trained to tell the class's real images from an independent draw of the
  generator. Unlike the GAN's own discriminator, which was trained against
  earlier generators, it judges the final one, as a downstream classifier
  would, and the images it finds most real are kept.

Candidates closer to a training image than ``memorization_threshold`` times the
typical real-to-real nearest-neighbour distance are dropped first (see
:func:`gansampler.metrics.find_memorized`).
"""

import numpy as np
import torch

from .._random import seeded_torch
from ..metrics import nearest_neighbor_ratio
from ..metrics._utils import _distance_chunks
from ..nn import SmallCNN
from ..training import generate

__all__ = ["SELECTIONS", "critic_scores", "draw_selected", "select"]

SELECTIONS = ("discriminator", "nearest", "critic")


def _nearest(A, B):
    out = np.empty(len(A))
    for start, stop, D in _distance_chunks(A, B):
        out[start:stop] = D.min(axis=1)
    return out


def critic_scores(candidates, x_real, x_fake, seed, device, steps=300, batch_size=64):
    """Logit "real" of a SmallCNN trained for ``steps`` balanced batches to tell
    ``x_real`` from ``x_fake`` (model space), evaluated on ``candidates``.

    Weights, batches and dropout draw from ``seed`` under a forked RNG, so the
    global torch state is untouched and a seed gives the same scores on CPU.
    """
    device = torch.device(device)
    real = torch.from_numpy(x_real).to(device)
    fake = torch.from_numpy(x_fake).to(device)
    half = batch_size // 2
    with seeded_torch(seed, device):
        net = SmallCNN(tuple(x_real.shape[1:]), 1).to(device)
        optimizer = torch.optim.Adam(net.parameters(), lr=1e-3)
        target = torch.cat([torch.ones(half), torch.zeros(half)]).to(device)
        for _ in range(steps):
            i = torch.randint(len(real), (half,), device=device)
            j = torch.randint(len(fake), (half,), device=device)
            logits = net(torch.cat([real[i], fake[j]])).squeeze(1)
            loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
    net.eval()
    return _logits(lambda x, _: net(x).squeeze(1), candidates, device=device)


@torch.no_grad()
def _logits(model, candidates, class_index=None, device="cpu", chunk=1024):
    """``model(x, y)`` (in eval mode) over ``candidates`` in chunks, as a float64 array."""
    x = torch.from_numpy(candidates)
    y = None if class_index is None else torch.full((len(x),), class_index)
    return torch.cat([
        model(x[k : k + chunk].to(device), None if y is None else y[k : k + chunk].to(device))
        .double().cpu()
        for k in range(0, len(x), chunk)
    ]).numpy()


def _scores(candidates, criterion, discriminator, x_class, x_other, class_index, critic):
    if criterion == "critic":
        return critic(candidates)
    if criterion == "discriminator":
        discriminator.eval()
        return _logits(discriminator, candidates, class_index)
    flat = candidates.reshape(len(candidates), -1).astype(np.float64)
    d_same = _nearest(flat, x_class.reshape(len(x_class), -1).astype(np.float64))
    d_other = _nearest(flat, x_other.reshape(len(x_other), -1).astype(np.float64))
    return d_other / np.maximum(d_same, 1e-12)


def select(candidates, n_samples, criterion, *, x_class, x_other, discriminator=None,
           class_index=None, critic=None, memorization_threshold=1 / 3):
    """The ``n_samples`` best rows of ``candidates`` (model space), near-copies last.

    ``critic`` is a callable ``candidates -> scores`` for the "critic" criterion
    (see :func:`critic_scores`).

    Returns
    -------
    chosen : ndarray of shape (n_samples, C, H, W)
    """
    scores = _scores(candidates, criterion, discriminator, x_class, x_other, class_index, critic)
    if memorization_threshold:
        ratios = nearest_neighbor_ratio(
            (x_class + 1) / 2, (candidates + 1) / 2, image_shape=None
        )
        scores = np.where(ratios < memorization_threshold, -np.inf, scores)
    order = np.argsort(-scores, kind="stable")[:n_samples]
    return candidates[np.sort(order)]


def draw_selected(generator, n_samples, seed, device, criterion, n_candidates, *, x_class, x_other,
                  discriminator=None, class_index=None):
    """``n_samples`` images of one class (model space): ``n_candidates`` times as
    many drawn from ``generator`` with ``seed``, the best kept by ``criterion``.

    For the "critic" criterion, the critic is trained on a further draw from
    ``seed + 1``, independent of the candidates.
    """
    candidates = np.concatenate(list(generate(generator, int(np.ceil(n_samples * n_candidates)), seed, device)))
    critic = None
    if criterion == "critic":
        n_fake = min(max(len(x_class), 256), 2048)
        x_fake = np.concatenate(list(generate(generator, n_fake, seed + 1, device)))
        critic = lambda c: critic_scores(c, x_real=x_class, x_fake=x_fake, seed=seed, device=device)  # noqa: E731
    return select(candidates, n_samples, criterion, x_class=x_class, x_other=x_other,
                  discriminator=discriminator, class_index=class_index, critic=critic)
