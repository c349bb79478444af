"""Summaries over seeds, paired tests, and a recommendation that follows them.

Everything here works on result rows (dicts with ``dataset``, ``method``,
``seed`` and the scores), so a report can be rebuilt from ``results.jsonl``.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

__all__ = ["BASELINES", "METRICS", "MethodSummary", "paired_test", "recommend", "summarize"]

#: Remedies that need no generative model: the bar a generative sampler must clear.
BASELINES = ("none", "class_weight", "threshold", "random", "smote", "augment")

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
    baselines = [m for m in summary if m in BASELINES]
    return max(baselines, key=lambda m: summary[m].means[metric]) if baselines else None


def recommend(rows, dataset, metric="balanced_accuracy"):
    """A short, plain recommendation derived from the rows alone.

    The best baseline (highest mean ``metric``) is the bar. Each other method
    is compared with it by a paired t-test over the shared seeds; a difference
    is claimed only when p < 0.05, and with one seed nothing is claimed.

    Returns
    -------
    text : str
        A few sentences of Markdown.
    """
    summary = summarize([r for r in rows if r["dataset"] == dataset]).get(dataset, {})
    name = METRICS[metric][0]
    failed = failures(rows, dataset)
    failed_text = " ".join(
        f"**{m}** failed on {len(f)} of {len([r for r in rows if r['dataset'] == dataset and r['method'] == m])} "
        f"seeds ({f[0]['error'].split(':')[0] if ':' in f[0]['error'] else f[0]['error']}; see the failed runs)."
        for m, f in failed.items())
    bar = best_baseline(summary, metric)
    if bar is None:
        return (f"No baseline ran on {dataset}, so there is nothing to compare the other methods with. "
                + failed_text).strip()
    n_seeds = len(summary[bar].seeds)
    lines = [f"**{bar}** is the best baseline here ({name} {summary[bar].means[metric]:.3f}"
             f"{'' if n_seeds < 2 else f' ± {summary[bar].half_widths[metric]:.3f}'} over {n_seeds} "
             f"seed{'s' if n_seeds != 1 else ''})."]
    if n_seeds < 2:
        lines.append("With one seed no difference can be tested: run more seeds (5 or more) before "
                     "choosing a method.")
    better, worse, level = [], [], []
    for method in summary:
        if method == bar or method in BASELINES:
            continue
        test = paired_test(rows, dataset, method, bar, metric)
        if test.significant:
            (better if test.difference > 0 else worse).append(test)
        elif n_seeds >= 2:
            level.append(test)
    for test in better:
        lines.append(f"**{test.method}** is better than {bar}: {test.text()} in {name}.")
    for test in worse:
        lines.append(f"{test.method} is worse than {bar}: {test.text()}.")
    for test in level:
        lines.append(f"{test.method} is not significantly different from {bar}: {test.text()} over "
                     f"{test.n_seeds} seeds.")
    if better:
        best = max(better, key=lambda t: t.difference)
        lines.append(f"Use **{best.method}**.")
    elif n_seeds >= 2:
        lines.append(f"Use **{bar}**: no other method is significantly better"
                     f"{' and it needs no generative model' if bar in BASELINES else ''}.")
        close = [m for m in summary if m in BASELINES and m != bar
                 and not paired_test(rows, dataset, m, bar, metric).significant]
        if close:
            lines.append(f"{' and '.join(close)} {'is' if len(close) == 1 else 'are'} not significantly worse, "
                         "so as sound a choice on these seeds.")
    if failed_text:
        lines.append(failed_text)
    roc = [paired_test(rows, dataset, m, bar, "roc_auc") for m in summary if m != bar and n_seeds >= 2]
    roc = [t for t in roc if t.significant]
    if roc:
        lines.append("ROC-AUC (ranking, whatever the threshold) differs significantly from "
                     f"{bar} for: " + ", ".join(f"{t.method} {t.text()}" for t in roc) + ".")
    elif n_seeds >= 2:
        lines.append(f"No method ranks the test images significantly better or worse than {bar} "
                     "(ROC-AUC): where methods differ, they move the decision threshold.")
    return " ".join(lines)
