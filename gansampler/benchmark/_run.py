"""One run of a comparison, (method, seed) on one data set, and running many
through joblib."""

import contextlib
import platform
import time
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed, parallel_config

from ..evaluation import evaluate_pipeline
from ..exceptions import GANTrainingError
from ._methods import c2st_classifier, make_classifier, make_sampler

__all__ = ["QUALITY_KEYS", "Settings", "environment", "run_one", "run_many", "synthetic_quality"]

QUALITY_KEYS = ("fid", "precision", "recall", "density", "coverage", "memorized_fraction", "c2st")
_GRID_IMAGES = 8


@dataclass(frozen=True)
class Settings:
    """What every run of a comparison shares."""

    clf_params: dict = field(default_factory=dict)
    gan_params: dict = field(default_factory=dict)
    variants: dict = field(default_factory=dict)
    quality_seed: int = 0  # the synthetic images of this seed are measured; None: none are

    def to_dict(self):
        return {"clf_params": self.clf_params, "gan_params": self.gan_params, "variants": self.variants,
                "quality_seed": self.quality_seed}


def environment():
    """Package versions and the hardware, for every row."""
    import imblearn
    import sklearn
    import skorch
    import torch

    import gansampler

    if torch.cuda.is_available():
        hardware = f"cuda: {torch.cuda.get_device_name()}"
    else:
        threads = torch.get_num_threads()
        hardware = f"{platform.processor() or platform.machine()}, {threads} torch thread{'s' if threads > 1 else ''}"
    return {"python": platform.python_version(), "gansampler": gansampler.__version__, "torch": torch.__version__,
            "sklearn": sklearn.__version__, "imblearn": imblearn.__version__, "skorch": skorch.__version__,
            "hardware": hardware}


class _FlatEmbed:
    """The reference CNN's features for images in any layout (it was fitted on
    flat rows, as the comparison's data are; a filter's candidates are 4-D)."""

    def __init__(self, classifier):
        self.classifier = classifier

    def embed(self, X):
        return self.classifier.embed(np.asarray(X).reshape(len(X), -1))


def synthetic_quality(data, X_res, y_res, seed, clf_params, sampler=None):
    """Per class that got new rows: how they compare with the class's real
    training images, in the features of a CNN fitted on the real training data
    (FID, precision/recall/density/coverage), in pixels (memorized fraction),
    and by a CNN two-sample test (C2ST). A fitted ``FilteredOverSampler``
    adds the recall and coverage of all its candidates, before the filter."""
    from ..metrics import c2st_score, quality_report

    image_shape = data.image_shape
    n_train = len(data.y_train)
    X_new, y_new = X_res[n_train:], y_res[n_train:]
    reference = make_classifier(image_shape, seed, clf_params)
    reference.fit(data.X_train, data.y_train)
    before = (sampler.filter_quality(data.X_train, data.y_train, feature_extractor=_FlatEmbed(reference))
              if hasattr(sampler, "filter_quality") else {})
    out = {}
    for label in np.unique(y_new):
        real, fake = data.X_train[data.y_train == label], X_new[y_new == label]
        if min(len(real), len(fake)) < 6:  # precision/recall need more than k=5 neighbours
            continue
        report = quality_report(real, fake, reference, image_shape=image_shape, random_state=seed)
        # c2st_score trains on half of min(real, fake) images of each kind:
        # min(real, fake) images in all
        c2st = c2st_classifier(image_shape, seed, clf_params, min(len(real), len(fake)))
        report["c2st"] = c2st_score(real, fake, c2st, random_state=seed)
        out[data.class_names[label]] = {k: float(report[k]) for k in QUALITY_KEYS}
        if label in before:
            out[data.class_names[label]].update({f"{k}_before_filter": float(before[label]["before"][k])
                                                 for k in ("recall", "coverage")})
    return out


