"""Folders as they come: gray saved as colour, EXIF orientation, DICOM, CSV label files."""

import builtins
import io

import numpy as np
import pytest
from PIL import Image

from gansampler.datasets import load_image_csv, load_image_folder, make_fundus_like
from gansampler.datasets._read import GRAY_TOLERANCE


def _save(path, array, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


def _gray(seed, shape=(16, 16)):
    """A smooth gray picture (JPEG keeps it close) with some structure."""
    rng = np.random.RandomState(seed)
    base = np.add.outer(np.arange(shape[0]) * 6, np.arange(shape[1]) * 4) + rng.randint(0, 30)
    return np.clip(base, 0, 255).astype(np.uint8)


# ----------------------------------------------------------------------------- gray is gray


@pytest.fixture
def gray_as_rgb(tmp_path):
    """Gray JPEGs, two of them saved as RGB JPEGs."""
    for i in range(4):
        _save(tmp_path / "a" / f"{i}.jpg", _gray(i), quality=95)
        _save(tmp_path / "b" / f"{i}.jpg", _gray(10 + i), quality=95)
    for name in ("b/1.jpg", "b/3.jpg"):
        gray = np.asarray(Image.open(tmp_path / name))
        _save(tmp_path / name, np.repeat(gray[..., None], 3, axis=2), quality=90)
        assert Image.open(tmp_path / name).mode == "RGB"
    return tmp_path


def test_rgb_saved_gray_jpegs_read_as_gray_and_say_so(gray_as_rgb):
    X, y, names, notes = load_image_folder(gray_as_rgb, return_notes=True)
    assert X.shape == (8, 1, 16, 16)
    assert notes == [f"2 RGB files with gray content read as gray (channels within {GRAY_TOLERANCE} of 255)"]
    resaved = np.asarray(Image.open(gray_as_rgb / "b" / "1.jpg").convert("L"))
    np.testing.assert_array_equal(X[5, 0], resaved)
    assert load_image_folder(gray_as_rgb)[0].shape == X.shape  # notes only when asked for


def test_one_real_colour_image_keeps_the_set_rgb_and_flags_force_either(gray_as_rgb):
    fundus = make_fundus_like(n_samples=(1, 1), random_state=0)[0][0].transpose(1, 2, 0)
    _save(gray_as_rgb / "a" / "colour.jpg", np.ascontiguousarray(fundus[:16, :16]), quality=95)
    X, _, _, notes = load_image_folder(gray_as_rgb, return_notes=True)
    assert X.shape == (9, 3, 16, 16)
    assert notes == ["RGB: 1 of 9 files have colour (e.g. colour.jpg); gray ones repeated over three channels"]
    assert (X[1, 0] == X[1, 1]).all() and (X[1, 1] == X[1, 2]).all()  # a gray file, repeated

    X_gray, _, _, notes = load_image_folder(gray_as_rgb, grayscale=True, return_notes=True)
    assert X_gray.shape == (9, 1, 16, 16) and notes == ["1 colour files made gray (grayscale forced)"]
    assert load_image_folder(gray_as_rgb, grayscale=False)[0].shape == (9, 3, 16, 16)


def test_color_forces_rgb_on_a_gray_set(gray_as_rgb):
    X, _, _, notes = load_image_folder(gray_as_rgb, grayscale=False, return_notes=True)
    assert X.shape == (8, 3, 16, 16)
    assert notes == ["6 gray files repeated over three channels (colour forced)"]  # not the 2 RGB files


@pytest.mark.parametrize("spread, channels", [(GRAY_TOLERANCE, 1), (GRAY_TOLERANCE + 1, 3)])
def test_gray_tolerance_is_the_largest_channel_spread_read_as_gray(tmp_path, spread, channels):
    rgb = np.full((4, 4, 3), 100, np.uint8)
    rgb[2, 3] = (100, 100 + spread, 100)  # one pixel, lossless PNG
    _save(tmp_path / "a" / "x.png", rgb)
    _save(tmp_path / "a" / "y.png", np.full((4, 4), 50, np.uint8))
    X, _, _ = load_image_folder(tmp_path)
    assert X.shape[1] == channels


# ----------------------------------------------------------------------------- EXIF orientation


def test_exif_orientation_is_applied_before_resizing(tmp_path):
    stored = np.zeros((16, 32), np.uint8)
    stored[:, 16:] = 255  # left half black, right half white as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 degrees clockwise to display"
    _save(tmp_path / "a" / "phone.jpg", stored, quality=100, exif=exif)
    _save(tmp_path / "a" / "upright.png", np.zeros((32, 16), np.uint8))  # the displayed shape
    X, _, _, notes = load_image_folder(tmp_path, return_notes=True)  # one size once turned: no ImageSizeError
    assert X.shape == (2, 1, 32, 16)
    turned = X[0, 0].astype(int)
    assert turned[:14].mean() < 10 and turned[18:].mean() > 245  # clockwise: the right half is now the bottom
    assert notes == ["1 files turned upright by their EXIF orientation"]
    X_small, _, _ = load_image_folder(tmp_path, image_size=(8, 4))
    assert X_small[0, 0, -1].mean() > 200 and X_small[0, 0, 0].mean() < 50


# ----------------------------------------------------------------------------- bad files


def test_truncated_jpeg_is_named(tmp_path):
    buffer = io.BytesIO()
    Image.fromarray(_gray(0, (64, 64))).save(buffer, "JPEG")
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "cut.jpg").write_bytes(buffer.getvalue()[:300])
    _save(tmp_path / "a" / "ok.png", np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError, match=r"cannot read image file .*cut\.jpg"):
        load_image_folder(tmp_path)


