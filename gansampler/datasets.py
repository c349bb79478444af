"""Image data sets to try over-samplers on, and a helper to write images out.

All loaders return images as ``(n, C, H, W)`` uint8 arrays in ``0..255`` and labels
as 1-D int64 arrays, the layout the rest of :mod:`gansampler` accepts directly.
"""

import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from imblearn.datasets import make_imbalance
from PIL import Image
from sklearn.datasets import load_digits
from sklearn.utils import Bunch

from ._random import check_random_state

__all__ = [
    "DIGITS_IMBALANCE_PRESETS",
    "load_digits_imbalanced",
    "load_image_folder",
    "load_medmnist",
    "save_images",
]

#: Images kept per digit class by the ``imbalance`` presets of
#: :func:`load_digits_imbalanced`. ``"moderate"`` is ``round(180 * 0.8**k)`` capped
#: at the 178 images digit 0 has; ``"steep"`` falls to 5 images.
DIGITS_IMBALANCE_PRESETS = {
    "moderate": dict(enumerate([178, 144, 115, 92, 74, 59, 47, 38, 30, 24])),
    "steep": dict(enumerate([178, 100, 60, 40, 25, 15, 10, 8, 6, 5])),
}

_MEDMNIST_SPLITS = ("train", "val", "test")
_IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
# Pillow modes holding one channel of data ("LA": gray plus alpha, which is dropped).
_SINGLE_CHANNEL_MODES = frozenset({"1", "L", "LA", "La", "I", "F"})


# ----------------------------------------------------------------------------- digits


def _digits_counts(imbalance, available):
    """Return the ``{class: count}`` dict an ``imbalance`` argument stands for."""
    if isinstance(imbalance, str):
        if imbalance not in DIGITS_IMBALANCE_PRESETS:
            raise ValueError(
                f"imbalance must be one of {sorted(DIGITS_IMBALANCE_PRESETS)}, None or "
                f"a dict {{class: count}}, got {imbalance!r}"
            )
        return dict(DIGITS_IMBALANCE_PRESETS[imbalance])
    if not isinstance(imbalance, Mapping):
        raise TypeError(
            "imbalance must be a preset name, None or a dict {class: count}, got "
            f"{type(imbalance).__name__}"
        )
    if not imbalance:
        raise ValueError(
            "imbalance dict is empty; pass imbalance=None for the balanced data set"
        )
    counts = {}
    for label, count in imbalance.items():
        if (
            not isinstance(label, numbers.Integral)
            or isinstance(label, bool)
            or not 0 <= label <= 9
        ):
            raise ValueError(
                f"imbalance keys must be digit classes 0..9, got {label!r}"
            )
        n_available = int(available[int(label)])
        if (
            not isinstance(count, numbers.Integral)
            or isinstance(count, bool)
            or not 1 <= count <= n_available
        ):
            raise ValueError(
                f"imbalance[{int(label)}] must be an integer in 1..{n_available} "
                f"(the images digit {int(label)} has), got {count!r}"
            )
        counts[int(label)] = int(count)
    return counts


