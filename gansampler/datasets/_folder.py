"""Image folders with one sub-folder per class, and writing images as PNG files."""

import numbers
import os
from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["ImageSizeError", "load_image_folder", "save_images"]

_IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"})
# Pillow modes holding one channel of data ("LA": gray plus alpha, which is dropped).
_SINGLE_CHANNEL_MODES = frozenset({"1", "L", "LA", "La", "I", "F"})


class ImageSizeError(ValueError):
    """Images of one folder differ in size and no ``image_size`` was given.

    Attributes
    ----------
    paths : tuple of Path
        The first image and the first one of another size.
    sizes : tuple of (int, int)
        Their ``(H, W)``.
    """

    def __init__(self, paths, sizes, fix="pass image_size=(H, W) to resize them to one size"):
        self.paths, self.sizes = tuple(paths), tuple(sizes)
        (a, b), ((ha, wa), (hb, wb)) = self.paths, self.sizes
        super().__init__(f"images differ in size: {str(a)!r} is {ha}x{wa} (HxW) but {str(b)!r} is {hb}x{wb}; {fix}")


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
        files, or a file cannot be read as an image (the message names it).
    ImageSizeError
        A ``ValueError``: with ``image_size=None``, two images differ in size.

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
            raise ImageSizeError((first[0], path), (first[1][::-1], img.size[::-1]))
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