# ----------------------------------------------------------------------------- CSV labels


@pytest.fixture
def csv_set(tmp_path):
    """The same eight images in class folders and, flat, listed in a CSV file."""
    classes = {"NORMAL": [0, 1, 2], "PNEUMONIA": [3, 4, 5, 6, 7]}
    rows = []
    for cls, seeds in classes.items():
        for seed in seeds:
            _save(tmp_path / "folders" / cls / f"im{seed}.png", _gray(seed))
            _save(tmp_path / "flat" / "images" / f"im{seed}.png", _gray(seed))
            rows.append(f"images/im{seed}.png,{cls}")
    rows = rows[::-1]  # the CSV's order is not the folders'
    (tmp_path / "flat" / "labels.csv").write_text("path,label\n" + "\n".join(rows) + "\n")
    return tmp_path


def test_csv_gives_what_class_folders_give(csv_set):
    X, y, names = load_image_folder(csv_set / "folders")
    X_csv, y_csv, names_csv = load_image_csv(csv_set / "flat" / "labels.csv")
    assert names_csv == names == ["NORMAL", "PNEUMONIA"]
    np.testing.assert_array_equal(y_csv, y)
    np.testing.assert_array_equal(X_csv, X)


def test_csv_columns_named_as_nih_chestxray14(tmp_path):
    _save(tmp_path / "00000001_000.png", _gray(1))
    _save(tmp_path / "00000002_000.png", _gray(2))
    (tmp_path / "Data_Entry.csv").write_text(
        "Image Index,Finding Labels,Patient Age\n00000002_000.png,No Finding,40\n00000001_000.png,Hernia,60\n")
    X, y, names = load_image_csv(tmp_path / "Data_Entry.csv", path_column="Image Index",
                                 label_column="Finding Labels")
    assert names == ["Hernia", "No Finding"] and y.tolist() == [0, 1]
    np.testing.assert_array_equal(X[0, 0], _gray(1))
    with pytest.raises(ValueError, match=r"no column 'path'.*Image Index.*--path-column"):
        load_image_csv(tmp_path / "Data_Entry.csv")


@pytest.fixture
def multi_label_csv(tmp_path):
    for i in range(3):
        _save(tmp_path / f"{i}.png", _gray(i))
    path = tmp_path / "labels.csv"
    path.write_text("path,label\n0.png,Effusion\n1.png,Effusion|Infiltration\n2.png,Infiltration\n")
    return path


def test_multi_label_row_is_an_error_naming_the_row_and_the_flag(multi_label_csv):
    with pytest.raises(ValueError) as info:
        load_image_csv(multi_label_csv)
    message = str(info.value)
    assert "row 3 (1.png)" in message and "'Effusion|Infiltration'" in message
    assert "out of scope" in message and "--multi-label first" in message and "--multi-label drop" in message


