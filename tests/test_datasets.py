from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from gansampler.datasets import (
    DIGITS_IMBALANCE_PRESETS,
    load_digits_imbalanced,
    load_image_folder,
    load_medmnist,
    save_images,
)

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PNEUMONIAMNIST = SHARED_DATA / "pneumoniamnist.npz"
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]


# ----------------------------------------------------------------------------- digits


@pytest.fixture(scope="module")
def digits():
    return load_digits(return_X_y=True)


@pytest.mark.parametrize(
    "imbalance, expected",
    [
        ("moderate", [178, 144, 115, 92, 74, 59, 47, 38, 30, 24]),
        ("steep", [178, 100, 60, 40, 25, 15, 10, 8, 6, 5]),
        (None, DIGIT_COUNTS),
    ],
)
def test_digits_presets_exact_counts(imbalance, expected):
    X, y = load_digits_imbalanced(imbalance=imbalance)
    assert X.shape == (sum(expected), 1, 8, 8)
    assert X.dtype == np.uint8 and y.dtype == np.int64 and y.ndim == 1
    assert np.bincount(y).tolist() == expected


def test_digits_moderate_follows_geometric_rule():
    counts = DIGITS_IMBALANCE_PRESETS["moderate"]
    assert counts == {k: min(round(180 * 0.8**k), DIGIT_COUNTS[k]) for k in range(10)}


def test_digits_steep_rarest_under_ten():
    _, y = load_digits_imbalanced(imbalance="steep")
    counts = np.bincount(y)
    assert (counts[-3:] < 10).all() and counts[-4] == 10
    assert counts[0] == 178 and (np.diff(counts) < 0).all()


def test_digits_values_are_rows_of_the_original(digits):
    data, target = digits
    X, y = load_digits_imbalanced(imbalance=None)
    np.testing.assert_array_equal(X.reshape(len(X), -1), np.rint(data * 255 / 16))
    np.testing.assert_array_equal(y, target)
    assert X.max() == 255 and X.min() == 0

    # the kept images are original rows with their labels, in the original order
    X, y = load_digits_imbalanced(imbalance="steep", random_state=3)
    expected = np.rint(data * 255 / 16).astype(np.uint8)
    flat, i = X.reshape(len(X), -1), 0
    for row, label in zip(expected, target):
        if i < len(X) and y[i] == label and np.array_equal(flat[i], row):
            i += 1
    assert i == len(X)


def test_digits_keeps_original_order():
    _, y = load_digits_imbalanced(imbalance="moderate")
    # digits cycle through the classes in the original data, not grouped by class
    assert not np.all(np.diff(y) >= 0)


def test_digits_deterministic_and_seed_dependent():
    X1, y1 = load_digits_imbalanced(imbalance="moderate", random_state=7)
    X2, y2 = load_digits_imbalanced(imbalance="moderate", random_state=7)
    X3, _ = load_digits_imbalanced(imbalance="moderate", random_state=8)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)


def test_digits_global_rng_untouched():
    state = np.random.get_state()[1].copy()
    load_digits_imbalanced(imbalance="steep", random_state=5)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_digits_dict_form():
    counts = {3: 10, 8: 174, 9: 1}
    X, y = load_digits_imbalanced(imbalance=counts)
    expected = list(DIGIT_COUNTS)
    expected[3], expected[9] = 10, 1
    assert np.bincount(y).tolist() == expected
    assert counts == {3: 10, 8: 174, 9: 1}  # user input untouched


@pytest.mark.parametrize(
    "imbalance, match",
    [
        ({10: 5}, r"keys must be digit classes 0\.\.9, got 10"),
        ({-1: 5}, r"got -1"),
        ({"3": 5}, r"got '3'"),
        ({3: 0}, r"imbalance\[3\] must be an integer in 1\.\.183"),
        ({8: 175}, r"imbalance\[8\] must be an integer in 1\.\.174.*got 175"),
        ({2: 2.5}, r"got 2\.5"),
        ({}, r"imbalance=None"),
        ("extreme", r"\['moderate', 'steep'\].*got 'extreme'"),
    ],
)
def test_digits_invalid_imbalance(imbalance, match):
    with pytest.raises(ValueError, match=match):
        load_digits_imbalanced(imbalance=imbalance)


def test_digits_imbalance_type_error():
    with pytest.raises(TypeError, match="got list"):
        load_digits_imbalanced(imbalance=[1, 2])


def test_digits_bunch():
    data = load_digits_imbalanced(imbalance="steep", return_X_y=False)
    assert data.data.shape == (447, 1, 8, 8)
    assert data.class_counts == DIGITS_IMBALANCE_PRESETS["steep"]
    assert data.target_names.tolist() == list(range(10))


