"""Images listed in a CSV file with one label per row (as NIH ChestX-ray14 ships them)."""

import csv
from pathlib import Path

import numpy as np

from ._read import check_grayscale, check_image_size, read_images

__all__ = ["MULTI_LABEL_CHOICES", "load_image_csv"]

#: What a row with several labels does: raise, keep its first label, or drop the row.
MULTI_LABEL_CHOICES = ("error", "first", "drop")


def _check_options(path_column, label_column, multi_label, label_separator):
    for value, name in ((path_column, "path_column"), (label_column, "label_column"),
                        (label_separator, "label_separator")):
        if not isinstance(value, str) or not value:
            raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    if multi_label not in MULTI_LABEL_CHOICES:
        raise ValueError(f"multi_label must be one of {MULTI_LABEL_CHOICES}, got {multi_label!r}")


def _rows(csv_path, path_column, label_column):
    """``(line number, path text, label text)`` of each data row."""
    with open(csv_path, newline="", encoding="utf-8-sig") as file:  # -sig: a spreadsheet's byte-order mark
        reader = csv.DictReader(file)
        columns = reader.fieldnames or []
        for column, flag in ((path_column, "path_column (--path-column)"),
                             (label_column, "label_column (--label-column)")):
            if column not in columns:
                raise ValueError(f"{str(csv_path)!r} has no column {column!r}; its columns are {columns}. "
                                 f"Name the column with {flag}")
        return [(reader.line_num, (row[path_column] or "").strip(), (row[label_column] or "").strip())
                for row in reader]


def _one_label(csv_path, line, path, label, multi_label, separator):
    """The row's label, or None to drop the row."""
    labels = [part.strip() for part in label.split(separator) if part.strip()]
    if not path or not labels:
        raise ValueError(f"{str(csv_path)!r} row {line}: expected an image path and a label, got "
                         f"{path!r} and {label!r}")
    if len(labels) == 1:
        return labels[0]
    if multi_label == "error":
        raise ValueError(
            f"{str(csv_path)!r} row {line} ({path}) has several labels, {label!r}; multi-label "
            "classification is out of scope here. Choose one label per image: multi_label='first' "
            "(--multi-label first) keeps the first, multi_label='drop' (--multi-label drop) leaves such rows out")
    return labels[0] if multi_label == "first" else None


def load_image_csv(csv_path, image_size=None, grayscale=None, *, path_column="path", label_column="label",
                   multi_label="error", label_separator="|", return_notes=False):
    """Load the images a CSV file lists, with a label per row.

    Each row names an image file (relative to the CSV file's folder, or
    absolute) and its class. The classes, sorted by name, give the labels
    ``0..k-1``; the images are read in class then path order, the order
    :func:`load_image_folder` gives the same files arranged in class folders.
    Files are read as :func:`load_image_folder` reads them (PNG, JPEG, ...,
    DICOM; EXIF orientation; gray content).

    Parameters
    ----------
    csv_path : str or path-like
        A CSV file with a header row.
    image_size, grayscale
        As for :func:`load_image_folder`.
    path_column : str, default="path"
        The column of image paths (``"Image Index"`` in NIH ChestX-ray14).
    label_column : str, default="label"
        The column of class names (``"Finding Labels"`` in NIH ChestX-ray14).
    multi_label : {"error", "first", "drop"}, default="error"
        A row whose label holds several findings (``"Effusion|Infiltration"``):
        "error" raises, naming the row; "first" keeps its first label; "drop"
        leaves the row out. Multi-label classification is not supported.
    label_separator : str, default="|"
        What separates several labels in one cell.
    return_notes : bool, default=False
        Also return what the reading did, in words.

    Returns
    -------
    X : ndarray of shape (n_samples, C, H, W), dtype uint8
    y : ndarray of shape (n_samples,), dtype int64
    class_names : list of str
    notes : list of str
        Only with ``return_notes=True``.

    Raises
    ------
    FileNotFoundError
        If the CSV file, or a file one of its rows names, does not exist (the
        message names the row).
    ValueError
        A missing column, an empty cell, a multi-label row with
        ``multi_label="error"``, fewer than one image left, or a file that
        cannot be read (named).
    """
    size = check_image_size(image_size)
    grayscale = check_grayscale(grayscale)
    _check_options(path_column, label_column, multi_label, label_separator)
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise FileNotFoundError(f"label file not found: {str(csv_path)!r}")
    entries, dropped, multi = [], 0, 0
    for line, path, label in _rows(csv_path, path_column, label_column):
        one = _one_label(csv_path, line, path, label, multi_label, label_separator)
        multi += one != label
        if one is None:
            dropped += 1
            continue
        file = csv_path.parent / path
        if not file.is_file():
            raise FileNotFoundError(f"{str(csv_path)!r} row {line}: image file {str(file)!r} not found "
                                    "(paths are relative to the CSV file's folder)")
        entries.append((one, path, file))
    if not entries:
        raise ValueError(f"{str(csv_path)!r} lists no images" + (f" ({dropped} multi-label rows dropped)"
                                                                  if dropped else ""))
    class_names = sorted({label for label, _, _ in entries})
    entries.sort(key=lambda entry: (class_names.index(entry[0]), entry[1]))
    X, notes = read_images([file for _, _, file in entries], size, grayscale)
    y = np.asarray([class_names.index(label) for label, _, _ in entries], dtype=np.int64)
    if multi:
        what = f"{dropped} multi-label rows dropped" if dropped else f"{multi} multi-label rows kept their first label"
        notes.insert(0, what)
    return (X, y, class_names, notes) if return_notes else (X, y, class_names)
