"""``compare``: every method on one data set over several seeds, with a report.

The output folder holds ``compare.json`` (what was compared, so that
``resume`` can check it continues the same comparison), ``results.jsonl`` (one
row per finished run, written as each finishes), ``grids/`` (real and new
images per method) and ``report.md`` / ``report.html``.
"""

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..plotting import image_grid
from ._data import BenchmarkData
from ._methods import check_methods, min_class_size
from ._report import recommendation_text, render_html, render_markdown, report_blocks
from ._run import Settings, run_many
from ._stats import compare_methods

__all__ = ["CompareResult", "compare", "read_rows", "save_grid", "write_report"]

_MANIFEST = "compare.json"
_OWN_FILES = (_MANIFEST, "results.jsonl", "report.md", "report.html", "grids")


@dataclass(frozen=True)
class CompareResult:
    """What :func:`compare` produced: every row, the report and its recommendation."""

    rows: list
    report: str
    recommendation: str
    out: Path


def read_rows(path):
    """Rows of a ``results.jsonl``; a later row replaces an earlier one with the
    same data set, method and seed. A last line cut short (a run killed while
    writing it) is left out, as if that run had not finished."""
    rows = {}
    lines = [line for line in Path(path).read_text().splitlines() if line.strip()]
    for i, line in enumerate(lines):
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            if i == len(lines) - 1:
                break
            raise
        rows[(row["dataset"], row["method"], row["seed"])] = row
    return list(rows.values())


def _check_class_sizes(data, methods):
    labels, counts = np.unique(data.y_train, return_counts=True)
    for method in methods:
        need, why = min_class_size(method)
        for label, count in zip(labels, counts):
            if count < need:
                raise ValueError(
                    f"class {data.class_names[label]!r} has {count} training image(s); method {method!r} "
                    f"needs at least {need} ({why}). Leave it out with --methods, or add images."
                )


def _manifest(data, settings):
    return {"gansampler_compare": 1, "data": data.describe(), "settings": settings.to_dict()}


def _prepare_folder(out, manifest, resume, force):
    """Check ``out`` before anything is written; return the rows to keep."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    if not out.exists() or not any(out.iterdir()):
        return []
    own = (out / _MANIFEST).is_file()
    if not own and not force:
        raise ValueError(f"--out {out} exists and is not a gansampler compare output; choose another "
                         "folder or pass --force to write into it")
    if own and resume:
        previous = json.loads((out / _MANIFEST).read_text())
        previous = {k: previous.get(k) for k in manifest}
        if previous != json.loads(json.dumps(manifest)):
            raise ValueError(f"--resume: {out} holds a comparison of other data or settings "
                             f"({previous['data']}); start a new one with another --out, or --force")
        results = out / "results.jsonl"
        return read_rows(results) if results.exists() else []
    if own and not force:
        raise ValueError(f"--out {out} already holds a comparison; pass --resume to continue it or --force "
                         "to start over")
    return []


def _clear_own_files(out):
    for name in _OWN_FILES:
        path = Path(out) / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def save_grid(path, method, grids, image_shape):
    """One PNG: for each class, a row of real images and a row of ``method``'s new ones."""
    rows, labels = [], []
    for name, (real, new) in grids.items():
        rows += [real, new]
        labels += [f"real {name}"[:16], f"{method} {name}"[:16]]
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    image_grid(rows, labels, image_shape=image_shape).save(path)


def write_report(out, rows, data, command, settings, comparison=None):
    """Write ``report.md`` and ``report.html`` for ``rows`` (``comparison``: their
    :func:`compare_methods`, computed here when None); returns the Markdown."""
    out = Path(out)
    seeds = sorted({r["seed"] for r in rows})
    hardware = sorted({r.get("hardware", "?") for r in rows})
    intro = [data.describe() + ".",
             f"Command: `{command}`. {len(rows)} runs: {len({r['method'] for r in rows})} methods × seeds "
             f"{', '.join(map(str, seeds))}, on {'; '.join(hardware)}. Every method is the same "
             f"`CNNClassifier` (settings {settings.clf_params or 'default'}) after its sampler; samplers see "
             "the training data only."]
    blocks = report_blocks(rows, data.name, title=f"gansampler compare: {data.name}", intro=intro,
                           grids_dir=out / "grids", comparison=comparison)
    markdown = render_markdown(blocks, relative_to=out)
    (out / "report.md").write_text(markdown)
    (out / "report.html").write_text(render_html(blocks))
    return markdown