# ----------------------------------------------------------------------------- MedMNIST


def _write_npz(path, **arrays):
    np.savez(path, **arrays)
    return path


@pytest.fixture
def gray_npz(tmp_path):
    rng = np.random.RandomState(0)
    arrays = {}
    for split, n in [("train", 6), ("val", 2), ("test", 3)]:
        arrays[f"{split}_images"] = rng.randint(0, 256, size=(n, 5, 4)).astype(np.uint8)
        arrays[f"{split}_labels"] = rng.randint(0, 2, size=(n, 1)).astype(np.uint8)
    return _write_npz(tmp_path / "gray.npz", **arrays), arrays


@pytest.mark.parametrize("split", ["train", "val", "test"])
def test_medmnist_gray(gray_npz, split):
    path, arrays = gray_npz
    X, y = load_medmnist(path, split=split)
    images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
    assert X.shape == (len(images), 1, 5, 4) and X.dtype == np.uint8
    assert X.flags.c_contiguous
    np.testing.assert_array_equal(X[:, 0], images)
    assert y.shape == (len(images),) and y.dtype == np.int64
    np.testing.assert_array_equal(y, labels.ravel())


def test_medmnist_rgb_flat_labels(tmp_path):
    images = np.arange(2 * 3 * 4 * 3, dtype=np.uint8).reshape(2, 3, 4, 3)
    path = _write_npz(
        tmp_path / "rgb.npz", train_images=images, train_labels=np.array([4, 1])
    )
    X, y = load_medmnist(str(path))
    assert X.shape == (2, 3, 3, 4) and X.flags.c_contiguous
    np.testing.assert_array_equal(X, images.transpose(0, 3, 1, 2))
    assert y.tolist() == [4, 1] and y.dtype == np.int64


def test_medmnist_converts_integer_valued_images(tmp_path):
    images = np.array([[[0.0, 255.0]], [[17.0, 3.0]]])
    path = _write_npz(
        tmp_path / "f.npz", test_images=images, test_labels=np.array([0, 1])
    )
    X, _ = load_medmnist(path, split="test")
    assert X.dtype == np.uint8
    assert X[:, 0].tolist() == [[[0, 255]], [[17, 3]]]


@pytest.mark.parametrize(
    "images", [np.array([[[0.5, 1.0]]]), np.array([[[0, 256]]]), np.array([[[-1, 3]]])]
)
def test_medmnist_rejects_non_byte_images(tmp_path, images):
    path = _write_npz(
        tmp_path / "bad.npz", train_images=images, train_labels=np.array([0])
    )
    with pytest.raises(ValueError, match="integers in 0..255"):
        load_medmnist(path)


def test_medmnist_missing_file(tmp_path):
    path = tmp_path / "nope.npz"
    with pytest.raises(FileNotFoundError, match="nope.npz"):
        load_medmnist(path)


def test_medmnist_unknown_split(gray_npz):
    with pytest.raises(ValueError, match=r"\['train', 'val', 'test'\], got 'valid'"):
        load_medmnist(gray_npz[0], split="valid")


def test_medmnist_missing_keys(tmp_path):
    path = _write_npz(
        tmp_path / "k.npz",
        train_images=np.zeros((1, 2, 2), np.uint8),
        labels=np.zeros(1),
    )
    match = r"\['train_labels'\].*\['labels', 'train_images'\]"
    with pytest.raises(ValueError, match=match):
        load_medmnist(path)


def test_medmnist_length_mismatch(tmp_path):
    path = _write_npz(
        tmp_path / "m.npz",
        train_images=np.zeros((3, 2, 2), np.uint8),
        train_labels=np.zeros((2, 1), np.uint8),
    )
    with pytest.raises(ValueError, match="3 images, 2 labels"):
        load_medmnist(path)


def test_medmnist_multilabel(tmp_path):
    path = _write_npz(
        tmp_path / "ml.npz",
        train_images=np.zeros((3, 2, 2), np.uint8),
        train_labels=np.zeros((3, 14), np.uint8),
    )
    with pytest.raises(ValueError, match="multilabel"):
        load_medmnist(path)


def test_medmnist_bad_image_shape(tmp_path):
    path = _write_npz(
        tmp_path / "s.npz",
        train_images=np.zeros((3, 2, 2, 4), np.uint8),
        train_labels=np.zeros(3, np.uint8),
    )
    with pytest.raises(ValueError, match=r"\(n, H, W, 3\), got \(3, 2, 2, 4\)"):
        load_medmnist(path)


