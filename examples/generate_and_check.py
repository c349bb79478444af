"""Fit a GAN on one class, check the synthetic images, save and reload the sampler.

    python examples/generate_and_check.py [path/to/pneumoniamnist.npz]

Without a path it uses the bundled digits (class 9 vs the rest). The checks are
offline: features come from a CNNClassifier fitted on the real data, not from a
downloaded network.
"""

import sys
import tempfile
from pathlib import Path

import numpy as np

from gansampler import CNNClassifier, GANOverSampler
from gansampler.datasets import load_digits_imbalanced, load_medmnist
from gansampler.metrics import find_memorized, quality_report


def main(path=None, max_epochs=30, sample_check="raise"):
    """``sample_check=None`` lets tests run with a single, unusable epoch."""
    if path:
        X, y = load_medmnist(path, split="train")          # (n, C, H, W) uint8
    else:
        X, y = load_digits_imbalanced(imbalance="moderate", random_state=0)
        y = (y == 9).astype(int)                           # 1: the rare class
    minority = int(np.argmin(np.bincount(y)))
    print("class counts", np.bincount(y).tolist(), "minority class", minority)

    sampler = GANOverSampler(max_epochs=max_epochs, random_state=0, verbose=1, sample_check=sample_check)
    X_res, y_res = sampler.fit_resample(X, y)              # originals first, then synthetic
    print("resampled counts", np.bincount(y_res).tolist(), X_res.dtype, X_res.shape[1:])

    real, fake = X[y == minority], X_res[len(X):]
    features = CNNClassifier(max_epochs=5, random_state=0).fit(X, y)   # a domain feature space
    report = quality_report(real, fake, features, random_state=0)
    for key in ("fid", "precision", "recall", "coverage", "ssim_fake", "ssim_real", "memorized_fraction"):
        print(f"  {key:<20} {report[key]:.3f}")
    print("  near-copies of training images:", len(find_memorized(real, fake)))

    with tempfile.TemporaryDirectory() as tmp:               # no pickle: safetensors + JSON
        file = Path(tmp) / "sampler.safetensors"
        sampler.save(file)
        loaded = GANOverSampler.load(file, device="cpu")
        same = np.array_equal(loaded.sample(16, minority, random_state=0),
                              sampler.sample(16, minority, random_state=0))
        print("reloaded sampler draws the same images for a seed:", same)
    return report


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