def _grid_rows(data, X_res, y_res):
    """Per class that got new rows: up to 8 real and 8 new images, (n, C, H, W) uint8."""
    n_train = len(data.y_train)
    X_new, y_new = X_res[n_train:], y_res[n_train:]
    shape = (-1, *data.image_shape)
    return {data.class_names[label]: (data.X_train[data.y_train == label][:_GRID_IMAGES].reshape(shape),
                                      np.asarray(X_new[y_new == label][:_GRID_IMAGES]).reshape(shape))
            for label in np.unique(y_new)}


def _sample_checks(sampler):
    """A fitted sampler's sample checks (``sample_checks_``: passed, and each
    attempt's failures and figures), or None."""
    checks = getattr(sampler, "sample_checks_", None) or {}
    return {str(label): check for label, check in checks.items()} or None


def _rejected_copies(sampler):
    """Per class, how many images a sampler drew again as near-copies of
    training images (``n_rejected_``), or None."""
    rejected = getattr(sampler, "n_rejected_", None)
    return {str(label): int(n) for label, n in rejected.items()} if rejected is not None else None


def run_one(data, method, seed, settings):
    """Fit and score ``method`` with ``seed`` on ``data``.

    Returns
    -------
    row : dict
        The scores (see :func:`gansampler.evaluation.score_predictions`),
        times, the synthetic images' quality (the quality seed only, else
        None), a GAN's sample checks per class (``"sample_check"``), the
        sampler and classifier as text, versions and hardware. A
        run whose generative model failed (:class:`GANTrainingError`) has
        ``"error"`` instead of scores.
    extras : dict
        On the quality seed, for methods that add rows: ``"grids"``, class
        name -> (real, new) images, and for GANs ``"history"``, the fitted
        sampler's ``history_``.
    """
    start = time.perf_counter()
    sampler, extra = make_sampler(method, data.image_shape, seed, settings.gan_params, settings.variants)
    clf = make_classifier(data.image_shape, seed, settings.clf_params, extra)
    head = {"dataset": data.name, "method": method, "seed": seed}
    try:
        scores, pipeline, (X_res, y_res) = evaluate_pipeline(
            sampler, clf, data.X_train, data.y_train, data.X_test, data.y_test, return_resampled=True
        )
    except GANTrainingError as exc:
        return {**head, "error": str(exc), "sampler": repr(sampler), "classifier": repr(clf),
                "seconds": time.perf_counter() - start, **environment()}, {}
    fitted = pipeline.named_steps["sampler"]
    checks = _sample_checks(fitted)
    measured = sampler is not None and seed == settings.quality_seed
    quality = synthetic_quality(data, X_res, y_res, seed, settings.clf_params, fitted) if measured else None
    extras = {}
    if measured:
        extras["grids"] = _grid_rows(data, X_res, y_res)
        history = getattr(pipeline.named_steps["sampler"], "history_", None)
        if history is not None:
            extras["history"] = history
    rejected = _rejected_copies(fitted)
    row = {**head, **scores, "quality": quality, **({"sample_check": checks} if checks else {}),
           **({"rejected_copies": rejected} if rejected is not None else {}),
           "sampler": repr(sampler), "classifier": repr(clf), "classifier_params": extra,
           "seconds": time.perf_counter() - start, **environment()}
    return row, extras


def run_many(data, tasks, settings, *, n_jobs=None, backend=None, on_result=None):
    """Run every ``(method, seed)`` of ``tasks`` through joblib; call
    ``on_result(row, extras)`` as each finishes (in the order they finish).

    ``backend`` is any joblib backend name ("loky", "threading", "dask",
    "ray" where registered); None is joblib's default. Interrupting (Ctrl-C)
    stops the runs; the results already handed to ``on_result`` are kept.
    """
    jobs = (delayed(run_one)(data, method, seed, settings) for method, seed in tasks)
    context = parallel_config(backend=backend) if backend else contextlib.nullcontext()
    with context:
        for row, extras in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(jobs):
            if on_result is not None:
                on_result(row, extras)
