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

__all__ = ["add_compare_arguments", "add_data_arguments", "data_options", "main"]

#: Exit status for bad input (as argparse uses).
USAGE_ERROR = 2


def parse_image_size(text):
    """``"128"`` or ``"128x96"`` (height x width)."""
    try:
        sizes = [int(v) for v in text.lower().split("x")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected N or HxW, got {text!r}") from None
    if len(sizes) not in (1, 2) or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"expected N or HxW with positive sizes, got {text!r}")
    return sizes[0] if len(sizes) == 1 else tuple(sizes)


def positive_int(text):
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


def add_data_arguments(parser):
    """Add the flags that say how a folder's or CSV file's images are read:
    ``--grayscale``/``--color``, ``--path-column``, ``--label-column``,
    ``--multi-label``. :func:`data_options` turns them into loader keywords."""
    from .datasets._csv import MULTI_LABEL_CHOICES

    group = parser.add_argument_group("reading a folder or CSV file")
    channels = group.add_mutually_exclusive_group()
    channels.add_argument("--grayscale", dest="grayscale", action="store_const", const=True, default=None,
                          help="read every image as gray (default: gray unless some image has colour; an RGB "
                               "file with equal channels counts as gray)")
    channels.add_argument("--color", dest="grayscale", action="store_const", const=False,
                          help="read every image as RGB, gray ones repeated over three channels")
    group.add_argument("--path-column", default="path", metavar="NAME",
                       help="DATA as a CSV file: the column of image paths, relative to the CSV's folder "
                            "(default: path; NIH ChestX-ray14: 'Image Index')")
    group.add_argument("--label-column", default="label", metavar="NAME",
                       help="DATA as a CSV file: the column of class names (default: label; NIH ChestX-ray14: "
                            "'Finding Labels')")
    group.add_argument("--multi-label", choices=MULTI_LABEL_CHOICES, default="error",
                       help="DATA as a CSV file: a row with several labels ('Effusion|Infiltration') is an error "
                            "(default), keeps its first label, or is dropped; multi-label classification is out "
                            "of scope")


def add_compare_arguments(parser):
    """Add the flags that say what a comparison runs: ``--methods``, ``--seeds``,
    ``--first-seed``, ``--clf-epochs``, ``--image-size``, ``--max-minority``,
    ``--no-quality``, ``--gan``, ``--variant`` and how images are read (see
    :func:`add_data_arguments`). ``gansampler compare`` and
    ``benchmarks/run.py`` both take them from here."""
    from .benchmark import DEFAULT_METHODS, METHODS, RECIPE_SYNTAX

    names = "; ".join(f"{name}: {m.description}" for name, m in METHODS.items())
    parser.add_argument("--methods", nargs="+", default=None, metavar="METHOD",
                        help=f"methods to run (default: {' '.join(DEFAULT_METHODS)}; threshold on two classes "
                             f"only). {names}. Each can run as {RECIPE_SYNTAX}")
    parser.add_argument("--seeds", type=positive_int, default=5, help="seeds per method (default: 5)")
    parser.add_argument("--first-seed", type=int, default=0, help="the first seed (default: 0)")
    parser.add_argument("--clf-epochs", type=positive_int, default=None, help="CNNClassifier epochs (default: 10)")
    parser.add_argument("--image-size", type=parse_image_size, default=None, metavar="N|HxW",
                        help="resize a folder's images (needed when they differ in size)")
    parser.add_argument("--max-minority", type=positive_int, default=None, metavar="N",
                        help="keep N training images of the smallest class (the lowest label on ties): one fixed "
                             "draw, the same for every seed and method; the test data is unchanged")
    parser.add_argument("--no-quality", dest="quality", action="store_false",
                        help="skip the synthetic-image metrics (FID, PRDC, memorization, C2ST)")
    parser.add_argument("--gan", action="append", default=[], metavar="KEY=VALUE",
                        help="a GANOverSampler parameter for every GAN method")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:K=V;K=V",
                        help="an extra GAN method with these parameters")
    add_data_arguments(parser)


def data_options(args, source):
    """The loader keywords :func:`add_data_arguments`'s flags give for ``source``:
    ``grayscale`` when forced, and the CSV columns for a ``.csv`` file."""
    options = {} if args.grayscale is None else {"grayscale": args.grayscale}
    if Path(str(source)).suffix.lower() == ".csv":
        options.update(path_column=args.path_column, label_column=args.label_column, multi_label=args.multi_label)
    return options


def _load(source, image_size, test_size=0.3, max_minority=None, read_options=None):
    """:func:`load_benchmark_data`, with the mixed-size error naming the flag."""
    from .benchmark import load_benchmark_data
    from .datasets import ImageSizeError

    try:
        return load_benchmark_data(source, image_size=image_size, test_size=test_size, max_minority=max_minority,
                                   **(read_options or {}))
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

    data = _load(args.data, args.image_size, args.test_size, args.max_minority, data_options(args, args.data))
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


