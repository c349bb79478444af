"""Does the GAN help? Methods x datasets x seeds through one pipeline, on real data.

Every method is ``Pipeline([("sampler", ...), ("clf", CNNClassifier(...))])`` with
the same classifier settings and seed (``threshold``, on binary data, wraps the
classifier in scikit-learn's ``TunedThresholdClassifierCV``); samplers see the
training data only;
scoring uses the official test split (MedMNIST) or one fixed stratified 70/30
split (digits and image folders, which have none).

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
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PNEUMONIA = ROOT.parent / "shared" / "data" / "pneumoniamnist.npz"
BASELINES = ("none", "class_weight", "threshold", "random", "smote", "augment")


def load_dataset(name):
    """(X_train, y_train, X_test, y_test, image_shape) as flat uint8 rows."""
    from sklearn.model_selection import train_test_split

    from gansampler.datasets import load_digits_imbalanced, load_image_folder, load_medmnist

    if name == "digits":
        X, y = load_digits_imbalanced(imbalance="moderate", random_state=0)
        split = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    elif name == "pneumonia" or name.endswith(".npz"):
        path = PNEUMONIA if name == "pneumonia" else Path(name)
        if not path.exists():
            return None
        X_train, y_train = load_medmnist(path, "train")
        X_test, y_test = load_medmnist(path, "test")
        split = (X_train, X_test, y_train, y_test)
    else:
        X, y, _ = load_image_folder(name)
        split = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    X_train, X_test, y_train, y_test = split
    shape = X_train.shape[1:]
    flat = lambda a: a.reshape(len(a), -1)  # noqa: E731 - SMOTE needs 2-D rows
    return flat(X_train), y_train, flat(X_test), y_test, shape


def cap_smallest_class(X, y, n):
    """``X, y`` with ``n`` rows left of one class, the smallest (the lowest label
    on ties): one fixed draw, the other rows all kept, in their original order.

    Raises
    ------
    ValueError
        When the smallest class has fewer than ``n`` rows.
    """
    from imblearn.datasets import make_imbalance

    labels, counts = np.unique(y, return_counts=True)
    smallest = labels[np.argmin(counts)]
    if n > counts.min():
        raise ValueError(f"--max-minority {n} is more than the {counts.min()} training images "
                         f"of its smallest class, {smallest}")
    rows, _ = make_imbalance(np.arange(len(y))[:, None], y, sampling_strategy={smallest: n}, random_state=0)
    keep = np.sort(rows.ravel())
    return X[keep], y[keep]


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def parse_value(text):
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"none": None, "true": True, "false": False}.get(text.lower(), text)


def parse_params(pairs):
    """``["K=V", ...]`` -> ``{K: value}`` (empty items skipped)."""
    return {k: parse_value(v) for k, v in (p.split("=", 1) for p in pairs if p)}


def parse_variant(spec):
    """``"NAME:K=V;K=V"`` (a ``--variant``) -> ``(NAME, {K: value})``."""
    name, _, params = spec.partition(":")
    return name, parse_params(params.split(";"))


def halfway(y):
    """Target counts halfway between each smaller class's and the majority's (a
    callable ``sampling_strategy``: the first half of the gap for ``half-augment``)."""
    classes, counts = np.unique(y, return_counts=True)
    top = counts.max()
    return {c: int(n + (top - n) // 2) for c, n in zip(classes, counts) if n < top}


def make_methods(image_shape, seed, gan_params, variants, *, n_classes):
    """Name -> (sampler or None, extra classifier params).

    ``"tune_threshold": True`` in the extra params wraps the classifier in
    scikit-learn's ``TunedThresholdClassifierCV`` (binary data, scikit-learn >= 1.5).
    """
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import Pipeline
    from sklearn import model_selection

    from gansampler import AugmentationOverSampler, GANOverSampler

    def gan(**params):
        return GANOverSampler(image_shape=image_shape, random_state=seed, **{**gan_params, **params})

    def half_augment():
        return AugmentationOverSampler(sampling_strategy=halfway, image_shape=image_shape, random_state=seed)

    defaults = GANOverSampler()
    epochs = gan_params.get("max_epochs", defaults.max_epochs)
    min_steps = gan_params.get("min_steps_per_epoch", defaults.min_steps_per_epoch)
    methods = {
        "none": (None, {}),
        "class_weight": (None, {"class_weight": "balanced"}),
        "threshold": (None, {"tune_threshold": True}),
        "random": (RandomOverSampler(random_state=seed), {}),
        "smote": (SMOTE(random_state=seed), {}),
        "augment": (AugmentationOverSampler(image_shape=image_shape, random_state=seed), {}),
        "gan": (gan(), {}),
        # classic augmentation (2 copies), then the GAN, with the
        # same number of GAN steps as "gan": a third of the epochs on 3x the data,
        # and 3x the minimum steps per epoch for small classes
        "augment+gan": (gan(pre_augment=2, max_epochs=max(1, epochs // 3),
                            min_steps_per_epoch=3 * min_steps), {}),
        # classic augmentation for the first half of each class's gap, then the
        # default GAN, trained on the real and augmented images, for the rest
        # (both kinds of new rows reach the classifier); "half-augment" alone and
        # "half-augment+random" (copies of those rows for the rest) are its controls
        "half-augment": (half_augment(), {}),
        "half-augment+gan": (Pipeline([("augment", half_augment()), ("gan", gan())]), {}),
        "half-augment+random": (Pipeline([("augment", half_augment()),
                                          ("random", RandomOverSampler(random_state=seed))]), {}),
    }
    if n_classes != 2 or not hasattr(model_selection, "TunedThresholdClassifierCV"):
        del methods["threshold"]
    for name, params in variants.items():
        methods[name] = (gan(**params), {})
    return methods


def make_classifier(image_shape, seed, clf_params, extra):
    """The one classifier every method uses, with the method's extra params."""
    from gansampler import CNNClassifier

    extra = dict(extra)
    tune_threshold = extra.pop("tune_threshold", False)
    clf = CNNClassifier(image_shape=image_shape, random_state=seed, **{**clf_params, **extra})
    if tune_threshold:  # 5-fold CV for the threshold, then a refit on all training data
        from sklearn.model_selection import TunedThresholdClassifierCV

        clf = TunedThresholdClassifierCV(clf, scoring="balanced_accuracy")
    return clf


