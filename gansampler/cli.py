"""Command line: ``gansampler compare``, ``gansampler demo`` and ``gansampler generate``.

``compare`` answers "does a generative sampler help my classifier, and which
remedy should I use?" on your own images; ``demo`` is a small comparison on
the bundled digits; ``generate`` trains a GAN on one class and writes PNGs.
"""

import argparse
import shlex
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]

#: Exit status for bad input (as argparse uses).
USAGE_ERROR = 2


def _image_size(text):
    """``"128"`` or ``"128x96"`` (height x width)."""
    try:
        sizes = [int(v) for v in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or HxW, got {text!r}") from None
    if len(sizes) not in (1, 2) or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected N or HxW with positive sizes, got {text!r}")
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


def _positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _parse_value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"none": None, "true": True, "false": False}.get(text.lower(), text)


def parse_params(pairs):
    """``["K=V", ...]`` -> ``{K: value}`` (empty items skipped)."""
    return {k: _parse_value(v) for k, v in (p.split("=", 1) for p in pairs if p)}


def parse_variant(spec):
    """``"NAME:K=V;K=V"`` (a ``--variant``) -> ``(NAME, {K: value})``."""
    name, _, params = spec.partition(":")
    return name, parse_params(params.split(";"))


def _load(source, image_size, test_size=0.3, max_minority=None):
    """:func:`load_benchmark_data`, with the mixed-size error naming the flag."""
    from .benchmark import load_benchmark_data
    from .datasets import ImageSizeError

    try:
        return load_benchmark_data(source, image_size=image_size, test_size=test_size, max_minority=max_minority)
    except ImageSizeError as exc:
        raise ImageSizeError(exc.paths, exc.sizes, fix="pass --image-size N (or HxW) to resize them") from None


def _backend(name, scheduler):
    """Register and connect a joblib backend for ``--backend``; returns its name."""
    if name == "dask":
        try:
            from dask.distributed import Client
        except ImportError:
            raise ValueError("--backend dask needs dask.distributed: pip install 'gansampler[cluster]'") from None
        Client(scheduler) if scheduler else Client()  # joblib's "dask" backend uses the current client
    elif name == "ray":
        try:
            import ray
            from ray.util.joblib import register_ray
        except ImportError:
            raise ValueError("--backend ray needs Ray: pip install 'gansampler[ray]'") from None
        ray.init(address=scheduler) if scheduler else ray.init()
        register_ray()
    elif scheduler:
        raise ValueError("--scheduler applies to --backend dask or ray")
    return name


def compare_command(args, argv):
    from .benchmark import compare

    data = _load(args.data, args.image_size, args.test_size, args.max_minority)
    clf_params = {} if args.clf_epochs is None else {"max_epochs": args.clf_epochs}
    variants = dict(map(parse_variant, args.variant))
    command = "gansampler " + " ".join(shlex.quote(a) for a in argv)
    if not args.quiet:
        print(data.describe(), flush=True)
    backend = _backend(args.backend, args.scheduler) if args.backend else None
    result = compare(data, args.out, methods=args.methods, seeds=args.seeds, first_seed=args.first_seed,
                     clf_params=clf_params, gan_params=parse_params(args.gan), variants=variants,
                     quality=args.quality, n_jobs=args.n_jobs, backend=backend, resume=args.resume,
                     force=args.force, verbose=0 if args.quiet else 1, command=command)
    if not args.quiet:
        print("\n" + result.recommendation)
    return result


def demo(out="demo_output", seed=0, max_epochs=None, verbose=1, force=True, seeds=2):
    """A small comparison on the bundled digits: no resampling, random
    oversampling, SMOTE, classic augmentation and the GAN, over ``seeds`` seeds."""
    from .benchmark import compare, load_benchmark_data

    data = load_benchmark_data("digits")
    if verbose:
        print(data.describe(), flush=True)
    gan_params = {} if max_epochs is None else {"max_epochs": max_epochs}
    result = compare(data, out, methods=["none", "random", "smote", "augment", "gan"], seeds=seeds, first_seed=seed,
                     gan_params=gan_params, verbose=verbose, force=force,
                     command=f"gansampler demo --out {out} --seed {seed}")
    if verbose:
        print("\n" + result.recommendation)
    return result


