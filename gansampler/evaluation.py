"""Fit a sampler + classifier pipeline and score it the same way for every method.

Used by the demo and ``benchmarks/run.py`` so that every method is measured with
one piece of code.
"""

import time

import numpy as np
from imblearn.metrics import geometric_mean_score
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.metrics import (
    balanced_accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    roc_auc_score,
)

__all__ = ["evaluate_pipeline", "score_predictions"]


def score_predictions(y_true, y_pred, y_proba, classes, minority_class):
    """Balanced accuracy, macro-F1, G-mean, ROC-AUC, per-class and minority scores.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    y_proba : ndarray of shape (n, n_classes)
        Probabilities in the order of ``classes``.
    classes : array-like
    minority_class : label
        The class whose recall is reported as ``minority_recall``.

    Returns
    -------
    scores : dict
    """
    classes = np.asarray(classes)
    precision, recall, f1, _ = precision_recall_fscore_support(
        y_true, y_pred, labels=classes, zero_division=0
    )
    if len(classes) == 2:
        auc = roc_auc_score(y_true == classes[1], y_proba[:, 1])
    else:
        auc = roc_auc_score(y_true, y_proba, multi_class="ovr", average="macro", labels=classes)
    scores = {
        "balanced_accuracy": balanced_accuracy_score(y_true, y_pred),
        "macro_f1": f1_score(y_true, y_pred, average="macro", labels=classes, zero_division=0),
        "gmean": geometric_mean_score(y_true, y_pred, average="multiclass", labels=classes),
        "roc_auc": auc,
        "minority_recall": recall[np.flatnonzero(classes == minority_class)[0]],
        "confusion_matrix": confusion_matrix(y_true, y_pred, labels=classes).tolist(),
    }
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        scores[f"{name}_per_class"] = dict(zip(classes.tolist(), values.tolist()))
    return {k: (float(v) if isinstance(v, np.floating) else v) for k, v in scores.items()}


def evaluate_pipeline(sampler, classifier, X_train, y_train, X_test, y_test, *,
                      return_resampled=False):
    """Fit ``Pipeline([("sampler", sampler), ("clf", classifier)])`` and score it.

    The two steps are fitted as ``Pipeline.fit`` would (the sampler's
    ``fit_resample`` on the training data, the classifier on its output), but
    timed separately. Clones are fitted; the arguments are left untouched.

    Returns
    -------
    scores : dict
        :func:`score_predictions` plus ``resample_seconds``, ``fit_seconds`` and
        ``n_train_resampled``.
    pipeline : imblearn.pipeline.Pipeline
        The fitted pipeline (``sampler`` is ``"passthrough"`` when None).
    resampled : tuple (X_res, y_res)
        Only with ``return_resampled=True``: what the classifier was fitted on.
    """
    sampler = "passthrough" if sampler is None else clone(sampler)
    pipeline = Pipeline([("sampler", sampler), ("clf", clone(classifier))])
    start = time.perf_counter()
    if sampler == "passthrough":
        X_res, y_res = X_train, y_train
    else:
        X_res, y_res = pipeline.named_steps["sampler"].fit_resample(X_train, y_train)
    resample_seconds = time.perf_counter() - start
    start = time.perf_counter()
    pipeline.named_steps["clf"].fit(X_res, y_res)
    fit_seconds = time.perf_counter() - start
    classes, counts = np.unique(y_train, return_counts=True)
    clf = pipeline.named_steps["clf"]
    scores = score_predictions(
        y_test, pipeline.predict(X_test), pipeline.predict_proba(X_test),
        clf.classes_, minority_class=classes[np.argmin(counts)],
    )
    scores.update(
        resample_seconds=resample_seconds,
        fit_seconds=fit_seconds,
        n_train_resampled=int(len(y_res)),
    )
    if return_resampled:
        return scores, pipeline, (X_res, y_res)
    return scores, pipeline
