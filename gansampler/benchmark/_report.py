"""The comparison's report, as Markdown and as one self-contained HTML page.

Both are rendered from the same blocks (headings, paragraphs, tables, figures),
so they say the same thing; the HTML embeds its images and charts.
"""

import base64
import html
import math
import re
from pathlib import Path

from ._methods import C2ST_MIN_STEPS, is_baseline, is_online
from ._stats import METRICS, compare_methods

__all__ = ["QUALITY_READING", "chart_svg", "quality_table", "recommend", "recommendation_text", "rejected_copies_text",
           "render_html", "render_markdown", "report_blocks", "sample_check_text", "score_table"]

#: How to read each synthetic-image metric, one sentence each.
QUALITY_READING = {
    "FID": "Fréchet distance between the real and synthetic images' features (a CNN fitted on the real "
           "training data): 0 is the same mean and covariance; compare methods, not data sets.",
    "precision": "share of synthetic images that fall among real ones (fidelity, 1 is best).",
    "recall": "share of the real images with a synthetic one nearby (diversity, 1 is best).",
    "density / coverage": "like precision / recall but robust to outliers (Naeem et al., 2020); "
                          "density near 1 and coverage near 1 are good.",
    "memorized": "share of synthetic images that are near-copies of a training image (0 is best; "
                 "above 0 a patient's image may leak).",
    "recall / coverage before filter": "the same figures for all of a filtered sampler's candidates, "
                                       "before the filter kept the best of them: how much diversity it cost.",
    "C2ST": "held-out accuracy of a CNN telling real from synthetic: 0.5 is indistinguishable, near 1 "
            "means a classifier can learn 'synthetic' instead of the class (it trains on half the images, "
            f"at least {C2ST_MIN_STEPS} steps, and is tested on the other half: on n test images chance alone moves it "
            "by up to about 1/sqrt(n), 0.14 for 50).",
}


def _count(n, one, many):
    """``n`` and the word for that many: "1 run", "3 runs"."""
    return f"{n} {one if n == 1 else many}"


def _cell(mean, half):
    return f"{mean:.3f}" if math.isnan(half) else f"{mean:.3f} ± {half:.3f}"


#: Methods whose CNNClassifier trains with online augmentation, reported apart.
ONLINE_GROUP = ("With online augmentation: each training batch of the CNNClassifier transformed anew "
                "(augment=\"default\")")


def _groups(methods):
    """``[(heading or None, methods)]``: the methods trained without online
    augmentation, then those trained with it (one group, no heading, when
    all are alike)."""
    online = [m for m in methods if is_online(m)]
    plain = [m for m in methods if m not in online]
    if not online or not plain:
        return [(None, list(methods))]
    return [("Without online augmentation", plain), (ONLINE_GROUP, online)]


def _score_table(comparison, methods=None):
    best, metric = comparison.best, comparison.metric
    header = ["method", *(METRICS[k][0] for k in METRICS), "resample s", "fit s",
              f"vs {best} ({METRICS[metric][0]}, paired t-test)" if best else "vs best baseline"]
    body = []
    for method in comparison.summary if methods is None else methods:
        s, test = comparison.summary[method], comparison.tests.get(method)
        body.append([method, *(_cell(s.means[k], s.half_widths[k]) for k in METRICS),
                     f"{s.resample_seconds:.1f}", f"{s.fit_seconds:.1f}", "—" if test is None else test.text()])
    return header, body


def score_table(rows, dataset, metric="balanced_accuracy"):
    """``(header, body)`` of the scores table: mean ± 95% CI per method, and a
    paired t-test against the best baseline on ``metric``."""
    return _score_table(compare_methods(rows, dataset, metric))


