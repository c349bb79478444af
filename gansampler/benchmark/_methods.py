"""The methods a comparison runs, by name: a sampler (or none) and the classifier.

Every method is ``Pipeline([sampler, CNNClassifier])`` with the same
classifier settings and seed; ``class_weight`` and ``threshold`` change the
classifier instead of the data.
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn import model_selection

__all__ = [
    "BASELINES",
    "C2ST_MIN_STEPS",
    "DEFAULT_METHODS",
    "GENERATIVE",
    "METHODS",
    "Method",
    "RECIPE_SYNTAX",
    "is_baseline",
    "is_online",
    "parse_method",
    "available_methods",
    "c2st_classifier",
    "check_methods",
    "halfway",
    "make_classifier",
    "make_methods",
    "make_sampler",
    "min_class_size",
]

#: The fewest optimizer steps the C2ST's CNN takes. Ten epochs of a class of 50
#: images are ten steps, after which the CNN still answers one class for every
#: image and scores 0.5 ("indistinguishable") on images it could tell apart.
C2ST_MIN_STEPS = 150


def has_threshold_tuning():
    """Whether scikit-learn has ``TunedThresholdClassifierCV`` (1.5 and later)."""
    return hasattr(model_selection, "TunedThresholdClassifierCV")


def halfway(y):
    """Target counts halfway between each smaller class's and the majority's (a
    callable ``sampling_strategy``: the first half of the gap for ``half-augment``)."""
    classes, counts = np.unique(y, return_counts=True)
    top = counts.max()
    return {c: int(n + (top - n) // 2) for c, n in zip(classes, counts) if n < top}


@dataclass(frozen=True)
class Build:
    """What a method's sampler is built from: the images' shape, the run's
    seed and the GAN parameters every GAN method shares."""

    image_shape: tuple
    seed: int
    gan_params: dict

    def gan(self, **params):
        from .. import GANOverSampler

        return GANOverSampler(image_shape=self.image_shape, random_state=self.seed, **{**self.gan_params, **params})


@dataclass(frozen=True)
class Method:
    """One remedy ``compare`` can run: ``Pipeline([sampler, CNNClassifier])``.

    Attributes
    ----------
    name : str
        How commands and result rows name it.
    description : str
        One line for ``--help``.
    sampler : callable
        ``Build -> sampler or None``.
    classifier : dict
        Extra ``CNNClassifier`` parameters (``tune_threshold``: wrap it in
        ``TunedThresholdClassifierCV``).
    baseline : bool
        It needs no generative model: the bar a generative sampler must clear.
    default : bool
        ``compare`` runs it unless told which methods to run.
    min_class_size, needs : int, str
        The fewest training images per class it needs, and why.
    binary_only : bool
        It runs on two classes only (and needs scikit-learn >= 1.5).
    extra : str or None
        The optional dependencies it needs (``pip install 'gansampler[extra]'``).
    """

    name: str
    description: str
    sampler: Callable = field(repr=False)
    classifier: dict = field(default_factory=dict)
    baseline: bool = False
    default: bool = False
    min_class_size: int = 2
    needs: str = "to learn from"
    binary_only: bool = False
    extra: str = None

    def runs_on(self, n_classes):
        return not self.binary_only or (n_classes == 2 and has_threshold_tuning())


def _augment(b, **params):
    from .. import AugmentationOverSampler

    return AugmentationOverSampler(image_shape=b.image_shape, random_state=b.seed, **params)


def _random(b):
    from imblearn.over_sampling import RandomOverSampler

    return RandomOverSampler(random_state=b.seed)


def _smote(b):
    from imblearn.over_sampling import SMOTE

    return SMOTE(random_state=b.seed)


def _vae(b):
    from .. import VAEOverSampler

    return VAEOverSampler(image_shape=b.image_shape, random_state=b.seed)


def _latent_smote(b, reconstruct_originals=False):
    from .. import LatentSMOTE

    return LatentSMOTE(image_shape=b.image_shape, reconstruct_originals=reconstruct_originals, random_state=b.seed)


def _diffusion(b):
    from .. import DiffusionOverSampler

    return DiffusionOverSampler(image_shape=b.image_shape, random_state=b.seed)


def _augment_then_gan(b):
    # two augmented copies, then the GAN with as many steps as "gan": a third
    # of its epochs on 3x the data, 3x its minimum steps per epoch
    from ..training import GANConfig

    config = GANConfig.from_params(b.gan().get_params(), b.image_shape)
    return b.gan(pre_augment=2, max_epochs=max(1, config.max_epochs // 3),
                 min_steps_per_epoch=3 * config.min_steps_per_epoch)


def _half_augment_then(b, name, second):
    from imblearn.pipeline import Pipeline

    return Pipeline([("augment", _augment(b, sampling_strategy=halfway)), (name, second)])


_NEIGHBOURS = {"min_class_size": 6, "needs": "its 5 nearest neighbours"}

#: Every method ``compare`` knows, by name: the one table the command line,
#: the report and ``benchmarks/run.py`` read.
METHODS = {m.name: m for m in (
    Method("none", "no resampling", lambda b: None, baseline=True, default=True),
    Method("threshold", "no resampling; the decision threshold that maximises balanced accuracy, by 5-fold CV "
           "(two classes)", lambda b: None, {"tune_threshold": True}, baseline=True, default=True,
           min_class_size=5, needs="its 5-fold cross-validation", binary_only=True),
    Method("class_weight", "no resampling; classes weighted inversely to their counts", lambda b: None,
           {"class_weight": "balanced"}, baseline=True, default=True),
    Method("random", "random oversampling: copies of real images", _random, baseline=True, default=True),
    Method("smote", "SMOTE between flat images", _smote, baseline=True, default=True, **_NEIGHBOURS),
    Method("augment", "classic augmentation: transformed copies of real images", _augment, baseline=True,
           default=True),
    Method("gan", "a GAN per class (GANOverSampler)", lambda b: b.gan(), default=True),
    Method("vae", "a class-conditional VAE on every class (VAEOverSampler)", _vae, default=True),
    Method("latent-smote", "SMOTE in an autoencoder's codes (LatentSMOTE, DeepSMOTE)", _latent_smote,
           default=True, **_NEIGHBOURS),
    Method("gan-ae", "a GAN per class started from an autoencoder (BAGAN)", lambda b: b.gan(init="autoencoder"),
           default=True),
    Method("diffusion", "a class-conditional diffusion model on every class (DiffusionOverSampler)", _diffusion,
           extra="diffusion"),
    Method("augment+gan", "the GAN trained on the real images and two augmented copies", _augment_then_gan),
    Method("half-augment", "classic augmentation for the first half of each class's gap",
           lambda b: _augment(b, sampling_strategy=halfway)),
    Method("half-augment+gan", "half-augment, then the GAN fills the rest",
           lambda b: _half_augment_then(b, "gan", b.gan())),
    Method("half-augment+random", "half-augment, then random copies fill the rest",
           lambda b: _half_augment_then(b, "random", _random(b))),
    Method("latent-smote-recon", "LatentSMOTE with the originals replaced by their reconstructions",
           lambda b: _latent_smote(b, reconstruct_originals=True), **_NEIGHBOURS),
)}

#: Remedies that need no generative model: the bar a generative sampler must clear.
BASELINES = tuple(name for name, m in METHODS.items() if m.baseline)
#: Samplers that learn a generative model of the images, run by default.
GENERATIVE = tuple(name for name, m in METHODS.items() if m.default and not m.baseline)
#: What ``gansampler compare`` runs unless told otherwise (``threshold`` on binary data).
DEFAULT_METHODS = tuple(name for name, m in METHODS.items() if m.default)


def _variant(name, params):
    return Method(name, f"the GAN with {params}", lambda b: b.gan(**params))


#: How a method runs under the recipe of the studies that found synthetic
#: images useful: the classifier's online augmentation, an add-on amount, a filter.
RECIPE_SYNTAX = ("[online+]METHOD[@Rx][+filter]: 'online+' trains the CNNClassifier with online augmentation "
                 "(augment='default'; 'online' alone: no resampling); '@Rx' adds R times each smaller class's real "
                 "count (AddOn(R), capped at the largest class) instead of balancing; '+filter' keeps the best of "
                 "twice as many candidates (FilteredOverSampler). Example: online+gan@1x+filter")
_AMOUNT = re.compile(r"^(?P<base>.+)@(?P<ratio>\d+(?:\.\d*)?|\.\d+)x$")
_PROBE = Build((1, 8, 8), 0, {})


def _recipe(name, base, online, ratio, filtered):
    """``base`` run under the recipe; ValueError where a part does not apply."""
    from ..over_sampling import AddOn, FilteredOverSampler
    from ..over_sampling._base import BaseImageOverSampler

    probe = base.sampler(_PROBE)
    if ratio is not None and (probe is None or "sampling_strategy" not in probe.get_params(deep=False)):
        raise ValueError(f"method {name!r}: an amount (@{ratio:g}x) needs a method that resamples with a "
                         f"sampling_strategy; {base.name!r} has none")
    if filtered and not isinstance(probe, BaseImageOverSampler):
        raise ValueError(f"method {name!r}: +filter needs one of gansampler's image samplers (augment and the "
                         f"generative samplers); {base.name!r} is not one")

    def sampler(b):
        built = base.sampler(b)
        if ratio is not None:
            built.set_params(sampling_strategy=AddOn(ratio))
        if filtered:
            built = FilteredOverSampler(built, sampling_strategy=built.sampling_strategy, image_shape=b.image_shape,
                                        random_state=b.seed)
        return built

    parts = [base.description] + ([f"{ratio:g}x each smaller class's real count added"] if ratio is not None else [])
    parts += ["filtered"] if filtered else []
    parts += ["CNNClassifier with online augmentation"] if online else []
    return replace(base, name=name, description="; ".join(parts), sampler=sampler,
                   classifier={**base.classifier, **({"augment": "default"} if online else {})}, default=False)


def parse_method(name, variants=None):
    """The :class:`Method` a name stands for: a name in :data:`METHODS`, a
    variant's, or one of them under the recipe (see :data:`RECIPE_SYNTAX`).

    Raises
    ------
    ValueError
        For an unknown name, or a recipe part that does not apply to its method.
    """
    variants = variants or {}
    if name in variants:
        return _variant(name, variants[name])
    if name in METHODS:
        return METHODS[name]
    online = is_online(name)
    rest = "none" if name == "online" else name.removeprefix("online+")
    filtered = rest.endswith("+filter")
    rest = rest.removesuffix("+filter")
    amount = _AMOUNT.match(rest)
    ratio = float(amount["ratio"]) if amount else None
    rest = amount["base"] if amount else rest
    base = _variant(rest, variants[rest]) if rest in variants else METHODS.get(rest)
    if base is None or (name != "online" and rest == name):
        raise ValueError(f"unknown method {name!r}")
    return _recipe(name, base, online, ratio, filtered)


def is_online(name):
    """Whether method ``name`` trains the classifier with online augmentation."""
    return name == "online" or name.startswith("online+")


def is_baseline(name):
    """Whether method ``name`` needs no generative model (False for names that
    do not parse, such as an old comparison's variants)."""
    try:
        return parse_method(name).baseline
    except ValueError:
        return False


def available_methods(n_classes, variants=()):
    """Every method name in the registry (and ``variants``) that can run on data
    with ``n_classes`` classes; each can also run under the recipe (see
    :data:`RECIPE_SYNTAX`)."""
    return tuple(dict.fromkeys([*(n for n, m in METHODS.items() if m.runs_on(n_classes)), *variants]))


def check_methods(methods, n_classes, variants=()):
    """``methods`` (None: the defaults that can run here) as a tuple of known names.

    Raises
    ------
    ValueError
        Naming unknown methods, the ones there are and the recipe syntax.
    """
    available = available_methods(n_classes, variants)
    if methods is None:
        return tuple(m for m in (*DEFAULT_METHODS, *variants) if m in available)
    variant_params = {v: {} for v in variants}
    unknown, wrong = [], []
    for m in methods:
        try:
            spec = parse_method(m, variant_params)
        except ValueError as exc:
            if str(exc).startswith(f"method {m!r}:"):  # a recipe part that does not apply
                wrong.append(str(exc))
            else:
                unknown.append(m)
            continue
        if not spec.runs_on(n_classes):
            unknown.append(m)
    if wrong:
        raise ValueError("; ".join(wrong))
    if unknown:
        threshold = any("threshold" in m for m in unknown)
        why = " ('threshold' needs two classes and scikit-learn >= 1.5)" if threshold else ""
        raise ValueError(f"unknown method(s) {unknown}{why}; choose from {list(available)}, or one of them as "
                         f"{RECIPE_SYNTAX}")
    return tuple(dict.fromkeys(methods))


def min_class_size(method):
    """``(count, reason)``: the fewest training images per class ``method`` needs."""
    try:
        spec = parse_method(method)
    except ValueError:
        return 2, "to learn from"
    return spec.min_class_size, spec.needs


def make_sampler(method, image_shape, seed, gan_params=None, variants=None):
    """``(sampler or None, extra classifier parameters)`` for one method.

    ``"tune_threshold": True`` in the extra parameters wraps the classifier in
    scikit-learn's ``TunedThresholdClassifierCV``.
    """
    spec = parse_method(method, variants)
    return spec.sampler(Build(tuple(image_shape), seed, dict(gan_params or {}))), dict(spec.classifier)


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
