"""Training an autoencoder on every class: a VAE, or DeepSMOTE's autoencoder.

:class:`AutoencoderConfig` declares the options once (defaults and
constraints, as :class:`GANConfig` does for the GAN); :class:`AutoencoderTrainer`
is one step on :class:`EpochTrainer`'s shared epochs, divergence guard,
progress callbacks and early stopping.
"""

import numbers
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from .._device import resolve_precision
from ..nn import ARCHITECTURES, build_autoencoder
from ._epochs import EpochTrainer
from ._loop import adam
from ._options import ConfigMixin
from ._options import integer as _int
from ._options import option as _option
from ._progress import Progress

__all__ = ["AutoencoderConfig", "AutoencoderTrainer", "encode", "train_autoencoder"]


@dataclass(frozen=True)
class AutoencoderConfig(ConfigMixin):
    """How to train an autoencoder on every class.

    ``kind`` is "vae" (reconstruction plus ``beta`` times the KL divergence to
    a standard normal prior, class-conditional), "deepsmote" (reconstruction
    plus ``penalty`` times DeepSMOTE's permutation penalty, unconditional) or
    "ae" (reconstruction alone, unconditional).
    """

    latent_dim: int = _int(1, 32)
    max_epochs: int = _int(1, 20)
    batch_size: int = _int(2, 64)
    min_steps_per_epoch: int = _int(1, 10)
    lr: float = _option(1e-3, Interval(numbers.Real, 0, None, closed="neither"))
    architecture: str = _option("auto", StrOptions({"auto", *ARCHITECTURES}))
    width: int = _int(1, 32)
    early_stopping: int = _option(None, Interval(numbers.Integral, 1, None, closed="left"), None)
    kind: str = _option("vae", StrOptions({"vae", "deepsmote", "ae"}), estimator=False)
    beta: float = _option(1.0, Interval(numbers.Real, 0, None, closed="neither"))
    penalty: float = _option(1.0, Interval(numbers.Real, 0, None, closed="left"))

    @classmethod
    def from_params(cls, params, image_shape, is_image=True, **overrides):
        """The config for ``params`` (other keys ignored) and images of
        ``image_shape``; ``"auto"`` architecture is DCGAN for images, an MLP for rows."""
        values = cls._known(params, overrides)
        if values.get("architecture", "auto") == "auto":
            values["architecture"] = "dcgan" if is_image else "mlp"
        cls._check_architecture(values["architecture"], image_shape)
        return cls(**values)