def recommendation_text(comparison):
    """A short, plain recommendation that follows ``comparison`` (a
    :class:`~gansampler.benchmark._stats.Comparison`) alone.

    The best baseline is the bar. A difference from it is claimed only when
    its paired t-test gives p < 0.05; with one seed nothing is claimed.
    """
    c, name = comparison, METRICS[comparison.metric][0]
    best, n_seeds = c.best, c.n_seeds
    failed_text = " ".join(
        f"**{m}** failed on {len(f)} of {c.runs[m]} seeds "
        f"({f[0]['error'].split(':')[0] if ':' in f[0]['error'] else f[0]['error']}; see the failed runs)."
        for m, f in c.failed.items())
    if best is None:
        return (f"No baseline ran on {c.dataset}, so there is nothing to compare the other methods with. "
                + failed_text).strip()
    lines = [f"**{best}** is the best baseline here ({name} {c.summary[best].means[c.metric]:.3f}"
             f"{'' if n_seeds < 2 else f' ± {c.summary[best].half_widths[c.metric]:.3f}'} over "
             f"{_count(n_seeds, 'seed', 'seeds')})."]
    if n_seeds < 2:
        lines.append("With one seed no difference can be tested: run more seeds (5 or more) before "
                     "choosing a method.")
    generative = [t for m, t in c.tests.items() if not is_baseline(m)]
    better = [t for t in generative if t.significant and t.difference > 0]
    worse = [t for t in generative if t.significant and t.difference <= 0]
    level = [t for t in generative if not t.significant] if n_seeds >= 2 else []
    lines += [f"**{t.method}** is better than {best}: {t.text()} in {name}." for t in better]
    lines += [f"{t.method} is worse than {best}: {t.text()}." for t in worse]
    lines += [f"{t.method} is not significantly different from {best}: {t.text()} over {t.n_seeds} seeds."
              for t in level]
    if better:
        lines.append(f"Use **{max(better, key=lambda t: t.difference).method}**.")
    elif n_seeds >= 2:
        lines.append(f"Use **{best}**: no other method is significantly better and it needs no generative model.")
        close = [m for m, t in c.tests.items() if is_baseline(m) and not t.significant]
        if close:
            lines.append(f"{' and '.join(close)} {'is' if len(close) == 1 else 'are'} not significantly worse, "
                         "so as sound a choice on these seeds.")
    if failed_text:
        lines.append(failed_text)
    roc = [t for t in c.roc_tests.values() if t.significant] if n_seeds >= 2 else []
    if roc:
        lines.append("ROC-AUC (ranking, whatever the threshold) differs significantly from "
                     f"{best} for: " + ", ".join(f"{t.method} {t.text()}" for t in roc) + ".")
    elif n_seeds >= 2:
        lines.append(f"No method ranks the test images significantly better or worse than {best} "
                     "(ROC-AUC): where methods differ, they move the decision threshold.")
    return " ".join(lines)


def recommend(rows, dataset, metric="balanced_accuracy"):
    """A short, plain recommendation derived from the rows alone (see
    :func:`recommendation_text`).

    Returns
    -------
    text : str
        A few sentences of Markdown.
    """
    return recommendation_text(compare_methods(rows, dataset, metric))


def quality_table(rows, dataset):
    """``(header, body)``: the synthetic images' metrics per method and class."""
    rows = [r for r in rows if r["dataset"] == dataset and r.get("quality")]
    filtered = any("recall_before_filter" in q for r in rows for q in r["quality"].values())
    header = ["method", "class", "FID", "precision", "recall", "density", "coverage", "memorized", "C2ST",
              *(["recall before filter", "coverage before filter"] if filtered else [])]
    body = []
    for row in rows:
        for label, q in row["quality"].items():
            before = [f"{q[k]:.3f}" if k in q else "—" for k in ("recall_before_filter", "coverage_before_filter")]
            body.append([row["method"], str(label), f"{q['fid']:.2f}",
                         *(f"{q[k]:.3f}" for k in ("precision", "recall", "density", "coverage",
                                                   "memorized_fraction", "c2st")), *(before if filtered else [])])
    return header, body


def rejected_copies_text(rows, dataset):
    """One sentence per method that draws near-copies of training images
    again: how many it rejected, over its runs; "" without such methods."""
    totals = {}
    for row in rows:
        if row["dataset"] == dataset and row.get("rejected_copies") is not None:
            runs, n = totals.get(row["method"], (0, 0))
            totals[row["method"]] = (runs + 1, n + sum(row["rejected_copies"].values()))
    return " ".join(f"**{method}**: {_count(n, 'generated image was a near-copy', 'generated images were near-copies')}"
                    f" of a training image and {'was' if n == 1 else 'were'} drawn again, over "
                    f"{_count(runs, 'run', 'runs')}." for method, (runs, n) in totals.items())


def _checked_layout(check):
    """Whether a recorded sample check looked at layout (checks recorded
    before it existed did not); an attempt is one check's figures, or one per class."""
    return any("layout_real" in attempt or any(isinstance(v, dict) and "layout_real" in v for v in attempt.values())
               for attempt in check["attempts"])


