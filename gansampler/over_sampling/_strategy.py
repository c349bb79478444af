"""AddOn: a ``sampling_strategy`` that adds synthetic images in proportion to
each class's real images instead of balancing the classes."""

import math
import numbers

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils._param_validation import Interval, StrOptions

__all__ = ["AddOn"]

_KINDS = ("not majority", "minority", "not minority", "all")


def _plain(label):
    return label.item() if isinstance(label, np.generic) else label


class AddOn(BaseEstimator):
    """Add ``ratio`` times each class's real count in synthetic samples.

    A callable for the ``sampling_strategy`` of any imbalanced-learn
    over-sampler (every gansampler sampler included): called with ``y``, it
    returns the number of samples each class should have after resampling.
    Balancing a 100-image class against 3,494 makes 97% of it synthetic; the
    studies that found gains from synthetic images added them on top of the
    real ones, at most about one per real image (Frid-Adar et al., 2018,
    "GAN-based synthetic medical image augmentation for increased CNN
    performance in liver lesion classification"), and Yu et al. (2023) saw
    accuracy drop once synthetic images outnumbered real ones.

    Parameters
    ----------
    ratio : float
        New samples per real sample of each chosen class (0.5 adds half as
        many, 1.0 doubles the class), rounded to the nearest integer, halves
        up.
    classes : {"not majority", "minority", "not minority", "all"} or \
list of labels, default="not majority"
        Which classes get new samples, in imbalanced-learn's words, or the
        labels themselves.
    cap : "majority" or None, default="majority"
        "majority": no class grows beyond the largest class's count (so the
        largest class never gets new samples); None: no cap.

    See Also
    --------
    FilteredOverSampler : Keeps the best of more candidates than the amount asks.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import AddOn, AugmentationOverSampler
    >>> y = np.array([0] * 40 + [1] * 10 + [2] * 30)
    >>> AddOn(1.0)(y)
    {1: 20, 2: 40}
    >>> AddOn(0.5, classes="all", cap=None)(y)
    {0: 60, 1: 15, 2: 45}
    >>> X = np.random.RandomState(0).randint(0, 256, (80, 8, 8)).astype(np.uint8)
    >>> sampler = AugmentationOverSampler(sampling_strategy=AddOn(1.0), random_state=0)
    >>> np.bincount(sampler.fit_resample(X, y)[1]).tolist()
    [40, 20, 40]
    """

    _parameter_constraints: dict = {
        "ratio": [Interval(numbers.Real, 0, None, closed="neither")],
        "classes": [StrOptions(set(_KINDS)), list, tuple],
        "cap": [StrOptions({"majority"}), None],
    }

    def __init__(self, ratio, *, classes="not majority", cap="majority"):
        self.ratio = ratio
        self.classes = classes
        self.cap = cap

    def __call__(self, y):
        """Target counts per class for the labels ``y``.

        Parameters
        ----------
        y : array-like of shape (n_samples,)

        Returns
        -------
        targets : dict
            Class label to its number of samples after resampling (its real
            count plus the new samples), for the chosen classes.
        """
        self._validate_params()
        labels, counts = np.unique(np.asarray(y), return_counts=True)
        chosen = self._chosen(labels, counts)
        largest = counts.max()
        targets = {}
        for label, count, keep in zip(labels, counts, chosen):
            if not keep:
                continue
            n_new = math.floor(self.ratio * count + 0.5)
            if self.cap == "majority":
                n_new = min(n_new, largest - count)
            targets[_plain(label)] = int(count + n_new)
        return targets

    def _chosen(self, labels, counts):
        if not isinstance(self.classes, str):
            present = [_plain(label) for label in labels]
            unknown = [c for c in self.classes if c not in present]
            if unknown:
                raise ValueError(f"AddOn's classes {unknown} are not in y, whose classes are {present}.")
            return np.array([label in list(self.classes) for label in present])
        # one majority and one minority class, the first of ties, as imbalanced-learn counts them
        majority = np.arange(len(labels)) == counts.argmax()
        minority = np.arange(len(labels)) == counts.argmin()
        return {
            "not majority": ~majority,
            "minority": minority,
            "not minority": ~minority,
            "all": np.ones(len(labels), dtype=bool),
        }[self.classes]