def load_digits_imbalanced(*, imbalance="moderate", random_state=0, return_X_y=True):
    """Load scikit-learn's 8x8 digits, made imbalanced in a reproducible way.

    The 1,797 bundled digit images (no download) are scaled from ``0..16`` to
    ``0..255`` with ``np.rint(x * 255 / 16)`` and kept per class as set by
    ``imbalance``, drawn without replacement with
    :func:`imblearn.datasets.make_imbalance`. The kept images stay in their
    original order.

    The digit classes have 178, 182, 177, 183, 181, 182, 181, 179, 174 and 180
    images (digits 0 to 9). The presets keep:

    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===
    digit          0    1    2    3    4    5    6    7    8    9
    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===
    "moderate"    178  144  115   92   74   59   47   38   30   24
    "steep"       178  100   60   40   25   15   10    8    6    5
    ============  ===  ===  ===  ===  ===  ===  ===  ===  ===  ===

    ``"moderate"`` (681 images) is ``round(180 * 0.8**k)`` for digit ``k``, capped
    at what the class has; ``"steep"`` (447 images) leaves digits 7, 8 and 9 with
    fewer than 10 images each.

    Parameters
    ----------
    imbalance : {"moderate", "steep"}, dict or None, default="moderate"
        A preset from the table above; a dict ``{digit: count}`` with digits
        ``0..9`` and counts from 1 to the images the digit has (digits left out
        keep all their images); or None for the full, balanced set.
    random_state : int, RandomState instance or None, default=0
        Which images are kept. Pass an int for reproducible output; None uses
        fresh OS entropy (numpy's global random state is never touched).
    return_X_y : bool, default=True
        If True, return ``(X, y)``; otherwise a :class:`~sklearn.utils.Bunch`.

    Returns
    -------
    X : ndarray of shape (n_samples, 1, 8, 8), dtype uint8
        The images in ``0..255``.
    y : ndarray of shape (n_samples,), dtype int64
        The digits.
    data : :class:`~sklearn.utils.Bunch`
        Only when ``return_X_y=False``: ``data`` (``X``), ``target`` (``y``),
        ``target_names`` (``0..9``), ``class_counts`` (the dict of images kept per
        digit) and ``DESCR``.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance="steep")
    >>> X.shape, X.dtype
    ((447, 1, 8, 8), dtype('uint8'))
    >>> np.bincount(y).tolist()
    [178, 100, 60, 40, 25, 15, 10, 8, 6, 5]
    """
    data, target = load_digits(return_X_y=True)
    available = np.bincount(target, minlength=10)
    if imbalance is None:
        counts = {int(k): int(n) for k, n in enumerate(available)}
        keep = np.arange(len(target))
    else:
        counts = _digits_counts(imbalance, available)
        # Under-sample row indices rather than X so the original order survives.
        indices, _ = make_imbalance(
            np.arange(len(target)).reshape(-1, 1),
            target,
            sampling_strategy=counts,
            random_state=check_random_state(random_state),
        )
        keep = np.sort(indices.ravel())
        kept = np.bincount(target[keep], minlength=10)
        counts = {k: int(n) for k, n in enumerate(kept)}

    X = np.rint(data[keep] * (255 / 16)).astype(np.uint8).reshape(-1, 1, 8, 8)
    y = target[keep].astype(np.int64)
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        target_names=np.arange(10),
        class_counts=counts,
        DESCR=(
            "scikit-learn's 8x8 digits scaled to 0..255 uint8, images kept per "
            f"digit: {counts}"
        ),
    )


# ----------------------------------------------------------------------------- MedMNIST


def _exact_uint8(array, what):
    """Return ``array`` as uint8 if it holds only integers in ``0..255``."""
    if array.dtype == np.uint8:
        return array
    if array.dtype == bool:
        return array.astype(np.uint8)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"{what} must be numeric, got dtype {array.dtype}")
    if array.size and (
        not np.all(np.isfinite(array))
        or array.min() < 0
        or array.max() > 255
        or not np.array_equal(array, np.round(array))
    ):
        raise ValueError(
            f"{what} must hold integers in 0..255 to be read as uint8 images, got "
            f"dtype {array.dtype} with values in [{array.min()}, {array.max()}]"
        )
    return array.astype(np.uint8)


