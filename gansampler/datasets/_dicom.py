"""Reading one DICOM image into 8-bit pixels, with pydicom (the ``dicom`` extra)."""

import numpy as np

DICOM_EXTENSIONS = frozenset({".dcm", ".dicom"})
INSTALL_HINT = "pip install 'gansampler[dicom]'"
_MONOCHROME = ("MONOCHROME1", "MONOCHROME2")


def is_dicom_file(path):
    """True for a ``.dcm``/``.dicom`` name, or an extension-less file with the
    ``DICM`` marker after its 128-byte preamble (as scanners export them)."""
    if path.suffix.lower() in DICOM_EXTENSIONS:
        return True
    if path.suffix:
        return False
    try:
        with open(path, "rb") as file:
            return file.read(132)[128:] == b"DICM"
    except OSError:
        return False


def _import_pydicom(path):
    try:
        import pydicom
    except ImportError:
        raise ValueError(f"{str(path)!r} is a DICOM file: reading it needs pydicom, {INSTALL_HINT}") from None
    return pydicom


def _first(value):
    """The first of a multi-valued DICOM element (several windows may be listed)."""
    return float(value[0]) if hasattr(value, "__len__") and not isinstance(value, str) else float(value)


def _full_range(ds, slope, intercept):
    """The values ``BitsStored`` can hold, after the rescale."""
    bits = int(ds.get("BitsStored", ds.get("BitsAllocated", 16)))
    if int(ds.get("PixelRepresentation", 0)) == 1:
        low, high = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    else:
        low, high = 0, 2**bits - 1
    return sorted((low * slope + intercept, high * slope + intercept))


def _window(ds):
    """The header's first window as the input values mapped to 0 and 255, or None.

    DICOM PS3.3 C.11.2.1.2.1 (linear VOI function): values up to
    ``c - 0.5 - (w - 1) / 2`` are black, above ``c - 0.5 + (w - 1) / 2`` white.
    """
    if ds.get("WindowCenter") is None or ds.get("WindowWidth") is None:
        return None
    center, width = _first(ds.WindowCenter), _first(ds.WindowWidth)
    low = center - 0.5 - (width - 1) / 2
    return low, low + max(width - 1, 1.0)


def to_8bit(values, low, high):
    """Map ``low..high`` linearly to ``0..255`` (rounded, clipped): DICOM values and 16-bit PNGs alike."""
    scaled = (values - low) * (255 / (high - low)) if high > low else np.where(values > low, 255.0, 0.0)
    return np.rint(np.clip(scaled, 0, 255)).astype(np.uint8)


def _pixels(ds, path):
    try:
        return ds.pixel_array
    except Exception as exc:  # pydicom raises several types for a missing or failing decoder
        syntax = getattr(getattr(ds, "file_meta", None), "TransferSyntaxUID", None)
        if syntax is not None and syntax.is_compressed:
            raise ValueError(
                f"cannot decode DICOM file {str(path)!r}: its pixel data are compressed ({syntax.name}) and no "
                f"installed decoder handles them ({exc}); {INSTALL_HINT} adds pylibjpeg's JPEG and JPEG 2000 "
                "decoders") from exc
        raise ValueError(f"cannot read the pixel data of DICOM file {str(path)!r}: {exc}") from exc


def read_dicom(path):
    """Read a single-frame DICOM image as uint8 ``(H, W)`` (gray) or ``(H, W, 3)`` (colour).

    Gray images: stored values times ``RescaleSlope`` plus ``RescaleIntercept``
    (modality units, e.g. Hounsfield), then the header's first window
    (``WindowCenter``/``WindowWidth``, linear) mapped to ``0..255``, or without
    one the whole range ``BitsStored`` can hold, so that every file of a series
    is scaled alike (a 16-bit file without rescale or window maps as a 16-bit
    PNG does, ``rint(v * 255 / 65535)``). ``MONOCHROME1`` images, stored with
    0 as white, are inverted so that 0 is black. Colour images (RGB, or YBR,
    which pydicom converts to RGB) are returned as they are when 8-bit.

    Raises
    ------
    ValueError
        Naming the file: pydicom missing, not a DICOM file, no pixel data,
        several frames, compressed pixel data no installed decoder handles,
        or an unsupported photometric interpretation.
    """
    pydicom = _import_pydicom(path)
    try:
        ds = pydicom.dcmread(path)
    except (pydicom.errors.InvalidDicomError, OSError, ValueError, EOFError) as exc:
        raise ValueError(f"cannot read DICOM file {str(path)!r}: {exc}") from exc
    if "PixelData" not in ds:
        raise ValueError(f"DICOM file {str(path)!r} has no pixel data (expected an image, got a "
                         f"{ds.get('Modality', 'non-image')} object without the PixelData element)")
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    if frames > 1:
        raise ValueError(f"DICOM file {str(path)!r} holds {frames} frames; expected one image per file")
    pixels = _pixels(ds, path)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip()
    if photometric not in _MONOCHROME:
        if pixels.ndim == 3 and pixels.shape[-1] == 3 and pixels.dtype == np.uint8:
            return np.ascontiguousarray(pixels)
        raise ValueError(f"DICOM file {str(path)!r} has photometric interpretation {photometric!r} with "
                         f"{pixels.dtype} pixels of shape {pixels.shape}; expected MONOCHROME1, MONOCHROME2 "
                         "or 8-bit RGB")
    slope = float(ds.get("RescaleSlope", 1) or 1)
    intercept = float(ds.get("RescaleIntercept", 0) or 0)
    values = pixels.astype(np.float64) * slope + intercept
    low, high = _window(ds) or _full_range(ds, slope, intercept)
    gray = to_8bit(values, low, high)
    return 255 - gray if photometric == "MONOCHROME1" else gray
