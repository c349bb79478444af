import importlib.util
import json
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from gansampler import cli

ROOT = Path(__file__).resolve().parents[1]


def _folder(tmp_path):
    rng = np.random.RandomState(0)
    for name, n in (("NORMAL", 12), ("PNEUMONIA", 20)):
        (tmp_path / "data" / name).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.randint(0, 256, (12, 12), dtype=np.uint8)).save(
                tmp_path / "data" / name / f"{i}.png"
            )
    return tmp_path / "data"


def test_generate_writes_pngs(tmp_path):
    data = _folder(tmp_path)
    code = cli.main(["generate", "--data", str(data), "--class", "NORMAL", "--n", "7",
                     "--out", str(tmp_path / "out"), "--max-epochs", "1", "--seed", "0", "--sample-check", "off"])
    assert code == 0
    files = sorted((tmp_path / "out").glob("synthetic_*.png"))
    assert len(files) == 7
    image = np.asarray(Image.open(files[0]))
    assert image.shape == (12, 12) and image.dtype == np.uint8


def test_generate_unknown_class_is_a_clear_error(tmp_path, capsys):
    data = _folder(tmp_path)
    code = cli.main(["generate", "--data", str(data), "--class", "COVID", "--n", "3",
                     "--out", str(tmp_path / "out")])
    assert code == 2
    assert "class 'COVID' not in the data" in capsys.readouterr().err