def test_multi_label_first_or_drop(multi_label_csv):
    X, y, names, notes = load_image_csv(multi_label_csv, multi_label="first", return_notes=True)
    assert names == ["Effusion", "Infiltration"] and y.tolist() == [0, 0, 1]
    assert notes == ["1 multi-label rows kept their first label"]
    X, y, names, notes = load_image_csv(multi_label_csv, multi_label="drop", return_notes=True)
    assert len(X) == 2 and y.tolist() == [0, 1] and notes == ["1 multi-label rows dropped"]
    with pytest.raises(ValueError, match="multi_label must be one of"):
        load_image_csv(multi_label_csv, multi_label="all")


def test_csv_row_whose_file_is_missing_is_named(multi_label_csv):
    multi_label_csv.write_text("path,label\n0.png,a\nmissing.png,b\n")
    with pytest.raises(FileNotFoundError, match=r"row 3: image file .*missing\.png' not found"):
        load_image_csv(multi_label_csv)


# ----------------------------------------------------------------------------- DICOM


def _dicom(path, pixels, photometric="MONOCHROME2", bits_stored=None, signed=False, **elements):
    """Write a single-frame uncompressed DICOM file with pydicom."""
    pydicom = pytest.importorskip("pydicom")
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = pydicom.Dataset()
    ds.file_meta = meta
    ds.SOPClassUID, ds.SOPInstanceUID, ds.Modality = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID, "OT"
    ds.Rows, ds.Columns = pixels.shape[:2]
    ds.SamplesPerPixel = 1 if pixels.ndim == 2 else 3
    if pixels.ndim == 3:
        ds.PlanarConfiguration = 0
    ds.PhotometricInterpretation = photometric
    ds.BitsAllocated = pixels.dtype.itemsize * 8
    ds.BitsStored = bits_stored or ds.BitsAllocated
    ds.HighBit = ds.BitsStored - 1
    ds.PixelRepresentation = int(signed)
    for key, value in elements.items():
        setattr(ds, key, value)
    if pixels is not None:
        ds.PixelData = np.ascontiguousarray(pixels).tobytes()
    path.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(path, enforce_file_format=True)
    return ds


SIXTEEN_BIT = np.array([[0, 65535], [257, 32768]], np.uint16)


def test_dicom_16bit_maps_as_a_16bit_png_and_mixes_with_png(tmp_path):
    _dicom(tmp_path / "a" / "x.dcm", SIXTEEN_BIT)
    _save(tmp_path / "a" / "y.png", SIXTEEN_BIT)
    X, _, _, notes = load_image_folder(tmp_path, return_notes=True)
    assert X.shape == (2, 1, 2, 2)
    assert X[0, 0].tolist() == [[0, 255], [1, 128]]
    np.testing.assert_array_equal(X[0], X[1])
    assert notes[0].startswith("1 DICOM files")


def test_dicom_monochrome1_is_inverted(tmp_path):
    _dicom(tmp_path / "a" / "x.dcm", SIXTEEN_BIT, photometric="MONOCHROME1")
    X, _, _ = load_image_folder(tmp_path)
    assert X[0, 0].tolist() == [[255, 0], [254, 127]]


def test_dicom_full_range_is_what_bits_stored_holds(tmp_path):
    _dicom(tmp_path / "a" / "x.dcm", np.array([[0, 4095, 2048, 1]], np.uint16), bits_stored=12)
    X, _, _ = load_image_folder(tmp_path)
    assert X[0, 0].tolist() == [[0, 255, 128, 0]]


def test_dicom_rescale_then_window(tmp_path):
    # CT-like: HU = 2 * stored - 1024, window centre 40, width 400 (DICOM: -160 black .. 239 white)
    stored = np.array([[12, 432, 532, 631, 1012]], np.int16)  # HU -1000, -160, 40, 238, 1000
    _dicom(tmp_path / "a" / "x.dcm", stored, signed=True, RescaleSlope=2, RescaleIntercept=-1024,
           WindowCenter=40, WindowWidth=400)
    X, _, _ = load_image_folder(tmp_path)
    assert X[0, 0].tolist() == [[0, 0, 128, 254, 255]]
    _dicom(tmp_path / "b" / "x.dcm", stored, signed=True, WindowCenter=40, WindowWidth=400)
    X_raw, _, _ = load_image_folder(tmp_path)  # the same window on the stored values
    assert X_raw[1, 0].tolist() == [[110, 255, 255, 255, 255]]


