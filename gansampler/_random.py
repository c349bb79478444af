"""Random state handling that never touches global RNG state."""

import contextlib
import threading

import numpy as np
import torch
from sklearn.utils import check_random_state as _sklearn_check_random_state

__all__ = ["check_random_state", "draw_seed", "seeded_torch"]

# torch's default generators are process-wide: code seeded through them in two
# threads at once (joblib's threading backend, an in-process dask cluster) would
# draw from each other's stream, and one thread's fork_rng restore would rewind
# the other's. Everything that seeds them takes turns on this lock.
_TORCH_RNG_LOCK = threading.RLock()


def check_random_state(seed):
    """Like scikit-learn's, but ``None`` gives a fresh OS-seeded RandomState.

    scikit-learn returns numpy's global RandomState for ``None``, so drawing from
    it would change global state; gansampler promises never to.
    """
    if seed is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return _sklearn_check_random_state(seed)


#: Seeds drawn for each consumer lie in ``[0, SEED_BOUND)``: every library takes them.
SEED_BOUND = np.iinfo(np.int32).max


def draw_seed(random_state, size=None):
    """An integer seed (or an array of ``size`` seeds) drawn from ``random_state``
    (anything :func:`check_random_state` takes), for one consumer each."""
    seeds = check_random_state(random_state).randint(SEED_BOUND, size=size)
    return int(seeds) if size is None else seeds


@contextlib.contextmanager
def seeded_torch(seed=None, device=None):
    """Run the body with torch's default generators seeded from ``seed``, and
    restore them afterwards, holding the lock that other threads seeding them wait on.

    For code that cannot take a ``torch.Generator`` (``nn.init``, dropout,
    skorch's data loaders). ``seed=None`` only forks: the body may draw from the
    generators without changing them for the caller. ``device`` adds its CUDA
    generator to the fork when it is a CUDA device.
    """
    devices = [device] if device is not None and torch.device(device).type == "cuda" else []
    with _TORCH_RNG_LOCK, torch.random.fork_rng(devices=devices):
        if seed is not None:
            torch.manual_seed(int(seed))
        yield
