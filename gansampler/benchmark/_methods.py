"""The methods a comparison runs, by name: a sampler (or none) and the classifier.

Every method is ``Pipeline([sampler, CNNClassifier])`` with the same
classifier settings and seed; ``class_weight`` and ``threshold`` change the
classifier instead of the data.
"""

import math

import numpy as np
from sklearn import model_selection

from ._stats import BASELINES

__all__ = [
    "C2ST_MIN_STEPS",
    "DEFAULT_METHODS",
    "GENERATIVE",
    "available_methods",
    "c2st_classifier",
    "check_methods",
    "halfway",
    "make_classifier",
    "make_methods",
    "min_class_size",
]

#: Samplers that learn a generative model of the images.
GENERATIVE = ("gan", "vae", "latent-smote", "gan-ae")
#: Classic augmentation and the GAN together, and their controls; LatentSMOTE
#: with the originals replaced by their reconstructions (DeepSMOTE's own pipeline).
COMBINATIONS = ("augment+gan", "half-augment", "half-augment+gan", "half-augment+random", "latent-smote-recon")
#: What ``gansampler compare`` runs unless told otherwise (``threshold`` on binary data).
DEFAULT_METHODS = ("none", "threshold", "class_weight", "random", "smote", "augment", *GENERATIVE)

#: The fewest optimizer steps the C2ST's CNN takes. Ten epochs of a class of 50
#: images are ten steps, after which the CNN still answers one class for every
#: image and scores 0.5 ("indistinguishable") on images it could tell apart.
C2ST_MIN_STEPS = 150

# the fewest training images per class a method needs
_MIN_CLASS_SIZE = {"threshold": 5, "smote": 6, "latent-smote": 6, "latent-smote-recon": 6}
_WHY = {"threshold": "its 5-fold cross-validation", "smote": "its 5 nearest neighbours",
        "latent-smote": "its 5 nearest neighbours", "latent-smote-recon": "its 5 nearest neighbours"}


def has_threshold_tuning():
    """Whether scikit-learn has ``TunedThresholdClassifierCV`` (1.5 and later)."""
    return hasattr(model_selection, "TunedThresholdClassifierCV")


def available_methods(n_classes, variants=()):
    """Every method name that can run on data with ``n_classes`` classes."""
    names = [*BASELINES, *GENERATIVE, *COMBINATIONS, *variants]
    if n_classes != 2 or not has_threshold_tuning():
        names.remove("threshold")
    return tuple(dict.fromkeys(names))


def check_methods(methods, n_classes, variants=()):
    """``methods`` (None: the defaults that can run here) as a tuple of known names.

    Raises
    ------
    ValueError
        Naming unknown methods and the ones there are.
    """
    available = available_methods(n_classes, variants)
    if methods is None:
        return tuple(m for m in (*DEFAULT_METHODS, *variants) if m in available)
    unknown = [m for m in methods if m not in available]
    if unknown:
        why = " ('threshold' needs two classes and scikit-learn >= 1.5)" if "threshold" in unknown else ""
        raise ValueError(f"unknown method(s) {unknown}{why}; choose from {list(available)}")
    return tuple(dict.fromkeys(methods))


def min_class_size(method):
    """``(count, reason)``: the fewest training images per class ``method`` needs."""
    return _MIN_CLASS_SIZE.get(method, 2), _WHY.get(method, "to learn from")