def test_medmnist_never_unpickles(tmp_path):
    labels = np.array([0, 1], dtype=object)
    path = _write_npz(
        tmp_path / "o.npz",
        train_images=np.zeros((2, 2, 2), np.uint8),
        train_labels=labels,
    )
    with pytest.raises(ValueError, match="unpickling"):
        load_medmnist(path)
    text = tmp_path / "t.npz"
    text.write_text("not numpy")
    with pytest.raises(ValueError, match="cannot read"):
        load_medmnist(text)


@pytest.mark.skipif(not PNEUMONIAMNIST.exists(), reason="no PneumoniaMNIST file")
def test_medmnist_real_pneumoniamnist():
    X, y = load_medmnist(PNEUMONIAMNIST, split="train")
    assert X.shape == (4708, 1, 28, 28) and X.dtype == np.uint8
    assert np.bincount(y).tolist() == [1214, 3494]
    _, y_test = load_medmnist(PNEUMONIAMNIST, split="test")
    assert np.bincount(y_test).tolist() == [234, 390]


# ----------------------------------------------------------------------------- folders


def _save(path, array, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path, **kwargs)


@pytest.fixture
def gray_folder(tmp_path):
    rng = np.random.RandomState(0)
    images = {
        ("cat", "b.png"): rng.randint(0, 256, (6, 5)).astype(np.uint8),
        ("cat", "a.PNG"): rng.randint(0, 256, (6, 5)).astype(np.uint8),
        ("ant", "z.png"): rng.randint(0, 256, (6, 5)).astype(np.uint8),
    }
    for (cls, name), array in images.items():
        _save(tmp_path / cls / name, array)
    (tmp_path / "cat" / "notes.txt").write_text("ignored")
    (tmp_path / "cat" / ".hidden.png").write_bytes(b"junk")
    (tmp_path / ".git").mkdir()
    return tmp_path, images


def test_folder_gray_png_round_trip(gray_folder):
    root, images = gray_folder
    X, y, class_names = load_image_folder(root)
    assert class_names == ["ant", "cat"]
    assert X.shape == (3, 1, 6, 5) and X.dtype == np.uint8
    assert y.tolist() == [0, 1, 1] and y.dtype == np.int64
    np.testing.assert_array_equal(X[0, 0], images[("ant", "z.png")])
    np.testing.assert_array_equal(X[1, 0], images[("cat", "a.PNG")])  # name order
    np.testing.assert_array_equal(X[2, 0], images[("cat", "b.png")])


def test_folder_grayscale_false_repeats_channels(gray_folder):
    root, images = gray_folder
    X, _, _ = load_image_folder(root, grayscale=False)
    assert X.shape == (3, 3, 6, 5) and X.flags.c_contiguous
    for c in range(3):
        np.testing.assert_array_equal(X[0, c], images[("ant", "z.png")])


def test_folder_rgb_jpeg_and_mixed_modes(tmp_path):
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 200
    _save(tmp_path / "a" / "x.jpg", red, quality=95)
    _save(tmp_path / "b" / "y.png", np.full((8, 8), 90, np.uint8))
    X, y, _ = load_image_folder(tmp_path)
    assert X.shape == (2, 3, 8, 8) and X.dtype == np.uint8
    assert np.abs(X[0].astype(int) - red.transpose(2, 0, 1)).max() <= 3  # JPEG loss
    assert (X[1] == 90).all()  # gray image repeated over RGB

    Xg, _, _ = load_image_folder(tmp_path, grayscale=True)
    assert Xg.shape == (2, 1, 8, 8)
    expected_luma = round(200 * 299 / 1000)  # Pillow's L = R*299/1000 + ...
    assert abs(int(Xg[0, 0, 0, 0]) - expected_luma) <= 3
    assert (Xg[1] == 90).all()


def test_folder_rgba_and_palette_to_rgb(tmp_path):
    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 1] = 120
    rgba[..., 3] = 10
    _save(tmp_path / "a" / "x.png", rgba)
    palette = Image.fromarray(np.zeros((4, 4), np.uint8), mode="P")
    palette.putpalette([60, 70, 80] + [0, 0, 0] * 255)
    palette.save(tmp_path / "a" / "y.png")
    X, _, _ = load_image_folder(tmp_path)
    assert X.shape == (2, 3, 4, 4)
    assert X[0, :, 0, 0].tolist() == [0, 120, 0]
    assert X[1, :, 0, 0].tolist() == [60, 70, 80]