def test_benchmark_quick(tmp_path, monkeypatch):
    out = tmp_path / "bench"
    monkeypatch.setattr(sys, "argv", ["run.py", "--quick", "--out", str(out)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(ROOT / "benchmarks" / "run.py"), run_name="__main__")
    assert info.value.code == 0
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    methods = {r["method"] for r in rows}
    assert methods == {"none", "class_weight", "random", "smote", "augment", "gan", "vae", "latent-smote", "gan-ae",
                       "augment+gan", "half-augment", "half-augment+gan", "half-augment+random",
                       "latent-smote-recon"}
    for r in rows:
        assert 0 <= r["balanced_accuracy"] <= 1 and 0 <= r["roc_auc"] <= 1
        assert r["torch"] and r["seed"] == 0
        assert len(r["precision_per_class"]) == 10
    by_method = {r["method"]: r for r in rows}
    assert by_method["none"]["quality"] is None  # nothing synthetic to judge
    n = {m: r["n_train_resampled"] for m, r in by_method.items()}
    # half the gap augmented, the GAN fills the rest: balanced like "augment"
    assert n["none"] < n["half-augment"] < n["half-augment+gan"] == n["half-augment+random"] == n["augment"]
    quality = by_method["random"]["quality"]
    assert sorted(quality, key=int) == [str(c) for c in range(1, 10)]  # the 9 over-sampled classes
    assert all(q["memorized_fraction"] == 1.0 for q in quality.values())  # exact copies
    for q in by_method["gan"]["quality"].values():
        assert q["fid"] >= 0 and 0 <= q["c2st"] <= 1 and 0 <= q["coverage"] <= 1
    summary = (out / "summary.md").read_text()
    assert "| gan |" in summary and "paired t-test" in summary and "C2ST" in summary
    assert (out / "samples_digits_gan.png").stat().st_size > 1000
    plots = ("balanced_accuracy.png", "confusion_digits.png", "losses_digits_gan.png")
    if importlib.util.find_spec("matplotlib") is None:
        assert not any((out / png).exists() for png in plots)
    else:
        for png in plots:
            assert (out / png).stat().st_size > 1000


def test_benchmark_skips_missing_data_cleanly(tmp_path, monkeypatch, capsys):
    out = tmp_path / "bench"
    missing = str(tmp_path / "absent.npz")
    monkeypatch.setattr(sys, "argv", ["run.py", "--datasets", missing, "--out", str(out)])
    with pytest.raises(SystemExit) as info:
        runpy.run_path(str(ROOT / "benchmarks" / "run.py"), run_name="__main__")
    assert info.value.code == 0
    printed = capsys.readouterr().out
    assert f"skipping {missing}: file not found" in printed and "nothing to report" in printed
    assert (out / "results.jsonl").read_text() == ""
    assert not (out / "summary.md").exists()


def _tiny_medmnist(path, splits, seed=0):
    rng = np.random.RandomState(seed)
    arrays = {}
    for split, (n0, n1) in splits.items():
        y = np.r_[np.zeros(n0, int), np.ones(n1, int)]
        arrays[f"{split}_images"] = rng.randint(0, 256, (len(y), 12, 12)).astype(np.uint8)
        arrays[f"{split}_labels"] = y[:, None]
    np.savez(path, **arrays)
    return path


def test_shortcut_script_reports_each_method(tmp_path, capsys):
    script = runpy.run_path(str(ROOT / "benchmarks" / "shortcut.py"))
    data = _tiny_medmnist(tmp_path / "tiny.npz", {"train": (12, 30), "val": (6, 6), "test": (6, 6)})
    assert script["main"](["--data", str(data), "--seeds", "0", "1", "--max-epochs", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    rows = [line.split() for line in lines[2:]]
    assert [row[:2] for row in rows] == [
        [seed, method] for seed in ("0", "1", "mean") for method in ("none", "random", "gan")
    ]
    figures = np.array([row[2:] for row in rows], dtype=float)
    assert figures.shape == (9, 8) and np.all((figures >= 0) & (figures <= 1))
    np.testing.assert_allclose(figures[6:], (figures[:3] + figures[3:6]) / 2, atol=1e-3)

    no_val = _tiny_medmnist(tmp_path / "no_val.npz", {"train": (12, 30), "test": (6, 6)})
    assert script["main"](["--data", str(no_val), "--seeds", "0", "--max-epochs", "1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.strip().splitlines()[2:]]
    assert len(rows) == 3 and all(row[-1] == "nan" for row in rows)

    assert script["main"](["--data", str(tmp_path / "absent.npz")]) == 0
    assert "file not found" in capsys.readouterr().out


def test_shortcut_threshold_maximises_balanced_accuracy():
    from sklearn.metrics import balanced_accuracy_score

    script = runpy.run_path(str(ROOT / "benchmarks" / "shortcut.py"))
    best_threshold = script["_threshold_for_balanced_accuracy"]
    rng = np.random.RandomState(0)
    for _ in range(20):
        positive = rng.rand(40) < 0.3
        scores = np.round(rng.rand(40) + 0.4 * positive, 2)  # ties included
        if positive.all() or not positive.any():
            continue
        threshold = best_threshold(scores, positive)
        best = max(balanced_accuracy_score(positive, scores >= t) for t in np.r_[scores, np.inf])
        assert balanced_accuracy_score(positive, scores >= threshold) == pytest.approx(best)
    assert np.isnan(best_threshold(np.array([0.2, 0.9]), np.array([True, True])))
    assert np.isnan(best_threshold(np.array([0.2, 0.9]), np.array([False, False])))


def test_speed_script_prints_a_table_and_one_json_line_per_figure(tmp_path, capsys):
    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    argv = ["--data", str(tmp_path / "absent.npz"), "--steps", "2", "--rounds", "2", "--skip-fit",
            "--memory-images", "512", "--devices", "cpu", "--classifier-images", "64", "--diffusion-steps", "0",
            "--diffusion-memory-images", "0"]
    assert script["main"](argv) == 0
    captured = capsys.readouterr()
    assert "not found: using random 28x28 images" in captured.err
    lines = captured.out.splitlines()
    rows = {}
    for line in lines:
        if line.startswith("{"):
            figure = json.loads(line)
            rows[figure["metric"]] = figure
    assert lines[0].split()[:3] == ["metric", "value", "unit"]
    n_json = sum(line.startswith("{") for line in lines)
    assert n_json == len(rows) > 0 and len(lines) == 1 + 2 * n_json  # a row and a JSON line each
    for metric in ("train_images_per_s_plain", "train_images_per_s_gansampler_fp32",
                   "train_speedup_vs_plain_fp32", "generate_images_per_s_28x28", "generate_images_per_s_64x64"):
        assert rows[metric]["value"] > 0, metric

    def close(a, b):
        return abs(a - b) <= 0.01 * abs(b)

    # interleaved rounds: each speedup is the median of the rounds' ratios, each
    # rate the median of its rounds
    ours, plain = rows["train_images_per_s_gansampler_fp32"], rows["train_images_per_s_plain"]
    speedup = rows["train_speedup_vs_plain_fp32"]
    assert len(ours["rounds"]) == len(plain["rounds"]) == len(speedup["rounds"]) == 2
    for ratio, a, b in zip(speedup["rounds"], ours["rounds"], plain["rounds"]):
        assert close(ratio, a / b)
    assert close(speedup["value"], np.median(speedup["rounds"]))
    assert close(ours["value"], np.median(ours["rounds"]))
    strided = rows["classifier_train_images_per_s_128x128"]
    stride1 = rows["classifier_train_images_per_s_128x128_stride1"]
    ratios = np.divide(strided["rounds"], stride1["rounds"])
    assert len(ratios) == 2 and np.all(ratios > 0)
    assert close(rows["classifier_speedup_vs_stride1_128x128"]["value"], np.median(ratios))
    augmented = rows["classifier_train_images_per_s_128x128_augment"]
    ratios = np.divide(augmented["rounds"], strided["rounds"])
    assert close(rows["classifier_augment_relative_speed_128x128"]["value"], np.median(ratios))
    bf16 = script["resolve_precision"]("auto", torch.device("cpu"), (1, 28, 28)) == "bf16"
    assert ("train_speedup_vs_plain_bf16" in rows) == bf16
    assert not any(name.startswith("fit_resample") for name in rows)  # --skip-fit
    if Path("/proc/self/clear_refs").exists():  # Linux
        figures = {k: v["value"] for k, v in rows.items()}
        assert figures["generate_64x64_output_mb"] == pytest.approx(512 * 3 * 64 * 64 / 1e6, abs=1e-4)
        # the output is written, so the peak rose by at least its size
        assert figures["generate_64x64_peak_memory_increase_mb"] >= figures["generate_64x64_output_mb"]
        assert close(figures["generate_64x64_peak_memory_beyond_output_mb"],
                     figures["generate_64x64_peak_memory_increase_mb"] - figures["generate_64x64_output_mb"])

    with pytest.raises(SystemExit, match="take 1x28x28 images"):
        script["main"](["--data", str(_tiny_medmnist(tmp_path / "tiny.npz", {"train": (3, 3)})), "--skip-fit"])


def test_speed_script_times_fit_resample_against_a_baseline_checkout(tmp_path, monkeypatch):
    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    data = _tiny_medmnist(tmp_path / "tiny.npz", {"train": (20, 40)})
    calls = []

    def time_fit(data_, device, params, root):  # the subprocess, stubbed: seconds by checkout
        calls.append((Path(root), params))
        return {"seconds": 2.0 if Path(root) == tmp_path else 1.0, "epochs": 60, "version": "x"}

    script["FIGURES"].clear()
    script["fit_figures"](data, torch.device("cpu"), 2, str(tmp_path), {"device": "cpu"}, timer=time_fit)
    rows = {f["metric"]: f for f in script["FIGURES"]}
    assert rows["fit_resample_seconds_pneumonia"]["value"] == 1.0
    assert rows["fit_resample_seconds_pneumonia_baseline"]["value"] == 2.0
    assert rows["fit_resample_speedup_vs_baseline"]["value"] == 2.0
    assert rows["fit_resample_seconds_pneumonia_early_stopping"]["rounds"] == [1.0, 1.0]
    # interleaved: this checkout, then the baseline, in every round
    assert [root for root, _ in calls[:4]] == [script["ROOT"], tmp_path] * 2
    assert {"early_stopping": 5} in [params for _, params in calls]
    # the samplers a 0.1 checkout lacks are timed with this checkout's package only
    assert rows["fit_resample_seconds_pneumonia_vae"]["value"] == 1.0
    assert "fit_resample_seconds_pneumonia_vae_baseline" not in rows
    assert {"sampler": "LatentSMOTE"} in [params for root, params in calls if root == script["ROOT"]]


def test_speed_script_times_the_sizes_users_have(tmp_path):
    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    calls = []

    def time_fit(data, device, params, root):  # the subprocess, stubbed
        calls.append(data)
        return {"seconds": 3.0, "epochs": 30, "sample_check_passed": {"1": True}, "version": "x"}

    script["FIGURES"].clear()
    (tmp_path / "NORMAL").mkdir()
    script["size_figures"](torch.device("cpu"), {"device": "cpu"}, chest=tmp_path, timer=time_fit)
    rows = {f["metric"]: f for f in script["FIGURES"]}
    assert set(rows) == {"fit_resample_seconds_rgb64_66", "fit_resample_seconds_rgb64_486",
                         "fit_resample_seconds_gray128_938"}
    assert calls == ["fundus:66", "fundus:486", f"folder:128:{tmp_path}"]
    assert all(row["sample_check_passed"] == {"1": True} for row in rows.values())


def test_speed_script_fit_child_runs_the_named_checkout(tmp_path):
    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    data = _tiny_medmnist(tmp_path / "tiny.npz", {"train": (12, 24)})
    params = {"max_epochs": 1, "width": 4, "latent_dim": 8, "sample_check": None}
    result = script["time_fit"](data, "cpu", params, ROOT)
    assert result["seconds"] > 0 and result["epochs"] == 1
    assert Path(result["package"]).resolve().parent == ROOT / "gansampler"
    result = script["time_fit"]("fundus:6", "cpu", {**params, "sample_check": "warn"}, ROOT)  # 600 + 6 RGB
    assert result["epochs"] == 1
    assert result["sample_check_passed"] == {"1": False}  # one epoch of training gives no real images
    diffusion = {"sampler": "DiffusionOverSampler", "max_steps": 1, "width": 4, "sample_check": "warn"}
    result = script["time_fit"](data, "cpu", diffusion, ROOT)
    assert result["epochs"] == 1 and list(result["sample_check_passed"]) == ["every class"]


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="the memory figure reads Linux's /proc")
def test_speed_script_measures_the_diffusion_samplers_generation_memory():
    from gansampler import DiffusionOverSampler

    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    increase, output = script["generation_memory"](16, "cpu", DiffusionOverSampler, max_steps=1, width=4,
                                                   copy_quantile=None)
    assert output == pytest.approx(16 * 3 * 64 * 64 / 1e6)
    assert increase >= output  # the output is written, so the peak rose by at least its size


def test_speed_script_measures_the_diffusion_network_at_each_size():
    script = runpy.run_path(str(ROOT / "benchmarks" / "speed.py"))
    script["FIGURES"].clear()
    script["diffusion_figures"](torch.device("cpu"), 1, 2, {"device": "cpu"}, sizes=((1, 8, 8), (3, 16, 16)))
    rows = {f["metric"]: f for f in script["FIGURES"]}
    assert set(rows) == {f"diffusion_{kind}_images_per_s_{size}" for kind in ("train", "generate")
                         for size in ("8x8", "16x16")}
    for row in rows.values():
        assert row["value"] > 0 and len(row["rounds"]) == 2 and row["parameters"] > 0
        assert row["precision"] in ("fp32", "bf16") and row["n_sampling_steps"] == 20
    size = {name: rows[f"diffusion_train_images_per_s_{name}"]["parameters"] for name in ("8x8", "16x16")}
    assert size["16x16"] > size["8x8"]  # a level more


def test_benchmark_caps_the_smallest_class_with_one_fixed_draw(tmp_path, capsys):
    from gansampler.benchmark import cap_smallest_class as cap

    script = runpy.run_path(str(ROOT / "benchmarks" / "run.py"))
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (70, 16)).astype(np.uint8)
    y = rng.permutation(np.r_[np.zeros(50, int), np.ones(20, int)])
    X_before, y_before = X.copy(), y.copy()
    X_cap, y_cap = cap(X, y, 5)
    assert np.bincount(y_cap).tolist() == [50, 5]
    # the rows kept are real rows, in their original order, every majority row among them
    rows = {bytes(row): i for i, row in enumerate(X)}
    positions = [rows[bytes(row)] for row in X_cap]
    assert positions == sorted(positions)
    np.testing.assert_array_equal(y_cap, y[positions])
    assert set(np.flatnonzero(y == 0)) <= set(positions)
    X_again, _ = cap(X, y, 5)
    np.testing.assert_array_equal(X_again, X_cap)  # the same draw every time
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    with pytest.raises(ValueError, match="--max-minority 21 is more than the 20 training images"):
        cap(X, y, 21)
    # ties: the lowest label is capped
    _, y_tie = cap(X[:40], np.r_[np.full(20, 2), np.full(20, 1)], 3)
    assert np.bincount(y_tie).tolist() == [0, 3, 20]

    data = _tiny_medmnist(tmp_path / "tiny.npz", {"train": (15, 30), "test": (6, 6)})
    argv = ["--datasets", str(data), "--methods", "none", "--seeds", "1", "--clf-epochs", "1",
            "--no-quality", "--out", str(tmp_path / "bench")]
    assert script["main"](argv + ["--max-minority", "5"]) == 0
    assert "== tiny-minority5: train [5, 30], test [6, 6]" in capsys.readouterr().out
    rows = [json.loads(line) for line in (tmp_path / "bench" / "results.jsonl").read_text().splitlines()]
    assert [r["dataset"] for r in rows] == ["tiny-minority5"]
    assert script["main"](argv + ["--max-minority", "16"]) == 0  # skipped, not a crash
    assert "skipping " + str(data) + ": --max-minority 16 is more than the 15" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        script["main"](argv + ["--max-minority", "0"])
    assert "must be a positive integer" in capsys.readouterr().err


def test_benchmark_threshold_baseline_on_binary_data(tmp_path, capsys):
    from sklearn import model_selection

    if not hasattr(model_selection, "TunedThresholdClassifierCV"):
        pytest.skip("TunedThresholdClassifierCV needs scikit-learn >= 1.5")
    data = _tiny_medmnist(tmp_path / "tiny.npz", {"train": (15, 30), "test": (6, 6)})
    out = tmp_path / "bench"
    script = runpy.run_path(str(ROOT / "benchmarks" / "run.py"))
    argv = ["--datasets", str(data), "--methods", "none", "threshold", "--seeds", "1",
            "--clf-epochs", "1", "--no-quality", "--out", str(out)]
    assert script["main"](argv) == 0
    rows = {r["method"]: r for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())}
    assert set(rows) == {"none", "threshold"}
    assert rows["threshold"]["classifier"].startswith("TunedThresholdClassifierCV(")
    assert "CNNClassifier" in rows["none"]["classifier"] and "Tuned" not in rows["none"]["classifier"]
    # the same ranking model (refit on all the data), only the operating point differs
    assert rows["threshold"]["roc_auc"] == pytest.approx(rows["none"]["roc_auc"])
    assert "| threshold |" in (out / "summary.md").read_text()
    # multi-class data has no single threshold: the method is left out, with a note
    from gansampler.benchmark import make_methods

    methods = make_methods((1, 8, 8), 0, {}, {}, n_classes=10)
    assert "threshold" not in methods and "none" in methods
    capsys.readouterr()
    argv = ["--datasets", "digits", "--methods", "threshold", "--seeds", "1", "--out", str(tmp_path / "d")]
    assert script["main"](argv) == 0
    printed = capsys.readouterr().out
    assert "not run on digits: threshold" in printed and "no runs: nothing to report" in printed


def test_halfway_targets_half_of_each_gap():
    from gansampler.benchmark import halfway

    y = np.array([0] * 10 + [1] * 4 + [2] * 1 + [3] * 10)
    assert halfway(y) == {1: 7, 2: 5}
    assert halfway(np.array(["a", "b", "b"])) == {"a": 1}  # a gap of 1 rounds down


def test_variants_script_runs_every_variant_once_per_dataset_with_valid_parameters():
    from gansampler import GANOverSampler

    listing = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "variants.sh"), "--list"],
        capture_output=True, text=True, check=True,
    ).stdout.splitlines()
    variants = dict(cli.parse_variant(line.split(" ", 1)[1]) for line in listing if line.startswith("variant "))
    assert len(variants) == 28
    assert {"hinge", "ttur", "wgan-gp", "cond-hinge-da", "mlp", "pa5-ema", "resnet"} <= set(variants)
    for _name, params in variants.items():
        GANOverSampler(**params)._validate_params()  # unknown names or bad values raise
    baselines = {"none", "class_weight", "random", "smote", "augment", "gan", "augment+gan",
                 "half-augment", "half-augment+gan", "half-augment+random"}
    for dataset in ("pneumonia", "digits"):
        methods = [m for line in listing if line.startswith(dataset + " ") for m in line.split()[1:]]
        assert sorted(methods) == sorted(baselines | set(variants)), dataset  # each exactly once


