"""Reading image files into one uint8 array, and saying what the reading did.

Each file is read as gray or colour on its own; :func:`read_images` then
chooses one number of channels for the whole set and writes notes (how many
colour files held gray content, how many DICOM files, ...) for reports.
"""

import numbers
from collections import Counter

import numpy as np
from PIL import Image, ImageOps

from ._dicom import is_dicom_file, read_dicom, to_8bit

__all__ = ["GRAY_TOLERANCE", "ImageSizeError", "check_grayscale", "check_image_size", "read_images"]

#: A colour image whose channels differ by at most this much (of 255) at every
#: pixel holds gray content. A gray picture saved as an RGB JPEG decodes with
#: equal channels, give or take a decoder's rounding: its chroma planes are
#: flat, so their DCT coefficients quantise to zero. Eight levels leaves room
#: for that rounding, while a tint the eye sees (a few percent between
#: channels) and any real colour photograph count as colour. A per-pixel
#: maximum, not a mean, so that a small coloured mark keeps an image colour.
GRAY_TOLERANCE = 8

# Pillow modes holding one channel of data ("LA": gray plus alpha, which is dropped).
_SINGLE_CHANNEL_MODES = frozenset({"1", "L", "LA", "La", "I", "F"})
_EXIF_ORIENTATION = 0x0112


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


def check_image_size(image_size):
    """Return ``image_size`` as an ``(H, W)`` tuple, or None."""
    if image_size is None:
        return None
    if isinstance(image_size, numbers.Integral) and not isinstance(image_size, bool):
        sizes = (image_size, image_size)
    elif isinstance(image_size, (tuple, list)) and len(image_size) == 2:
        sizes = tuple(image_size)
    else:
        raise TypeError(f"image_size must be None, an int or (H, W), got {image_size!r}")
    for size in sizes:
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(f"image_size entries must be integers, got {image_size!r}")
        if size < 1:
            raise ValueError(f"image_size entries must be positive, got {image_size!r}")
    return int(sizes[0]), int(sizes[1])


def check_grayscale(grayscale):
    """Return ``grayscale`` as None, True or False."""
    if grayscale is not None and not isinstance(grayscale, (bool, np.bool_)):
        raise TypeError(f"grayscale must be None, True or False, got {grayscale!r}")
    return None if grayscale is None else bool(grayscale)


def _gray8(img):
    """Return a one-channel Pillow image as an 8-bit ``"L"`` image.

    16- and 32-bit integer modes (``"I;16*"``, ``"I"``) are scaled from
    ``0..65535`` to ``0..255``; other modes go through Pillow's ``convert("L")``.
    """
    if img.mode.startswith("I;16") or img.mode == "I":
        return Image.fromarray(to_8bit(np.asarray(img, dtype=np.float64), 0, 65535))
    return img.convert("L")


def _open(path):
    """One file as a Pillow image, upright, and the set of things done to it."""
    if is_dicom_file(path):
        return Image.fromarray(read_dicom(path)), {"dicom"}
    with Image.open(path) as img:
        img.load()
        orientation = img.getexif().get(_EXIF_ORIENTATION, 1)
        # a phone stores its pixels as the sensor saw them and the turn in EXIF
        turned = orientation in range(2, 9)  # 1 is upright; other values are not orientations
        upright = ImageOps.exif_transpose(img) if turned else img.copy()
    return upright, {"rotated"} if turned else set()


def _read_one(path, grayscale):
    """Read one file as an ``"L"`` or ``"RGB"`` image; also return its tags
    (``"colour"``: true colour; ``"gray content"``: colour mode, gray pixels)."""
    try:
        img, tags = _open(path)
        if img.mode in _SINGLE_CHANNEL_MODES or img.mode.startswith("I;16"):
            img = _gray8(img)
        else:
            img = img.convert("RGB")
            pixels = np.asarray(img)
            spread = int((pixels.max(axis=2) - pixels.min(axis=2)).max()) if pixels.size else 0
            tags.add("colour" if spread > GRAY_TOLERANCE else "gray content")
            if grayscale or (grayscale is None and spread <= GRAY_TOLERANCE):
                img = img.convert("L")
        if grayscale is False and img.mode == "L":
            img = img.convert("RGB")
        return img, tags
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ValueError) and str(path) in str(exc):  # the DICOM reader's, naming the file
            raise
        raise ValueError(f"cannot read image file {str(path)!r}: {exc}") from exc


def _notes(tags, grayscale, n_files, colour_example):
    """Sentences saying what the reading did, for reports."""
    notes = []
    if tags["dicom"]:
        notes.append(f"{tags['dicom']} DICOM files (rescaled, windowed, MONOCHROME1 inverted)")
    if tags["rotated"]:
        notes.append(f"{tags['rotated']} files turned upright by their EXIF orientation")
    gray_content, colour = tags["gray content"], tags["colour"]
    if grayscale is None and colour:
        notes.append(f"RGB: {colour} of {n_files} files have colour (e.g. {colour_example.name}); gray ones "
                     "repeated over three channels")
    elif grayscale is None and gray_content:
        notes.append(f"{gray_content} RGB files with gray content read as gray "
                     f"(channels within {GRAY_TOLERANCE} of 255)")
    elif grayscale and colour:
        notes.append(f"{colour} colour files made gray (grayscale forced)")
    elif grayscale is False and n_files > colour + gray_content:
        notes.append(f"{n_files - colour - gray_content} gray files repeated over three channels (colour forced)")
    return notes


def read_images(paths, size=None, grayscale=None, fix_size=None):
    """Read files into one ``(n, C, H, W)`` uint8 array, in order.

    Parameters
    ----------
    paths : list of Path
    size : (int, int) or None
        ``(H, W)`` to resize to (bilinear), or None to require one size.
    grayscale : bool or None
        None: gray unless some file has colour (channels further apart than
        :data:`GRAY_TOLERANCE`), then RGB. True or False force gray or RGB.
    fix_size : str or None
        The advice of the :class:`ImageSizeError` raised on mixed sizes.

    Returns
    -------
    X : ndarray of shape (n, C, H, W), dtype uint8
    notes : list of str
        What the reading did, in words.
    """
    arrays, first, tags, colour_example = [], None, Counter(), None
    for path in paths:
        img, file_tags = _read_one(path, grayscale)
        tags.update(file_tags)
        if "colour" in file_tags and colour_example is None:
            colour_example = path
        if size is not None:
            img = img.resize((size[1], size[0]), Image.Resampling.BILINEAR)
        elif first is None:
            first = (path, img.size)
        elif img.size != first[1]:
            kwargs = {} if fix_size is None else {"fix": fix_size}
            raise ImageSizeError((first[0], path), (first[1][::-1], img.size[::-1]), **kwargs)
        arrays.append(np.asarray(img, dtype=np.uint8))

    if any(a.ndim == 3 for a in arrays):  # some file has colour: the set is RGB
        arrays = [a if a.ndim == 3 else np.repeat(a[..., np.newaxis], 3, axis=2) for a in arrays]
        X = np.ascontiguousarray(np.stack(arrays).transpose(0, 3, 1, 2))
    else:
        X = np.stack(arrays)[:, np.newaxis]
    return X, _notes(tags, grayscale, len(paths), colour_example)