def test_folder_16bit_and_bilevel_gray(tmp_path):
    _save(tmp_path / "a" / "x.png", np.array([[0, 65535], [257, 32768]], np.uint16))
    bilevel = Image.fromarray(np.array([[True, False], [False, True]]))
    assert bilevel.mode == "1"
    bilevel.save(tmp_path / "a" / "y.png")
    X, _, _ = load_image_folder(tmp_path)
    assert X.shape == (2, 1, 2, 2)
    assert X[0, 0].tolist() == [[0, 255], [1, 128]]
    assert X[1, 0].tolist() == [[255, 0], [0, 255]]


def test_folder_mixed_sizes_error_and_resize(tmp_path):
    _save(tmp_path / "a" / "big.png", np.full((10, 6), 50, np.uint8))
    _save(tmp_path / "b" / "small.png", np.full((4, 3), 50, np.uint8))
    match = r"big\.png.*10x6.*small\.png.*4x3.*image_size"
    with pytest.raises(ValueError, match=match):
        load_image_folder(tmp_path)
    X, y, _ = load_image_folder(tmp_path, image_size=(5, 7))
    assert X.shape == (2, 1, 5, 7)  # (H, W) order
    assert (X == 50).all()  # bilinear resize of a constant image
    X, _, _ = load_image_folder(tmp_path, image_size=3)
    assert X.shape == (2, 1, 3, 3)


def test_folder_resize_is_bilinear(tmp_path):
    array = np.arange(64, dtype=np.uint8).reshape(8, 8) * 3
    _save(tmp_path / "a" / "x.png", array)
    X, _, _ = load_image_folder(tmp_path, image_size=(4, 2))
    resized = Image.fromarray(array).resize((2, 4), Image.Resampling.BILINEAR)
    expected = np.asarray(resized)
    np.testing.assert_array_equal(X[0, 0], expected)


def test_folder_corrupt_file_named(tmp_path):
    _save(tmp_path / "a" / "ok.png", np.zeros((2, 2), np.uint8))
    (tmp_path / "a" / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(ValueError, match=r"broken\.png") as info:
        load_image_folder(tmp_path)
    assert isinstance(info.value.__cause__, OSError)


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_image_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="no class sub-folders"):
        load_image_folder(tmp_path)
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match=r"empty'? has no image files"):
        load_image_folder(tmp_path)


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"image_size": (0, 4)}, ValueError),
        ({"image_size": (4, 4, 4)}, TypeError),
        ({"image_size": 2.5}, TypeError),
        ({"grayscale": "yes"}, TypeError),
    ],
)
def test_folder_invalid_arguments(gray_folder, kwargs, error):
    with pytest.raises(error, match="image_size|grayscale"):
        load_image_folder(gray_folder[0], **kwargs)


# ----------------------------------------------------------------------------- saving


def test_save_images_round_trip(tmp_path):
    rng = np.random.RandomState(1)
    X = rng.randint(0, 256, (3, 3, 5, 4)).astype(np.uint8)
    X_before = X.copy()
    paths = save_images(X, tmp_path / "out" / "cls", prefix="fake")
    assert [p.name for p in paths] == [f"fake_0000{i}.png" for i in range(3)]
    assert all(p.is_file() for p in paths)
    np.testing.assert_array_equal(X, X_before)
    X_read, y, names = load_image_folder(tmp_path / "out")
    np.testing.assert_array_equal(X_read, X)
    assert names == ["cls"] and y.tolist() == [0, 0, 0]


def test_save_images_gray_layouts_and_floats(tmp_path):
    X = np.array([[[0, 255], [7, 8]]], np.uint8)
    save_images(X, tmp_path / "a" / "nhw")
    save_images(X[:, None] / 255.0, tmp_path / "a" / "float")
    X_read, _, _ = load_image_folder(tmp_path / "a")
    assert X_read.shape == (2, 1, 2, 2)
    np.testing.assert_array_equal(X_read[:, 0], np.concatenate([X, X]))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((2, 2, 4, 4), np.uint8), r"C 1 or 3, got \(2, 2, 4, 4\)"),
        (np.zeros((4, 4), np.uint8), r"got \(4, 4\)"),
        (np.full((1, 4, 4), 1.5), r"\[0, 1\]"),
        (np.full((1, 4, 4), np.nan), "NaN"),
        (np.zeros((1, 4, 4), np.int64), "got dtype int64"),
    ],
)
def test_save_images_invalid(tmp_path, X, match):
    with pytest.raises(ValueError, match=match):
        save_images(X, tmp_path)
    assert not list(tmp_path.iterdir())