def load_medmnist(path, split="train"):
    """Load one split of a MedMNIST ``.npz`` file.

    MedMNIST files (e.g. ``pneumoniamnist.npz``) hold ``{split}_images`` and
    ``{split}_labels`` for the splits ``train``, ``val`` and ``test``. The file is
    read with ``allow_pickle=False``: nothing in it is ever unpickled.

    Parameters
    ----------
    path : str or path-like
        The ``.npz`` file.
    split : {"train", "val", "test"}, default="train"
        Which split to return.

    Returns
    -------
    X : ndarray of shape (n_samples, C, H, W), dtype uint8
        A C-contiguous copy of the images: ``C=1`` for gray ``(n, H, W)`` (or
        ``(n, H, W, 1)``) images,
        ``C=3`` for RGB ``(n, H, W, 3)`` images (moved from channels-last).
        Images stored with another dtype are accepted when they hold only
        integers in ``0..255``.
    y : ndarray of shape (n_samples,), dtype int64
        The labels, from ``(n,)`` or ``(n, 1)``. Multi-label files (``(n, k)``
        labels with ``k > 1``, such as ChestMNIST) are not supported.

    Raises
    ------
    FileNotFoundError
        If ``path`` is not a file.
    ValueError
        If ``split`` is unknown, the file lacks the split's keys, is not an
        ``.npz`` archive, or its images or labels do not have the shapes above.
    """
    if split not in _MEDMNIST_SPLITS:
        raise ValueError(
            f"split must be one of {list(_MEDMNIST_SPLITS)}, got {split!r}"
        )
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"MedMNIST file not found: {str(path)!r}")
    image_key, label_key = f"{split}_images", f"{split}_labels"
    try:
        archive = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:  # pickles are refused here too
        raise ValueError(
            f"cannot read {str(path)!r} as an .npz archive of numeric arrays: {exc}"
        ) from exc
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise ValueError(
            f"{str(path)!r} holds a single .npy array, not an .npz archive"
        )
    with archive:
        missing = [key for key in (image_key, label_key) if key not in archive.files]
        if missing:
            raise ValueError(
                f"{str(path)!r} has no {missing} for split {split!r}; the keys it has "
                f"are {sorted(archive.files)}"
            )
        try:
            images, labels = archive[image_key], archive[label_key]
        except ValueError as exc:  # object arrays, which would need unpickling
            raise ValueError(
                f"cannot read {image_key!r} and {label_key!r} from {str(path)!r} "
                f"without unpickling; only plain numeric arrays are read: {exc}"
            ) from exc

    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim == 3:
        images = images[:, np.newaxis]
    elif images.ndim == 4 and images.shape[-1] == 3:
        images = images.transpose(0, 3, 1, 2)
    else:
        raise ValueError(
            f"{image_key} must have shape (n, H, W) or (n, H, W, 3), got {images.shape}"
        )
    if labels.ndim == 2 and labels.shape[1] > 1:
        raise ValueError(
            f"{label_key} has shape {labels.shape}: multilabel data is not supported, "
            "expected one label per image, shape (n,) or (n, 1)"
        )
    if labels.ndim == 2:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(
            f"{label_key} must have shape (n,) or (n, 1), got {labels.shape}"
        )
    if len(images) != len(labels):
        raise ValueError(
            f"{image_key} and {label_key} differ in length: {len(images)} images, "
            f"{len(labels)} labels"
        )
    if labels.dtype.kind not in "biuf" or (
        labels.dtype.kind == "f"
        and not np.array_equal(labels, np.round(labels))  # NaN fails this too
    ):
        raise ValueError(
            f"{label_key} must hold integer labels, got dtype {labels.dtype}"
        )

    X = np.array(_exact_uint8(images, image_key), dtype=np.uint8, order="C", copy=True)
    y = labels.astype(np.int64)
    return X, y


# ----------------------------------------------------------------------------- folders


def _check_image_size(image_size):
    """Return ``image_size`` as an ``(H, W)`` tuple, or None."""
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        sizes = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        sizes = tuple(image_size)
    else:
        raise TypeError(
            f"image_size must be None, an int or (H, W), got {image_size!r}"
        )
    for size in sizes:
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"image_size entries must be integers, got {image_size!r}")
        if size < 1:
            raise ValueError(f"image_size entries must be positive, got {image_size!r}")
    return int(sizes[0]), int(sizes[1])


