"""MedMNIST ``.npz`` files, read without unpickling anything."""

from pathlib import Path

import numpy as np

__all__ = ["load_medmnist"]

_MEDMNIST_SPLITS = ("train", "val", "test")


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
