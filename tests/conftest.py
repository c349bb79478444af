import os
from pathlib import Path

import numpy as np
import pytest
import torch

# The suite must fit in ~10 minutes on 2 cores: keep torch from oversubscribing.
torch.set_num_threads(min(2, os.cpu_count() or 1))

PNEUMONIA = Path(__file__).resolve().parents[2] / "shared" / "data" / "pneumoniamnist.npz"


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: real training runs, deselected by default")


@pytest.fixture(scope="session")
def pneumonia_path():
    if not PNEUMONIA.exists():
        pytest.skip(f"{PNEUMONIA} is not present")
    return PNEUMONIA


@pytest.fixture(scope="module")
def tiny_images():
    """60 uint8 8x8 gray images, classes 0 (40) and 1 (20)."""
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    y = np.array([0] * 40 + [1] * 20)
    return X, y
