"""Random state handling that never touches global RNG state."""

import numpy as np
from sklearn.utils import check_random_state as _sklearn_check_random_state

__all__ = ["check_random_state"]


def check_random_state(seed):
    """Like scikit-learn's, but ``None`` gives a fresh OS-seeded RandomState.

    scikit-learn returns numpy's global RandomState for ``None``, so drawing from
    it would change global state; gansampler promises never to.
    """
    if seed is None:
        return np.random.RandomState(np.random.SeedSequence().generate_state(1)[0])
    return _sklearn_check_random_state(seed)