def _is_visible(path):
    return not path.name.startswith(".")


def _gray8(img):
    """Return a one-channel Pillow image as an 8-bit ``"L"`` image.

    16- and 32-bit integer modes (``"I;16*"``, ``"I"``) are scaled from
    ``0..65535`` to ``0..255``; other modes go through Pillow's ``convert("L")``.
    """
    if img.mode.startswith("I;16") or img.mode == "I":
        values = np.asarray(img, dtype=np.float64)
        values = np.rint(np.clip(values, 0, 65535) * (255 / 65535)).astype(np.uint8)
        return Image.fromarray(values)
    return img.convert("L")


def _read_image(path, grayscale):
    """Read one file into an ``"L"`` or ``"RGB"`` Pillow image.

    ``grayscale=None`` keeps single-channel images gray and turns others to RGB.
    """
    try:
        with Image.open(path) as img:
            img.load()
            single = img.mode in _SINGLE_CHANNEL_MODES or img.mode.startswith("I;16")
            if grayscale is None:
                grayscale = single
            if grayscale:
                return _gray8(img) if single else img.convert("L")
            return _gray8(img).convert("RGB") if single else img.convert("RGB")
    except (OSError, SyntaxError, ValueError) as exc:
        raise ValueError(f"cannot read image file {str(path)!r}: {exc}") from exc


def load_image_folder(root, image_size=None, grayscale=None):
    """Load images stored in one sub-folder per class.

    ``root/<class_name>/<image file>``: the class sub-folders, sorted by name,
    give the classes ``0..k-1``; the images in each are read in name order.
    Files with the extensions ``.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.tif``
    and ``.tiff`` (any case) are read with Pillow; hidden files and folders
    (names starting with ``"."``), other files and nested folders are ignored.

    Parameters
    ----------
    root : str or path-like
        The folder holding the class sub-folders.
    image_size : int, tuple of (int, int) or None, default=None
        None keeps images as they are, which requires all of them to have one
        size. An int ``s`` or a tuple ``(H, W)`` (height first) resizes every
        image to that size with Pillow's bilinear filter (done as
        ``img.resize((W, H))``, since Pillow counts width first).
    grayscale : bool or None, default=None
        None: gray (``C=1``) if every image has one channel (Pillow modes such as
        ``"L"``, ``"1"``, ``"I;16"``; alpha is dropped from ``"LA"``), otherwise
        RGB (``C=3``), with gray images repeated over three channels and
        palette or RGBA images converted to RGB (alpha dropped). True makes
        every image gray (colour ones with Pillow's ``convert("L")``); False
        makes every image RGB. 16-bit images are scaled to 8 bits as
        ``rint(v * 255 / 65535)``.

    Returns
    -------
    X : ndarray of shape (n_samples, C, H, W), dtype uint8
        The images, in class then file-name order.
    y : ndarray of shape (n_samples,), dtype int64
        The class index of each image.
    class_names : list of str
        The sub-folder name of each class index.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    ValueError
        If ``root`` has no class sub-folders, a class sub-folder has no image
        files, a file cannot be read as an image, or (with ``image_size=None``)
        two images differ in size.

    Notes
    -----
    EXIF orientation tags are not applied, as in torchvision's ``ImageFolder``.
    """
    size = _check_image_size(image_size)
    if grayscale is not None and not isinstance(grayscale, (bool, np.bool_)):
        raise TypeError(f"grayscale must be None, True or False, got {grayscale!r}")
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"image folder not found: {str(root)!r}")
    if not root.is_dir():
        raise NotADirectoryError(f"image folder root is not a directory: {str(root)!r}")

    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and _is_visible(p))
    if not class_dirs:
        raise ValueError(
            f"no class sub-folders in {str(root)!r}; expected "
            "root/<class_name>/<image files>"
        )
    files, labels = [], []
    for label, class_dir in enumerate(class_dirs):
        class_files = sorted(
            p
            for p in class_dir.iterdir()
            if p.is_file() and _is_visible(p) and p.suffix.lower() in _IMAGE_EXTENSIONS
        )
        if not class_files:
            raise ValueError(
                f"class folder {str(class_dir)!r} has no image files with extensions "
                f"{sorted(_IMAGE_EXTENSIONS)}"
            )
        files.extend(class_files)
        labels.extend([label] * len(class_files))

    arrays, first = [], None
    for path in files:
        img = _read_image(path, grayscale)
        if size is not None:
            img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        elif first is None:
            first = (path, img.size)
        elif img.size != first[1]:
            raise ValueError(
                f"images differ in size: {str(first[0])!r} is "
                f"{first[1][1]}x{first[1][0]} (HxW) but {str(path)!r} is "
                f"{img.size[1]}x{img.size[0]}; pass "
                "image_size=(H, W) to resize them to one size"
            )
        arrays.append(np.asarray(img, dtype=np.uint8))

    if any(a.ndim == 3 for a in arrays):  # mixed gray and colour: all to RGB
        arrays = [
            a if a.ndim == 3 else np.repeat(a[..., np.newaxis], 3, axis=2)
            for a in arrays
        ]
        X = np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2))
    else:
        X = np.stack(arrays)[:, np.newaxis]
    y = np.asarray(labels, dtype=np.int64)
    return X, y, [p.name for p in class_dirs]


