"""One GAN training loop with pluggable loss, augmentation, EMA and callbacks.

The loop is made of small steps, as skorch's net: :meth:`GANTrainer.d_step`,
:meth:`GANTrainer.g_step`, :meth:`GANTrainer.train_step` and
:meth:`GANTrainer.run_epoch`. On CUDA the step is replayed from a CUDA graph
(:mod:`._graph`). Metrics are summed on the device and read back once
per epoch, so the hot loop never waits on the host.
"""

import copy
import threading

import torch

from .._device import resolve_precision
from ..augmentation import check_policy, diff_augment
from ._config import GANConfig
from ._epochs import EpochTrainer
from ._graph import StepGraph
from ._losses import make_loss
from ._monitor import QualityMonitor

__all__ = ["GANTrainer", "adam"]

_METRICS = ("d_loss", "g_loss", "d_real", "d_fake")
_BETAS = (0.5, 0.999)


def uses_step_graph(cuda_graph, device, policy, loss):
    """Whether :class:`GANTrainer` replays its step from a CUDA graph: on CUDA,
    for steps that draw no random numbers of their own (no DiffAugment policy,
    not WGAN-GP), and only in a process's main thread, since capturing a graph
    while other threads of the process run CUDA work (joblib's threading backend,
    dask's worker threads) can fail."""
    return (
        bool(cuda_graph)
        and torch.device(device).type == "cuda"
        and not policy
        and loss != "wgan-gp"
        and threading.current_thread() is threading.main_thread()
    )


def adam(params, lr, betas, capturable=False):
    """Adam with fused kernels where this torch has them for the device (CUDA;
    CPU since torch 2.4): one pass over each tensor instead of several.
    ``capturable`` keeps its step count on the device, so that a CUDA graph can
    hold the step."""
    params = list(params)
    try:
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True, capturable=capturable)
    except RuntimeError:  # "`fused=True` requires ... supported devices" (older torch)
        return torch.optim.Adam(params, lr=lr, betas=betas, capturable=capturable)


