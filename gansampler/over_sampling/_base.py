"""Shared machinery of gansampler's over-samplers.

:class:`BaseImageOverSampler` fills in imblearn's template: ``fit_resample``
validates, computes ``sampling_strategy_`` and calls ``_fit_resample``, which
here reads the images' layout, asks the subclass for new images per class in the
``[-1, 1]`` model space (:meth:`_generate`) and converts them back to the user's
layout, dtype and range, after the untouched originals.
"""

import numbers
from abc import abstractmethod

import numpy as np
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.utils.validation import validate_data

from .._device import resolve_device
from .._images import ImageFormat, check_images, check_pixel_dtype
from .._persistence import PersistenceMixin, to_json_value
from .._random import check_random_state, draw_seed

__all__ = ["BaseImageOverSampler", "SavedSamplerMixin", "write_chunks"]

#: The most output one fit_resample or sample call may make.
MAX_OUTPUT_BYTES = 64 * 2**30


class BaseImageOverSampler(BaseOverSampler):
    """Over-sampler for images in any of gansampler's layouts.

    Subclasses implement :meth:`_generate`.
    """

    #: Fewest samples a class needs to be over-sampled.
    min_class_size = 2

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "image_shape": [tuple, list, None],
        "verbose": ["verbose"],
    }

    def _more_tags(self):  # scikit-learn < 1.6
        return {"X_types": ["2darray", "3darray"], "allow_nan": False}

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def _check_X_y(self, X, y, accept_sparse=None):
        pandas_sparse = hasattr(X, "dtypes") and any(
            str(dtype).startswith("Sparse") for dtype in np.ravel(X.dtypes)
        )
        if sparse.issparse(X) or pandas_sparse:
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input: images are "
                "dense; convert with X.toarray()."
            )
        if not hasattr(X, "iloc"):
            check_pixel_dtype(X)
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        X, y = validate_data(
            self,
            X=X,
            y=y,
            reset=True,
            accept_sparse=False,
            allow_nd=True,
            dtype=None,
            ensure_all_finite=True,
        )
        return X, y, binarize_y

    def fit_resample(self, X, y, **params):
        """Resample the dataset: originals first, unchanged, then new rows.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features), \
                (n_samples, H, W) or (n_samples, C, H, W)
            Images (or rows); 2-D images need ``image_shape``.
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        X_resampled : same type and layout as X
            ``X`` followed by the new samples, in ``X``'s dtype and value range.
        y_resampled : same type as y
        """
        # All or nothing: an error or Ctrl-C mid-fit leaves the estimator as it was.
        state = dict(self.__dict__)
        try:
            return super().fit_resample(X, y, **params)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _check_class_sizes(self, y):
        labels, counts = np.unique(y, return_counts=True)
        for label, count in zip(labels, counts):
            if self.sampling_strategy_.get(label, 0) > 0 and count < self.min_class_size:
                raise ValueError(
                    f"Class {label.item()!r} has {count} sample(s); {type(self).__name__} "
                    f"needs at least {self.min_class_size} to learn from."
                )

    def _check_request_size(self, fmt, n_samples):
        n_bytes = n_samples * fmt.n_features * np.dtype(fmt.dtype).itemsize
        limit = MAX_OUTPUT_BYTES
        if n_bytes > limit:
            raise ValueError(
                f"sampling_strategy asks for {n_samples} new samples, "
                f"{n_bytes / 2**30:.1f} GiB of output; that exceeds "
                f"{limit / 2**30:.0f} GiB. Ask for fewer samples."
            )

    def _fit_resample(self, X, y):
        self.classes_ = np.unique(y)
        images, fmt = check_images(X, self.image_shape)
        self.image_shape_ = fmt.image_shape
        self._image_format = fmt
        self._check_class_sizes(y)
        self._check_request_size(fmt, sum(self.sampling_strategy_.values()))
        random_state = check_random_state(self.random_state)
        new = self._generate(images, fmt, y, self.sampling_strategy_, random_state)
        # One output array, filled chunk by chunk: no float copy of the whole set.
        n_new = sum(self.sampling_strategy_.values())
        X_out = np.empty((X.shape[0] + n_new, *X.shape[1:]), dtype=X.dtype)
        y_out = np.empty(X.shape[0] + n_new, dtype=y.dtype)
        X_out[: X.shape[0]], y_out[: X.shape[0]] = X, y
        start = X.shape[0]
        for label, n_samples in self.sampling_strategy_.items():
            stop = start + n_samples
            start = write_chunks(new.get(label, ()) if n_samples else (), X_out, start, fmt.from_model)
            assert start == stop, f"class {label!r}: {start} != {stop}"
            y_out[stop - n_samples : stop] = label
        return X_out, y_out

    @abstractmethod
    def _generate(self, images, fmt, y, targets, random_state):
        """New images per class in model space.

        Parameters
        ----------
        images : ndarray of shape (n, C, H, W)
            The input images, in their dtype (scale with ``fmt.to_model``).
        fmt : ImageFormat
        y : ndarray of shape (n,)
        targets : dict
            Class label to number of samples to create (may be 0).
        random_state : RandomState

        Returns
        -------
        new : dict
            Class label to an iterable of float arrays ``(n_chunk, C, H, W)`` in
            ``[-1, 1]`` whose lengths add up to the class's target.
        """