def versions():
    import imblearn
    import sklearn
    import skorch
    import torch

    import gansampler

    return {
        "python": platform.python_version(),
        "gansampler": gansampler.__version__,
        "torch": torch.__version__,
        "sklearn": sklearn.__version__,
        "imblearn": imblearn.__version__,
        "skorch": skorch.__version__,
        "device": ("cuda:" + torch.cuda.get_device_name() if torch.cuda.is_available()
                   else platform.processor() or "cpu"),
    }


QUALITY_KEYS = ("fid", "precision", "recall", "density", "coverage", "ssim_fake", "ssim_real",
                "memorized_fraction", "c2st")


def synthetic_quality(X_train, y_train, X_res, y_res, reference, image_shape, seed, clf_params):
    """Per generated class: quality_report of the synthetic rows against the class's
    real training images, in the feature space of ``reference`` (a CNNClassifier
    fitted on the real training data), and a CNN classifier two-sample test."""
    from gansampler import CNNClassifier
    from gansampler.metrics import c2st_score, quality_report

    X_new, y_new = X_res[len(X_train):], y_res[len(y_train):]
    out = {}
    for label in np.unique(y_new):
        real, fake = X_train[y_train == label], X_new[y_new == label]
        if len(fake) < 2:
            continue
        report = quality_report(real, fake, reference, image_shape=image_shape, random_state=seed)
        c2st_clf = CNNClassifier(image_shape=image_shape, random_state=seed, **clf_params)
        report["c2st"] = c2st_score(real, fake, c2st_clf, random_state=seed)
        out[str(label)] = {k: float(report[k]) for k in QUALITY_KEYS}
    return out