def demo(out="demo_output", seed=0, max_epochs=None, verbose=1, force=True, seeds=2, n_jobs=2):
    """A small comparison on the bundled digits: no resampling, random
    oversampling, SMOTE, classic augmentation and the generative samplers,
    over ``seeds`` seeds."""
    from .benchmark import compare, load_benchmark_data

    data = load_benchmark_data("digits")
    if verbose:
        print(data.describe(), flush=True)
    gan_params = {} if max_epochs is None else {"max_epochs": max_epochs}
    from .benchmark import GENERATIVE

    # two workers: these small networks keep two cores busier in two processes than in one
    result = compare(data, out, methods=["none", "random", "smote", "augment", *GENERATIVE], seeds=seeds,
                     first_seed=seed, n_jobs=n_jobs,
                     gan_params=gan_params, verbose=verbose, force=force,
                     command=f"gansampler demo --out {out} --seed {seed}")
    if verbose:
        print("\n" + result.recommendation)
    return result


def _generate_data(path, split, image_size, read_options, verbose):
    """Images, labels and class names for ``generate`` from an ``.npz``, a folder or a CSV file."""
    from .datasets import ImageSizeError, load_image_csv, load_image_folder, load_medmnist

    if path.suffix == ".npz":
        if read_options:
            raise ValueError(f"{sorted(read_options)} apply to image folders and CSV files; .npz files are read "
                             "as they are")
        X, y = load_medmnist(path, split=split)
        return X, y, [str(c) for c in np.unique(y)]
    load = load_image_csv if path.suffix.lower() == ".csv" else load_image_folder
    try:
        X, y, names, notes = load(path, image_size, return_notes=True, **(read_options or {}))
    except ImageSizeError as exc:
        raise ImageSizeError(exc.paths, exc.sizes, fix="pass --image-size N (or HxW) to resize them") from None
    if verbose:
        print(f"{len(X)} images of {'x'.join(map(str, X.shape[1:]))}" + "".join(f"; {n}" for n in notes), flush=True)
    return X, y, names


def _measure(real, fake, verbose):
    """quality.json's metrics, each phase announced and timed at ``verbose``."""
    from .metrics import c2st_score, quality_report

    say = print if verbose else (lambda *args, **kwargs: None)
    start = time.perf_counter()
    say(f"quality: pixel FID, precision/recall, SSIM and memorization of {len(fake)} synthetic against "
        f"{len(real)} real images ...", flush=True)
    quality = quality_report(real, fake, random_state=0)
    middle = time.perf_counter()
    say(f"quality: {middle - start:.1f} s; C2ST (trains a classifier to tell them apart) ...", flush=True)
    quality["c2st"] = c2st_score(real, fake, random_state=0)
    say(f"quality: C2ST {time.perf_counter() - middle:.1f} s", flush=True)
    return quality


def generate(data, class_name, n, out, split="train", max_epochs=None, seed=None, image_size=None, verbose=1,
             sample_check="raise", method="gan", read_options=None, quality=True):
    """Train a generative sampler (``method``: "gan", "gan-ae", "vae",
    "latent-smote" or "diffusion") and write ``n`` synthetic images of one class as PNG
    files, with ``real_vs_synthetic.png`` and ``quality.json`` beside them.
    ``read_options`` go to the folder or CSV loader (``grayscale``, CSV
    columns); ``quality=False`` leaves the metrics out of ``quality.json``."""
    import json

    from . import DiffusionOverSampler, GANOverSampler, LatentSMOTE, VAEOverSampler
    from .datasets import save_images
    from .plotting import image_grid

    path = Path(data)
    X, y, names = _generate_data(path, split, image_size, read_options, verbose)
    if class_name not in names:
        raise ValueError(f"class {class_name!r} not in the data; classes: {names}")
    label = int(class_name) if path.suffix == ".npz" else names.index(class_name)
    count = int(np.sum(y == label))
    if method == "diffusion" and max_epochs is not None:
        raise ValueError("--max-epochs does not apply to --method diffusion, which trains for a number of "
                         "optimizer steps (DiffusionOverSampler's max_steps)")
    params = {} if max_epochs is None else {"max_epochs": max_epochs}
    if method in ("gan", "gan-ae", "diffusion"):
        params["sample_check"] = sample_check
    if method in ("gan", "gan-ae"):
        params.update(init="autoencoder" if method == "gan-ae" else "random")
    samplers = {"gan": GANOverSampler, "gan-ae": GANOverSampler, "vae": VAEOverSampler, "latent-smote": LatentSMOTE,
                "diffusion": DiffusionOverSampler}
    sampler = samplers[method](sampling_strategy={label: count + n}, random_state=seed, verbose=verbose, **params)
    start = time.perf_counter()
    X_res, _ = sampler.fit_resample(X, y)
    if verbose:
        print(f"trained in {time.perf_counter() - start:.1f} s", flush=True)
    real, fake = X[y == label], X_res[len(X):]
    paths = save_images(fake, out, prefix=f"synthetic_{class_name}")
    rows = [real[:8], fake[:8], fake[8:16]][: 2 + (len(fake) > 8)]
    image_grid(rows, [f"real {class_name}"[:16], "synthetic", "synthetic"]).save(Path(out) / "real_vs_synthetic.png")
    checks = getattr(sampler, "sample_checks_", {})  # a GAN's per class, a diffusion model's for every class
    report = {"class": class_name, "method": method, "real_images": int(len(real)),
              "synthetic_images": int(len(fake)), "sample_check": checks.get(label, checks.get("every class"))}
    if quality and min(len(real), len(fake)) > 5:  # pixel-space figures and a classifier two-sample test
        report.update(_measure(real, fake, verbose))
    (Path(out) / "quality.json").write_text(json.dumps(report, indent=1, default=float))
    print(f"wrote {len(paths)} images of class {class_name!r}, real_vs_synthetic.png and quality.json to {out}")
    if "c2st" in report:
        print(f"C2ST {report['c2st']:.2f} (0.5: a classifier cannot tell them from real; near 1: it can), "
              f"memorized {report['memorized_fraction']:.2f}")
    return paths


