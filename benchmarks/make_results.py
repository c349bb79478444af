"""Write docs/results.md from the rows in benchmarks/results/*.jsonl.

Every table in the results document is generated here from its rows, so that
a table cannot drift from its data. ``benchmarks/results/index.json`` names,
for each file of rows, its title, the command and the hardware that produced
it.

python benchmarks/make_results.py            # rewrite docs/results.md
python benchmarks/make_results.py --check    # exit 1 if docs/results.md is not what the rows give
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from gansampler.benchmark import (
    quality_table,
    read_rows,
    recommend,
    rejected_copies_text,
    render_markdown,
    sample_check_text,
    score_table,
)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
DOC = ROOT / "docs" / "results.md"

INTRO = """# Results

Every table here is generated from rows in `benchmarks/results/*.jsonl` by
`python benchmarks/make_results.py`; do not edit it by hand. Each method is the same
`CNNClassifier` after its sampler; scores are on the data's test split; mean ± 95% CI over
seeds; the last column of a scores table is the mean difference to the best baseline on
the same seeds with a paired t-test (p < 0.05 is needed to call a difference real). The
recommendation under each table is derived from its numbers by the same code as
`gansampler compare`'s.
"""


CURVE_QUALITY = (("FID", "fid", ".2f"), ("precision", "precision", ".3f"), ("recall", "recall", ".3f"),
                 ("coverage", "coverage", ".3f"), ("memorized", "memorized_fraction", ".3f"), ("C2ST", "c2st", ".3f"))


def _curve_quality(row):
    """The synthetic images' metrics of a compute-curve row (its one filled class)."""
    return next(iter(row["quality"].values()), {}) if row.get("quality") else {}


def curve_blocks(rows):
    """Blocks of a compute curve (``benchmarks/compute_curve.py``): per sampler
    and seed, one line per budget, then the change per doubling of the budget
    (least-squares slope over log2 of the budget)."""
    header = ["sampler", "seed", "budget", "training", "seconds", *(name for name, _, _ in CURVE_QUALITY),
              "balanced acc.", "ROC-AUC"]
    body, slopes = [], []
    for sampler in dict.fromkeys(r["sampler"] for r in rows):
        for seed in dict.fromkeys(r["seed"] for r in rows if r["sampler"] == sampler):
            run = sorted((r for r in rows if r["sampler"] == sampler and r["seed"] == seed), key=lambda r: r["budget"])
            for r in run:
                q = _curve_quality(r)
                body.append([sampler, str(seed), f"{r['budget']}x", f"{r['units']} {r['unit']}",
                             f"{r['train_seconds']:.0f}", *(format(q[key], fmt) if key in q else "—"
                                                            for _, key, fmt in CURVE_QUALITY),
                             f"{r['balanced_accuracy']:.3f}", f"{r['roc_auc']:.3f}"])
            if len(run) > 1:
                log_budget = np.log2([r["budget"] for r in run])
                per_doubling = {name: np.polyfit(log_budget, values, 1)[0] for name, values in (
                    ("recall", [_curve_quality(r).get("recall", np.nan) for r in run]),
                    ("coverage", [_curve_quality(r).get("coverage", np.nan) for r in run]),
                    ("balanced accuracy", [r["balanced_accuracy"] for r in run]),
                    ("ROC-AUC", [r["roc_auc"] for r in run]))}
                slopes.append(f"{sampler} (seed {seed}), per doubling of the budget: " + ", ".join(
                    f"{name} {round(value, 3) + 0.0:+.3f}" for name, value in per_doubling.items()) + ".")
    return [("table", (header, body)), *(("p", line) for line in slopes)]


def document(results=RESULTS):
    """The Markdown of the results document."""
    index = json.loads((results / "index.json").read_text())
    blocks = []
    for entry in index:
        blocks += [("h2", entry["title"]),
                   ("p", f"Command: `{entry['command']}`. Hardware: {entry['hardware']}. "
                         f"Rows: `benchmarks/results/{entry['file']}`."),
                   *(("p", line) for line in entry.get("notes", []))]
        if entry.get("kind") == "compute_curve":
            lines = (results / entry["file"]).read_text().splitlines()
            blocks += curve_blocks([json.loads(line) for line in lines if line.strip()])
            continue
        rows = read_rows(results / entry["file"])
        for dataset in dict.fromkeys(r["dataset"] for r in rows):
            n_seeds = len({r["seed"] for r in rows if r["dataset"] == dataset})
            seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}"
            blocks += [("h3", f"{dataset} ({seeds})"), ("table", score_table(rows, dataset)),
                       ("p", "Recommendation: " + recommend(rows, dataset))]
            for text in (sample_check_text(rows, dataset), rejected_copies_text(rows, dataset)):
                if text:
                    blocks.append(("p", text))
            header, body = quality_table(rows, dataset)
            if body:
                blocks += [("p", f"Synthetic images of the first seed against the real training images of "
                                 f"their class ({dataset}):"), ("table", (header, body))]
    return INTRO + "\n" + render_markdown(blocks, relative_to=ROOT)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with docs/results.md instead of writing")
    args = parser.parse_args(argv)
    text = document()
    if args.check:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is not what {RESULTS} gives: run python benchmarks/make_results.py", file=sys.stderr)
            return 1
        return 0
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
