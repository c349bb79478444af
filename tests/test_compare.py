"""gansampler compare: end to end on tiny image folders, the recommendation,
bad input, resuming and parallel runs."""

import json
import re

import numpy as np
import pytest
from PIL import Image

from gansampler import cli
from gansampler.benchmark import _run, compare, load_benchmark_data, recommend

FAST = ["--seeds", "1", "--clf-epochs", "1", "--gan", "max_epochs=1", "--gan", "width=4", "--gan", "sample_check=none",
        "--quiet"]
SCORES = ("balanced_accuracy", "macro_f1", "roc_auc", "minority_recall", "gmean", "confusion_matrix")


def _folder(root, counts, size=(12, 12), mode="L", seed=0):
    """A class sub-folder per entry of ``counts`` with that many random images:
    each class a brighter or darker blob, so that there is something to learn."""
    rng = np.random.RandomState(seed)
    for k, (name, n) in enumerate(counts.items()):
        (root / name).mkdir(parents=True)
        for i in range(n):
            shape = (*size, 3) if mode == "RGB" else size
            pixels = rng.randint(0, 120, shape) + 60 * k
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), mode).save(root / name / f"{i:03d}.png")
    return root


def _rows(out):
    return [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]


def _scores(rows):
    return {(r["method"], r["seed"]): tuple(json.dumps(r[k]) for k in SCORES) for r in rows}


@pytest.mark.parametrize("mode, counts", [
    ("L", {"NORMAL": 14, "PNEUMONIA": 30}),
    ("RGB", {"a": 12, "b": 20, "c": 30}),
])
def test_compare_writes_the_report_with_every_table(tmp_path, mode, counts):
    data = _folder(tmp_path / "data", counts, mode=mode)
    out = tmp_path / "out"
    assert cli.main(["compare", str(data), "--out", str(out), *FAST]) == 0
    rows = _rows(out)
    binary = len(counts) == 2
    expected = ["none", "threshold", "class_weight", "random", "smote", "augment", "gan", "vae",
                "latent-smote", "gan-ae"]
    if not binary:
        expected.remove("threshold")
    assert [r["method"] for r in rows] == expected or sorted(r["method"] for r in rows) == sorted(expected)
    for row in rows:
        assert 0 <= row["balanced_accuracy"] <= 1 and row["seed"] == 0 and row["hardware"]
    by_method = {r["method"]: r for r in rows}
    assert by_method["none"]["quality"] is None  # nothing synthetic to judge
    smallest = min(counts, key=counts.get)
    assert set(by_method["gan"]["quality"]) == {c for c in counts if counts[c] < max(counts.values())}
    assert by_method["random"]["quality"][smallest]["memorized_fraction"] == 1.0  # exact copies
    report = (out / "report.md").read_text()
    for heading in ("## Recommendation", "## Scores (mean ± 95% CI over seeds)",
                    "## Synthetic images", "| method | balanced acc. | macro-F1 | ROC-AUC | minority recall"):
        assert heading in report
    assert all(f"| {m} |" in report for m in expected)
    assert "With one seed no difference can be tested" in report
    assert "| gan | " + smallest + " |" in report  # the quality table has a row per class
    assert "![gan](grids/gan.png)" in report and (out / "grids" / "gan.png").stat().st_size > 500
    page = (out / "report.html").read_text()
    assert page.count("data:image/png;base64,") == 7 and page.count("<svg") == 2  # self-contained: 7 samplers
    assert "<table>" in page and "Recommendation" in page
    manifest = json.loads((out / "compare.json").read_text())
    assert manifest["settings"]["clf_params"] == {"max_epochs": 1}


def _row(method, seed, bal, auc=0.9, dataset="d"):
    return {"dataset": dataset, "method": method, "seed": seed, "balanced_accuracy": bal, "macro_f1": bal,
            "roc_auc": auc, "minority_recall": bal, "resample_seconds": 0.0, "fit_seconds": 1.0}


