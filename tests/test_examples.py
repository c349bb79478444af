"""The scripts in examples/ run as a user would copy them (tiny settings)."""

import importlib.util
from pathlib import Path

import numpy as np

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pipeline_example_cross_validates_and_grid_searches(capsys):
    scores, search = _load("pipeline_digits").main(max_epochs=1, clf_epochs=1, sample_check=None)
    assert len(scores["test_balanced_accuracy"]) == 3
    assert all(0 <= s <= 1 for s in scores["test_balanced_accuracy"])
    assert search.best_params_["gan__sampling_strategy"] in ("auto", "minority")
    assert "3-fold balanced accuracy" in capsys.readouterr().out


def test_generate_example_reports_quality_and_reloads(capsys):
    report = _load("generate_and_check").main(max_epochs=1, sample_check=None)
    assert report["fid"] >= 0 and 0 <= report["coverage"] <= 1
    assert 0 <= report["memorized_fraction"] <= 1
    out = capsys.readouterr().out
    assert "reloaded sampler draws the same images for a seed: True" in out
    assert np.isfinite(report["ssim_fake"])