class SavedSamplerMixin(PersistenceMixin):
    """A fitted sampler that draws more images with ``sample`` and saves itself.

    ``sample`` checks its arguments and writes into one output array in the
    fitted data's layout (:meth:`_check_sample_request`, :meth:`_write`).
    Saving keeps the state every sampler has (parameters, image format,
    classes, ``sampling_strategy_``, ``history_``), beside what the subclass
    adds in ``_state_to_save`` / ``_from_saved_state``.
    """

    def sample(self, n_samples, y, random_state=None):
        """Draw ``n_samples`` new images of class ``y`` from the fitted model,
        without training again.

        Parameters
        ----------
        n_samples : int
        y : label
            A class the sampler can draw (every fitted class, or, for a GAN
            per class, the classes it trained a generator for).
        random_state : int, RandomState instance or None, default=None
            Seed of the draw; the same seed gives the same images.

        Returns
        -------
        X : ndarray
            ``n_samples`` images in the layout, dtype and range of the fitted data.
        """
        self._check_sample_request(n_samples, y)
        return self._write(self._draw(y, n_samples, draw_seed(random_state)), n_samples)

    def _draw(self, y, n_samples, seed):
        """Model-space chunks of ``n_samples`` new images of class ``y``."""
        raise NotImplementedError

    def _sample_labels(self):
        """The classes ``sample`` can draw: every fitted class."""
        return self.classes_

    def _check_sample_request(self, n_samples, y):
        """Check ``sample``'s arguments."""
        check_is_fitted(self, self._fitted_attribute)
        if not isinstance(n_samples, numbers.Integral) or n_samples < 0:
            raise ValueError(f"n_samples must be a non-negative integer, got {n_samples!r}")
        labels = np.asarray(list(self._sample_labels()))
        if y not in labels:
            raise ValueError(f"No generator for class {y!r}; fitted classes with generators: "
                             f"{sorted(labels.tolist())}")
        self._check_request_size(self._image_format, n_samples)

    def _write(self, chunks, n_samples):
        """``n_samples`` images from model-space ``chunks``, in the fitted data's
        layout, dtype and range (a view of one new array, written chunk by
        chunk as ``fit_resample`` writes)."""
        fmt = self._image_format
        out = fmt.to_layout(np.empty((n_samples, *fmt.image_shape), dtype=fmt.dtype))
        write_chunks(chunks, out, 0, fmt.from_model)
        return out

    def _sampler_state(self):
        return {
            "params": self._json_params(),
            "image_format": self._image_format.to_dict(),
            "classes": to_json_value(self.classes_),
            "classes_dtype": self.classes_.dtype.str,
            "sampling_strategy_": [[to_json_value(k), int(v)] for k, v in self.sampling_strategy_.items()],
            "history_": to_json_value(self.history_),
            "device_": str(self.device_),
            "n_features_in_": int(self.n_features_in_),
        }

    @classmethod
    def _sampler_from_state(cls, state, device):
        """A sampler with the saved parameters (``device`` replaced) and the
        state of :meth:`_sampler_state` restored."""
        sampler = cls(**{**state["params"], "device": device})
        dtype = np.dtype(state["classes_dtype"])
        sampler.classes_ = np.asarray(state["classes"], dtype=dtype)
        sampler._image_format = ImageFormat.from_dict(state["image_format"])
        sampler.image_shape_ = sampler._image_format.image_shape
        sampler.sampling_strategy_ = {np.asarray(k, dtype=dtype)[()]: v for k, v in state["sampling_strategy_"]}
        sampler.history_ = state["history_"]
        sampler.n_features_in_ = state["n_features_in_"]
        sampler.device_ = resolve_device(device)
        return sampler


def write_chunks(chunks, out, start, convert):
    """Write each chunk of new images, through ``convert``, into ``out`` from
    row ``start``; returns the row after the last one written.

    No chunk is held once written, so while the next one is generated memory
    holds the output array plus that one chunk.
    """
    for chunk in chunks:
        rows = convert(chunk)
        del chunk  # before the loop asks the generator for the next chunk
        out[start : start + len(rows)] = rows
        start += len(rows)
    return start

