"""The data a comparison runs on: a training set, a test set, and their format."""

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from ..datasets import load_digits_imbalanced, load_image_csv, load_image_folder, load_medmnist

__all__ = ["BenchmarkData", "cap_smallest_class", "load_benchmark_data"]

_SPLITS = {"train", "val", "test"}


@dataclass(frozen=True, eq=False)
class BenchmarkData:
    """Training and test images as flat uint8 rows, and what they are.

    Attributes
    ----------
    name : str
        How results name the data set.
    X_train, y_train, X_test, y_test : ndarray
        Rows of ``C*H*W`` uint8 values (flat, so SMOTE and random
        oversampling see them as they are) and integer labels.
    image_shape : tuple of int
        ``(C, H, W)``.
    class_names : tuple of str
        The name of each label ``0..k-1``.
    test_origin : str
        Where the test data came from, in words.
    notes : tuple of str, default=()
        What loading did to the files, in words (``"69 RGB files with gray
        content read as gray ..."``); :meth:`describe` states them.
    """

    name: str
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    image_shape: tuple
    class_names: tuple
    test_origin: str
    notes: tuple = ()

    def describe(self):
        """One sentence for reports: name, image shape, class counts, test origin, loading notes."""
        counts = lambda y: ", ".join(  # noqa: E731
            f"{self.class_names[c]} {n}" for c, n in zip(*np.unique(y, return_counts=True)))
        return (f"{self.name}: {'x'.join(map(str, self.image_shape))} images; train {counts(self.y_train)}; "
                f"test {counts(self.y_test)} ({self.test_origin})" + "".join(f"; {n}" for n in self.notes))


def cap_smallest_class(X, y, n):
    """``X, y`` with ``n`` rows left of one class, the smallest (the lowest label
    on ties): one fixed draw, the other rows all kept, in their original order.

    Raises
    ------
    ValueError
        When the smallest class has fewer than ``n`` rows.
    """
    from imblearn.datasets import make_imbalance

    labels, counts = np.unique(y, return_counts=True)
    smallest = labels[np.argmin(counts)]
    if n > counts.min():
        raise ValueError(f"--max-minority {n} is more than the {counts.min()} training images "
                         f"of its smallest class, {smallest}")
    rows, _ = make_imbalance(np.arange(len(y))[:, None], y, sampling_strategy={smallest: n}, random_state=0)
    keep = np.sort(rows.ravel())
    return X[keep], y[keep]


def _hold_out(X, y, test_size):
    counts = np.bincount(y)
    if counts[counts > 0].min() < 2:
        raise ValueError(f"a class has {counts[counts > 0].min()} image(s): a stratified hold-out test set "
                         "needs at least 2 per class")
    return train_test_split(X, y, test_size=test_size, stratify=y, random_state=0)


def _npz(path, test_size):
    with np.load(path, allow_pickle=False) as archive:
        has_test = {"test_images", "test_labels"} <= set(archive.files)
    X, y = load_medmnist(path, "train")
    if has_test:
        X_test, y_test = load_medmnist(path, "test")
        return X, y, X_test, y_test, "the file's test split"
    X, X_test, y, y_test = _hold_out(X, y, test_size)
    return X, y, X_test, y_test, f"a stratified {test_size:.0%} hold-out of the training split, seed 0"


def _read(path, image_size, read_options):
    """A folder's or CSV file's images, labels, class names and loading notes."""
    if path.suffix.lower() == ".csv":
        return load_image_csv(path, image_size, return_notes=True, **read_options)
    options = {k: v for k, v in read_options.items() if k == "grayscale"}  # the CSV options do not apply
    return load_image_folder(path, image_size, return_notes=True, **options)


def _train_and_test(path, image_size, read_options):
    """The train/ and test/ folders, with one number of channels for both."""
    X, y, names, notes = _read(path / "train", image_size, read_options)
    X_test, y_test, test_names, test_notes = _read(path / "test", image_size, read_options)
    if test_names != names:
        raise ValueError(f"{path}: train has the classes {names} but test has {test_names}")
    if X_test.shape[2:] != X.shape[2:]:
        raise ValueError(f"{path}: train images are {X.shape[1:]} but test images {X_test.shape[1:]}; "
                         "pass one image size for both")
    notes = [f"train: {n}" for n in notes] + [f"test: {n}" for n in test_notes]
    if X.shape[1] != X_test.shape[1]:  # colour in one split only: the model needs one input shape
        X, X_test = (np.ascontiguousarray(np.repeat(a, 3, axis=1)) if a.shape[1] == 1 else a for a in (X, X_test))
        notes.append("the gray split repeated over three channels to match the other")
    return X, y, X_test, y_test, names, "the folder's test/ split", notes


