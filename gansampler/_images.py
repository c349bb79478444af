"""Image layouts, dtypes and value ranges: in from the user, out in the same form.

Everything that touches a user's array goes through :func:`check_images`, which
returns the images as ``(n, C, H, W)`` and an :class:`ImageFormat` that knows how
to scale them to the ``[-1, 1]`` range networks work in and back again.
"""

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = ["ImageFormat", "check_image_shape", "check_images", "check_pixel_dtype"]


def check_image_shape(image_shape):
    """Validate ``image_shape`` and return it as a ``(C, H, W)`` tuple (or None).

    Parameters
    ----------
    image_shape : tuple of int or None
        ``(H, W)`` for one channel or ``(C, H, W)``.

    Returns
    -------
    image_shape : tuple of 3 int or None
    """
    if image_shape is None:
        return None
    if isinstance(image_shape, (str, bytes)) or not hasattr(image_shape, "__len__"):
        raise TypeError(
            f"image_shape must be a tuple (H, W) or (C, H, W), got {image_shape!r}"
        )
    if len(image_shape) not in (2, 3):
        raise ValueError(
            f"image_shape must have 2 (H, W) or 3 (C, H, W) entries, got {image_shape!r}"
        )
    for size in image_shape:
        if not isinstance(size, numbers.Integral) or isinstance(size, bool):
            raise TypeError(
                f"image_shape entries must be integers, got {image_shape!r}"
            )
        if size < 1:
            raise ValueError(
                f"image_shape entries must be positive, got {image_shape!r}"
            )
    shape = tuple(int(s) for s in image_shape)
    return shape if len(shape) == 3 else (1, *shape)


@dataclass(frozen=True, eq=False)
class ImageFormat:
    """How a user's images were laid out, so outputs can match them.

    Attributes
    ----------
    layout : {"flat", "nhw", "nchw", "tabular"}
        ``"flat"``: ``(n, C*H*W)`` with an ``image_shape``; ``"nhw"``: ``(n, H, W)``;
        ``"nchw"``: ``(n, C, H, W)``; ``"tabular"``: ``(n, n_features)`` without an
        ``image_shape`` (treated as ``(n_features, 1, 1)`` images).
    image_shape : tuple of int
        ``(C, H, W)``.
    dtype : numpy dtype
        The input dtype, which outputs keep.
    low, high : float or ndarray of shape (C, 1, 1)
        The value range outputs are mapped back to (``0..255`` for uint8, ``[0, 1]``
        for floats in that range, else the observed range; per feature for
        tabular data).
    """

    layout: str
    image_shape: tuple
    dtype: np.dtype
    low: float
    high: float

    @property
    def is_image(self):
        return self.layout != "tabular"

    @property
    def n_features(self):
        return int(np.prod(self.image_shape))

    def to_model(self, X):
        """Scale images ``(n, C, H, W)`` of this format to float32 in ``[-1, 1]``."""
        X = np.asarray(X, dtype=np.float32)
        scale = np.where(self.high > self.low, self.high - self.low, 1.0)
        return ((X - self.low) * (2.0 / scale) - 1.0).astype(np.float32)

    def from_model(self, X):
        """Map model outputs ``(n, C, H, W)`` in ``[-1, 1]`` back to this format.

        Values are clipped to the format's range, rounded for integer dtypes, cast
        to the input dtype and reshaped to the input layout.
        """
        X = np.clip(np.asarray(X, dtype=np.float64), -1.0, 1.0)
        X = (X + 1.0) * ((self.high - self.low) / 2.0) + self.low
        if np.issubdtype(self.dtype, np.integer):
            X = np.rint(X)
        X = np.clip(X, self.low, self.high).astype(self.dtype)
        return self.to_layout(X)

    def to_dict(self):
        """Plain JSON types, for saving without pickle; see :meth:`from_dict`."""
        as_json = lambda v: np.asarray(v).tolist() if np.ndim(v) else float(v)  # noqa: E731
        return {
            "layout": self.layout, "image_shape": list(self.image_shape),
            "dtype": np.dtype(self.dtype).str, "low": as_json(self.low), "high": as_json(self.high),
        }

    @classmethod
    def from_dict(cls, info):
        """The format :meth:`to_dict` wrote."""
        shape = tuple(int(v) for v in info["image_shape"])
        as_range = lambda v: np.asarray(v, dtype=np.float64) if isinstance(v, list) else v  # noqa: E731
        return cls(info["layout"], shape, np.dtype(info["dtype"]),
                   as_range(info["low"]), as_range(info["high"]))

    def to_layout(self, X):
        """Reshape ``(n, C, H, W)`` images to this format's layout."""
        n = X.shape[0]
        if self.layout in ("flat", "tabular"):
            return X.reshape(n, -1)
        if self.layout == "nhw":
            return X.reshape(n, *self.image_shape[1:])
        return X.reshape(n, *self.image_shape)