def quality_table(rows):
    """Markdown: synthetic-image quality per method and class (first seed only)."""
    lines = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows if r.get("quality")):
        subset = [r for r in rows if r["dataset"] == dataset and r.get("quality")]
        seed = min(r["seed"] for r in subset)
        lines += [
            f"\n### {dataset}: synthetic images vs the real training images of their class "
            f"(seed {seed})\n",
            "FID, precision/recall/density/coverage in the features of a CNNClassifier fitted on the real "
            "training data; SSIM = mean pairwise SSIM within the synthetic (real) set; memorized = "
            "fraction of near-copies of training images; C2ST = held-out accuracy of a CNN telling "
            "real from synthetic (0.5 = indistinguishable).\n",
            "| method | class | FID | precision | recall | density | coverage | SSIM fake (real) "
            "| memorized | C2ST |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for r in subset:
            if r["seed"] != seed:
                continue
            for label, q in r["quality"].items():
                lines.append(
                    f"| {r['method']} | {label} | {q['fid']:.2f} | {q['precision']:.3f} | {q['recall']:.3f} "
                    f"| {q['density']:.3f} | {q['coverage']:.3f} | {q['ssim_fake']:.3f} ({q['ssim_real']:.3f}) "
                    f"| {q['memorized_fraction']:.3f} | {q['c2st']:.3f} |"
                )
    return "\n".join(lines) + "\n" if lines else ""


def summarize(rows, metric="balanced_accuracy"):
    """Markdown table: mean +- 95% CI per method and dataset, Wilcoxon vs best baseline."""
    from scipy import stats

    lines = []
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        subset = [r for r in rows if r["dataset"] == dataset]
        methods = list(dict.fromkeys(r["method"] for r in subset))
        by_method = {
            m: {r["seed"]: r for r in subset if r["method"] == m} for m in methods
        }
        means = {m: np.mean([r[metric] for r in by_method[m].values()]) for m in methods}
        baselines = [m for m in methods if m in BASELINES]
        best = max(baselines, key=means.get) if baselines else None
        lines += [
            f"\n### {dataset} ({len(by_method[methods[0]])} seeds; best baseline by "
            f"{metric}: {best})\n",
            "| method | balanced acc. | macro-F1 | G-mean | ROC-AUC | minority recall "
            "| resample s | fit s | vs best baseline (Wilcoxon p) |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        for m in methods:
            cells = []
            for key in ("balanced_accuracy", "macro_f1", "gmean", "roc_auc", "minority_recall"):
                values = np.array([r[key] for r in by_method[m].values()])
                half = (
                    stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / np.sqrt(len(values))
                    if len(values) > 1 else float("nan")
                )
                cells.append(f"{values.mean():.3f} ± {half:.3f}")
            for key in ("resample_seconds", "fit_seconds"):
                cells.append(f"{np.mean([r[key] for r in by_method[m].values()]):.1f}")
            test = "—"
            if best and m != best:
                seeds = sorted(set(by_method[m]) & set(by_method[best]))
                a = np.array([by_method[m][s][metric] for s in seeds])
                b = np.array([by_method[best][s][metric] for s in seeds])
                diff = (a - b).mean()
                if len(seeds) > 1 and np.any(a != b):
                    p = stats.wilcoxon(a, b).pvalue
                    test = f"{diff:+.3f} (p={p:.3f})"
                else:
                    test = f"{diff:+.3f}"
            cells.append(test)
            lines.append(f"| {m} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def plot(rows, histories, grids, out):
    """Sample grids (Pillow); metric bars with 95% CI, GAN loss curves and confusion matrices
    (matplotlib, from the ``benchmark`` extra; skipped with a note when it is not installed)."""
    for name, grid in grids.items():
        grid.save(out / f"samples_{name}.png")
    try:
        import matplotlib
    except ImportError:
        print("matplotlib is not installed (pip install 'gansampler[benchmark]'): "
              "skipping metric, loss and confusion plots", flush=True)
        return

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

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
        for label, epochs in history.items():
            ax.plot([e["d_loss"] for e in epochs], label=f"D loss, class {label}")
            ax.plot([e["g_loss"] for e in epochs], "--", label=f"G loss, class {label}")
        ax.set_xlabel("epoch")
        ax.set_title(f"{dataset} / {method}: GAN losses (first seed)")
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=["digits", "pneumonia"],
                        help="digits, pneumonia, a MedMNIST .npz path or an image folder")
    parser.add_argument("--methods", nargs="+", default=None, help="subset of methods to run")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0,
                        help="seeds run from this one (to extend an earlier run; merge with --from-results)")
    parser.add_argument("--out", default="benchmark_results")
    parser.add_argument("--quick", action="store_true", help="smoke run: digits, 1 seed, 2 epochs")
    parser.add_argument("--gan", action="append", default=[], metavar="KEY=VALUE",
                        help="GANOverSampler parameter for every GAN method")
    parser.add_argument("--variant", action="append", default=[], metavar="NAME:K=V;K=V",
                        help="an extra GAN method with these parameters")
    parser.add_argument("--clf-epochs", type=int, default=None)
    parser.add_argument("--max-minority", type=positive_int, default=None, metavar="N",
                        help="keep N training images of one class, the smallest (the lowest label on "
                             "ties): one fixed draw, the same for every seed and method, to study a rarer "
                             "class; the test split is unchanged; datasets whose smallest class is "
                             "smaller are skipped")
    parser.add_argument("--no-quality", dest="quality", action="store_false",
                        help="skip the synthetic-image quality metrics (computed on the first seed)")
    parser.add_argument("--from-results", nargs="+", default=None, metavar="JSONL",
                        help="re-summarize earlier results.jsonl files (later rows replace "
                             "earlier ones with the same dataset, method and seed); no runs")
    args = parser.parse_args(argv)
    if args.from_results:
        merged = {}
        for path in args.from_results:
            for line in Path(path).read_text().splitlines():
                row = json.loads(line)
                merged[(row["dataset"], row["method"], row["seed"])] = row
        rows = list(merged.values())
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        table = summarize(rows) + quality_table(rows)
        (out / "summary.md").write_text(
            f"# Benchmark results (merged from {', '.join(args.from_results)})\n" + table
        )
        plot(rows, {}, {}, out)
        print(table)
        return 0

    from gansampler import CNNClassifier
    from gansampler.evaluation import evaluate_pipeline
    from gansampler.plotting import image_grid

    gan_params = parse_params(args.gan)
    variants = dict(map(parse_variant, args.variant))
    clf_params = {}
    if args.quick:
        args.datasets, args.seeds = ["digits"], 1
        gan_params.setdefault("max_epochs", 2)
        clf_params["max_epochs"] = 2
    if args.clf_epochs:
        clf_params["max_epochs"] = args.clf_epochs

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    meta = versions()
    rows, histories, grids = [], {}, {}
    start_all = time.perf_counter()
    with open(out / "results.jsonl", "w") as results:
        for dataset in args.datasets:
            data = load_dataset(dataset)
            if data is None:
                print(f"skipping {dataset}: file not found", flush=True)
                continue
            X_train, y_train, X_test, y_test, image_shape = data
            label = Path(dataset).stem if dataset not in ("digits", "pneumonia") else dataset
            if args.max_minority is not None:
                try:
                    X_train, y_train = cap_smallest_class(X_train, y_train, args.max_minority)
                except ValueError as exc:
                    print(f"skipping {dataset}: {exc}", flush=True)
                    continue
                label = f"{label}-minority{args.max_minority}"
            print(f"== {label}: train {np.bincount(y_train).tolist()}, test {np.bincount(y_test).tolist()}, "
                  f"images {image_shape}", flush=True)
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                methods = make_methods(image_shape, seed, gan_params, variants,
                                       n_classes=len(np.unique(y_train)))
                if args.methods:
                    unavailable = [m for m in args.methods if m not in methods]
                    if unavailable and seed == args.first_seed:
                        print(f"  not run on {label}: {', '.join(unavailable)} (unknown, or "
                              "'threshold' on data with more than two classes or scikit-learn < 1.5)", flush=True)
                    methods = {k: v for k, v in methods.items() if k in args.methods}
                reference = None  # CNN on the real training data: the quality metrics' features
                for method, (sampler, extra) in methods.items():
                    clf = make_classifier(image_shape, seed, clf_params, extra)
                    t0 = time.perf_counter()
                    scores, pipeline, (X_res, y_res) = evaluate_pipeline(
                        sampler, clf, X_train, y_train, X_test, y_test, return_resampled=True
                    )
                    if method == "none":
                        reference = pipeline.named_steps["clf"]
                    quality = None
                    if args.quality and seed == args.first_seed and sampler is not None:
                        if reference is None:
                            reference = CNNClassifier(image_shape=image_shape, random_state=seed,
                                                      **clf_params).fit(X_train, y_train)
                        quality = synthetic_quality(X_train, y_train, X_res, y_res, reference,
                                                    image_shape, seed, clf_params)
                    row = {"dataset": label, "method": method, "seed": seed, **scores, "quality": quality,
                           "sampler": repr(sampler), "classifier": repr(clf), **meta}
                    rows.append(row)
                    results.write(json.dumps(row, default=str) + "\n")
                    results.flush()
                    print(f"  seed {seed} {method:<14} bal.acc {scores['balanced_accuracy']:.3f}  "
                          f"macro-F1 {scores['macro_f1']:.3f}  ({time.perf_counter() - t0:.0f} s)", flush=True)
                    fitted = pipeline.named_steps["sampler"]
                    if seed == args.first_seed and hasattr(fitted, "generators_"):
                        histories[(label, method)] = fitted.history_
                        rows_, names = [], []
                        for c in sorted(fitted.generators_):
                            rows_ += [X_train[y_train == c], fitted.sample(8, c, random_state=0)]
                            names += [f"real {c}", f"{method} {c}"]
                        grids[f"{label}_{method}"] = image_grid(rows_, names, image_shape=image_shape)
    if not rows:
        print("no runs: nothing to report", flush=True)
        return 0
    table = summarize(rows) + quality_table(rows)
    wall = time.perf_counter() - start_all
    header = (f"# Benchmark results\n\nCommand: `python benchmarks/run.py {' '.join(argv or sys.argv[1:])}`\n"
              f"Wall time: {wall:.0f} s. Environment: {json.dumps(meta)}\n")
    (out / "summary.md").write_text(header + table)
    plot(rows, histories, grids, out)
    print(table)
    print(f"wrote {out}/results.jsonl, summary.md and PNG plots; wall time {wall:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