def test_recommendation_follows_the_numbers():
    base = [0.80, 0.82, 0.81, 0.79, 0.83]
    # a GAN level with random oversampling: no difference claimed, the baseline recommended
    rows = [_row("none", s, b - 0.05 + 0.001 * s) for s, b in enumerate(base)]
    rows += [_row("random", s, b) for s, b in enumerate(base)]
    rows += [_row("gan", s, b + d) for s, (b, d) in enumerate(zip(base, [0.01, -0.01, 0.005, -0.004, 0.0]))]
    text = recommend(rows, "d")
    assert "**random** is the best baseline" in text
    assert "gan is not significantly different from random" in text and "5 seeds" in text
    assert "Use **random**" in text and "better than random" not in text
    assert "not significantly worse" not in text  # none is clearly below random (p < 0.05)
    assert "No method ranks the test images significantly better or worse" in text
    # a GAN clearly better on every seed: claimed, and recommended
    better = [r for r in rows if r["method"] != "gan"]
    better += [_row("gan", s, b + 0.03 + 0.002 * s) for s, b in enumerate(base)]
    text = recommend(better, "d")
    assert "**gan** is better than random: +0.034" in text and "Use **gan**" in text
    # clearly worse, and a threshold-like method that moves ROC-AUC
    worse = [r for r in rows if r["method"] != "gan"]
    worse += [_row("gan", s, b - 0.05 - 0.001 * s, auc=0.8 + 0.001 * s) for s, b in enumerate(base)]
    text = recommend(worse, "d")
    assert "gan is worse than random" in text and "Use **random**" in text
    assert "ROC-AUC (ranking, whatever the threshold) differs significantly from random for: gan" in text
    # one seed: nothing is claimed
    text = recommend([r for r in better if r["seed"] == 0], "d")
    assert "With one seed no difference can be tested" in text
    assert "better than" not in text and "Use " not in text


def _bad_inputs(tmp_path):
    """``(arguments, output folder, error message)`` per bad input."""
    out = tmp_path / "out"
    ok = _folder(tmp_path / "ok", {"a": 12, "b": 20})
    one = _folder(tmp_path / "one", {"only": 10})
    few = _folder(tmp_path / "few", {"a": 4, "b": 20})
    empty_file = _folder(tmp_path / "empty_file", {"a": 12, "b": 20})
    (empty_file / "a" / "000.png").write_bytes(b"")
    garbled = _folder(tmp_path / "garbled", {"a": 12, "b": 20})
    (garbled / "b" / "005.png").write_bytes(b"not a png at all")
    mixed = _folder(tmp_path / "mixed", {"a": 12, "b": 20})
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(mixed / "b" / "019.png")
    npz = tmp_path / "nokeys.npz"
    np.savez(npz, images=np.zeros((4, 8, 8), np.uint8))
    other = tmp_path / "someone_elses"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    return [
        ([str(tmp_path / "absent")], out, "no such file or folder"),
        ([str(one)], out, "1 class sub-folder"),
        ([str(few)], out, "class 'a' has 3 training image\\(s\\); method 'threshold' needs at least 5"),
        ([str(empty_file)], out, "cannot read image file .*000.png"),
        ([str(garbled)], out, "cannot read image file .*005.png"),
        ([str(mixed)], out, "images differ in size.*--image-size"),
        ([str(ok), "--methods", "none", "vae9"], out, r"unknown method\(s\) \['vae9'\]"),
        ([str(npz)], out, r"has no \['train_images', 'train_labels'\]"),
        ([str(ok)], other, "is not a gansampler compare output.*--force"),
    ]


def test_bad_input_is_a_clear_error_with_status_2_and_nothing_written(tmp_path, capsys):
    for argv, out, message in _bad_inputs(tmp_path):
        before = sorted(out.rglob("*")) if out.exists() else None
        code = cli.main(["compare", *argv, "--out", str(out), *FAST])
        err = capsys.readouterr().err
        assert code == 2, argv
        assert re.search(message, err), (message, err)
        assert (sorted(out.rglob("*")) if out.exists() else None) == before, argv
    # the mixed sizes run with the flag, and a folder of other files with --force
    other = tmp_path / "someone_elses"
    assert cli.main(["compare", str(tmp_path / "mixed"), "--image-size", "12", "--methods", "none",
                     "--out", str(other), "--force", *FAST]) == 0
    assert (other / "notes.txt").read_text() == "keep me" and (other / "report.md").exists()
    # a finished comparison is not overwritten without --resume or --force
    assert cli.main(["compare", str(tmp_path / "mixed"), "--image-size", "12", "--methods", "none",
                     "--out", str(other), *FAST]) == 2
    assert "already holds a comparison" in capsys.readouterr().err