def _value_range(X):
    if X.dtype == np.uint8:
        return 0.0, 255.0
    if X.size == 0:
        return 0.0, 1.0
    low, high = float(X.min()), float(X.max())
    if np.issubdtype(X.dtype, np.floating) and low >= 0.0 and high <= 1.0:
        return 0.0, 1.0
    if np.issubdtype(X.dtype, np.floating) and low >= -1.0 and high <= 1.0:
        return -1.0, 1.0
    return low, high


def check_pixel_dtype(X):
    """``X`` as an array of real numbers (pixel values).

    Raises
    ------
    TypeError
        For strings, objects, booleans or complex numbers.
    """
    X = np.asarray(X)
    if X.dtype.kind in "OUSV":
        raise TypeError(
            "X must hold numbers (pixel values); got an array of dtype "
            f"{X.dtype}. Convert strings or objects to a numeric dtype first."
        )
    if X.dtype.kind == "b":
        raise TypeError("X must hold numbers (pixel values), got a boolean array.")
    if X.dtype.kind == "c":
        raise TypeError("X must hold real numbers, got a complex array.")
    return X


def check_images(X, image_shape=None, *, tabular=True, allow_nan=False):
    """Bring a validated numeric array to ``(n, C, H, W)`` and describe its format.

    Parameters
    ----------
    X : ndarray of shape (n, n_features), (n, H, W) or (n, C, H, W)
        Numeric images. Not modified.
    image_shape : tuple of int, default=None
        Required to read 2-D ``X`` as images; must match ``n_features``.
    tabular : bool, default=True
        Whether 2-D ``X`` without ``image_shape`` is accepted as tabular data.
    allow_nan : bool, default=False
        Whether non-finite values are accepted.

    Returns
    -------
    images : ndarray of shape (n, C, H, W)
        A view of ``X`` (same dtype).
    fmt : ImageFormat
    """
    X = check_pixel_dtype(X)
    if X.ndim not in (2, 3, 4):
        raise ValueError(
            "X must be 2-D (n, n_features), 3-D (n, H, W) or 4-D (n, C, H, W); "
            f"got {X.ndim}-D with shape {X.shape}."
        )
    if X.shape[0] == 0:
        raise ValueError(f"X is empty: got shape {X.shape}.")
    if not allow_nan and X.dtype.kind == "f" and not np.isfinite(X).all():
        raise ValueError("X contains NaN or infinity; images must be finite.")
    shape = check_image_shape(image_shape)

    if X.ndim == 2:
        if shape is None:
            if not tabular:
                raise ValueError(
                    "X is 2-D (n, n_features): pass image_shape=(C, H, W) or (H, W) "
                    "to read its rows as images."
                )
            layout, shape = "tabular", (X.shape[1], 1, 1)
        else:
            layout = "flat"
            if int(np.prod(shape)) != X.shape[1]:
                raise ValueError(
                    f"image_shape={tuple(image_shape)} holds {int(np.prod(shape))} "
                    f"values per image but X has {X.shape[1]} features."
                )
    else:
        layout = "nhw" if X.ndim == 3 else "nchw"
        data_shape = (1, *X.shape[1:]) if X.ndim == 3 else tuple(X.shape[1:])
        if shape is not None and shape != data_shape:
            raise ValueError(
                f"image_shape={tuple(image_shape)} does not match X's image "
                f"dimensions {X.shape[1:]}."
            )
        if X.ndim == 4 and X.shape[1] > 4 and X.shape[3] in (1, 3, 4):
            raise ValueError(
                f"X has shape {X.shape}, which looks channels-last (n, H, W, C); "
                "images must be (n, C, H, W): use X.transpose(0, 3, 1, 2)."
            )
        shape = data_shape
    if layout == "tabular" and X.dtype != np.uint8:
        low = X.min(axis=0).astype(np.float64).reshape(shape)
        high = X.max(axis=0).astype(np.float64).reshape(shape)
    else:
        low, high = _value_range(X)
    fmt = ImageFormat(layout, shape, X.dtype, low, high)
    return X.reshape(X.shape[0], *shape), fmt
