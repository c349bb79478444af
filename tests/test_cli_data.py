"""The command line's reading flags, CSV data, the quality phase and bad files."""

import io
import json

import numpy as np
import pytest
from PIL import Image

from gansampler import cli

# what differs between two runs of one comparison on one machine
_VOLATILE = {"seconds", "fit_seconds", "time", "hardware", "started", "finished", "timestamp"}


def _gray(seed, size=12):
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, (size, size), dtype=np.uint8)


def _classes(root, counts=(("NORMAL", 10), ("PNEUMONIA", 14)), rgb_every=0):
    """Class folders of gray PNGs; every ``rgb_every``-th saved as RGB (gray content)."""
    files = []
    for name, n in counts:
        (root / name).mkdir(parents=True, exist_ok=True)
        for i in range(n):
            gray = _gray(len(files))
            image = np.repeat(gray[..., None], 3, axis=2) if rgb_every and i % rgb_every == 0 else gray
            Image.fromarray(image).save(root / name / f"{name.lower()}{i:02d}.png")
            files.append((name, f"{name.lower()}{i:02d}.png"))
    return files


def _rows(out):
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return [{k: v for k, v in row.items() if k not in _VOLATILE and "second" not in k} for row in rows]


def test_compare_on_a_csv_gives_the_rows_of_class_folders_and_the_report_says_what_was_read(tmp_path):
    files = _classes(tmp_path / "folders" / "chest", rgb_every=4)
    flat = tmp_path / "flat"
    flat.mkdir()
    for name, file in files:
        (flat / "images").mkdir(exist_ok=True)
        (flat / "images" / file).write_bytes((tmp_path / "folders" / "chest" / name / file).read_bytes())
    lines = [f"images/{file},{name}" for name, file in files[::-1]]
    (flat / "chest.csv").write_text("path,label\n" + "\n".join(lines) + "\n")
    common = ["--methods", "none", "--seeds", "1", "--clf-epochs", "1", "--no-quality", "--quiet"]
    assert cli.main(["compare", str(tmp_path / "folders" / "chest"), "--out", str(tmp_path / "a"), *common]) == 0
    assert cli.main(["compare", str(flat / "chest.csv"), "--out", str(tmp_path / "b"), *common]) == 0
    rows_folders, rows_csv = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    assert len(rows_folders) == 1 and rows_csv == rows_folders
    report = (tmp_path / "a" / "report.md").read_text()
    assert "1x12x12 images" in report and "7 RGB files with gray content read as gray" in report

    assert cli.main(["compare", str(tmp_path / "folders" / "chest"), "--out", str(tmp_path / "c"), "--color",
                     *common]) == 0
    report = (tmp_path / "c" / "report.md").read_text()
    assert "3x12x12 images" in report and "17 gray files repeated over three channels" in report


def test_data_flags_reach_the_loader(tmp_path):
    _classes(tmp_path / "data", rgb_every=3)
    parser = cli._parser()
    for flags, channels in (([], 1), (["--color"], 3), (["--grayscale"], 1)):
        args = parser.parse_args(["compare", str(tmp_path / "data"), *flags])
        data = cli._load(args.data, None, read_options=cli.data_options(args, args.data))
        assert data.image_shape[0] == channels
    with pytest.raises(SystemExit):
        parser.parse_args(["generate", "--data", "x", "--class", "a", "--n", "1", "--out", "o", "--grayscale",
                           "--color"])
    args = parser.parse_args(["generate", "--data", "l.csv", "--class", "a", "--n", "1", "--out", "o",
                              "--label-column", "Finding Labels", "--multi-label", "first"])
    assert cli.data_options(args, args.data) == {"path_column": "path", "label_column": "Finding Labels",
                                                 "multi_label": "first"}


def test_generate_shows_the_quality_phase_and_can_skip_it(tmp_path, capsys):
    _classes(tmp_path / "data", rgb_every=2)
    base = ["generate", "--data", str(tmp_path / "data"), "--class", "NORMAL", "--n", "8", "--max-epochs", "1",
            "--seed", "0", "--sample-check", "off"]
    assert cli.main([*base, "--out", str(tmp_path / "q")]) == 0
    printed = capsys.readouterr().out
    assert "12 RGB files with gray content read as gray" in printed and "trained in" in printed
    assert "quality: pixel FID" in printed and "quality: C2ST" in printed
    assert "fid" in json.loads((tmp_path / "q" / "quality.json").read_text())
    assert np.asarray(Image.open(tmp_path / "q" / "synthetic_NORMAL_00000.png")).ndim == 2  # gray

    assert cli.main([*base, "--out", str(tmp_path / "n"), "--no-quality", "--color"]) == 0
    printed = capsys.readouterr().out
    assert "quality:" not in printed
    quality = json.loads((tmp_path / "n" / "quality.json").read_text())
    assert "fid" not in quality and "c2st" not in quality and quality["synthetic_images"] == 8
    assert np.asarray(Image.open(tmp_path / "n" / "synthetic_NORMAL_00000.png")).shape == (12, 12, 3)


def _truncated(root):
    _classes(root)
    buffer = io.BytesIO()
    Image.fromarray(_gray(0, 64)).save(buffer, "JPEG")
    (root / "NORMAL" / "cut.jpg").write_bytes(buffer.getvalue()[:300])
    return root, r"cut\.jpg"


def _dicom_without_pixels(root):
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid

    _classes(root)
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.file_meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.88.11"  # a basic text report
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.Modality = "SR"
    ds.save_as(root / "PNEUMONIA" / "report.dcm", enforce_file_format=True)
    return root, r"report\.dcm' has no pixel data"


def _csv_missing_file(root):
    files = _classes(root)
    lines = [f"{name}/{file},{name}" for name, file in files] + ["NORMAL/gone.png,NORMAL"]
    (root / "labels.csv").write_text("path,label\n" + "\n".join(lines) + "\n")
    return root / "labels.csv", rf"row {len(files) + 2}: image file .*gone\.png' not found"


@pytest.mark.parametrize("make", [_truncated, _dicom_without_pixels, _csv_missing_file])
@pytest.mark.parametrize("command", ["compare", "generate"])
def test_bad_files_are_named_exit_2_and_nothing_is_written(tmp_path, capsys, make, command):
    data, match = make(tmp_path / "data")
    out = tmp_path / "out"
    argv = (["compare", str(data), "--methods", "none", "--seeds", "1", "--clf-epochs", "1", "--no-quality"]
            if command == "compare" else ["generate", "--data", str(data), "--class", "NORMAL", "--n", "2"])
    assert cli.main([*argv, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"gansampler {command}: error:" in err
    assert __import__("re").search(match, err), err
    assert not out.exists()