def sample_check_text(rows, dataset):
    """One sentence per GAN method: on how many runs its sample check passed,
    and how many needed a second training; "" without checks."""
    counts = {}
    for row in rows:
        if row["dataset"] != dataset or not (row.get("sample_check") or "error" in row):
            continue
        c = counts.setdefault(row["method"], {"runs": 0, "passed": 0, "retried": 0, "layout": False})
        c["runs"] += 1
        checks = (row.get("sample_check") or {}).values()
        c["passed"] += bool(checks) and all(check["passed"] for check in checks)
        c["retried"] += any(len(check["attempts"]) > 1 for check in checks)
        c["layout"] |= any(_checked_layout(check) for check in checks)
    return " ".join(f"**{method}**: its images passed the sample check (noise, collapse, "
                    f"{'layout, ' if c['layout'] else ''}off statistics) on {c['passed']} of {c['runs']} runs; "
                    f"{c['retried']} runs trained a class a second time."
                    for method, c in counts.items())


#: Approximate advance of one character of the charts' 12 px sans-serif font,
#: generous so that text measured with it stays inside the drawing.
_CHAR_W = 7.5


def _axis(means, halves):
    """``(low, high)`` of a chart's axis: every mean with room around it, and
    the intervals as far as they stay within one spread of the means (wider
    ones, as with 2 seeds, are cut at the edge and marked)."""
    spread = max(max(means) - min(means), 0.05)
    low = max(min(m - h for m, h in zip(means, halves)), min(means) - spread)
    high = min(max(m + h for m, h in zip(means, halves)), max(means) + spread)
    pad = 0.05 * (high - low) + 0.005
    low, high = max(0.0, low - pad), min(1.0, high + pad)
    return (low, high) if high > low else (max(0.0, low - 0.05), min(1.0, high + 0.05))


def _ticks(low, high, most=6):
    step = next(s for s in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0) if (high - low) / s <= most)
    return [k * step for k in range(math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9) + 1)]


def chart_svg(comparison, metric):
    """An SVG dot-and-whisker chart of ``metric``'s mean ± 95% CI per method.

    Every mark and label lies inside the drawing: the labels have their own
    columns left and right of the plot, and an interval that runs past the
    axis ends at its edge with an arrowhead.
    """
    summary = {m: comparison.summary[m] for _, group in _groups(list(comparison.summary)) for m in group}
    if not summary:
        return ""
    means = [s.means[metric] for s in summary.values()]
    halves = [0.0 if math.isnan(s.half_widths[metric]) else s.half_widths[metric] for s in summary.values()]
    low, high = _axis(means, halves)
    values = [f"{m:.3f}" if h == 0 else f"{m:.3f} ± {h:.3f}" for m, h in zip(means, halves)]
    row_h, top, plot_w = 22, 24, 400
    left = 12 + _CHAR_W * max(len(m) for m in summary)
    width = math.ceil(left + plot_w + 12 + _CHAR_W * max(len(v) for v in values) + 8)
    height = top + row_h * len(means) + 22
    x = lambda v: left + plot_w * (min(max(v, low), high) - low) / (high - low)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
             f'<text x="{left:.1f}" y="14">{html.escape(METRICS[metric][0])}: mean ± 95% CI</text>']
    axis_y = top + row_h * len(means)
    for tick in _ticks(low, high):
        parts += [f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top}" y2="{axis_y + 3}" stroke="#ddd"/>',
                  f'<text x="{x(tick):.1f}" y="{axis_y + 16}" text-anchor="middle">{tick:g}</text>']
    for i, (method, mean, half, value) in enumerate(zip(summary, means, halves, values)):
        y = top + i * row_h + row_h / 2
        colour = "#6f6f6f" if is_baseline(method) else "#2f5fa8"
        parts += [f'<text x="{left - 8:.1f}" y="{y + 4:.1f}" text-anchor="end">{html.escape(method)}</text>',
                  f'<line x1="{x(mean - half):.1f}" x2="{x(mean + half):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                  f'stroke="{colour}" stroke-width="2"/>',
                  f'<circle cx="{x(mean):.1f}" cy="{y:.1f}" r="4" fill="{colour}"/>',
                  f'<text x="{left + plot_w + 12:.1f}" y="{y + 4:.1f}">{value}</text>']
        for end, sign in ((mean - half, -1), (mean + half, 1)):
            if (end < low and sign < 0) or (end > high and sign > 0):  # cut at the axis: an arrowhead
                tip = x(end)
                parts.append(f'<path d="M{tip:.1f},{y:.1f} l{-6 * sign},-4 v8 z" fill="{colour}"/>')
    parts.append("</svg>")
    return "\n".join(parts)