def _folder(path, image_size, test_size, read_options):
    """A folder (with or without train/ and test/) or CSV file, split for a comparison."""
    subfolders = {p.name for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")} if path.is_dir() else ()
    if {"train", "test"} <= set(subfolders) <= _SPLITS:
        return _train_and_test(path, image_size, read_options)
    X, y, names, notes = _read(path, image_size, read_options)
    if len(names) < 2:
        raise ValueError(f"{path} has {len(names)} class sub-folder or label ({names[0]!r}); a comparison needs "
                         "at least two classes")
    X, X_test, y, y_test = _hold_out(X, y, test_size)
    return X, y, X_test, y_test, names, f"a stratified {test_size:.0%} hold-out, seed 0", notes


def load_benchmark_data(source, *, image_size=None, test_size=0.3, max_minority=None, name=None,
                        **read_options):
    """Load a data set to compare methods on.

    Parameters
    ----------
    source : str or path-like
        ``"digits"`` (scikit-learn's digits made imbalanced, 8x8), a
        MedMNIST-style ``.npz`` file, a folder with one sub-folder per
        class (or with ``train/`` and ``test/`` folders that each have them),
        or a CSV file of image paths and labels.
    image_size : int or (int, int), default=None
        Resize the images of a folder to this size; None keeps them and
        requires one size.
    test_size : float, default=0.3
        The stratified hold-out (seed 0) used where the data has no test split.
    max_minority : int, default=None
        Keep this many training images of the smallest class (one fixed draw).
    name : str, default=None
        How results name the data; None derives it from ``source``.
    **read_options
        For a folder or CSV file: ``grayscale`` (see
        :func:`~gansampler.datasets.load_image_folder`), and for a CSV file
        ``path_column``, ``label_column``, ``multi_label``,
        ``label_separator`` (see :func:`~gansampler.datasets.load_image_csv`).

    Returns
    -------
    data : BenchmarkData

    Raises
    ------
    FileNotFoundError, ValueError
        Naming the problem: a missing path, fewer than two classes, an
        unreadable image file, images of several sizes
        (:class:`gansampler.datasets.ImageSizeError`), an ``.npz`` without
        the expected keys, a bad CSV row (named), reading options given
        for digits or an ``.npz`` file.
    """
    source = str(source)
    path = Path(source)
    if image_size is not None and (source == "digits" or path.suffix == ".npz"):
        raise ValueError("image_size (--image-size) resizes the images of a folder; digits and .npz files keep "
                         "their size")
    if read_options and (source == "digits" or path.suffix == ".npz"):
        raise ValueError(f"{sorted(read_options)} apply to image folders and CSV files; digits and .npz files "
                         "are read as they are")
    notes = []
    if source == "digits":
        X, y = load_digits_imbalanced(imbalance="moderate", random_state=0)
        X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=0)
        names, origin = [str(d) for d in range(10)], f"a stratified {test_size:.0%} hold-out, seed 0"
    elif path.suffix == ".npz":
        X, y, X_test, y_test, origin = _npz(path, test_size)
        names = [str(c) for c in range(int(max(y.max(), y_test.max())) + 1)]
    elif path.is_dir() or path.suffix.lower() == ".csv":
        X, y, X_test, y_test, names, origin, notes = _folder(path, image_size, test_size, read_options)
    elif path.exists():
        raise ValueError(f"{source} is neither a folder of class sub-folders, a CSV file nor an .npz file")
    else:
        raise FileNotFoundError(f"no such file or folder: {source}")
    if len(np.unique(y)) < 2:
        raise ValueError(f"{source}: the training data has {len(np.unique(y))} class; a comparison needs two")
    name = name or ("digits" if source == "digits" else path.stem if path.suffix.lower() in (".npz", ".csv")
                    else path.name)
    if max_minority is not None:
        X, y = cap_smallest_class(X, y, max_minority)
        name = f"{name}-minority{max_minority}"
    flat = lambda a: np.ascontiguousarray(a.reshape(len(a), -1))  # noqa: E731
    return BenchmarkData(name, flat(X), y, flat(X_test), y_test, tuple(X.shape[1:]), tuple(names), origin,
                         tuple(notes))