def test_generate_writes_a_grid_and_quality_figures_and_refuses_unusable_images(tmp_path, capsys):
    data = _folder(tmp_path)
    out = tmp_path / "out"
    code = cli.main(["generate", "--data", str(data), "--class", "NORMAL", "--n", "8", "--out", str(out),
                     "--max-epochs", "1", "--seed", "0"])
    err = capsys.readouterr().err
    assert code == 1 and "training failed" in err and "class 0" in err and "sample_check" in err
    assert not out.exists()
    assert cli.main(["generate", "--data", str(data), "--class", "NORMAL", "--n", "8", "--out", str(out),
                     "--max-epochs", "1", "--seed", "0", "--sample-check", "warn"]) == 0
    quality = json.loads((out / "quality.json").read_text())
    assert quality["class"] == "NORMAL" and quality["real_images"] == 12 and quality["synthetic_images"] == 8
    assert quality["sample_check"]["passed"] is False and len(quality["sample_check"]["attempts"]) == 2
    assert 0 <= quality["c2st"] <= 1 and "fid" in quality
    assert Image.open(out / "real_vs_synthetic.png").size[0] > 8 * 12


def test_comparison_c2st_trains_enough_steps_to_tell_a_small_class_apart():
    # 50 images a side at batch 64: ten epochs are ten steps, after which the CNN
    # still answers one class and scores 0.5 on images it can tell apart
    from gansampler import CNNClassifier
    from gansampler.benchmark._methods import C2ST_MIN_STEPS, c2st_classifier
    from gansampler.metrics import c2st_score

    rng = np.random.RandomState(0)
    smooth = rng.rand(100, 1, 18, 18)
    smooth = sum(smooth[..., i:i + 16, j:j + 16] for i in range(3) for j in range(3)) / 9
    checker = (np.indices((16, 16)).sum(0) % 2 - 0.5) * 0.15
    real = ((smooth[:50] + checker) * 255).clip(0, 255).astype(np.uint8)
    fake = (smooth[50:] * 255).clip(0, 255).astype(np.uint8)
    clf = c2st_classifier((1, 16, 16), 0, {}, 50)
    assert clf.max_epochs == C2ST_MIN_STEPS and clf.random_state == 0
    assert c2st_score(real, fake, clf, random_state=0) > 0.9
    assert c2st_score(real, fake, CNNClassifier(random_state=0), random_state=0) == 0.5
    # enough images for the steps: the comparison's epochs are kept
    assert c2st_classifier((1, 16, 16), 0, {"max_epochs": 3}, 64 * C2ST_MIN_STEPS).max_epochs == 3
    assert c2st_classifier((1, 16, 16), 0, {"max_epochs": 3}, 64 * 50).max_epochs == 3
    assert c2st_classifier((1, 16, 16), 0, {"max_epochs": 3}, 64 * 30).max_epochs == 5


