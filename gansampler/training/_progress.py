"""Progress bar callback for the training loop (tqdm; silent at verbose=0)."""

from tqdm.auto import tqdm

__all__ = ["progress_callback"]


class _Progress:
    def __init__(self, label, max_epochs, verbose):
        self.bar = tqdm(
            total=max_epochs,
            desc=f"GAN class {label}",
            unit="epoch",
            disable=not verbose,
            leave=verbose > 1,
            dynamic_ncols=True,
        )

    def __call__(self, epoch, metrics):
        self.bar.set_postfix(
            d_loss=f"{metrics['d_loss']:.3f}",
            g_loss=f"{metrics['g_loss']:.3f}",
            d_real=f"{metrics['d_real']:.2f}",
            d_fake=f"{metrics['d_fake']:.2f}",
            refresh=False,
        )
        self.bar.update(1)
        if epoch == self.bar.total:
            self.bar.refresh()  # show the final losses even on a fast run

    def close(self):
        self.bar.close()


def progress_callback(label, max_epochs, verbose):
    """A per-epoch callback showing a bar with live losses when ``verbose``."""
    return _Progress(label, max_epochs, verbose)
