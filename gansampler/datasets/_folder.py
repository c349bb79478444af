"""Image folders with one sub-folder per class, and writing images as PNG files."""

import os
from pathlib import Path

import numpy as np
from PIL import Image

from ._dicom import DICOM_EXTENSIONS, is_dicom_file
from ._read import ImageSizeError, check_grayscale, check_image_size, read_images

__all__ = ["ImageSizeError", "load_image_folder", "save_images"]

IMAGE_EXTENSIONS = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff"}) | DICOM_EXTENSIONS


def _is_visible(path):
    return not path.name.startswith(".")


def _is_image_file(path):
    return path.is_file() and _is_visible(path) and (path.suffix.lower() in IMAGE_EXTENSIONS or is_dicom_file(path))


def _class_files(root):
    """The visible class sub-folders of ``root`` and their image files, sorted."""
    class_dirs = sorted(p for p in root.iterdir() if p.is_dir() and _is_visible(p))
    if not class_dirs:
        raise ValueError(f"no class sub-folders in {str(root)!r}; expected root/<class_name>/<image files>")
    files, labels = [], []
    for label, class_dir in enumerate(class_dirs):
        class_files = sorted(p for p in class_dir.iterdir() if _is_image_file(p))
        if not class_files:
            raise ValueError(f"class folder {str(class_dir)!r} has no image files with extensions "
                             f"{sorted(IMAGE_EXTENSIONS)} (or extension-less DICOM files)")
        files.extend(class_files)
        labels.extend([label] * len(class_files))
    return files, labels, [p.name for p in class_dirs]


def load_image_folder(root, image_size=None, grayscale=None, *, return_notes=False):
    """Load images stored in one sub-folder per class.

    ``root/<class_name>/<image file>``: the class sub-folders, sorted by name,
    give the classes ``0..k-1``; the images in each are read in name order.
    Files with the extensions ``.png``, ``.jpg``, ``.jpeg``, ``.bmp``, ``.tif``
    and ``.tiff`` (any case) are read with Pillow, DICOM files (``.dcm``,
    ``.dicom``, or no extension and the ``DICM`` marker) with pydicom, the
    ``dicom`` extra; hidden files and folders (names starting with ``"."``),
    other files and nested folders are ignored. A class may mix formats.

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
        None: gray (``C=1``) unless some image has colour, then RGB (``C=3``)
        with gray images repeated over three channels. An image has colour
        when its mode has several channels (palette, RGB, RGBA: alpha is
        dropped) and they differ by more than 8 (of 255) at some pixel; a gray
        picture saved as RGB counts as gray and is read as such. True makes
        every image gray (colour ones with Pillow's ``convert("L")``); False
        makes every image RGB. 16-bit images are scaled to 8 bits as
        ``rint(v * 255 / 65535)``. DICOM files: the stored values times
        ``RescaleSlope`` plus ``RescaleIntercept``, then the header's first
        window (``WindowCenter``/``WindowWidth``, linear) or, without one,
        the whole range ``BitsStored`` holds, mapped to ``0..255`` the same
        way; ``MONOCHROME1`` images (0 is white) inverted.
    return_notes : bool, default=False
        Also return what the reading did, in words, for reports.

    Returns
    -------
    X : ndarray of shape (n_samples, C, H, W), dtype uint8
        The images, in class then file-name order.
    y : ndarray of shape (n_samples,), dtype int64
        The class index of each image.
    class_names : list of str
        The sub-folder name of each class index.
    notes : list of str
        Only with ``return_notes=True``: e.g. ``"69 RGB files with gray
        content read as gray (channels within 8 of 255)"``.

    Raises
    ------
    FileNotFoundError
        If ``root`` does not exist.
    ValueError
        If ``root`` has no class sub-folders, a class sub-folder has no image
        files, or a file cannot be read as an image: unreadable, truncated, a
        DICOM file without pixel data or with compressed pixel data no
        installed decoder handles, or pydicom missing (the message names the
        file and the install command).
    ImageSizeError
        A ``ValueError``: with ``image_size=None``, two images differ in size.

    Notes
    -----
    EXIF orientation tags are applied (Pillow's ``ImageOps.exif_transpose``)
    before resizing, so a phone photo is read upright.
    """
    size = check_image_size(image_size)
    grayscale = check_grayscale(grayscale)
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"image folder not found: {str(root)!r}")
    if not root.is_dir():
        raise NotADirectoryError(f"image folder root is not a directory: {str(root)!r}")
    files, labels, class_names = _class_files(root)
    X, notes = read_images(files, size, grayscale)
    y = np.asarray(labels, dtype=np.int64)
    return (X, y, class_names, notes) if return_notes else (X, y, class_names)


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