def report_blocks(rows, dataset, *, title, intro, grids_dir=None, metric="balanced_accuracy", comparison=None):
    """The report as blocks: ``("h1"|"h2"|"p", text)``, ``("table", (header, body))``,
    ``("svg", text)`` and ``("img", path)``; every statistic comes from one
    ``comparison`` (:func:`compare_methods` of the rows, computed when None)."""
    comparison = comparison or compare_methods(rows, dataset, metric)
    blocks = [("h1", title), *(("p", p) for p in intro),
              ("h2", "Recommendation"), ("p", recommendation_text(comparison)),
              ("h2", "Scores (mean ± 95% CI over seeds)"),
              *(block for heading, methods in _groups(list(comparison.summary))
                for block in ([("h3", heading)] if heading else []) + [("table", _score_table(comparison, methods))]),
              ("p", "How to read: " + "; ".join(f"**{t}**: {r}" for t, r in METRICS.values()) + ". The last "
                    "column is the mean difference to the best baseline on the same seeds, with "
                    "a paired t-test; p < 0.05 is needed to call a difference real."),
              ("svg", chart_svg(comparison, metric)), ("svg", chart_svg(comparison, "roc_auc"))]
    for text in (sample_check_text(rows, dataset), rejected_copies_text(rows, dataset)):
        if text:
            blocks.append(("p", text))
    failed = [r for method_rows in comparison.failed.values() for r in method_rows]
    if failed:
        blocks += [("h2", "Failed runs"),
                   ("table", (["method", "seed", "error"], [[r["method"], str(r["seed"]), r["error"]]
                                                            for r in failed]))]
    header, body = quality_table(rows, dataset)
    if body:
        blocks += [("h2", "Synthetic images, measured against the real training images of their class"),
                   ("table", (header, body)),
                   ("p", " ".join(f"**{name}**: {text}" for name, text in QUALITY_READING.items()
                                  if "before filter" not in name or "recall before filter" in header))]
    if grids_dir is not None and Path(grids_dir).is_dir():
        images = sorted(Path(grids_dir).glob("*.png"))
        if images:
            blocks.append(("h2", "Real (first row of each class) and new images (second row)"))
            blocks += [("img", path) for path in images]
    return blocks


def render_markdown(blocks, relative_to):
    out = []
    for kind, content in blocks:
        if kind == "h1":
            out.append(f"# {content}\n")
        elif kind == "h2":
            out.append(f"## {content}\n")
        elif kind == "h3":
            out.append(f"### {content}\n")
        elif kind == "p":
            out.append(f"{content}\n")
        elif kind == "table":
            header, body = content
            out += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header),
                    *("| " + " | ".join(row) + " |" for row in body), ""]
        elif kind == "img":
            path = Path(content)
            out.append(f"![{path.stem}]({path.relative_to(relative_to).as_posix()})\n")
    return "\n".join(out)


def _inline(text):
    text = html.escape(text)
    text = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", text)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", text)


def render_html(blocks):
    out = ["<!DOCTYPE html>", '<html><head><meta charset="utf-8"><title>gansampler compare</title>',
           "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}"
           "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px}"
           "th{background:#f3f3f3}img{max-width:100%;image-rendering:pixelated}</style></head><body>"]
    for kind, content in blocks:
        if kind in ("h1", "h2", "h3"):
            out.append(f"<{kind}>{_inline(content)}</{kind}>")
        elif kind == "p":
            out.append(f"<p>{_inline(content)}</p>")
        elif kind == "table":
            header, body = content
            out.append("<table><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in header) + "</tr>")
            out += ["<tr>" + "".join(f"<td>{_inline(c)}</td>" for c in row) + "</tr>" for row in body]
            out.append("</table>")
        elif kind == "svg":
            out.append(f"<p>{content}</p>")
        elif kind == "img":
            data = base64.b64encode(Path(content).read_bytes()).decode("ascii")
            out.append(f'<p><b>{html.escape(Path(content).stem)}</b><br>'
                       f'<img src="data:image/png;base64,{data}" alt="{html.escape(Path(content).stem)}"></p>')
    out.append("</body></html>")
    return "\n".join(out)
