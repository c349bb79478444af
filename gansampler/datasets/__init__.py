"""Image data sets to try over-samplers on, and a helper to write images out.

All loaders return images as ``(n, C, H, W)`` uint8 arrays in ``0..255`` and labels
as 1-D int64 arrays, the layout the rest of :mod:`gansampler` accepts directly.
Folders and CSV label files may mix PNG, JPEG and DICOM files (DICOM needs
the ``dicom`` extra). Nothing is downloaded.
"""

from ._csv import load_image_csv
from ._digits import DIGITS_IMBALANCE_PRESETS, load_digits_imbalanced
from ._folder import ImageSizeError, load_image_folder, save_images
from ._medmnist import load_medmnist
from ._synthetic import make_fundus_like

__all__ = [
    "DIGITS_IMBALANCE_PRESETS",
    "ImageSizeError",
    "load_digits_imbalanced",
    "load_image_csv",
    "load_image_folder",
    "load_medmnist",
    "make_fundus_like",
    "save_images",
]