class GANTrainer(EpochTrainer):
    """Train a generator/discriminator pair on one tensor of images.

    The epochs, batches, divergence guard, callbacks and early stopping are
    :class:`EpochTrainer`'s; this class is the GAN's step.

    Parameters
    ----------
    generator, discriminator : torch.nn.Module
        ``G(z, y)`` and ``D(x, y)``; ``y`` is None for an unconditional pair.
    config : GANConfig, default=None
        The training options (None: the defaults; ``"auto"`` resolved for the
        generator's ``image_shape``): ``loss``,
        ``lr`` and ``lr_d``, ``n_critic``, ``batch_size``,
        ``min_steps_per_epoch``, ``label_smoothing``, ``feature_matching``,
        ``diff_augment``, ``ema``, ``early_stopping``, ``precision`` and
        ``cuda_graph``; see :class:`gansampler.GANOverSampler` for each.
        ``max_epochs`` goes to :meth:`fit`.
    device : torch.device, default="cpu"
    seed : int, default=0
        Seeds the trainer's own ``torch.Generator``; global RNG is never used.
    lr_scale : float, default=1.0
        Multiplies both learning rates (a retry after divergence halves them).
    monitor : bool, default=False
        Record a cheap quality signal after every epoch, ``metrics["fd"]``: the
        Fréchet distance between a fixed subset of at most 512 real images and
        as many images generated from fixed noise, both projected onto 64 fixed
        random directions of pixel space (see :class:`QualityMonitor`).
        ``config.early_stopping`` implies it.
    callbacks : list of callable, default=()
        Each is called as ``cb(epoch, metrics)`` after every epoch.

    Notes
    -----
    Adam runs with betas (0.5, 0.999) as in DCGAN (Radford et al., 2016); the
    WGAN loss uses RMSprop, as in its paper. The EMA generator is warmed up as
    TensorFlow's ``ExponentialMovingAverage(num_updates=t)``: the ``t``-th
    update (from 0) uses ``min(ema, (1 + t) / (10 + t))``, so the random initial
    weights fade out within the first steps instead of keeping ``ema ** t`` of
    the average. ``precision="auto"`` is resolved by
    :func:`gansampler._device.resolve_precision`; "bf16" runs the forward
    passes under bf16 autocast (weights, optimizer state and losses stay fp32).
    On CUDA the step is captured once as a CUDA graph and replayed (these small
    networks are bound by kernel launches there), only for steps that draw no
    random numbers of their own and in the main thread (see
    :func:`uses_step_graph`); :attr:`step_graph` is the graph, or None.
    """

    def __init__(self, generator, discriminator, config=None, *, device="cpu", seed=0, lr_scale=1.0, monitor=False,
                 callbacks=()):
        image_shape = generator.image_shape
        # "auto" settings mean what they mean for these images
        config = GANConfig.from_params({} if config is None else config.to_dict(), image_shape)
        precision = resolve_precision(config.precision, device, image_shape, config.architecture)
        super().__init__(_METRICS, batch_size=config.batch_size, min_steps=config.min_steps_per_epoch, device=device,
                         seed=seed, early_stopping=config.early_stopping, callbacks=callbacks, precision=precision)
        self.config = config
        self.monitor = monitor or config.early_stopping is not None
        self.quality_monitor = None
        self.G = generator.to(self.device)
        self.D = discriminator.to(self.device)
        self.loss = make_loss(config.loss, label_smoothing=config.label_smoothing, generator=self.rng)
        self.n_critic = config.n_critic
        self.feature_matching = config.feature_matching
        self.policy = check_policy(config.diff_augment)
        self.ema_decay = config.ema
        self.ema_updates = 0
        self.G_ema = copy.deepcopy(self.G).eval() if config.ema else None
        if self.G_ema is not None:
            self.G_ema.requires_grad_(False)
        graphed = uses_step_graph(config.cuda_graph, self.device, self.policy, config.loss)
        self.step_graph = StepGraph(self.step, self.G.latent_dim, self.rng) if graphed else None
        # channels-last convolutions: faster with cuDNN, and with oneDNN on CPU
        # for these networks (docs/performance.md)
        self.G.to(memory_format=torch.channels_last)
        self.D.to(memory_format=torch.channels_last)
        lr_g, lr_d = config.lr * lr_scale, (config.lr_d or config.lr) * lr_scale
        if config.loss == "wgan":
            self.opt_g = torch.optim.RMSprop(self.G.parameters(), lr=lr_g, capturable=graphed)
            self.opt_d = torch.optim.RMSprop(self.D.parameters(), lr=lr_d, capturable=graphed)
        else:
            self.opt_g = adam(self.G.parameters(), lr=lr_g, betas=_BETAS, capturable=graphed)
            self.opt_d = adam(self.D.parameters(), lr=lr_d, betas=_BETAS, capturable=graphed)

    # -- the pieces of one step ---------------------------------------------------
    def autocast(self):
        """bf16 autocast for the forward passes when ``precision="bf16"``."""
        # a CUDA graph cannot keep autocast's cache of cast weights between replays
        return super().autocast(cache_enabled=self.step_graph is None)

    def noise(self, n):
        return torch.randn(n, self.G.latent_dim, device=self.device, generator=self.rng)

    def discriminate(self, x, y, return_features=False):
        """The one place D is called: the same augmentation for real and fake."""
        if self.policy:
            x = diff_augment(x, ",".join(self.policy), self.rng)
        return self.D(x, y, return_features=return_features)

    def d_step(self, x_real, x_fake, y):
        """One discriminator update on a real batch and (detached) fakes."""
        self.D.requires_grad_(True)
        x_fake = x_fake.detach()
        with self.autocast():
            logits_real = self.discriminate(x_real, y).float()
            logits_fake = self.discriminate(x_fake, y).float()
            loss = self.loss.d_loss(logits_real, logits_fake)
        penalty = self.loss.penalty(self.D, x_real, x_fake.float(), y)
        total = loss if penalty is None else loss + penalty
        self.opt_d.zero_grad(set_to_none=True)
        total.backward()
        self.opt_d.step()
        self.loss.after_d_step(self.D)
        return loss.detach(), logits_real.detach(), logits_fake.detach()

    def g_step(self, x_real, x_fake, y):
        """One generator update through the fakes of the last D step (their graph
        is kept), as the standard DCGAN loop does: one G forward per step, not two."""
        self.D.requires_grad_(False)
        with self.autocast():
            if self.feature_matching:
                logits_fake, h_fake = self.discriminate(x_fake, y, return_features=True)
                with torch.no_grad():
                    _, h_real = self.discriminate(x_real, y, return_features=True)
                matching = (h_real.float().mean(0) - h_fake.float().mean(0)).pow(2).mean()
                loss = self.loss.g_loss(logits_fake.float()) + self.feature_matching * matching
            else:
                loss = self.loss.g_loss(self.discriminate(x_fake, y).float())
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        self.opt_g.step()
        return loss.detach()

    def fake(self, z, y, grad):
        """Images generated from the latent vectors ``z``; with ``grad`` the
        graph through G is kept."""
        with self.autocast(), torch.set_grad_enabled(grad):
            return self.G(z, y)

    @torch.no_grad()
    def update_ema(self):
        """Move the EMA generator toward G with the warmed-up decay (see ``ema``)."""
        t = self.ema_updates
        decay = min(self.ema_decay, (1 + t) / (10 + t))
        self.ema_updates += 1
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
            p_ema.lerp_(p, 1.0 - decay)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
            b_ema.copy_(b)

    def train_step(self, batches):
        """``n_critic`` D steps, one per batch, then one G step on the last
        batch's fakes (replayed from :attr:`step_graph` where there is one), then
        the EMA update."""
        if self.step_graph is not None:
            metrics = self.step_graph(batches)
        else:
            metrics = self.step(batches, [None] * len(batches))
        if self.G_ema is not None:
            self.update_ema()
        return metrics

    def step(self, batches, noise):
        """The D and G updates of :meth:`train_step`; ``noise[i]`` holds batch
        ``i``'s latent vectors, or is None to draw them from the trainer's
        generator just before they are used."""
        for i, ((x_real, y), z) in enumerate(zip(batches, noise)):
            z = self.noise(x_real.shape[0]) if z is None else z
            x_fake = self.fake(z, y, grad=i == len(batches) - 1)
            d_loss, logits_real, logits_fake = self.d_step(x_real, x_fake, y)
        g_loss = self.g_step(x_real, x_fake, y)
        return torch.stack(
            [
                d_loss,
                g_loss,
                torch.sigmoid(logits_real).mean(),
                torch.sigmoid(logits_fake).mean(),
            ]
        )

    # -- epochs (see EpochTrainer) ------------------------------------------------
    def prepare(self, x, y):
        x, y = super().prepare(x, y)
        x = x.contiguous(memory_format=torch.channels_last)
        if self.monitor:
            self.quality_monitor = QualityMonitor(x, y, self.G.latent_dim, self.seed)
        return x, y

    def run_epoch(self, x, y=None):
        """One pass over ``x``; returns the epoch's mean metrics as a tensor."""
        self.G.train()
        self.D.train()
        total = torch.zeros(len(_METRICS), device=self.device)
        batches = self.batches(x, y, per_step=self.n_critic)
        n_steps = 0
        while True:
            group = [b for _, b in zip(range(self.n_critic), batches)]
            if not group:
                break
            total += self.train_step(group)
            n_steps += 1
        return total / max(n_steps, 1)

    def score(self, metrics):
        """With ``monitor`` or ``early_stopping``: the monitor's Fréchet distance for
        this epoch, also recorded as ``metrics["fd"]``; else None."""
        if self.quality_monitor is None:
            return None
        metrics["fd"] = self.quality_monitor(self.sampling_generator, self.autocast)
        return metrics["fd"]

    def best_state_module(self):
        return self.sampling_generator

    @property
    def sampling_generator(self):
        """The generator that produces samples: the EMA copy when there is one."""
        return self.G_ema if self.G_ema is not None else self.G