def compare(data, out, *, methods=None, seeds=5, first_seed=0, clf_params=None, gan_params=None,
            variants=None, quality=True, n_jobs=None, backend=None, resume=False, force=False, verbose=1,
            command=None):
    """Compare imbalance remedies on ``data`` over several seeds, and report.

    Parameters
    ----------
    data : BenchmarkData
        From :func:`load_benchmark_data`.
    out : str or path-like
        The output folder (see the module docstring).
    methods : sequence of str, default=None
        Method names; None runs the defaults that apply (see
        :data:`DEFAULT_METHODS`).
    seeds : int, default=5
        Seeds ``first_seed .. first_seed + seeds - 1``; each seeds every
        sampler and the classifier.
    clf_params, gan_params : dict, default=None
        ``CNNClassifier`` parameters for every method; ``GANOverSampler``
        parameters for every GAN method.
    variants : dict, default=None
        Extra GAN methods: name -> ``GANOverSampler`` parameters.
    quality : bool, default=True
        Measure the synthetic images of the first seed.
    n_jobs : int, default=None
        Runs in parallel through joblib.
    backend : str, default=None
        A joblib backend ("loky", "threading", "dask", "ray" where
        registered); None is joblib's default.
    resume : bool, default=False
        Keep the finished runs of an earlier, interrupted comparison in
        ``out`` and run the rest.
    force : bool, default=False
        Start over in an ``out`` that holds other files or a comparison.
    verbose : int, default=1
        1: a progress bar over all runs and a line per finished run.
    command : str, default=None
        The command line, for the report.

    Returns
    -------
    result : CompareResult

    Raises
    ------
    ValueError
        Before anything is written: unknown methods, a class too small for a
        method, an output folder that is not a comparison's (without
        ``force``), or one that holds another comparison (with ``resume``).
    KeyboardInterrupt
        After the runs finished so far are saved in ``results.jsonl``.
    """
    if not isinstance(data, BenchmarkData):
        raise TypeError(f"data must be a BenchmarkData (see load_benchmark_data), got {type(data).__name__}")
    if int(seeds) < 1:
        raise ValueError(f"seeds must be a positive integer, got {seeds!r}")
    variants = dict(variants or {})
    n_classes = len(np.unique(data.y_train))
    methods = check_methods(methods, n_classes, tuple(variants))
    _check_class_sizes(data, methods)
    settings = Settings(dict(clf_params or {}), dict(gan_params or {}), variants,
                        first_seed if quality else None)
    manifest = _manifest(data, settings)
    out = Path(out)
    kept = _prepare_folder(out, manifest, resume, force)
    command = command or "gansampler.benchmark.compare(...)"
    # from here on the folder is ours
    if not resume:
        _clear_own_files(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / _MANIFEST).write_text(json.dumps(manifest, indent=1))
    done = {(r["method"], r["seed"]) for r in kept}
    tasks = [(m, s) for s in range(first_seed, first_seed + int(seeds)) for m in methods if (m, s) not in done]
    rows = list(kept)
    bar = tqdm(total=len(tasks) + len(done), initial=len(done), unit="run", disable=not verbose,
               desc=f"compare {data.name}", dynamic_ncols=True, file=sys.stdout)

    def on_result(row, extras):
        rows.append(row)
        with open(out / "results.jsonl", "a") as f:
            f.write(json.dumps(row, default=str) + "\n")
        if extras.get("grids"):
            save_grid(out / "grids" / f"{row['method']}.png", row["method"], extras["grids"], data.image_shape)
        bar.update(1)
        if verbose and "error" in row:
            bar.write(f"  {row['method']:<16} seed {row['seed']}: failed ({row['seconds']:.0f} s): {row['error']}")
        elif verbose:
            bar.write(f"  {row['method']:<16} seed {row['seed']}: balanced acc. {row['balanced_accuracy']:.3f}, "
                      f"ROC-AUC {row['roc_auc']:.3f}, minority recall {row['minority_recall']:.3f} "
                      f"({row['seconds']:.0f} s)")

    start = time.perf_counter()
    try:
        run_many(data, tasks, settings, n_jobs=n_jobs, backend=backend, on_result=on_result)
    except KeyboardInterrupt:
        bar.close()
        print(f"\ninterrupted: {len(rows)} finished runs are kept in {out / 'results.jsonl'}; run the same "
              "command with --resume to do the rest", file=sys.stderr)
        raise
    bar.close()
    order = {(m, s): i for i, (m, s) in enumerate((m, s) for s in range(first_seed, first_seed + int(seeds))
                                                   for m in methods)}
    rows.sort(key=lambda r: order.get((r["method"], r["seed"]), len(order)))
    comparison = compare_methods(rows, data.name)
    report = write_report(out, rows, data, command, settings, comparison)
    if verbose:
        print(f"{len(tasks)} runs in {time.perf_counter() - start:.0f} s; wrote {out / 'report.md'}, "
              f"{out / 'report.html'} and {out / 'results.jsonl'}")
    return CompareResult(rows, report, recommendation_text(comparison), out)
