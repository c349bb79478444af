"""The comparison's report, as Markdown and as one self-contained HTML page.

Both are rendered from the same blocks (headings, paragraphs, tables, figures),
so they say the same thing; the HTML embeds its images and charts.
"""

import base64
import html
import math
import re
from pathlib import Path

from ._methods import C2ST_MIN_STEPS
from ._stats import BASELINES, METRICS, best_baseline, failures, paired_test, recommend, summarize

__all__ = ["QUALITY_READING", "quality_table", "render_html", "render_markdown", "report_blocks", "sample_check_text",
           "score_table"]

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
    "C2ST": "held-out accuracy of a CNN telling real from synthetic: 0.5 is indistinguishable, near 1 "
            "means a classifier can learn 'synthetic' instead of the class (it trains on half the images, "
            f"at least {C2ST_MIN_STEPS} steps, and is tested on the other half: on n test images chance alone moves it "
            "by up to about 1/sqrt(n), 0.14 for 50).",
}


def _cell(mean, half):
    return f"{mean:.3f}" if math.isnan(half) else f"{mean:.3f} ± {half:.3f}"


def score_table(rows, dataset, metric="balanced_accuracy"):
    """``(header, body)`` of the scores table: mean ± 95% CI per method, and a
    paired t-test against the best baseline on ``metric``."""
    summary = summarize([r for r in rows if r["dataset"] == dataset]).get(dataset, {})
    bar = best_baseline(summary, metric)
    header = ["method", *(METRICS[k][0] for k in METRICS), "resample s", "fit s",
              f"vs {bar} ({METRICS[metric][0]}, paired t-test)" if bar else "vs best baseline"]
    body = []
    for method, s in summary.items():
        test = "—" if bar is None or method == bar else paired_test(rows, dataset, method, bar, metric).text()
        body.append([method, *(_cell(s.means[k], s.half_widths[k]) for k in METRICS),
                     f"{s.resample_seconds:.1f}", f"{s.fit_seconds:.1f}", test])
    return header, body


def quality_table(rows, dataset):
    """``(header, body)``: the synthetic images' metrics per method and class."""
    header = ["method", "class", "FID", "precision", "recall", "density", "coverage", "memorized", "C2ST"]
    body = []
    for row in rows:
        if row["dataset"] != dataset or not row.get("quality"):
            continue
        for label, q in row["quality"].items():
            body.append([row["method"], str(label), f"{q['fid']:.2f}",
                         *(f"{q[k]:.3f}" for k in ("precision", "recall", "density", "coverage",
                                                   "memorized_fraction", "c2st"))])
    return header, body


def sample_check_text(rows, dataset):
    """One sentence per GAN method: on how many runs its sample check passed,
    and how many needed a second training; "" without checks."""
    counts = {}
    for row in rows:
        if row["dataset"] != dataset or not (row.get("sample_check") or "error" in row):
            continue
        c = counts.setdefault(row["method"], {"runs": 0, "passed": 0, "retried": 0})
        c["runs"] += 1
        checks = (row.get("sample_check") or {}).values()
        c["passed"] += bool(checks) and all(check["passed"] for check in checks)
        c["retried"] += any(len(check["attempts"]) > 1 for check in checks)
    return " ".join(f"**{method}**: its images passed the sample check (noise, collapse, off statistics) on "
                    f"{c['passed']} of {c['runs']} runs; {c['retried']} runs trained a class a second time."
                    for method, c in counts.items())


def _chart(rows, dataset, metric):
    """An SVG bar chart of ``metric``'s mean ± 95% CI per method."""
    summary = summarize([r for r in rows if r["dataset"] == dataset]).get(dataset, {})
    if not summary:
        return ""
    means = [s.means[metric] for s in summary.values()]
    halves = [0.0 if math.isnan(s.half_widths[metric]) else s.half_widths[metric] for s in summary.values()]
    low = max(0.0, min(m - h for m, h in zip(means, halves)) - 0.05)
    high = min(1.0, max(m + h for m, h in zip(means, halves)) + 0.02)
    width, row_h, left, plot_w = 640, 22, 150, 440
    x = lambda v: left + plot_w * (v - low) / max(high - low, 1e-9)  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{row_h * len(means) + 40}" '
             f'font-family="sans-serif" font-size="12">',
             f'<text x="{left}" y="14">{html.escape(METRICS[metric][0])}: mean ± 95% CI</text>']
    for i, (method, mean, half) in enumerate(zip(summary, means, halves)):
        y = 24 + i * row_h
        colour = "#8c8c8c" if method in BASELINES else "#4c72b0"
        parts += [f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{html.escape(method)}</text>',
                  f'<rect x="{left}" y="{y + 3}" width="{x(mean) - left:.1f}" height="{row_h - 8}" fill="{colour}"/>',
                  f'<line x1="{x(mean - half):.1f}" x2="{x(mean + half):.1f}" y1="{y + 11}" y2="{y + 11}" '
                  'stroke="black"/>',
                  f'<text x="{x(mean + half) + 4:.1f}" y="{y + 15}">{mean:.3f}</text>']
    axis_y = 24 + len(means) * row_h + 12
    parts += [f'<text x="{left}" y="{axis_y}">{low:.2f}</text>',
              f'<text x="{left + plot_w}" y="{axis_y}" text-anchor="end">{high:.2f}</text>', "</svg>"]
    return "\n".join(parts)


def report_blocks(rows, dataset, *, title, intro, grids_dir=None, metric="balanced_accuracy"):
    """The report as blocks: ``("h1"|"h2"|"p", text)``, ``("table", (header, body))``,
    ``("svg", text)`` and ``("img", path)``."""
    blocks = [("h1", title), *(("p", p) for p in intro),
              ("h2", "Recommendation"), ("p", recommend(rows, dataset, metric)),
              ("h2", "Scores (mean ± 95% CI over seeds)"), ("table", score_table(rows, dataset, metric)),
              ("p", "How to read: " + "; ".join(f"**{t}**: {r}" for t, r in METRICS.values()) + ". The last "
                    "column is the mean difference to the best baseline on the same seeds, with "
                    "a paired t-test; p < 0.05 is needed to call a difference real."),
              ("svg", _chart(rows, dataset, metric)), ("svg", _chart(rows, dataset, "roc_auc"))]
    checks = sample_check_text(rows, dataset)
    if checks:
        blocks.append(("p", checks))
    failed = [r for method_rows in failures(rows, dataset).values() for r in method_rows]
    if failed:
        blocks += [("h2", "Failed runs"),
                   ("table", (["method", "seed", "error"], [[r["method"], str(r["seed"]), r["error"]]
                                                            for r in failed]))]
    header, body = quality_table(rows, dataset)
    if body:
        blocks += [("h2", "Synthetic images, measured against the real training images of their class"),
                   ("table", (header, body)),
                   ("p", " ".join(f"**{name}**: {text}" for name, text in QUALITY_READING.items()))]
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
