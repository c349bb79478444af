"""CNNClassifier: a skorch classifier for image arrays in gansampler's layouts."""

import contextlib

import numpy as np
import torch
from imblearn.utils import Substitution
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from sklearn_compat.utils.validation import validate_data
from skorch import NeuralNetClassifier
from skorch.callbacks import LRScheduler

from ._device import resolve_device
from ._docstrings import DOCS
from ._images import ImageFormat, check_images
from ._online_augment import OnlineAugmentMixin
from ._persistence import PersistenceMixin, to_json_value
from ._random import check_random_state, draw_seed, seeded_torch
from .nn import SmallCNN

__all__ = ["CNNClassifier"]


class ArrayLoader:
    """Batches sliced from whole arrays: skorch's iterator without per-item cost.

    Accepts a skorch ``Dataset`` (or a ``Subset`` of one, from ``train_split``)
    and the usual ``batch_size``/``shuffle`` arguments; shuffling draws from
    torch's RNG, which ``CNNClassifier`` seeds and forks around ``fit``.
    """

    def __init__(self, dataset, batch_size=64, shuffle=False, **kwargs):
        indices = None
        if isinstance(dataset, torch.utils.data.Subset):
            indices, dataset = np.asarray(dataset.indices), dataset.dataset
        X = torch.as_tensor(dataset.X)
        y = None if dataset.y is None else torch.as_tensor(dataset.y)
        if indices is not None:
            X, y = X[indices], (None if y is None else y[indices])
        self.X, self.y = X, y
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return -(-len(self.X) // self.batch_size)

    def __iter__(self):
        n = len(self.X)
        order = torch.randperm(n) if self.shuffle else None
        for start in range(0, n, self.batch_size):
            idx = slice(start, start + self.batch_size)
            if order is not None:
                idx = order[idx]
            y = torch.zeros(0) if self.y is None else self.y[idx]
            yield self.X[idx], y


class ShuffledArrayLoader(ArrayLoader):
    """:class:`ArrayLoader` that shuffles by default (the training iterator).

    Resampled data puts all synthetic rows last, so unshuffled batches would be
    one class at a time.
    """

    def __init__(self, dataset, batch_size=64, shuffle=True, **kwargs):
        super().__init__(dataset, batch_size=batch_size, shuffle=shuffle, **kwargs)


@Substitution(**DOCS)
def _from_format_1(state):
    """A format-1 file's state in the current layout: it records the network's
    ``stride_above`` beside the parameters, and holds none where every
    convolution ran at stride 1."""
    state = dict(state)
    params = dict(state["params"])
    if state.pop("stride_above", None) is None:
        params.setdefault("module__stride_above", None)
    return {**state, "params": params}


class CNNClassifier(PersistenceMixin, OnlineAugmentMixin, NeuralNetClassifier):
    """A small CNN classifier (skorch) for images, usable in imblearn pipelines.

    Accepts the same layouts as :class:`~gansampler.GANOverSampler`: flat
    ``(n, C*H*W)`` with ``image_shape``, ``(n, H, W)`` or ``(n, C, H, W)``; 2-D
    input without ``image_shape`` is treated as tabular rows (an MLP). Inputs are
    scaled to ``[-1, 1]`` with the value range seen in ``fit`` (0..255 for uint8).

    By default it trains for a fixed ``max_epochs`` with **no internal validation
    split**: inside a pipeline it receives resampled data, and a random split would
    put synthetic images into the validation set. Pass ``train_split`` to change
    this, knowing that caveat.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=None
        None builds :class:`gansampler.nn.SmallCNN` with the input channels, image
        size and number of classes inferred in ``fit``; ``module__width`` etc. set
        its arguments.
    {image_shape}
        Without it, 2-D ``X`` is read as tabular rows (an MLP).
    class_weight : "balanced", dict or None, default=None
        Weights of the cross-entropy loss per class, as in scikit-learn.
    augment : None, "default" or list of str, default=None
        Online augmentation: each training batch is transformed anew, on
        ``device``, by names from :data:`gansampler.augmentation.CLASSIC_AUGMENTATIONS`
        ("default": rotate, scale, translate, brightness, contrast; no flips);
        ``mixup`` blends within a class. Never applied when predicting.
    max_epochs : int, default=10
    batch_size : int, default=64
    lr : float, default=1e-3
        Initial learning rate, annealed to 0 over ``max_epochs`` (cosine; the
        ``lr_scheduler`` callback, ``callbacks__lr_scheduler=None`` turns it off).
    optimizer : torch optimizer class, default=torch.optim.AdamW
    train_split : callable or None, default=None
        skorch's internal validation split; None trains on everything.
    iterator_train : class, default=ShuffledArrayLoader
    iterator_valid : class, default=ArrayLoader
        Batch iterators; the defaults slice whole arrays (much faster than a
        per-item ``DataLoader`` for in-memory images); training batches are
        shuffled.
    {device}
    {random_state}
        It seeds weight initialisation, dropout and shuffling through torch's
        default generators, forked and restored around ``fit``; fits in threads
        of one process (joblib's threading backend) take turns so that each
        gives what it would alone. Online augmentation draws from its own
        ``torch.Generator``, seeded from it.
    verbose : int, default=0
        1 prints skorch's per-epoch table.
    **kwargs
        Any other :class:`skorch.NeuralNetClassifier` argument.

    Attributes
    ----------
    classes_ : ndarray
        The class labels.
    image_shape_ : tuple of int
        ``(C, H, W)`` seen in ``fit``.
    device_ : torch.device
        The resolved device.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import CNNClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(40, 8, 8)).astype(np.uint8)
    >>> y = np.repeat(["cat", "dog"], 20)
    >>> clf = CNNClassifier(max_epochs=2, random_state=0).fit(X, y)
    >>> clf.predict(X[:3]).shape, clf.predict_proba(X[:3]).shape
    ((3,), (3, 2))
    """

    def __init__(
        self,
        module=None,
        *,
        image_shape=None,
        class_weight=None,
        augment=None,
        max_epochs=10,
        batch_size=64,
        lr=1e-3,
        optimizer=torch.optim.AdamW,
        criterion=torch.nn.CrossEntropyLoss,
        train_split=None,
        iterator_train=ShuffledArrayLoader,
        iterator_valid=ArrayLoader,
        device="auto",
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            iterator_train=iterator_train,
            iterator_valid=iterator_valid,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.image_shape = image_shape
        self.class_weight = class_weight
        self.augment = augment
        self.random_state = random_state

    @property
    def _default_callbacks(self):
        # skorch's defaults, plus cosine annealing of lr to 0 over max_epochs:
        # the last epochs settle instead of ending on a noisy high-lr step.
        scheduler = LRScheduler(policy="CosineAnnealingLR", T_max=self.max_epochs)
        return [*super()._default_callbacks, ("lr_scheduler", scheduler)]

    # -- device and randomness --------------------------------------------------
    @contextlib.contextmanager
    def _on_device(self):
        """Let skorch see the resolved device while it runs; keep the parameter."""
        requested = self.device
        self.device_ = resolve_device(requested)
        self.device = self.device_
        try:
            yield
        finally:
            self.device = requested

    @contextlib.contextmanager
    def _seeded(self):
        random_state = check_random_state(self.random_state)
        seed = draw_seed(random_state)
        with seeded_torch(seed, self.device_):
            yield random_state  # augmentation draws its seed next, only when on

    def __setstate__(self, state):
        # skorch loads tensors onto self.device while unpickling: resolve "auto".
        requested = state.get("device")
        state = {**state, "device": resolve_device(requested)}
        super().__setstate__(state)
        if self.device == state["device"]:  # skorch may have remapped it
            self.device = requested

    # -- data -------------------------------------------------------------------
    def _to_model(self, X, y=None, reset=False):
        """Validate ``X`` (and ``y``) and scale images to the model's range.

        ``reset=True`` (in ``fit``) learns the image format; otherwise ``X`` must
        match the one seen in ``fit``.
        """
        if isinstance(X, torch.utils.data.Dataset):
            raise TypeError("CNNClassifier takes arrays, not a torch Dataset.")
        if not reset:
            check_is_fitted(self, "image_shape_")
            shape = getattr(X, "shape", ())
            if len(shape) in (3, 4):  # before validate_data's less specific feature count
                self._check_fitted_shape((1, *shape[1:])[-3:])
        kwargs = dict(
            accept_sparse=False, allow_nd=True, dtype="numeric", ensure_all_finite=True
        )
        if y is None:
            X = validate_data(self, X, reset=reset, **kwargs)
        else:
            X, y = validate_data(self, X, y, reset=reset, **kwargs)
        images, fmt = check_images(X, self.image_shape)
        if reset:
            self.image_shape_ = fmt.image_shape
            self._image_format = fmt
        else:
            self._check_fitted_shape(fmt.image_shape)
        return self._image_format.to_model(images), y

    def _check_fitted_shape(self, image_shape):
        if tuple(image_shape) != self.image_shape_:
            raise ValueError(f"X has images of shape {tuple(image_shape)}, but {type(self).__name__} was fitted "
                             f"on {self.image_shape_}.")

    def _encode_y(self, y, reset):
        check_classification_targets(y)
        if reset:
            classes = np.unique(y)
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs at least 2 classes in y, got "
                    f"{len(classes)} class."
                )
            self._classes = classes
            if self.class_weight is not None:
                self.class_weight_ = compute_class_weight(
                    self.class_weight, classes=classes, y=y
                ).astype(np.float32)
        unknown = np.setdiff1d(y, self._classes)
        if len(unknown):
            raise ValueError(f"y has labels not seen in fit: {unknown.tolist()}")
        return np.searchsorted(self._classes, y).astype(np.int64)

    # -- skorch hooks -----------------------------------------------------------
    def initialize_module(self):
        kwargs = self.get_params_for("module")
        if self.module is None:
            self.module_ = SmallCNN(self.image_shape_, len(self._classes), **kwargs)
        else:
            self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def initialize_criterion(self):
        kwargs = self.get_params_for("criterion")
        if self.class_weight is not None and "weight" not in kwargs:
            kwargs["weight"] = torch.as_tensor(self.class_weight_)
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    @property
    def classes_(self):
        check_is_fitted(self, "image_shape_")
        return self._classes

    # -- public API -------------------------------------------------------------
    def fit(self, X, y, **fit_params):
        """Fit the network from scratch (unless ``warm_start``) on ``X``, ``y``.

        Returns
        -------
        self : CNNClassifier
        """
        reset = not self.warm_start or not getattr(self, "initialized_", False)
        X_model, y = self._to_model(X, y, reset=reset)
        y_encoded = self._encode_y(y, reset=reset)
        with self._on_device(), self._seeded() as random_state, self._augmenting(random_state):
            if reset:
                self.initialize()
            NeuralNetClassifier.partial_fit(self, X_model, y_encoded, **fit_params)
        return self

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs, keeping the learnt weights.

        The first call behaves like ``fit``; later ones need images of the same
        shape and labels among the classes seen first.
        """
        reset = not getattr(self, "initialized_", False) or not hasattr(
            self, "image_shape_"
        )
        X_model, y = self._to_model(X, y, reset=reset)
        y_encoded = self._encode_y(y, reset=reset)
        with self._on_device(), self._seeded() as random_state, self._augmenting(random_state):
            NeuralNetClassifier.partial_fit(self, X_model, y_encoded, **fit_params)
        return self

    def forward_iter(self, X, training=False, device="cpu"):
        # DataLoader iterators draw a seed from torch's global RNG: fork it.
        with self._on_device(), seeded_torch():
            yield from super().forward_iter(X, training=training, device=device)

    def predict_proba(self, X):
        """Class probabilities, shape ``(n_samples, n_classes)``."""
        return super().predict_proba(self._to_model(X)[0])

    def predict(self, X):
        """Predicted class labels."""
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    @torch.no_grad()
    def embed(self, X, batch_size=256):
        """Penultimate-layer features ``(n_samples, n_features)`` of ``X``.

        A domain feature space for quality metrics (see ``gansampler.metrics``).
        """
        X_model = torch.from_numpy(self._to_model(X)[0])
        module = self.module_
        if not hasattr(module, "embed"):
            raise TypeError("embed needs a module with an embed(x) method.")
        module.eval()
        device = next(module.parameters()).device
        out = [
            module.embed(X_model[i : i + batch_size].to(device)).cpu()
            for i in range(0, len(X_model), batch_size)
        ]
        return torch.cat(out).numpy()

    # -- persistence (see PersistenceMixin) --------------------------------------
    _fitted_attribute = "image_shape_"
    _format_version = 2
    _upgrades = {1: _from_format_1}
    _SAVED_PARAMS = ("image_shape", "class_weight", "augment", "max_epochs", "batch_size", "lr", "random_state")

    def save(self, path):
        """Save the fitted classifier without pickle: one safetensors file.

        The network weights are safetensors tensors; the parameters listed in
        ``_SAVED_PARAMS``, ``module__*`` options, classes and image format are JSON
        metadata. Only the default network (``module=None``) can be rebuilt by
        :meth:`load`; for a custom module use skorch's ``save_params`` or pickle.
        """
        check_is_fitted(self, self._fitted_attribute)
        if self.module is not None:
            raise TypeError(
                "CNNClassifier.save stores the default SmallCNN only; for a custom module "
                "use skorch's save_params(f_params=..., use_safetensors=True) or pickle."
            )
        super().save(path)

    def _state_to_save(self):
        keys = [*self._SAVED_PARAMS, *(k for k in self.get_params(deep=False) if k.startswith("module__"))]
        state = {
            "params": self._json_params(keys, strict=True),
            "image_format": self._image_format.to_dict(),
            "classes": to_json_value(self._classes),
            "classes_dtype": self._classes.dtype.str,
            "class_weight_": to_json_value(getattr(self, "class_weight_", None)),
            "n_features_in_": int(self.n_features_in_),
        }
        return self.module_.state_dict(), state

    @classmethod
    def _from_saved_state(cls, tensors, state, device):
        clf = cls(**state["params"], device=device)
        clf._image_format = ImageFormat.from_dict(state["image_format"])
        clf.image_shape_ = clf._image_format.image_shape
        clf._classes = np.asarray(state["classes"], dtype=np.dtype(state["classes_dtype"]))
        if state["class_weight_"] is not None:
            clf.class_weight_ = np.asarray(state["class_weight_"], dtype=np.float32)
        clf.n_features_in_ = state["n_features_in_"]
        with clf._on_device(), clf._seeded():  # initial weights, overwritten below
            clf.initialize()
            clf.module_.load_state_dict(tensors, strict=True)
        return clf