class AutoencoderTrainer(EpochTrainer):
    """Train an :class:`~gansampler.nn.Autoencoder` on images of every class.

    Parameters
    ----------
    model : Autoencoder
    config : AutoencoderConfig
    device : torch.device
    seed : int
    callbacks : sequence of callable
    """

    def __init__(self, model, config, *, device="cpu", seed=0, callbacks=(), precision="fp32"):
        names = ("loss", "reconstruction", {"vae": "kl", "deepsmote": "penalty"}.get(config.kind, "zero"))
        super().__init__(names, batch_size=config.batch_size, min_steps=config.min_steps_per_epoch,
                         device=device, seed=seed, early_stopping=config.early_stopping, callbacks=callbacks,
                         precision=precision)
        self.model = model.to(self.device)
        self.config = config
        self.optimizer = adam(self.model.parameters(), lr=config.lr, betas=(0.9, 0.999))
        self.by_class = None

    def prepare(self, x, y):
        x, y = super().prepare(x, y)
        if self.config.kind == "deepsmote":  # each class's rows, for the permutation penalty
            self.x_all = x
            self.by_class = [torch.nonzero(y == c).flatten() for c in torch.unique(y)]
        return x, y

    def _reconstruction(self, x_hat, x):
        return F.mse_loss(x_hat, x, reduction="sum") / len(x)

    def step(self, x, y):
        """One update; returns ``(loss, reconstruction, kl or penalty)``."""
        conditional = self.config.kind == "vae" and self.model.encoder.n_classes
        with self.autocast():
            x_hat, mean, log_var = self.model(x, y if conditional else None, generator=self.rng)
        x_hat, mean = x_hat.float(), mean.float()
        log_var = None if log_var is None else log_var.float()
        reconstruction = self._reconstruction(x_hat, x)
        if self.config.kind == "vae":
            extra = -0.5 * (1 + log_var - mean.pow(2) - log_var.exp()).sum() / len(x)
            loss = reconstruction + self.config.beta * extra
        elif self.config.kind == "deepsmote":
            extra = self.permutation_penalty(self.x_all)
            loss = reconstruction + self.config.penalty * extra
        else:
            extra, loss = torch.zeros((), device=self.device), reconstruction
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        return torch.stack([loss.detach(), reconstruction.detach(), extra.detach()])

    def permutation_penalty(self, x_all):
        """DeepSMOTE's penalty term (Dablain, Krawczyk & Chawla, 2022), as its
        reference code computes it: the images of one random class (up to a
        batch of them) are encoded, the codes detached from the encoder, codes
        and images shifted by one place alike, and the decoded codes compared
        with the images. The same shift on both sides makes it a reconstruction
        of one class's images that trains the decoder alone."""
        rows = self.by_class[int(torch.randint(len(self.by_class), (1,), generator=self.rng, device=self.device))]
        pick = rows[torch.randperm(len(rows), device=self.device, generator=self.rng)[: self.batch_size]]
        images = x_all[pick]
        shift = torch.roll(torch.arange(len(pick), device=self.device), -1)
        with self.autocast():
            codes, _ = self.model.encoder(images)
            decoded = self.model.decoder(codes.detach()[shift])
        return self._reconstruction(decoded.float(), images[shift])

    def run_epoch(self, x, y):
        self.model.train()
        total = torch.zeros(len(self.metric_names), device=self.device)
        n_steps = 0
        for x_batch, y_batch in self.batches(x, y):
            total += self.step(x_batch, y_batch)
            n_steps += 1
        return total / max(n_steps, 1)

    def score(self, metrics):
        return metrics["loss"]

    def best_state_module(self):
        return self.model


def train_autoencoder(x, y, n_classes, config, seed, device, verbose=0, network_kwargs=None, progress=None):
    """Train an autoencoder as ``config`` says on ``x`` (model-space float32) with
    class indices ``y``; the VAE is conditional on them when ``n_classes``.

    Returns
    -------
    model : Autoencoder
        On CPU, in eval mode.
    history : list of dict
    """
    conditional = config.kind == "vae" and n_classes
    model = build_autoencoder(config.architecture, x.shape[1:], latent_dim=config.latent_dim, width=config.width,
                              n_classes=n_classes if conditional else 0, variational=config.kind == "vae",
                              seed=seed, **(network_kwargs or {}))
    own = progress is None
    progress = Progress(config.max_epochs, verbose, desc="autoencoder") if own else progress
    precision = resolve_precision("auto", device, x.shape[1:], config.architecture)
    trainer = AutoencoderTrainer(model, config, device=device, seed=seed, precision=precision,
                                 callbacks=[progress.model(None, config.max_epochs, "autoencoder, all classes")])
    try:
        history = trainer.fit(torch.from_numpy(x), torch.from_numpy(np.asarray(y)), max_epochs=config.max_epochs)
    finally:
        progress.finished()
        if own:
            progress.close()
    return trainer.model.cpu().eval(), history


@torch.no_grad()
def encode(encoder, x, device, y=None, chunk=1024):
    """Latent codes (the means) of ``x`` (model-space float32), float32 numpy."""
    encoder = encoder.to(device).eval()
    out = []
    for start in range(0, len(x), chunk):
        batch = torch.from_numpy(x[start : start + chunk]).to(device)
        labels = None if y is None else torch.from_numpy(np.asarray(y[start : start + chunk])).to(device)
        out.append(encoder(batch, labels)[0].float().cpu())
    encoder.cpu()
    return torch.cat(out).numpy()
