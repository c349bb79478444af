"""Does the GAN help? Methods x datasets x seeds through one pipeline, on real data.

A thin caller of :mod:`gansampler.benchmark` (what ``gansampler compare`` runs)
for several data sets at once, with the repository's data: every method is
``Pipeline([("sampler", ...), ("clf", CNNClassifier(...))])`` with the same
classifier settings and seed (``threshold``, on binary data, wraps the
classifier in scikit-learn's ``TunedThresholdClassifierCV``); samplers see the
training data only; scoring uses the official test split (MedMNIST) or one
fixed stratified 70/30 split (digits and image folders without a test split).

Examples
--------
python benchmarks/run.py --quick --out /tmp/bench          # ~15 s smoke run
python benchmarks/run.py --out benchmark_results            # digits + PneumoniaMNIST, 5 seeds
python benchmarks/run.py --datasets path/to/dermamnist.npz --seeds 3
python benchmarks/run.py --variant gan-da:diff_augment=translation,cutout;ema=0.999
python benchmarks/run.py --datasets pneumonia --max-minority 100   # 100 normal training images
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from gansampler.benchmark import (
    METHODS,
    Settings,
    available_methods,
    check_methods,
    load_benchmark_data,
    quality_table,
    read_rows,
    render_markdown,
    run_many,
    save_grid,
    score_table,
)
from gansampler.cli import add_compare_arguments, data_options, parse_params, parse_variant

ROOT = Path(__file__).resolve().parents[1]
PNEUMONIA = ROOT.parent / "shared" / "data" / "pneumoniamnist.npz"


def summarize(rows):
    """Markdown: the scores table per data set, then the synthetic images' metrics."""
    blocks = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        n_seeds = len({r["seed"] for r in rows if r["dataset"] == dataset})
        blocks += [("h2", f"{dataset} ({n_seeds} seeds)"), ("table", score_table(rows, dataset))]
        header, body = quality_table(rows, dataset)
        if body:
            blocks += [("h2", f"{dataset}: synthetic images vs the real training images of their class"),
                       ("p", "FID, precision/recall/density/coverage in the features of a CNNClassifier fitted "
                             "on the real training data; memorized = fraction of near-copies of training images; "
                             "C2ST = held-out accuracy of a CNN telling real from synthetic (0.5 = "
                             "indistinguishable)."),
                       ("table", (header, body))]
    return render_markdown(blocks, relative_to=Path("."))


def plot(rows, histories, out):
    """Metric bars with 95% CI, GAN loss curves and confusion matrices (matplotlib,
    from the ``benchmark`` extra; skipped with a note when it is not installed)."""
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install 'gansampler[benchmark]'): "
              "skipping metric, loss and confusion plots", flush=True)
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if "error" not in r]  # failed runs have no scores
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    fig, axes = plt.subplots(1, len(datasets), figsize=(6 * len(datasets), 4), squeeze=False)
    for ax, dataset in zip(axes[0], datasets):
        subset = [r for r in rows if r["dataset"] == dataset]
        methods = list(dict.fromkeys(r["method"] for r in subset))
        values = [[r["balanced_accuracy"] for r in subset if r["method"] == m] for m in methods]
        means = [np.mean(v) for v in values]
        errors = [1.96 * np.std(v, ddof=1) / np.sqrt(len(v)) if len(v) > 1 else 0 for v in values]
        ax.bar(methods, means, yerr=errors, capsize=4, color="#4c72b0")
        ax.set_ylim(max(0, min(means) - 0.15), 1)
        ax.set_title(f"{dataset}: balanced accuracy (mean ± 95% CI)")
        ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(out / "balanced_accuracy.png", dpi=100)
    plt.close(fig)

    for (dataset, method), history in histories.items():
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for label, epochs in history.items():  # a GAN's D and G losses, an autoencoder's loss
            for key in (k for k in epochs[0] if k.endswith("loss")):
                ax.plot([e[key] for e in epochs], label=f"{key}, {label}")
        ax.set_xlabel("epoch")
        ax.set_title(f"{dataset} / {method}: training losses (first seed)")
        ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        fig.savefig(out / f"losses_{dataset}_{method}.png", dpi=100)
        plt.close(fig)

    for dataset in datasets:
        subset = [r for r in rows if r["dataset"] == dataset]
        methods = list(dict.fromkeys(r["method"] for r in subset))
        fig, axes = plt.subplots(1, len(methods), figsize=(2.6 * len(methods), 2.8), squeeze=False)
        for ax, m in zip(axes[0], methods):
            matrix = np.sum([r["confusion_matrix"] for r in subset if r["method"] == m], axis=0)
            ax.imshow(matrix, cmap="Blues")
            ax.set_title(m, fontsize=8)
            ax.set_xlabel("predicted", fontsize=7)
            ax.set_ylabel("true", fontsize=7)
            if len(matrix) <= 4:
                for (i, j), v in np.ndenumerate(matrix):
                    ax.text(j, i, int(v), ha="center", va="center", fontsize=7)
        fig.suptitle(f"{dataset}: confusion matrices summed over seeds", fontsize=9)
        fig.tight_layout()
        fig.savefig(out / f"confusion_{dataset}.png", dpi=100)
        plt.close(fig)


