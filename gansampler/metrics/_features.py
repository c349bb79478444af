"""Images to feature vectors: raw pixels, a callable, a module or ``embed``."""

import itertools

import numpy as np
import torch

from ._utils import _check_image_sets, _check_int, _to_numpy, _to_unit

__all__ = ["extract_features"]


def _extractor_kind(feature_extractor):
    if feature_extractor is None:
        return "pixels"
    if isinstance(feature_extractor, torch.nn.Module):
        return "module"
    if callable(getattr(feature_extractor, "embed", None)):
        return "embed"
    if callable(feature_extractor):
        return "callable"
    raise TypeError(
        "feature_extractor must be None, a callable, a torch.nn.Module or an object "
        f"with an embed(X) method, got {type(feature_extractor).__name__}."
    )


def _check_output(features, n_samples, name):
    features = np.asarray(_to_numpy(features))
    if features.dtype.kind not in "biuf":
        raise TypeError(
            f"the feature extractor returned dtype {features.dtype} for {name}; "
            "expected real numbers."
        )
    if features.ndim == 0 or features.shape[0] != n_samples:
        raise ValueError(
            f"the feature extractor returned shape {features.shape} for {name}; "
            f"expected {n_samples} rows, one per image."
        )
    features = features.reshape(n_samples, -1).astype(np.float64, copy=False)
    if features.shape[1] == 0:
        raise ValueError(f"the feature extractor returned no features for {name}.")
    if not np.isfinite(features).all():
        raise ValueError(f"the feature extractor returned NaN or infinity for {name}.")
    return features


def _module_reference(module):
    ref = next(itertools.chain(module.parameters(), module.buffers()), None)
    if ref is None:
        return torch.device("cpu"), torch.float32
    dtype = ref.dtype if ref.is_floating_point() else torch.float32
    return ref.device, dtype


def _run_module(module, batches):
    """Call ``module`` on each batch in eval mode without gradients."""
    device, dtype = _module_reference(module)
    modes = [(m, m.training) for m in module.modules()]
    module.eval()
    outputs = []
    try:
        with torch.no_grad():
            for batch in batches:
                out = module(torch.as_tensor(batch, device=device, dtype=dtype))
                outputs.append(out.reshape(out.shape[0], -1).to("cpu", torch.float64))
    finally:
        for m, training in modes:
            m.training = training
    return torch.cat(outputs).numpy()


def _extract_sets(Xs, names, feature_extractor, *, image_shape=None, batch_size=256):
    """Features of several image sets, scaled with a shared value range.

    See :func:`extract_features`; sets of the same dtype are mapped to ``[0, 1]``
    with one affine map (the union of their value ranges).
    """
    batch_size = _check_int(batch_size, "batch_size")
    kind = _extractor_kind(feature_extractor)
    images, fmts = _check_image_sets(
        Xs, names, image_shape=image_shape, tabular=kind in ("pixels", "embed")
    )
    features = []
    for X, imgs, fmt, name in zip(Xs, images, fmts, names):
        n = imgs.shape[0]
        if kind == "pixels":  # filled batch by batch to spare float32 temporaries
            out = np.empty((n, int(np.prod(fmt.image_shape))))
            for i in range(0, n, batch_size):
                batch = _to_unit(imgs[i : i + batch_size], fmt)
                out[i : i + batch_size] = batch.reshape(batch.shape[0], -1)
        elif kind == "embed":
            out = feature_extractor.embed(np.asarray(_to_numpy(X)))
        else:
            batches = (
                _to_unit(imgs[i : i + batch_size], fmt) for i in range(0, n, batch_size)
            )
            if kind == "module":
                out = _run_module(feature_extractor, batches)
            else:
                out = np.concatenate(
                    [
                        _check_output(feature_extractor(b), b.shape[0], name)
                        for b in batches
                    ]
                )
        features.append(_check_output(out, n, name))
    return features


def extract_features(X, feature_extractor=None, *, image_shape=None, batch_size=256):
    """Map images to feature vectors for the distribution metrics.

    Every metric of :mod:`gansampler.metrics` that takes images goes through
    this function, so they all accept the same kinds of ``feature_extractor``.

    Parameters
    ----------
    X : array-like or torch.Tensor of shape (n, n_features), (n, H, W) or (n, C, H, W)
        Images in any layout the package accepts (flat rows need
        ``image_shape``, except with ``feature_extractor=None`` or an ``embed``
        object, where 2-D ``X`` without it is read as tabular rows). Not modified.
    feature_extractor : callable, torch.nn.Module, object with ``embed`` or None, \
default=None
        - callable: maps a float32 array ``(b, C, H, W)`` in ``[0, 1]`` to
          ``(b, d)`` features (numpy or torch); called in batches.
        - ``torch.nn.Module``: called in batches on float32 tensors in ``[0, 1]``,
          on the module's device and in eval mode under ``torch.no_grad()`` (the
          modules' train/eval flags are restored afterwards); outputs are
          flattened to ``(b, d)``.
        - object with an ``embed(X)`` method (such as a fitted
          ``CNNClassifier``): called once with ``X`` in the layout and dtype the
          user passed (torch tensors are converted to numpy).
        - None: the raw pixels scaled to ``[0, 1]``, flattened. Pixel space is only a
          weak proxy for perceptual similarity: distances there reward blurry
          averages and punish small shifts, so FID or precision/recall on raw
          pixels are useful to compare models on the same data, not as absolute
          numbers.
    image_shape : tuple of int, default=None
        ``(H, W)`` or ``(C, H, W)``, needed to read flat 2-D ``X`` as images.
    batch_size : int, default=256
        Images per call of a callable or module extractor.

    Returns
    -------
    features : ndarray of shape (n, d), dtype float64

    Notes
    -----
    Images are scaled to ``[0, 1]`` with the value range that
    :func:`gansampler._images.check_images` infers: ``0..255`` for uint8, ``[0, 1]``
    or ``[-1, 1]`` for floats already in those ranges, else the observed range.
    Metrics that compare two sets scale sets of the same dtype with their common
    range.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler.metrics import extract_features
    >>> X = np.zeros((3, 1, 4, 4), dtype=np.uint8)
    >>> extract_features(X).shape
    (3, 16)
    >>> extract_features(X, lambda imgs: imgs.mean(axis=(2, 3))).shape
    (3, 1)
    """
    (features,) = _extract_sets(
        [X], ["X"], feature_extractor, image_shape=image_shape, batch_size=batch_size
    )
    return features
