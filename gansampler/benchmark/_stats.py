"""Summaries over seeds and paired tests: the statistics a report is written from.

Everything here works on result rows (dicts with ``dataset``, ``method``,
``seed`` and the scores), so a report can be rebuilt from ``results.jsonl``.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._methods import BASELINES, is_baseline

__all__ = ["BASELINES", "METRICS", "Comparison", "MethodSummary", "compare_methods", "paired_test", "summarize"]


#: Scores summarised per method: key -> (column title, one-line reading).
METRICS = {
    "balanced_accuracy": ("balanced acc.", "mean recall over the classes; 1/n_classes is chance"),
    "macro_f1": ("macro-F1", "mean F1 over the classes"),
    "roc_auc": ("ROC-AUC", "how well the scores rank the classes, whatever the decision threshold"),
    "minority_recall": ("minority recall", "share of the rarest training class found in the test data"),
}

ALPHA = 0.05


@dataclass(frozen=True)
class MethodSummary:
    """One method's scores on one dataset over its seeds."""

    method: str
    seeds: tuple
    means: dict
    half_widths: dict  # of the 95% t-interval; nan with one seed
    resample_seconds: float
    fit_seconds: float


def _half_width(values):
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return math.nan
    return float(stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values)))


def failures(rows, dataset):
    """``{method: [rows that failed]}`` on ``dataset`` (rows with an ``"error"``)."""
    out = {}
    for row in rows:
        if row["dataset"] == dataset and "error" in row:
            out.setdefault(row["method"], []).append(row)
    return out


def summarize(rows):
    """``{dataset: {method: MethodSummary}}``, methods in the order first seen;
    failed runs are left out (see :func:`failures`)."""
    out = {}
    for row in rows:
        if "error" in row:
            continue
        out.setdefault(row["dataset"], {}).setdefault(row["method"], []).append(row)
    summaries = {}
    for dataset, by_method in out.items():
        summaries[dataset] = {}
        for method, method_rows in by_method.items():
            method_rows = sorted(method_rows, key=lambda r: r["seed"])
            summaries[dataset][method] = MethodSummary(
                method=method,
                seeds=tuple(r["seed"] for r in method_rows),
                means={k: float(np.mean([r[k] for r in method_rows])) for k in METRICS},
                half_widths={k: _half_width([r[k] for r in method_rows]) for k in METRICS},
                resample_seconds=float(np.mean([r.get("resample_seconds", 0.0) for r in method_rows])),
                fit_seconds=float(np.mean([r.get("fit_seconds", 0.0) for r in method_rows])),
            )
    return summaries


@dataclass(frozen=True)
class PairedTest:
    """``method`` minus ``reference`` over their shared seeds (paired t-test)."""

    method: str
    reference: str
    metric: str
    difference: float
    p_value: float  # nan when there is no test (one shared seed)
    n_seeds: int

    @property
    def significant(self):
        return not math.isnan(self.p_value) and self.p_value < ALPHA

    def text(self):
        if math.isnan(self.p_value):
            p = "no test with one seed"
        else:
            p = "p < 0.001" if self.p_value < 0.001 else f"p = {self.p_value:.3f}"
        return f"{self.difference:+.3f} ({p})"


def paired_test(rows, dataset, method, reference, metric="balanced_accuracy"):
    """A two-sided paired t-test of ``method`` against ``reference`` over the
    seeds both ran; identical scores give p = 1."""
    scores = {}
    for row in rows:
        if row["dataset"] == dataset and row["method"] in (method, reference) and "error" not in row:
            scores.setdefault(row["seed"], {})[row["method"]] = row[metric]
    pairs = [(s[method], s[reference]) for s in scores.values() if len(s) == 2]
    if not pairs:
        raise ValueError(f"{method} and {reference} share no seed on {dataset}")
    a, b = np.array(pairs, dtype=float).T
    diff = a - b
    if len(diff) < 2:
        p = math.nan
    elif np.allclose(diff, diff[0]):
        p = 1.0 if diff[0] == 0 else 0.0  # a constant nonzero shift on every seed
    else:
        p = float(stats.ttest_rel(a, b).pvalue)
    return PairedTest(method, reference, metric, float(diff.mean()), p, len(diff))


def best_baseline(summary, metric="balanced_accuracy"):
    """The baseline method with the highest mean ``metric``, or None."""
    baselines = [m for m in summary if is_baseline(m)]
    return max(baselines, key=lambda m: summary[m].means[metric]) if baselines else None


@dataclass(frozen=True)
class Comparison:
    """Everything a report says about one data set, computed once from its rows.

    Attributes
    ----------
    dataset, metric : str
        The data set, and the score the best baseline is chosen on.
    summary : dict
        ``{method: MethodSummary}``, in the order the methods first appear.
    best : str or None
        The baseline with the highest mean ``metric`` (None: no baseline ran).
    tests, roc_tests : dict
        ``{method: PairedTest}`` of every other method that shares a seed
        with ``best``, on ``metric`` and on ROC-AUC (empty without a best
        baseline).
    failed : dict
        ``{method: [failed rows]}``.
    runs : dict
        ``{method: number of rows, failed ones included}``.
    """

    dataset: str
    metric: str
    summary: dict
    best: str
    tests: dict
    roc_tests: dict
    failed: dict
    runs: dict

    @property
    def n_seeds(self):
        """Seeds of the best baseline (0 without one)."""
        return len(self.summary[self.best].seeds) if self.best else 0


def compare_methods(rows, dataset, metric="balanced_accuracy"):
    """The :class:`Comparison` of every method on ``dataset`` with its best baseline."""
    rows = [r for r in rows if r["dataset"] == dataset]
    summary = summarize(rows).get(dataset, {})
    best = best_baseline(summary, metric)
    # methods that share a seed with the best baseline can be tested against it
    others = [m for m in summary if best and m != best and set(summary[m].seeds) & set(summary[best].seeds)]
    runs = {}
    for row in rows:
        runs[row["method"]] = runs.get(row["method"], 0) + 1
    return Comparison(dataset, metric, summary, best,
                      tests={m: paired_test(rows, dataset, m, best, metric) for m in others},
                      roc_tests={m: paired_test(rows, dataset, m, best, "roc_auc") for m in others},
                      failed=failures(rows, dataset), runs=runs)
