"""The epoch loop every trainer shares (the GAN's and the autoencoder's).

:class:`EpochTrainer` owns what does not depend on the model: a seeded
``torch.Generator`` on the device, shuffled batches that wrap round so that
small classes still get ``min_steps`` steps an epoch, metrics read back once
per epoch, a non-finite loss raised as :class:`GANTrainingError`, per-epoch
callbacks, and early stopping on a score with the best state kept.
Subclasses say what one epoch does (:meth:`run_epoch`), which score to stop on
(:meth:`score`), and which state to keep (:meth:`best_state_module`).
"""

import contextlib
import copy
import math
import time

import torch

from ..exceptions import GANTrainingError

__all__ = ["EpochTrainer"]


class EpochTrainer:
    """Base of the trainers.

    Parameters
    ----------
    metric_names : tuple of str
        What :meth:`run_epoch`'s tensor holds, in order.
    batch_size : int
    min_steps : int
        Fewest steps per epoch.
    device : str or torch.device
    seed : int
        Seeds the trainer's own ``torch.Generator``; global RNG is never used.
    early_stopping : int or None
        Early stopping: stop when :meth:`score` has not improved by 1% for this
        many epochs, and restore the best epoch's state.
    callbacks : sequence of callable
        Each is called as ``cb(epoch, metrics)`` after every epoch.
    precision : {"fp32", "bf16"}, default="fp32"
        "bf16" runs forward passes under bf16 autocast (:meth:`autocast`);
        weights, optimizer state and losses stay fp32.
    """

    def __init__(self, metric_names, *, batch_size, min_steps=1, device="cpu", seed=0, early_stopping=None,
                 callbacks=(), precision="fp32"):
        if precision not in ("fp32", "bf16"):
            raise ValueError(f"precision must be 'fp32' or 'bf16', got {precision!r}")
        self.precision = precision
        self.metric_names = tuple(metric_names)
        self.batch_size = batch_size
        self.min_steps = min_steps
        self.device = torch.device(device)
        self.seed = int(seed)
        self.rng = torch.Generator(device=self.device).manual_seed(self.seed)
        self.early_stopping = early_stopping
        self.callbacks = list(callbacks)

    # -- what subclasses provide ---------------------------------------------------
    def run_epoch(self, x, y):
        """One pass over ``x``: the epoch's mean metrics as a tensor."""
        raise NotImplementedError

    def prepare(self, x, y):
        """``x, y`` where the epochs will read them (moved once to the device)."""
        return x.to(self.device), (None if y is None else y.to(self.device))

    def score(self, metrics):
        """The value early stopping minimises (recorded in ``metrics`` when it is
        computed), or None where there is none this epoch."""
        return None

    def best_state_module(self):
        """The module whose state early stopping keeps."""
        raise NotImplementedError

    # -- shared ------------------------------------------------------------------
    def autocast(self, cache_enabled=True):
        """bf16 autocast for the forward passes when ``precision="bf16"``."""
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=torch.bfloat16, cache_enabled=cache_enabled)

    def batches(self, x, y, per_step=1):
        """Shuffled batches; small sets wrap round fresh permutations so that an
        epoch has at least ``min_steps * per_step`` batches."""
        n = x.shape[0]
        size = min(self.batch_size, n)
        n_batches = max(n // size, self.min_steps * per_step)
        n_perms = -(-n_batches * size // n)
        order = torch.cat([torch.randperm(n, device=self.device, generator=self.rng) for _ in range(n_perms)])
        for i in range(n_batches):
            idx = order[i * size : (i + 1) * size]
            yield x[idx], (None if y is None else y[idx])

    def fit(self, x, y=None, max_epochs=1):
        """Train for up to ``max_epochs`` passes over ``x``; returns the history,
        one dict of metrics per epoch (with ``epoch`` and ``seconds``).

        Raises
        ------
        GANTrainingError
            When a loss becomes NaN or infinite (``epoch`` and ``metrics`` say
            where).
        """
        x, y = self.prepare(x, y)
        history, best, best_state, waited = [], math.inf, None, 0
        for epoch in range(1, max_epochs + 1):
            start = time.perf_counter()
            values = self.run_epoch(x, y).tolist()
            metrics = {**dict(zip(self.metric_names, values)), "epoch": epoch}
            if not all(math.isfinite(v) for v in values):
                raise GANTrainingError(f"non-finite loss at epoch {epoch}: {metrics}", epoch=epoch, metrics=metrics)
            score = self.score(metrics)
            metrics["seconds"] = time.perf_counter() - start
            history.append(metrics)
            for callback in self.callbacks:
                callback(epoch, metrics)
            if score is None or self.early_stopping is None:
                continue
            if score < 0.99 * best:
                best, waited = score, 0
                best_state = copy.deepcopy(self.best_state_module().state_dict())
            else:
                waited += 1
                if waited >= self.early_stopping:
                    break
        if best_state is not None:
            self.best_state_module().load_state_dict(best_state)
        return history