def test_resume_after_an_interrupt_gives_the_rows_of_an_uninterrupted_run(tmp_path, monkeypatch):
    data = load_benchmark_data(_folder(tmp_path / "data", {"a": 14, "b": 28}))
    kwargs = dict(methods=["none", "random", "gan"], seeds=2, clf_params={"max_epochs": 1},
                  gan_params={"max_epochs": 1, "width": 4, "sample_check": None}, verbose=0)
    whole = compare(data, tmp_path / "whole", **kwargs).rows

    real_run_one, calls = _run.run_one, []

    def interrupted(*args, **kw):
        calls.append(args[1:3])
        if len(calls) == 4:
            raise KeyboardInterrupt
        return real_run_one(*args, **kw)

    monkeypatch.setattr(_run, "run_one", interrupted)
    with pytest.raises(KeyboardInterrupt):
        compare(data, tmp_path / "part", **kwargs)
    assert len(_rows(tmp_path / "part")) == 3 and not (tmp_path / "part" / "report.md").exists()
    monkeypatch.setattr(_run, "run_one", real_run_one)
    with pytest.raises(ValueError, match="already holds a comparison"):
        compare(data, tmp_path / "part", **kwargs)
    with pytest.raises(ValueError, match="other data or settings"):
        compare(data, tmp_path / "part", resume=True, **{**kwargs, "clf_params": {"max_epochs": 2}})
    resumed = compare(data, tmp_path / "part", resume=True, **kwargs).rows
    assert len(_rows(tmp_path / "part")) == 6
    assert _scores(resumed) == _scores(whole)


def test_two_workers_give_the_rows_of_one(tmp_path):
    data = load_benchmark_data(_folder(tmp_path / "data", {"a": 14, "b": 28}))
    kwargs = dict(methods=["none", "augment", "gan"], seeds=2, clf_params={"max_epochs": 1},
                  gan_params={"max_epochs": 1, "width": 4, "precision": "fp32", "sample_check": None},
                  quality=False, verbose=0)
    one = compare(data, tmp_path / "one", n_jobs=1, **kwargs).rows
    two = compare(data, tmp_path / "two", n_jobs=2, **kwargs).rows
    assert _scores(one) == _scores(two) and len(one) == 6


def test_demo_is_a_small_compare_on_digits(tmp_path, capsys):
    # one GAN epoch makes unusable images: the run is kept as a failure, and said so
    result = cli.demo(out=tmp_path, seed=0, max_epochs=1, verbose=0, seeds=1)
    methods = ["none", "random", "smote", "augment", "gan", "vae", "latent-smote", "gan-ae"]
    assert [r["method"] for r in result.rows] == methods
    gan = result.rows[4]
    assert "sample check" in gan["error"] and "balanced_accuracy" not in gan
    assert "**gan** failed on 1 of 1 seeds" in result.recommendation
    assert "With one seed" in result.recommendation
    report = (tmp_path / "report.md").read_text()
    assert "## Failed runs" in report and "| gan | 0 | the GAN for class" in report
    assert "| augment |" in report and (tmp_path / "report.html").exists()
    assert (tmp_path / "grids" / "augment.png").stat().st_size > 1000


def test_rows_record_each_gan_sample_check_and_the_report_counts_them(tmp_path):
    data = load_benchmark_data(_folder(tmp_path / "data", {"a": 14, "b": 28}, mode="RGB"))
    result = compare(data, tmp_path / "out", methods=["none", "gan"], seeds=2, quality=False, verbose=0,
                     clf_params={"max_epochs": 1}, gan_params={"max_epochs": 1, "width": 4, "sample_check": "warn"})
    gan_rows = [r for r in result.rows if r["method"] == "gan"]
    assert [sorted(r["sample_check"]) for r in gan_rows] == [["0"], ["0"]]  # class "a" is index 0
    check = gan_rows[0]["sample_check"]["0"]
    assert check["passed"] is False and len(check["attempts"]) == 2  # one epoch: retried, then kept with a warning
    assert "sample_check" not in result.rows[0]  # no GAN, no check
    assert ("**gan**: its images passed the sample check (noise, collapse, layout, off statistics) on 0 of 2 "
            "runs; 2 runs trained a class a second time.") in result.report


def test_read_rows_leaves_out_a_last_line_cut_short(tmp_path):
    from gansampler.benchmark import read_rows

    path = tmp_path / "results.jsonl"
    rows = [_row("none", 0, 0.8), _row("none", 1, 0.7), _row("none", 0, 0.9)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + '\n{"dataset": "d", "meth')
    assert [(r["seed"], r["balanced_accuracy"]) for r in read_rows(path)] == [(0, 0.9), (1, 0.7)]
    path.write_text('{"dataset": \n' + json.dumps(rows[0]))
    with pytest.raises(json.JSONDecodeError):
        read_rows(path)


def test_recommendation_names_the_baselines_level_with_the_best():
    base = [0.80, 0.82, 0.81, 0.79, 0.83]
    rows = [_row("augment", s, b) for s, b in enumerate(base)]
    rows += [_row("threshold", s, b + d) for s, (b, d) in enumerate(zip(base, [-0.02, 0.01, -0.01, 0.0, -0.01]))]
    rows += [_row("none", s, b - 0.1 - 0.01 * s) for s, b in enumerate(base)]
    text = recommend(rows, "d")
    assert "Use **augment**" in text and "threshold is not significantly worse" in text and "none" not in text
