"""Training a class-conditional denoising diffusion model, and sampling it with DDIM.

:class:`DiffusionConfig` declares the options once (defaults and constraints,
as :class:`GANConfig` does for the GAN). :class:`DiffusionTrainer` is one
noise-prediction step (Ho, Jain & Abbeel, 2020, "Denoising Diffusion
Probabilistic Models") on :class:`EpochTrainer`'s batches, divergence guard and
progress callbacks, with label dropout for classifier-free guidance and an EMA
copy of the network that samples. :func:`ddim_sample` runs the deterministic
DDIM sampler (Song, Meng & Ermon, 2021, "Denoising Diffusion Implicit
Models") with diffusers' ``DDIMScheduler``.
"""

import copy
import math
import numbers
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from sklearn.utils._param_validation import Interval, StrOptions

from .._device import resolve_precision
from ..nn._denoiser import DIFFUSION_ARCHITECTURES, build_denoiser, import_diffusers
from ._epochs import EpochTrainer
from ._loop import adam
from ._options import ConfigMixin
from ._options import integer as _int
from ._options import option as _option
from ._progress import Progress

__all__ = ["DiffusionConfig", "DiffusionTrainer", "auto_max_steps", "ddim_sample", "train_diffusion"]

#: Noise levels of the forward process; DDIM samples a few of them.
N_TIMESTEPS = 1000
_SCHEDULES = {"cosine": "squaredcos_cap_v2", "linear": "linear"}


def auto_max_steps(n_images, image_shape, batch_size):
    """``max_steps="auto"``: four passes over the data, at least 200 and at most
    1,000 optimizer steps, times ``sqrt(28 * 28 / (H * W))`` for images larger
    than 28x28 (a step costs about the pixel count), at least 100."""
    passes = 4 * math.ceil(n_images / batch_size)
    steps = min(1000, max(200, passes))
    pixels = image_shape[1] * image_shape[2] if len(image_shape) == 3 else 1
    return max(100, round(steps * min(1.0, math.sqrt(28 * 28 / pixels))))


@dataclass(frozen=True)
class DiffusionConfig(ConfigMixin):
    """How to train and sample one diffusion model; see
    :class:`gansampler.DiffusionOverSampler` for each field. ``architecture``
    and ``max_steps`` are resolved (never ``"auto"``) by :meth:`from_params`."""

    max_steps: int = _option("auto", Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}))
    batch_size: int = _int(2, 64)
    lr: float = _option(1e-3, Interval(numbers.Real, 0, None, closed="neither"))
    architecture: str = _option("auto", StrOptions({"auto", *DIFFUSION_ARCHITECTURES}))
    width: int = _int(1, 16)
    schedule: str = _option("cosine", StrOptions(set(_SCHEDULES)))
    n_sampling_steps: int = _option(20, Interval(numbers.Integral, 1, N_TIMESTEPS, closed="both"))
    guidance: float = _option(0.0, Interval(numbers.Real, 0, None, closed="left"))
    label_dropout: float = _option(0.1, Interval(numbers.Real, 0, 1, closed="left"))
    ema_decay: float = _option(0.995, Interval(numbers.Real, 0, 1, closed="left"), None)
    copy_quantile: float = _option(0.01, Interval(numbers.Real, 0, 1, closed="neither"), None)
    max_redraws: int = _int(0, 5)
    sample_check: str = _option("raise", StrOptions({"raise", "warn"}), None)

    @classmethod
    def from_params(cls, params, image_shape, is_image=True, n_images=None, **overrides):
        """The config for ``params`` (other keys ignored), images of
        ``image_shape`` and a training set of ``n_images``: "auto" architecture
        is the UNet for images and an MLP for tabular rows, "auto" max_steps
        :func:`auto_max_steps`."""
        values = cls._known(params, overrides)
        if values.get("architecture", "auto") == "auto":
            values["architecture"] = "unet" if is_image else "mlp"
        cls._check_architecture(values["architecture"], image_shape)
        if values.get("max_steps", "auto") == "auto":
            values["max_steps"] = auto_max_steps(n_images, image_shape, values.get("batch_size", 64))
        return cls(**values)


def make_scheduler(config):
    """diffusers' DDIM scheduler for ``config``: epsilon prediction, samples
    clipped to the model's ``[-1, 1]`` and "trailing" timesteps, so that a few
    steps start from pure noise (Lin et al., 2024, "Common Diffusion Noise
    Schedules and Sample Steps are Flawed")."""
    diffusers = import_diffusers()
    return diffusers.DDIMScheduler(num_train_timesteps=N_TIMESTEPS, beta_schedule=_SCHEDULES[config.schedule],
                                   clip_sample=True, set_alpha_to_one=True, prediction_type="epsilon",
                                   timestep_spacing="trailing")