# ----------------------------------------------------------------------------- saving


def save_images(X, directory, prefix="img"):
    """Write images as PNG files ``{prefix}_00000.png``, ``{prefix}_00001.png``, ...

    Parameters
    ----------
    X : array-like of shape (n_samples, C, H, W) or (n_samples, H, W)
        The images, with ``C`` 1 (gray) or 3 (RGB). uint8 values are written as
        they are; floats must lie in ``[0, 1]`` and are written as
        ``rint(x * 255)``.
    directory : str or path-like
        Where to write; created (with its parents) if missing. Existing files of
        the same names are overwritten.
    prefix : str, default="img"
        The start of each file name. The index has 5 digits, more when there
        are over 100,000 images, so the names sort in order.

    Returns
    -------
    paths : list of pathlib.Path
        The files written, in the order of ``X``.

    Raises
    ------
    ValueError
        If ``X`` has another shape, number of channels, dtype or value range.
    """
    X = np.asarray(X)
    if X.ndim == 3:
        X = X[:, np.newaxis]
    if X.ndim != 4 or X.shape[1] not in (1, 3):
        raise ValueError(
            "X must have shape (n, H, W) or (n, C, H, W) with C 1 or 3, got "
            f"{np.shape(X)}"
        )
    if X.dtype.kind == "f":
        if X.size and not (np.all(np.isfinite(X)) and X.min() >= 0 and X.max() <= 1):
            raise ValueError(
                "float images must lie in [0, 1] without NaN or inf, got values in "
                f"[{X.min()}, {X.max()}]"
            )
        X = np.rint(X * 255).astype(np.uint8)
    elif X.dtype != np.uint8:
        raise ValueError(
            f"X must be uint8 in 0..255 or float in [0, 1], got dtype {X.dtype}"
        )
    separators = [sep for sep in (os.sep, os.altsep) if sep]
    if not isinstance(prefix, str) or any(sep in prefix for sep in separators):
        raise ValueError(
            f"prefix must be a file-name string without separators, got {prefix!r}"
        )

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    width = max(5, len(str(len(X) - 1)))
    paths = []
    for i, image in enumerate(X):
        path = directory / f"{prefix}_{i:0{width}d}.png"
        pixels = image[0] if image.shape[0] == 1 else image.transpose(1, 2, 0)
        Image.fromarray(np.ascontiguousarray(pixels)).save(path)
        paths.append(path)
    return paths