def test_dicom_header_window_with_several_values_uses_the_first(tmp_path):
    _dicom(tmp_path / "a" / "x.dcm", np.array([[0, 100, 200]], np.uint16), WindowCenter=[100, 1000],
           WindowWidth=[201, 5000])
    X, _, _ = load_image_folder(tmp_path)
    assert X[0, 0].tolist() == [[1, 128, 255]]  # -0.5 black, 199.5 white


def test_extensionless_dicom_file_is_found(tmp_path):
    _dicom(tmp_path / "a" / "IM000001", SIXTEEN_BIT)
    X, _, _ = load_image_folder(tmp_path)
    assert X[0, 0].tolist() == [[0, 255], [1, 128]]


def test_rle_compressed_dicom_is_decoded(tmp_path):
    pytest.importorskip("pydicom")
    from pydicom.uid import RLELossless

    ds = _dicom(tmp_path / "a" / "plain.dcm", SIXTEEN_BIT)
    ds.compress(RLELossless)
    ds.save_as(tmp_path / "a" / "rle.dcm", enforce_file_format=True)
    X, _, _ = load_image_folder(tmp_path)
    np.testing.assert_array_equal(X[0], X[1])


def test_compressed_dicom_without_a_decoder_names_the_file_and_the_extra(tmp_path, monkeypatch):
    pydicom = pytest.importorskip("pydicom")
    from pydicom.uid import RLELossless

    ds = _dicom(tmp_path / "a" / "plain.dcm", SIXTEEN_BIT)
    ds.compress(RLELossless)
    ds.save_as(tmp_path / "a" / "rle.dcm", enforce_file_format=True)
    (tmp_path / "a" / "plain.dcm").unlink()

    def no_decoder(self):
        raise NotImplementedError("no pixel data handler for RLE Lossless")

    monkeypatch.setattr(pydicom.Dataset, "pixel_array", property(no_decoder))
    with pytest.raises(ValueError, match=r"rle\.dcm.*compressed \(RLE Lossless\).*gansampler\[dicom\]"):
        load_image_folder(tmp_path)


def test_dicom_without_pixel_data_is_named(tmp_path):
    pydicom = pytest.importorskip("pydicom")
    _dicom(tmp_path / "a" / "report.dcm", SIXTEEN_BIT)
    ds = pydicom.dcmread(tmp_path / "a" / "report.dcm")
    del ds.PixelData
    ds.save_as(tmp_path / "a" / "report.dcm")
    with pytest.raises(ValueError, match=r"report\.dcm' has no pixel data"):
        load_image_folder(tmp_path)


def test_missing_pydicom_names_the_install_command(tmp_path, monkeypatch):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.dcm").write_bytes(b"\0" * 128 + b"DICM")
    real_import = builtins.__import__

    def without_pydicom(name, *args, **kwargs):
        if name == "pydicom" or name.startswith("pydicom."):
            raise ImportError("No module named 'pydicom'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_pydicom)
    with pytest.raises(ValueError, match=r"x\.dcm' is a DICOM file: reading it needs pydicom, "
                                         r"pip install 'gansampler\[dicom\]'"):
        load_image_folder(tmp_path)


def test_jpeg_compressed_dicom_is_decoded(tmp_path):
    pytest.importorskip("pydicom")
    from pydicom.encaps import encapsulate
    from pydicom.uid import JPEGBaseline8Bit

    gray = _gray(3, (16, 16))
    buffer = io.BytesIO()
    Image.fromarray(gray).save(buffer, "JPEG", quality=95)
    ds = _dicom(tmp_path / "a" / "plain.dcm", gray)
    ds.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    ds.PixelData = encapsulate([buffer.getvalue()])
    ds["PixelData"].VR = "OB"
    (tmp_path / "b").mkdir()
    ds.save_as(tmp_path / "b" / "jpeg.dcm", enforce_file_format=True)
    X, _, _ = load_image_folder(tmp_path)
    decoded = np.asarray(Image.open(buffer))
    np.testing.assert_array_equal(X[0, 0], gray)
    assert np.abs(X[1, 0].astype(int) - decoded).max() <= 1  # the decoder's rounding