def load(dataset, max_minority, image_size=None, read_options=None):
    """The data set, or a reason to skip it."""
    if dataset == "pneumonia" or dataset.endswith(".npz"):
        path = PNEUMONIA if dataset == "pneumonia" else Path(dataset)
        if not path.exists():
            return None, "file not found"
        name = "pneumonia" if dataset == "pneumonia" else path.stem
        source = path
    else:
        source = dataset
        name = None if image_size is None else f"{Path(dataset).name}{image_size}"
    try:
        return load_benchmark_data(source, max_minority=max_minority, name=name, image_size=image_size,
                                   **(read_options or {})), None
    except ValueError as exc:
        if max_minority is not None and "--max-minority" in str(exc):
            return None, str(exc)
        raise


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["digits", "pneumonia"],
                        help="digits, pneumonia, a MedMNIST .npz path or an image folder")
    parser.add_argument("--out", default="benchmark_results")
    parser.add_argument("--quick", action="store_true", help="smoke run: digits, 1 seed, 2 epochs")
    add_compare_arguments(parser)  # --methods (default here: every method that applies), --seeds, ...
    parser.add_argument("--from-results", nargs="+", default=None, metavar="JSONL",
                        help="re-summarize earlier results.jsonl files (later rows replace "
                             "earlier ones with the same dataset, method and seed); no runs")
    return parser


def _merge(paths, out):
    """``--from-results``: one summary of earlier results files, no runs."""
    rows = [row for path in paths for row in read_rows(path)]
    table = summarize(rows)
    (out / "summary.md").write_text(f"# Benchmark results (merged from {', '.join(paths)})\n\n" + table)
    plot(rows, {}, out)
    print(table)


def _settings(args):
    """What every run shares; ``--quick`` makes a smoke run of it."""
    gan_params = parse_params(args.gan)
    clf_params = {}
    if args.quick:
        args.datasets, args.seeds = ["digits"], 1
        gan_params.setdefault("max_epochs", 2)
        gan_params.setdefault("sample_check", None)  # two epochs make unusable images: a smoke run keeps them
        clf_params["max_epochs"] = 2
    if args.clf_epochs:
        clf_params["max_epochs"] = args.clf_epochs
    variants = dict(map(parse_variant, args.variant))
    return Settings(clf_params, gan_params, variants, args.first_seed if args.quality else None)


def _methods(data, asked, variants):
    """The methods of ``asked`` (None: every one in the registry that needs no
    optional dependency) that run on ``data``."""
    n_classes = len(np.unique(data.y_train))
    available = [m for m in available_methods(n_classes, tuple(variants)) if m not in METHODS or not METHODS[m].extra]
    runnable, skipped = [], []
    for method in (available if asked is None else dict.fromkeys(asked)):
        try:
            check_methods([method], n_classes, tuple(variants))
            runnable.append(method)
        except ValueError:
            skipped.append(method)
    if skipped:
        print(f"  not run on {data.name}: {', '.join(skipped)} (unknown, or "
              "'threshold' on data with more than two classes or scikit-learn < 1.5)", flush=True)
    return runnable


def _run_dataset(data, methods, settings, seeds, out, results, histories):
    """Every method and seed on ``data``; rows written to ``results`` as they finish."""
    rows = []
    print(f"== {data.name}: train {np.bincount(data.y_train).tolist()}, test "
          f"{np.bincount(data.y_test).tolist()}, images {data.image_shape}", flush=True)

    def on_result(row, extras):
        rows.append(row)
        results.write(json.dumps(row, default=str) + "\n")
        results.flush()
        if extras.get("grids"):
            save_grid(out / f"samples_{data.name}_{row['method']}.png", row["method"], extras["grids"],
                      data.image_shape)
        if extras.get("history"):
            histories[(data.name, row["method"])] = extras["history"]
        if "error" in row:
            print(f"  seed {row['seed']} {row['method']:<14} failed: {row['error']}", flush=True)
        else:
            print(f"  seed {row['seed']} {row['method']:<14} bal.acc {row['balanced_accuracy']:.3f}  "
                  f"macro-F1 {row['macro_f1']:.3f}  ({row['seconds']:.0f} s)", flush=True)

    run_many(data, [(m, s) for s in seeds for m in methods], settings, n_jobs=1, on_result=on_result)
    return rows


def main(argv=None):
    args = _parser().parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.from_results:
        _merge(args.from_results, out)
        return 0
    settings = _settings(args)
    rows, histories = [], {}
    start_all = time.perf_counter()
    with open(out / "results.jsonl", "w") as results:
        for dataset in args.datasets:
            data, skip = load(dataset, args.max_minority, args.image_size, data_options(args, dataset))
            if data is None:
                print(f"skipping {dataset}: {skip}", flush=True)
                continue
            methods = _methods(data, args.methods, settings.variants)
            seeds = range(args.first_seed, args.first_seed + args.seeds)
            rows += _run_dataset(data, methods, settings, seeds, out, results, histories)
    if not rows:
        print("no runs: nothing to report", flush=True)
        return 0
    table = summarize(rows)
    wall = time.perf_counter() - start_all
    header = (f"# Benchmark results\n\nCommand: `python benchmarks/run.py {' '.join(argv or sys.argv[1:])}`\n"
              f"Wall time: {wall:.0f} s. Environment: {rows[0]['hardware']}, torch {rows[0]['torch']}\n\n")
    (out / "summary.md").write_text(header + table)
    plot(rows, histories, out)
    print(table)
    print(f"wrote {out}/results.jsonl, summary.md and PNG plots; wall time {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