def halfway(y):
    """Target counts halfway between each smaller class's and the majority's (a
    callable ``sampling_strategy``: the first half of the gap for ``half-augment``)."""
    classes, counts = np.unique(y, return_counts=True)
    top = counts.max()
    return {c: int(n + (top - n) // 2) for c, n in zip(classes, counts) if n < top}


def make_sampler(method, image_shape, seed, gan_params=None, variants=None):
    """``(sampler or None, extra classifier parameters)`` for one method.

    ``"tune_threshold": True`` in the extra parameters wraps the classifier in
    scikit-learn's ``TunedThresholdClassifierCV``.
    """
    from imblearn.over_sampling import SMOTE, RandomOverSampler
    from imblearn.pipeline import Pipeline

    from .. import AugmentationOverSampler, GANOverSampler, LatentSMOTE, VAEOverSampler

    gan_params, variants = dict(gan_params or {}), dict(variants or {})

    def gan(**params):
        return GANOverSampler(image_shape=image_shape, random_state=seed, **{**gan_params, **params})

    def half_augment():
        return AugmentationOverSampler(sampling_strategy=halfway, image_shape=image_shape, random_state=seed)

    if method in variants:
        return gan(**variants[method]), {}
    if method in ("none", "class_weight", "threshold"):
        extra = {"class_weight": {"class_weight": "balanced"}, "threshold": {"tune_threshold": True}}
        return None, extra.get(method, {})
    if method == "random":
        return RandomOverSampler(random_state=seed), {}
    if method == "smote":
        return SMOTE(random_state=seed), {}
    if method == "augment":
        return AugmentationOverSampler(image_shape=image_shape, random_state=seed), {}
    if method == "gan":
        return gan(), {}
    if method == "gan-ae":
        return gan(init="autoencoder"), {}
    if method == "vae":
        return VAEOverSampler(image_shape=image_shape, random_state=seed), {}
    if method in ("latent-smote", "latent-smote-recon"):
        recon = method == "latent-smote-recon"
        return LatentSMOTE(image_shape=image_shape, reconstruct_originals=recon, random_state=seed), {}
    if method == "augment+gan":
        # two augmented copies, then the GAN with the same number of steps as
        # "gan": a third of the epochs on 3x the data, 3x the minimum steps
        from ..training import resolve_auto

        defaults = GANOverSampler()
        epochs = gan_params.get("max_epochs", defaults.max_epochs)
        epochs = resolve_auto(image_shape)["max_epochs"] if epochs == "auto" else epochs
        min_steps = gan_params.get("min_steps_per_epoch", defaults.min_steps_per_epoch)
        return gan(pre_augment=2, max_epochs=max(1, epochs // 3), min_steps_per_epoch=3 * min_steps), {}
    # classic augmentation for the first half of each class's gap, then the
    # default GAN (trained on the real and augmented images) or random copies
    if method == "half-augment":
        return half_augment(), {}
    if method == "half-augment+gan":
        return Pipeline([("augment", half_augment()), ("gan", gan())]), {}
    if method == "half-augment+random":
        return Pipeline([("augment", half_augment()), ("random", RandomOverSampler(random_state=seed))]), {}
    raise ValueError(f"unknown method {method!r}")


def make_methods(image_shape, seed, gan_params, variants, *, n_classes):
    """Name -> ``(sampler or None, extra classifier parameters)`` for every method
    that can run on data with ``n_classes`` classes."""
    return {m: make_sampler(m, image_shape, seed, gan_params, variants)
            for m in available_methods(n_classes, tuple(variants))}


def make_classifier(image_shape, seed, clf_params=None, extra=None):
    """The one classifier every method uses, with the method's extra parameters
    (``tune_threshold``: 5-fold CV for the decision threshold that maximises
    balanced accuracy, then a refit on all the training data)."""
    from .. import CNNClassifier

    extra = dict(extra or {})
    tune_threshold = extra.pop("tune_threshold", False)
    clf = CNNClassifier(image_shape=image_shape, random_state=seed, **{**(clf_params or {}), **extra})
    if tune_threshold:
        clf = model_selection.TunedThresholdClassifierCV(clf, scoring="balanced_accuracy")
    return clf


def c2st_classifier(image_shape, seed, clf_params, n_train):
    """The comparison's classifier for a C2ST that trains on ``n_train`` images:
    its epochs, raised where needed to make at least ``C2ST_MIN_STEPS`` steps."""
    clf = make_classifier(image_shape, seed, clf_params)
    steps_per_epoch = math.ceil(max(n_train, 1) / clf.batch_size)
    return clf.set_params(max_epochs=max(clf.max_epochs, math.ceil(C2ST_MIN_STEPS / steps_per_epoch)))
