"""Exceptions gansampler raises beyond scikit-learn's."""

__all__ = ["GANTrainingError"]


class GANTrainingError(RuntimeError):
    """Training a generative model failed, and retrying did not help.

    Raised when a loss became NaN or infinite, or when a trained generator's
    images failed the built-in sample check (noise, collapse, no layout,
    far-off statistics).

    Attributes
    ----------
    label : object or None
        The class whose model failed, where known.
    epoch : int or None
        The epoch in which a loss became non-finite, for divergence.
    metrics : dict
        The epoch's metrics at divergence, or the failed check's figures.
    """

    def __init__(self, message, *, label=None, epoch=None, metrics=None):
        super().__init__(message)
        self.label = label
        self.epoch = epoch
        self.metrics = dict(metrics or {})