def _parser():
    parser = argparse.ArgumentParser(prog="gansampler", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("compare", help="which imbalance remedy helps your classifier? (multi-seed, with a report)")
    p.add_argument("data", help="a folder with one sub-folder per class, a CSV file of image paths and labels, a "
                                "MedMNIST-style .npz, or 'digits'")
    p.add_argument("--out", default="compare_output", help="the report folder (default: compare_output)")
    add_compare_arguments(p)
    p.add_argument("--test-size", type=float, default=0.3,
                   help="stratified hold-out where the data has no test split (default: 0.3)")
    p.add_argument("--n-jobs", type=int, default=None, help="runs in parallel (joblib)")
    p.add_argument("--backend", choices=["loky", "threading", "dask", "ray"], default=None,
                   help="joblib backend for the runs (dask and ray: an existing cluster, see --scheduler)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="with --backend dask: the scheduler's address (tcp://host:8786); ray: the cluster's")
    p.add_argument("--resume", action="store_true", help="continue an interrupted comparison in --out")
    p.add_argument("--force", action="store_true", help="start over in an --out that holds other files")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-run lines")

    p = sub.add_parser("demo", help="a small comparison on the bundled digits (about a minute)")
    p.add_argument("--out", default="demo_output", help="the report folder")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-epochs", type=positive_int, default=None, help="GAN epochs (default: the sampler's)")

    p = sub.add_parser("generate", help="train a generative sampler and write synthetic PNGs of one class")
    p.add_argument("--data", required=True,
                   help="image folder (one sub-folder per class), CSV file of image paths and labels, or MedMNIST .npz")
    p.add_argument("--class", dest="class_name", required=True, help="class folder name, or label for .npz")
    p.add_argument("--n", type=positive_int, required=True, help="number of images to write")
    p.add_argument("--out", required=True)
    p.add_argument("--split", default="train", help=".npz split (train, val, test)")
    p.add_argument("--image-size", type=parse_image_size, default=None, metavar="N|HxW",
                   help="resize a folder's images (needed when they differ in size)")
    p.add_argument("--max-epochs", type=positive_int, default=None)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--method", choices=["gan", "gan-ae", "vae", "latent-smote", "diffusion"], default="gan",
                   help="the sampler: a GAN (default), a GAN started from an autoencoder, a conditional VAE, "
                        "SMOTE in an autoencoder's latent space, or a conditional diffusion model (the diffusion "
                        "extra)")
    p.add_argument("--sample-check", choices=["raise", "warn", "off"], default="raise",
                   help="what unusable images (noise, collapse, no layout, off statistics) do: raise "
                        "(default: exit 1), warn, or off (no check)")
    p.add_argument("--no-quality", dest="quality", action="store_false",
                   help="skip quality.json's metrics (pixel FID, precision/recall, SSIM, memorization, C2ST)")
    add_data_arguments(p)
    return parser


def main(argv=None):
    from .exceptions import GANTrainingError

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
                     args.image_size, sample_check=None if args.sample_check == "off" else args.sample_check,
                     method=args.method, read_options=data_options(args, args.data), quality=args.quality)
    except (ValueError, TypeError, FileNotFoundError, NotADirectoryError) as exc:
        print(f"gansampler {args.command}: error: {exc}", file=sys.stderr)
        return USAGE_ERROR
    except GANTrainingError as exc:
        print(f"gansampler {args.command}: training failed: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    print(f"done in {time.perf_counter() - start:.0f} s")
    return 0
