"""Command line: ``gansampler demo`` and ``gansampler generate``."""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from imblearn.over_sampling import SMOTE
from sklearn.model_selection import train_test_split

from . import CNNClassifier, GANOverSampler
from .datasets import load_digits_imbalanced, load_image_folder, load_medmnist, save_images
from .evaluation import evaluate_pipeline
from .plotting import image_grid

__all__ = ["main"]

_COLUMNS = ("balanced_accuracy", "macro_f1", "gmean", "minority_recall")


def _table(rows):
    header = f"{'method':<14}" + "".join(f"{c:>18}" for c in _COLUMNS) + f"{'time (s)':>10}"
    lines = [header, "-" * len(header)]
    for name, scores in rows:
        seconds = scores["resample_seconds"] + scores["fit_seconds"]
        lines.append(
            f"{name:<14}" + "".join(f"{scores[c]:>18.3f}" for c in _COLUMNS) + f"{seconds:>10.1f}"
        )
    return "\n".join(lines)


def demo(out="demo_output", seed=0, max_epochs=None, verbose=1):
    """No resampling vs SMOTE vs GANOverSampler on imbalanced digits."""
    X, y = load_digits_imbalanced(imbalance="moderate", random_state=seed)
    X = X.reshape(len(X), -1)  # flat rows, so SMOTE sees the same data
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=seed
    )
    print(
        f"digits made imbalanced: train counts per class {np.bincount(y_train).tolist()}, "
        f"test {len(y_test)} images",
        flush=True,
    )
    gan_params = {} if max_epochs is None else {"max_epochs": max_epochs}
    methods = {
        "none": None,
        "SMOTE": SMOTE(random_state=seed),
        "GANOverSampler": GANOverSampler(
            image_shape=(1, 8, 8), random_state=seed, verbose=verbose, **gan_params
        ),
    }
    classifier = CNNClassifier(image_shape=(1, 8, 8), random_state=seed)
    rows, fitted = [], {}
    for i, (name, sampler) in enumerate(methods.items(), 1):
        print(f"[{i}/{len(methods)}] {name}: resampling and training the CNN ...", flush=True)
        scores, pipeline = evaluate_pipeline(sampler, classifier, X_train, y_train, X_test, y_test)
        rows.append((name, scores))
        fitted[name] = pipeline
    print()
    print(_table(rows))
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sampler = fitted["GANOverSampler"].named_steps["sampler"]
    grid_rows, labels = [], []
    for label in sorted(sampler.generators_):
        grid_rows += [X_train[y_train == label], sampler.sample(8, label, random_state=seed)]
        labels += [f"real {label}", f"GAN {label}"]
    path = out / "digits_real_vs_synthetic.png"
    image_grid(grid_rows, labels, image_shape=(8, 8)).save(path)
    print(f"\nwrote {path}")
    return rows


def _load(data, split):
    path = Path(data)
    if path.suffix == ".npz":
        X, y = load_medmnist(path, split=split)
        return X, y, [str(c) for c in np.unique(y)]
    return load_image_folder(path)


def generate(data, class_name, n, out, split="train", max_epochs=None, seed=None, verbose=1):
    """Train a GAN on one class and write ``n`` synthetic images as PNG files."""
    X, y, names = _load(data, split)
    if class_name not in names:
        raise ValueError(f"class {class_name!r} not in the data; classes: {names}")
    label = names.index(class_name) if not Path(data).suffix == ".npz" else int(class_name)
    count = int(np.sum(y == label))
    params = {} if max_epochs is None else {"max_epochs": max_epochs}
    sampler = GANOverSampler(
        sampling_strategy={label: count + n}, random_state=seed, verbose=verbose, **params
    )
    X_res, _ = sampler.fit_resample(X, y)
    paths = save_images(X_res[len(X):], out, prefix=f"synthetic_{class_name}")
    print(f"wrote {len(paths)} images of class {class_name!r} to {out}")
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gansampler", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p_demo = sub.add_parser("demo", help="no resampling vs SMOTE vs GAN on imbalanced digits")
    p_demo.add_argument("--out", default="demo_output", help="folder for the PNG grid")
    p_demo.add_argument("--seed", type=int, default=0)
    p_demo.add_argument("--max-epochs", type=int, default=None, help="GAN epochs (default: the sampler's)")
    p_gen = sub.add_parser("generate", help="train on one class and write synthetic PNGs")
    p_gen.add_argument("--data", required=True, help="image folder (one sub-folder per class) or MedMNIST .npz")
    p_gen.add_argument("--class", dest="class_name", required=True, help="class folder name, or label for .npz")
    p_gen.add_argument("--n", type=int, required=True, help="number of images to write")
    p_gen.add_argument("--out", required=True)
    p_gen.add_argument("--split", default="train", help=".npz split (train, val, test)")
    p_gen.add_argument("--max-epochs", type=int, default=None)
    p_gen.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "demo":
            demo(args.out, args.seed, args.max_epochs)
        else:
            if args.n < 1:
                parser.error("--n must be a positive integer")
            generate(args.data, args.class_name, args.n, args.out, args.split, args.max_epochs, args.seed)
    except (ValueError, TypeError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"gansampler {args.command}: error: {exc}", file=sys.stderr)
        return 2
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0