class DiffusionTrainer(EpochTrainer):
    """Train a :class:`~gansampler.nn._denoiser.Denoiser` to predict the noise
    added to images of every class, for ``config.max_steps`` optimizer steps.

    Each step drops the label of a ``label_dropout`` share of the batch (the
    unconditional model of classifier-free guidance) and moves the EMA copy,
    whose decay warms up as ``min(ema_decay, (1 + step) / (10 + step))`` so
    that a short training is not dominated by the initial weights.
    """

    def __init__(self, model, config, *, device="cpu", seed=0, callbacks=(), precision="fp32"):
        super().__init__(("loss",), batch_size=config.batch_size, device=device, seed=seed, callbacks=callbacks,
                         precision=precision)
        self.model = model.to(self.device)
        self.ema = None if config.ema_decay is None else copy.deepcopy(self.model).requires_grad_(False)
        self.config = config
        self.optimizer = adam(self.model.parameters(), lr=config.lr, betas=(0.9, 0.999))
        alphas = make_scheduler(config).alphas_cumprod.to(self.device, torch.float32)
        self.sqrt_alpha, self.sqrt_sigma = alphas.sqrt(), (1 - alphas).sqrt()
        self.n_steps = 0

    def steps_per_epoch(self, n):
        return max(n // min(self.batch_size, n), 1)

    def step(self, x, y):
        """One update on clean images ``x`` with class indices ``y``; the loss."""
        n = len(x)
        t = torch.randint(0, N_TIMESTEPS, (n,), device=self.device, generator=self.rng)
        noise = torch.randn(x.shape, device=self.device, generator=self.rng)
        dropped = torch.rand(n, device=self.device, generator=self.rng) < self.config.label_dropout
        y = torch.where(dropped, torch.full_like(y, self.model.n_classes), y)
        x_t = self.sqrt_alpha[t].view(-1, 1, 1, 1) * x + self.sqrt_sigma[t].view(-1, 1, 1, 1) * noise
        with self.autocast():
            predicted = self.model(x_t, t, y)
        loss = F.mse_loss(predicted.float(), noise)
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
        self.optimizer.step()
        self.n_steps += 1
        if self.ema is not None:
            decay = min(self.config.ema_decay, (1 + self.n_steps) / (10 + self.n_steps))
            with torch.no_grad():
                torch._foreach_lerp_(list(self.ema.parameters()), list(self.model.parameters()), 1 - decay)
        return loss.detach()

    def run_epoch(self, x, y):
        self.model.train()
        total, count = torch.zeros((), device=self.device), 0
        for x_batch, y_batch in self.batches(x, y):
            if self.n_steps >= self.config.max_steps:
                break
            total += self.step(x_batch, y_batch)
            count += 1
        return (total / max(count, 1)).reshape(1)

    @property
    def sampling_model(self):
        return self.model if self.ema is None else self.ema


def train_diffusion(x, y, n_classes, config, seed, device, verbose=0, progress=None):
    """Train a denoiser as ``config`` says on ``x`` (model-space float32,
    ``(n, C, H, W)``) with class indices ``y``.

    Returns
    -------
    model : Denoiser
        The EMA weights (the trained ones without EMA), on CPU, in eval mode.
    history : list of dict
        One dict per epoch (a pass over ``x``, the last one cut at ``max_steps``).
    """
    model = build_denoiser(config.architecture, x.shape[1:], n_classes, config.width, seed=seed)
    precision = resolve_precision("auto", device, x.shape[1:], config.architecture)
    trainer = DiffusionTrainer(model, config, device=device, seed=seed, precision=precision)
    max_epochs = math.ceil(config.max_steps / trainer.steps_per_epoch(len(x)))
    own = progress is None
    progress = Progress(max_epochs, verbose, desc="diffusion") if own else progress
    trainer.callbacks.append(progress.model(None, max_epochs, "diffusion, all classes"))
    try:
        history = trainer.fit(torch.from_numpy(x), torch.from_numpy(y), max_epochs=max_epochs)
    finally:
        progress.finished()
        if own:
            progress.close()
    return trainer.sampling_model.cpu().eval(), history


@torch.no_grad()
def ddim_sample(model, class_index, n, generator, config, device, precision="fp32"):
    """``n`` images of class ``class_index`` from DDIM with ``n_sampling_steps``
    steps and no added noise (eta 0): the starting noise, drawn from
    ``generator`` (a CPU ``torch.Generator``), fixes the images.

    With ``guidance`` w > 0 the noise estimate is classifier-free guidance's
    ``(1 + w) * eps(x, y) - w * eps(x)`` (Ho & Salimans, 2022); w = 0 is the
    conditional model alone, at half the cost. Returns a float32 CPU tensor.
    """
    shape = (n, *model.image_shape)
    x = torch.randn(shape, generator=generator).to(device)
    scheduler = make_scheduler(config)
    scheduler.set_timesteps(config.n_sampling_steps, device=device)
    labels = torch.full((n,), int(class_index), dtype=torch.long, device=device)
    guided = config.guidance > 0
    if guided:
        labels = torch.cat([labels, torch.full_like(labels, model.n_classes)])
    autocast = (torch.autocast(torch.device(device).type, dtype=torch.bfloat16) if precision == "bf16"
                else torch.autocast(torch.device(device).type, enabled=False))
    for t in scheduler.timesteps:
        with autocast:
            eps = model(torch.cat([x, x]) if guided else x, t.to(device), labels).float()
        if guided:
            conditional, unconditional = eps.chunk(2)
            eps = (1 + config.guidance) * conditional - config.guidance * unconditional
        x = scheduler.step(eps, t, x, eta=0.0).prev_sample
    return x.float().cpu()

