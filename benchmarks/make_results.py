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

from gansampler.benchmark import (
    quality_table,
    read_rows,
    recommend,
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


def document(results=RESULTS):
    """The Markdown of the results document."""
    index = json.loads((results / "index.json").read_text())
    blocks = []
    for entry in index:
        rows = read_rows(results / entry["file"])
        blocks += [("h2", entry["title"]),
                   ("p", f"Command: `{entry['command']}`. Hardware: {entry['hardware']}. "
                         f"Rows: `benchmarks/results/{entry['file']}`."),
                   *(("p", line) for line in entry.get("notes", []))]
        for dataset in dict.fromkeys(r["dataset"] for r in rows):
            n_seeds = len({r["seed"] for r in rows if r["dataset"] == dataset})
            seeds = f"{n_seeds} seed{'s' if n_seeds != 1 else ''}"
            blocks += [("h3", f"{dataset} ({seeds})"), ("table", score_table(rows, dataset)),
                       ("p", "Recommendation: " + recommend(rows, dataset))]
            checks = sample_check_text(rows, dataset)
            if checks:
                blocks.append(("p", checks))
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
