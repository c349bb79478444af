"""Progress of GAN training: one bar with an honest ETA (tqdm; silent at verbose=0).

One bar counts the epochs of every model a fit trains. Its total grows when a
model is trained again (after a divergence or a failed sample check) and
shrinks when early stopping ends a model early, so the ETA is for the work
that is really left.
"""

from tqdm.auto import tqdm

__all__ = ["Progress"]


class Progress:
    """A bar over ``total`` epochs; ``model(label)`` gives the per-epoch callback
    of one model's training."""

    def __init__(self, total, verbose, desc="GAN"):
        self.bar = tqdm(total=total, desc=desc, unit="epoch", disable=not verbose, leave=verbose > 1,
                        dynamic_ncols=True)
        self.remaining = 0

    def model(self, label, max_epochs, description=None):
        """The callback for training ``label``'s model for up to ``max_epochs``
        (the bar reads ``description``, by default "GAN class LABEL")."""
        self.remaining = max_epochs
        self.bar.set_description(description or f"GAN class {label}", refresh=False)
        return self

    def __call__(self, epoch, metrics):
        self.remaining -= 1
        shown = {k: v for k, v in metrics.items() if k not in ("epoch", "seconds") and isinstance(v, float)}
        self.bar.set_postfix({k: f"{v:.3f}" for k, v in shown.items()}, refresh=False)
        self.bar.update(1)

    def finished(self):
        """The model stopped: epochs it did not run leave the total, and the
        bar shows the model's last losses even after a fast run."""
        if self.remaining > 0:
            self.bar.total -= self.remaining
        self.remaining = 0
        self.bar.refresh()

    def again(self, max_epochs):
        """The model is trained once more: its epochs join the total."""
        self.bar.total += max_epochs
        self.bar.refresh()

    def close(self):
        self.bar.close()
