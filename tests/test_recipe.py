"""compare under the recipe: online augmentation, add-on amounts and filtering,
named as [online+]METHOD[@Rx][+filter]."""

import json

import numpy as np
import pytest
from test_compare import FAST, _folder, _rows

from gansampler import AddOn, GANOverSampler, cli
from gansampler.benchmark import check_methods, is_baseline, load_benchmark_data, parse_method
from gansampler.benchmark._methods import make_sampler


@pytest.mark.parametrize("name, baseline, augment, kind, ratio", [
    ("online", True, "default", None, None),
    ("online+random", True, "default", "RandomOverSampler", None),
    ("online+threshold", True, "default", None, None),
    ("gan@0.5x", False, None, "GANOverSampler", 0.5),
    ("online+gan@1x+filter", False, "default", "FilteredOverSampler", 1.0),
    ("augment@.25x+filter", True, None, "FilteredOverSampler", 0.25),
    ("online+half-augment+gan", False, "default", "Pipeline", None),
])
def test_method_syntax_parses(name, baseline, augment, kind, ratio):
    method = parse_method(name)
    assert method.name == name and method.baseline is baseline and is_baseline(name) is baseline
    assert method.classifier.get("augment") == augment
    assert method.default is False  # the plain names keep their meaning and defaults
    sampler, extra = make_sampler(name, (1, 8, 8), 3, {"max_epochs": 2})
    assert extra == method.classifier
    assert (sampler is None) if kind is None else type(sampler).__name__ == kind
    if ratio is not None:
        strategy = sampler.sampling_strategy
        assert isinstance(strategy, AddOn) and strategy.ratio == ratio
    if kind == "FilteredOverSampler":
        assert sampler.random_state == 3 and sampler.image_shape == (1, 8, 8)
    if name == "online+gan@1x+filter":
        assert isinstance(sampler.sampler, GANOverSampler) and sampler.sampler.max_epochs == 2
    assert parse_method("gan").classifier == {} and not parse_method("random").classifier.get("augment")


@pytest.mark.parametrize("spec, message", [
    ("none@1x", "an amount (@1x) needs a method that resamples"),
    ("threshold+filter", "+filter needs one of gansampler's image samplers"),
    ("random+filter", "+filter needs one of gansampler's image samplers"),
    ("gann", "unknown method(s) ['gann']"),
    ("gan@x", "unknown method(s) ['gan@x']"),
    ("online+", "unknown method(s) ['online+']"),
])
def test_bad_method_specs_are_clear_errors(spec, message):
    with pytest.raises(ValueError) as info:
        check_methods([spec], 2)
    assert message in str(info.value)
    if message.startswith("unknown"):
        assert "[online+]METHOD[@Rx][+filter]" in str(info.value)


def test_bad_method_spec_exits_2_and_writes_nothing(tmp_path, capsys):
    data = _folder(tmp_path / "data", {"NORMAL": 8, "PNEUMONIA": 16})
    out = tmp_path / "out"
    assert cli.main(["compare", str(data), "--out", str(out), "--methods", "none", "random+filter", *FAST]) == 2
    assert "+filter needs one of gansampler's image samplers" in capsys.readouterr().err
    assert not out.exists()


def test_compare_runs_the_recipe_and_groups_the_report(tmp_path):
    counts = {"NORMAL": 10, "PNEUMONIA": 24}
    data = _folder(tmp_path / "data", counts)
    out = tmp_path / "out"
    methods = ["none", "random", "online", "online+random", "augment@0.5x", "online+augment@1x+filter"]
    assert cli.main(["compare", str(data), "--out", str(out), "--methods", *methods, *FAST]) == 0
    rows = {r["method"]: r for r in _rows(out)}
    assert set(rows) == set(methods)
    train = np.bincount(load_benchmark_data(str(data)).y_train)  # the stratified hold-out's training part
    n_train, normal = int(train.sum()), int(train.min())
    assert rows["none"]["n_train_resampled"] == rows["online"]["n_train_resampled"] == n_train
    # add-on counts are exact: 0.5x and 1x the smaller class's real images
    assert rows["augment@0.5x"]["n_train_resampled"] == n_train + round(0.5 * normal)
    assert rows["online+augment@1x+filter"]["n_train_resampled"] == n_train + normal
    assert rows["online"]["classifier_params"] == {"augment": "default"} and rows["none"]["classifier_params"] == {}
    assert rows["online+augment@1x+filter"]["sampler"].startswith("FilteredOverSampler(")
    report = (out / "report.md").read_text()
    plain, online = report.split("### With online augmentation")
    plain, online = plain.split("## Scores")[1], online.split("\n## ")[0]  # the two score tables
    assert "### Without online augmentation" in plain
    assert "| none |" in plain and "| augment@0.5x |" in plain and "| online |" not in plain
    assert "| online |" in online and "| online+augment@1x+filter |" in online and "| random |" not in online
    # filtering can cut diversity: recall and coverage of all candidates are reported beside the kept ones
    quality = rows["online+augment@1x+filter"]["quality"]["NORMAL"]
    assert 0 <= quality["recall_before_filter"] <= 1 and 0 <= quality["coverage_before_filter"] <= 1
    assert "before_filter" not in json.dumps(rows["augment@0.5x"]["quality"])
    assert "| recall before filter | coverage before filter |" in report and "before the filter kept" in report
    manifest = json.loads((out / "compare.json").read_text())
    assert manifest["gansampler_compare"] == 1
    assert np.isfinite(rows["online+random"]["roc_auc"])
