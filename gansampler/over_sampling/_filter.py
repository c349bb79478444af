"""FilteredOverSampler: more candidates than needed from any over-sampler, near-copies
of training images dropped, the rest ranked by a classifier trained on the real data."""

import math
import numbers
import warnings

import numpy as np
from imblearn.utils import Substitution
from sklearn.base import clone
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import check_is_fitted

from .._docstrings import DOCS
from ..metrics import nearest_neighbor_ratio, precision_recall_density_coverage
from ..metrics._features import _extract_sets
from ._base import BaseImageOverSampler

__all__ = ["FilteredOverSampler"]


def _plain(label):
    return label.item() if isinstance(label, np.generic) else label


def _with_seed(estimator, seed):
    """``estimator`` with ``random_state=seed`` when it has that parameter."""
    if "random_state" in estimator.get_params(deep=False):
        estimator.set_params(random_state=int(seed))
    return estimator


@Substitution(**DOCS)
class FilteredOverSampler(BaseImageOverSampler):
    """Over-sample with the best of more candidates than needed from another sampler.

    ``sampler`` is fitted on the data given to ``fit_resample`` and asked for
    ``candidate_ratio`` times the new samples each class needs. Candidates that
    are near-copies of a training image are dropped (see
    :func:`gansampler.metrics.find_memorized`), and of the rest those that a
    classifier, trained inside the fit on the same real data only, gives the
    highest probability of their target class are kept (He et al., 2023, "Is
    synthetic data from generative models ready for image recognition?"; the
    classifier, not a quality score, judges: Ravuri & Vinyals, 2019,
    "Classification Accuracy Score for Conditional Generative Models"). The
    originals are returned first, unchanged, then the kept samples, in the
    input's layout, dtype and value range.

    Filtering can cut diversity: :meth:`filter_quality` gives precision,
    recall, density and coverage of the candidates before and after.

    Parameters
    ----------
    sampler : imbalanced-learn over-sampler
        Any over-sampler with ``fit_resample`` (``GANOverSampler``,
        ``VAEOverSampler``, ``LatentSMOTE``, ``AugmentationOverSampler``,
        imbalanced-learn's own). It is cloned; its ``sampling_strategy`` is
        replaced by the candidate counts and its ``random_state`` by a seed
        drawn from this one's. It and the classifier get images as
        ``(n, C, H, W)`` arrays in ``X``'s dtype and range (tabular ``X`` as
        rows).
    {sampling_strategy}
        :class:`gansampler.AddOn` adds a fraction of each class's real count.
    candidate_ratio : float, default=2.0
        Candidates drawn per kept sample (at least 1; 1 keeps every candidate
        that is not a near-copy).
    classifier : classifier with ``predict_proba``, default=None
        Ranks the candidates; cloned and fitted on the real data given to
        ``fit_resample``. None means
        ``CNNClassifier(max_epochs=10, class_weight="balanced")``.
    memorization_threshold : float or None, default=1/3
        Candidates whose :func:`~gansampler.metrics.nearest_neighbor_ratio` to
        the training images (pixels) is below this are near-copies and dropped;
        None keeps them.
    {image_shape}
    {random_state}
    verbose : int, default=0
        1 prints what was kept per class.

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label to number of samples created.
    sampler_ : over-sampler
        The fitted inner sampler.
    classifier_ : classifier
        The fitted ranking classifier.
    candidates_ : dict
        Class label to every candidate, ``(n, C, H, W)`` in ``X``'s dtype.
    candidate_scores_ : dict
        Class label to the classifier's probability of that class, per candidate.
    kept_indices_ : dict
        Class label to the sorted indices of the kept candidates.
    filter_report_ : dict
        Class label to ``{{"candidates", "kept", "kept_share",
        "dropped_as_copies", "dropped_by_score", "kept_copies"}}``;
        ``kept_copies`` is non-zero only when too few candidates were not
        copies (a warning says so).

    See Also
    --------
    AddOn : Amounts relative to each class's real count.
    GANOverSampler : Its ``selection="discriminator"`` keeps the candidates its
        own discriminator scores highest (Azadi et al., 2019, "Discriminator
        Rejection Sampling").

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import AugmentationOverSampler, CNNClassifier, FilteredOverSampler
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randint(0, 256, size=(60, 8, 8)).astype(np.uint8)
    >>> y = np.array([0] * 45 + [1] * 15)
    >>> sampler = FilteredOverSampler(AugmentationOverSampler(), candidate_ratio=3.0,
    ...     classifier=CNNClassifier(max_epochs=2), random_state=0)
    >>> X_res, y_res = sampler.fit_resample(X, y)
    >>> X_res.shape, np.bincount(y_res).tolist()
    ((90, 8, 8), [45, 45])
    >>> report = sampler.filter_report_[1]
    >>> report["candidates"], report["kept"], report["kept_share"]
    (90, 30, 0.3333)
    """

    min_class_size = 1

    _parameter_constraints: dict = {
        **BaseImageOverSampler._parameter_constraints,
        "sampler": [HasMethods(["fit_resample"])],
        "candidate_ratio": [Interval(numbers.Real, 1, None, closed="left")],
        "classifier": [HasMethods(["fit", "predict_proba"]), None],
        "memorization_threshold": [Interval(numbers.Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        sampler,
        *,
        sampling_strategy="auto",
        candidate_ratio=2.0,
        classifier=None,
        memorization_threshold=1 / 3,
        image_shape=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.sampler = sampler
        self.candidate_ratio = candidate_ratio
        self.classifier = classifier
        self.memorization_threshold = memorization_threshold
        self.image_shape = image_shape
        self.random_state = random_state
        self.verbose = verbose

    def _default_classifier(self):
        from ..classifier import CNNClassifier

        return CNNClassifier(max_epochs=10, class_weight="balanced")

    def _draw_candidates(self, X_inner, y, targets, seed):
        """Fit a clone of ``sampler`` asking for the candidates; label -> candidates."""
        labels, counts = np.unique(y, return_counts=True)
        real = dict(zip(labels.tolist(), counts.tolist()))
        wanted = {label: math.ceil(self.candidate_ratio * n) for label, n in targets.items() if n > 0}
        sampler = _with_seed(clone(self.sampler), seed)
        sampler.set_params(sampling_strategy={label: real[label] + n for label, n in wanted.items()})
        X_res, y_res = sampler.fit_resample(X_inner, y)
        X_new, y_new = np.asarray(X_res)[len(y):], np.asarray(y_res)[len(y):]
        candidates = {}
        for label, n in wanted.items():
            candidates[label] = X_new[y_new == label]
            if len(candidates[label]) != n:
                raise ValueError(
                    f"{type(sampler).__name__} returned {len(candidates[label])} new samples of class "
                    f"{_plain(label)!r} after the originals, but sampling_strategy asked it for {n}."
                )
        return sampler, candidates

    def _generate(self, images, fmt, y, targets, random_state):
        n_real = len(images)
        X_inner = images if fmt.is_image else images.reshape(n_real, -1)
        sampler_seed, classifier_seed = random_state.randint(np.iinfo(np.int32).max, size=2)
        self.sampler_, candidates = self._draw_candidates(X_inner, y, targets, sampler_seed)
        classifier = self._default_classifier() if self.classifier is None else clone(self.classifier)
        self.classifier_ = _with_seed(classifier, classifier_seed).fit(X_inner, y)
        classes = list(np.asarray(self.classifier_.classes_).tolist())
        # near-copies are judged in pixels in [0, 1]; tabular rows as rows
        as_pixels = lambda x: ((x + 1) / 2).reshape(len(x), *(fmt.image_shape if fmt.is_image else (-1,)))  # noqa: E731
        train = as_pixels(fmt.to_model(images))
        self.candidates_, self.candidate_scores_, self.kept_indices_, self.filter_report_ = {}, {}, {}, {}
        new = {}
        for label, cand in candidates.items():
            cand_model = fmt.to_model(cand.reshape(len(cand), *fmt.image_shape))
            scores = self.classifier_.predict_proba(cand)[:, classes.index(label)].astype(np.float64)
            copies = np.zeros(len(cand), dtype=bool)
            if self.memorization_threshold is not None:
                ratios = nearest_neighbor_ratio(train, as_pixels(cand_model))
                copies = ratios < self.memorization_threshold
            order = np.argsort(-np.where(copies, -np.inf, scores), kind="stable")
            kept = np.sort(order[: targets[label]])
            self._record(label, cand, scores, kept, copies)
            new[label] = [cand_model[kept]]
        return new

    def _record(self, label, cand, scores, kept, copies):
        kept_copies = int(copies[kept].sum())
        report = {
            "candidates": len(cand),
            "kept": len(kept),
            "kept_share": round(len(kept) / len(cand), 4),
            "dropped_as_copies": int(copies.sum()) - kept_copies,
            "dropped_by_score": len(cand) - len(kept) - (int(copies.sum()) - kept_copies),
            "kept_copies": kept_copies,
        }
        if kept_copies:
            warnings.warn(
                f"class {_plain(label)!r}: only {len(cand) - int(copies.sum())} of {len(cand)} candidates are "
                f"not near-copies of training images, so {kept_copies} near-copies were kept; raise "
                "candidate_ratio or check the sampler for memorization.",
                UserWarning, stacklevel=4,
            )
        if self.verbose:
            print(f"[{type(self).__name__}] class {_plain(label)!r}: {report}")
        self.candidates_[label], self.candidate_scores_[label] = cand, scores
        self.kept_indices_[label], self.filter_report_[label] = kept, report

    def filter_quality(self, X, y, *, k=5, feature_extractor=None):
        """Precision, recall, density and coverage of each class's candidates
        against real images, before and after filtering.

        Parameters
        ----------
        X : array-like
            Real images (e.g. the training images, or held-out ones), in any
            layout ``fit_resample`` takes.
        y : array-like of shape (n_samples,)
        k : int, default=5
            See :func:`gansampler.metrics.precision_recall_density_coverage`.
        feature_extractor : default=None
            The feature space, see :func:`gansampler.metrics.extract_features`;
            None for pixels.

        Returns
        -------
        quality : dict
            Class label to ``{{"before": scores, "after": scores}}``.
        """
        check_is_fitted(self, "kept_indices_")
        X, y = np.asarray(X), np.asarray(y)
        quality = {}
        for label, cand in self.candidates_.items():
            real, before, after = _extract_sets(
                [X[y == label], cand, cand[self.kept_indices_[label]]], ["X", "candidates", "kept"],
                feature_extractor, image_shape=self.image_shape,
            )
            quality[label] = {"before": precision_recall_density_coverage(real, before, k=k),
                              "after": precision_recall_density_coverage(real, after, k=k)}
        return quality