@pytest.mark.parametrize("name, params", [
    ("gan", {"width": 4, "latent_dim": 8, "sample_check": None}),
    ("diffusion", {"width": 4, "sample_check": None, "copy_quantile": None}),
])
def test_compute_curve_snapshots_are_the_shorter_fits(name, params):
    # the compute curve's premise: the weights a long run holds after k units
    # are those a fit with a budget of k units and the same seed ends with
    from gansampler.benchmark import BenchmarkData

    script = runpy.run_path(str(ROOT / "benchmarks" / "compute_curve.py"))
    rng = np.random.RandomState(0)
    X = rng.randint(0, 256, (40, 64)).astype(np.uint8)
    y = np.array([0] * 12 + [1] * 28)
    data = BenchmarkData("tiny", X, y, X[:4], y[:4], (1, 8, 8), ("a", "b"), "none")
    sampler, module, unit, taken = script["long_fit"](name, data, 0, [1, 2, 4], 0, 2, **params)
    assert unit == 2 and sorted(taken) == [2, 4, 8]
    assert [seconds for _, seconds in (taken[k] for k in (2, 4, 8))] == sorted(s for _, s in taken.values())
    final = module(sampler).state_dict()
    for units in (2, 4):
        short, short_module, _, _ = script["long_fit"](name, data, 0, [1], 0, units, **params)
        state = short_module(short).state_dict()
        assert all(torch.equal(state[k], taken[units][0][k]) for k in state), units
        assert not all(torch.equal(state[k], final[k]) for k in state if state[k].is_floating_point())
    assert all(torch.equal(final[k], taken[8][0][k]) for k in final)


def test_results_document_renders_a_compute_curve_with_its_change_per_doubling():
    script = runpy.run_path(str(ROOT / "benchmarks" / "make_results.py"))
    rows = [{"sampler": "gan", "seed": 0, "budget": b, "units": 60 * b, "unit": "epochs", "train_seconds": 10.0 * b,
             "quality": {"normal": {"fid": 1.0, "precision": 0.9, "recall": r, "coverage": 0.5,
                                    "memorized_fraction": 0.0, "c2st": 0.9}},
             "balanced_accuracy": 0.6 + 0.01 * i, "roc_auc": 0.9}
            for i, (b, r) in enumerate([(1, 0.1), (2, 0.2), (4, 0.3)])]
    (kind, (header, body)), (_, slope) = script["curve_blocks"](rows)
    assert kind == "table" and len(body) == 3 and len(header) == len(body[0])
    assert body[2][:5] == ["gan", "0", "4x", "240 epochs", "40"]
    assert body[0][header.index("recall")] == "0.100"
    assert "recall +0.100" in slope and "balanced accuracy +0.010" in slope and "ROC-AUC +0.000" in slope