def generate(data, class_name, n, out, split="train", max_epochs=None, seed=None, image_size=None, verbose=1):
    """Train a GAN on one class and write ``n`` synthetic images as PNG files."""
    from . import GANOverSampler
    from .datasets import ImageSizeError, load_image_folder, load_medmnist, save_images

    path = Path(data)
    if path.suffix == ".npz":
        X, y = load_medmnist(path, split=split)
        names = [str(c) for c in np.unique(y)]
    else:
        try:
            X, y, names = load_image_folder(path, image_size=image_size)
        except ImageSizeError as exc:
            raise ImageSizeError(exc.paths, exc.sizes, fix="pass --image-size N (or HxW) to resize them") from None
    if class_name not in names:
        raise ValueError(f"class {class_name!r} not in the data; classes: {names}")
    label = int(class_name) if path.suffix == ".npz" else names.index(class_name)
    count = int(np.sum(y == label))
    params = {} if max_epochs is None else {"max_epochs": max_epochs}
    sampler = GANOverSampler(sampling_strategy={label: count + n}, random_state=seed, verbose=verbose, **params)
    X_res, _ = sampler.fit_resample(X, y)
    paths = save_images(X_res[len(X):], out, prefix=f"synthetic_{class_name}")
    print(f"wrote {len(paths)} images of class {class_name!r} to {out}")
    return paths


def _parser():
    parser = argparse.ArgumentParser(prog="gansampler", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compare", help="which imbalance remedy helps your classifier? (multi-seed, with a report)")
    p.add_argument("data", help="a folder with one sub-folder per class, a MedMNIST-style .npz, or 'digits'")
    p.add_argument("--out", default="compare_output", help="the report folder (default: compare_output)")
    p.add_argument("--methods", nargs="+", default=None,
                   help="methods to run (default: none, threshold on two classes, class_weight, random, smote, "
                        "augment and the generative samplers)")
    p.add_argument("--seeds", type=_positive_int, default=5, help="seeds per method (default: 5)")
    p.add_argument("--first-seed", type=int, default=0)
    p.add_argument("--clf-epochs", type=_positive_int, default=None, help="CNNClassifier epochs (default: 10)")
    p.add_argument("--image-size", type=_image_size, default=None, metavar="N|HxW",
                   help="resize a folder's images (needed when they differ in size)")
    p.add_argument("--test-size", type=float, default=0.3,
                   help="stratified hold-out where the data has no test split (default: 0.3)")
    p.add_argument("--max-minority", type=_positive_int, default=None, metavar="N",
                   help="keep N training images of the smallest class (one fixed draw)")
    p.add_argument("--n-jobs", type=int, default=None, help="runs in parallel (joblib)")
    p.add_argument("--backend", choices=["loky", "threading", "dask", "ray"], default=None,
                   help="joblib backend for the runs (dask and ray: an existing cluster, see --scheduler)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --backend dask: the scheduler's address (tcp://host:8786); ray: the cluster's")
    p.add_argument("--no-quality", dest="quality", action="store_false",
                   help="skip the synthetic-image metrics (FID, PRDC, memorization, C2ST)")
    p.add_argument("--gan", action="append", default=[], metavar="KEY=VALUE",
                   help="a GANOverSampler parameter for every GAN method")
    p.add_argument("--variant", action="append", default=[], metavar="NAME:K=V;K=V",
                   help="an extra GAN method with these parameters")
    p.add_argument("--resume", action="store_true", help="continue an interrupted comparison in --out")
    p.add_argument("--force", action="store_true", help="start over in an --out that holds other files")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-run lines")

    p = sub.add_parser("demo", help="a small comparison on the bundled digits (about a minute)")
    p.add_argument("--out", default="demo_output", help="the report folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-epochs", type=_positive_int, default=None, help="GAN epochs (default: the sampler's)")

    p = sub.add_parser("generate", help="train on one class and write synthetic PNGs")
    p.add_argument("--data", required=True, help="image folder (one sub-folder per class) or MedMNIST .npz")
    p.add_argument("--class", dest="class_name", required=True, help="class folder name, or label for .npz")
    p.add_argument("--n", type=_positive_int, required=True, help="number of images to write")
    p.add_argument("--out", required=True)
    p.add_argument("--split", default="train", help=".npz split (train, val, test)")
    p.add_argument("--image-size", type=_image_size, default=None, metavar="N|HxW",
                   help="resize a folder's images (needed when they differ in size)")
    p.add_argument("--max-epochs", type=_positive_int, default=None)
    p.add_argument("--seed", type=int, default=None)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    start = time.perf_counter()
    try:
        if args.command == "compare":
            compare_command(args, argv)
        elif args.command == "demo":
            demo(args.out, args.seed, args.max_epochs)
        else:
            generate(args.data, args.class_name, args.n, args.out, args.split, args.max_epochs, args.seed,
                     args.image_size)
    except (ValueError, TypeError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"gansampler {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except KeyboardInterrupt:
        return 130
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0
