"""The comparison's report: charts whose marks and labels stay inside the
drawing, and one summary behind every block."""

import re
import xml.etree.ElementTree as ET

import pytest

from gansampler.benchmark import _report, _stats
from gansampler.benchmark._report import _CHAR_W, chart_svg, report_blocks
from gansampler.benchmark._stats import compare_methods

SVG = "{http://www.w3.org/2000/svg}"


def _rows(scores, dataset="d"):
    """Rows of ``{method: [balanced accuracy per seed]}``; ROC-AUC a little above."""
    return [{"dataset": dataset, "method": m, "seed": seed, "balanced_accuracy": v, "macro_f1": v,
             "roc_auc": min(1.0, v + 0.03), "minority_recall": v}
            for m, values in scores.items() for seed, v in enumerate(values)]


def _extents(svg):
    """``(width, height, [(what, x0, x1, y0, y1)])`` of every mark and label,
    text measured at the chart's character width."""
    root = ET.fromstring(svg)
    width, height = float(root.get("width")), float(root.get("height"))
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    boxes = []
    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        if tag == "text":
            x, y, n = float(el.get("x")), float(el.get("y")), len(el.text)
            anchor = el.get("text-anchor", "start")
            x0 = {"start": x, "middle": x - n * _CHAR_W / 2, "end": x - n * _CHAR_W}[anchor]
            boxes.append((el.text, x0, x0 + n * _CHAR_W, y - 10, y + 3))
        elif tag == "line":
            xs, ys = (float(el.get("x1")), float(el.get("x2"))), (float(el.get("y1")), float(el.get("y2")))
            boxes.append(("line", min(xs), max(xs), min(ys), max(ys)))
        elif tag == "circle":
            cx, cy, r = (float(el.get(k)) for k in ("cx", "cy", "r"))
            boxes.append(("circle", cx - r, cx + r, cy - r, cy + r))
        elif tag == "path":
            numbers = [float(v) for v in re.findall(r"-?\d+\.?\d*", el.get("d"))]
            x0, y0 = numbers[:2]  # M x,y  l dx,dy  v dv
            xs, ys = (x0, x0 + numbers[2]), (y0 + numbers[3], y0 + numbers[3] + numbers[4], y0)
            boxes.append(("arrow", min(xs), max(xs), min(ys), max(ys)))
    return width, height, boxes


@pytest.mark.parametrize("scores", [
    # 5 seeds, narrow intervals, values near 1 (labels once ran past the right edge)
    {"none": [0.95, 0.96, 0.955, 0.957, 0.958], "threshold": [0.93, 0.94, 0.935, 0.93, 0.933],
     "gan": [0.6, 0.7, 0.65, 0.62, 0.66]},
    # 2 seeds: t-intervals far wider than the axis
    {"none": [0.80, 0.95], "random": [0.85, 0.90], "half-augment+random-with-a-long-name": [0.10, 0.99]},
    # one method, one seed: no interval at all
    {"augment": [0.5]},
])
def test_every_mark_and_label_lies_inside_the_chart(scores):
    comparison = compare_methods(_rows(scores), "d")
    for metric in ("balanced_accuracy", "roc_auc"):
        width, height, boxes = _extents(chart_svg(comparison, metric))
        for what, x0, x1, y0, y1 in boxes:
            assert 0 <= x0 <= x1 <= width and 0 <= y0 <= y1 <= height, (what, x0, x1, y0, y1, width, height)
        labels = [b[0] for b in boxes]
        for method, summary in comparison.summary.items():
            assert method in labels
            assert any(text.startswith(f"{summary.means[metric]:.3f}") for text in labels)


def test_the_axis_follows_the_means_when_intervals_are_wide():
    comparison = compare_methods(_rows({"none": [0.80, 0.95], "random": [0.85, 0.90], "gan": [0.70, 0.99]}), "d")
    svg = chart_svg(comparison, "balanced_accuracy")
    ticks = [float(t) for t in re.findall(r'text-anchor="middle">([\d.]+)</text>', svg)]
    # the means span 0.845..0.875; the 2-seed intervals span more than 0..1
    assert ticks and min(ticks) >= 0.75 and max(ticks) <= 0.96
    assert svg.count("<path") >= 4  # every interval is cut at both ends, and marked


def test_report_blocks_summarise_once(monkeypatch):
    rows = _rows({"none": [0.8, 0.82, 0.81], "random": [0.84, 0.85, 0.83], "gan": [0.7, 0.72, 0.71]})
    calls = []
    real = _stats.summarize
    monkeypatch.setattr(_stats, "summarize", lambda r: calls.append(1) or real(r))
    blocks = report_blocks(rows, "d", title="t", intro=[])
    assert len(calls) == 1
    kinds = [kind for kind, _ in blocks]
    assert kinds.count("svg") == 2 and kinds.count("table") == 1
    recommendation = blocks[kinds.index("h2") + 1][1]
    assert recommendation == _report.recommend(rows, "d")
    assert "**random** is the best baseline" in recommendation and "gan is worse than random" in recommendation


def test_report_counts_the_near_copies_a_sampler_drew_again():
    from gansampler import DiffusionOverSampler
    from gansampler.benchmark._methods import METHODS, make_sampler

    rows = _rows({"none": [0.8, 0.82], "diffusion": [0.7, 0.75]})
    for row, rejected in zip([r for r in rows if r["method"] == "diffusion"], ({"NORMAL": 3}, {"NORMAL": 4})):
        row["rejected_copies"] = rejected
    assert _report.rejected_copies_text(rows, "d") == (
        "**diffusion**: 7 generated images were near-copies of a training image and were drawn again, over 2 runs.")
    assert _report.rejected_copies_text(_rows({"none": [0.8]}), "d") == ""
    rows[-1]["rejected_copies"] = {"NORMAL": 0}  # 3 + 0 over the two runs
    assert _report.rejected_copies_text(rows, "d") == (
        "**diffusion**: 3 generated images were near-copies of a training image and were drawn again, over 2 runs.")
    rows[-2]["rejected_copies"] = {"NORMAL": 1}
    assert _report.rejected_copies_text(rows, "d") == (
        "**diffusion**: 1 generated image was a near-copy of a training image and was drawn again, over 2 runs.")
    rows[-2]["rejected_copies"], rows[-1]["rejected_copies"] = {"NORMAL": 3}, {"NORMAL": 4}
    texts = [text for kind, text in report_blocks(rows, "d", title="t", intro=[]) if kind == "p"]
    assert any("7 generated images were near-copies" in t for t in texts)
    # compare's diffusion method: the sampler with the run's seed, named by the extra it needs
    sampler, extra = make_sampler("diffusion", (1, 8, 8), 4, {})
    assert isinstance(sampler, DiffusionOverSampler) and sampler.random_state == 4 and extra == {}
    assert METHODS["diffusion"].extra == "diffusion" and not METHODS["diffusion"].default
