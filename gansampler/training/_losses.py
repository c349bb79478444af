"""GAN losses as objects separate from the loop (after StyleGAN2-ADA's loss.py).

Each loss gives the discriminator's loss from the logits on real and fake images,
the generator's loss from the logits on fake images, and optionally a penalty
and a hook run after each discriminator step (weight clipping).
"""

import torch
import torch.nn.functional as F

__all__ = ["LOSSES", "make_loss"]


class BCELoss:
    """The non-saturating GAN loss (Goodfellow et al., 2014, "Generative Adversarial
    Nets"; as in DCGAN), with one-sided label smoothing (Salimans et al., 2016)."""

    name = "bce"

    def __init__(self, label_smoothing=0.0):
        self.label_smoothing = label_smoothing

    def d_loss(self, logits_real, logits_fake):
        target = torch.full_like(logits_real, 1.0 - self.label_smoothing)
        return F.binary_cross_entropy_with_logits(
            logits_real, target
        ) + F.softplus(logits_fake).mean()

    def g_loss(self, logits_fake):
        return F.softplus(-logits_fake).mean()

    def penalty(self, discriminator, x_real, x_fake, y):
        return None

    def after_d_step(self, discriminator):
        pass


class LeastSquaresLoss(BCELoss):
    """LSGAN (Mao et al., 2017): squared distance to the real/fake targets."""

    name = "lsgan"

    def d_loss(self, logits_real, logits_fake):
        real_target = 1.0 - self.label_smoothing
        return 0.5 * ((logits_real - real_target) ** 2).mean() + 0.5 * (
            logits_fake**2
        ).mean()

    def g_loss(self, logits_fake):
        return 0.5 * ((logits_fake - 1.0) ** 2).mean()


class HingeLoss(BCELoss):
    """Hinge loss (BigGAN, DiffAugment), used with a spectrally normalised D."""

    name = "hinge"

    def d_loss(self, logits_real, logits_fake):
        margin = 1.0 - self.label_smoothing
        return F.relu(margin - logits_real).mean() + F.relu(1.0 + logits_fake).mean()

    def g_loss(self, logits_fake):
        return -logits_fake.mean()


class WassersteinLoss(HingeLoss):
    """WGAN (Arjovsky, Chintala & Bottou, 2017, "Wasserstein GAN"): the critic
    difference, weights clipped after each step."""

    name = "wgan"

    def __init__(self, label_smoothing=0.0, clip_value=0.01):
        super().__init__(label_smoothing)
        self.clip_value = clip_value

    def d_loss(self, logits_real, logits_fake):
        return logits_fake.mean() - logits_real.mean()

    def after_d_step(self, discriminator):
        with torch.no_grad():
            for p in discriminator.parameters():
                p.clamp_(-self.clip_value, self.clip_value)


class WassersteinGPLoss(WassersteinLoss):
    """WGAN-GP (Gulrajani et al., 2017, "Improved Training of Wasserstein GANs"):
    a gradient penalty on real/fake interpolates."""

    name = "wgan-gp"

    def __init__(self, label_smoothing=0.0, gp_weight=10.0, generator=None):
        super().__init__(label_smoothing)
        self.gp_weight = gp_weight
        self.generator = generator

    def after_d_step(self, discriminator):
        pass

    def penalty(self, discriminator, x_real, x_fake, y):
        alpha = torch.rand(
            x_real.shape[0], *([1] * (x_real.dim() - 1)),
            device=x_real.device, dtype=x_real.dtype, generator=self.generator,
        )
        x_mix = (alpha * x_real + (1 - alpha) * x_fake.detach()).requires_grad_(True)
        logits = discriminator(x_mix, y)
        (grad,) = torch.autograd.grad(logits.sum(), x_mix, create_graph=True)
        norm = grad.flatten(1).norm(2, dim=1)
        return self.gp_weight * ((norm - 1.0) ** 2).mean()


LOSSES = {
    cls.name: cls
    for cls in (BCELoss, LeastSquaresLoss, HingeLoss, WassersteinLoss, WassersteinGPLoss)
}


def make_loss(name, *, label_smoothing=0.0, generator=None):
    """Build the loss called ``name`` (one of ``LOSSES``)."""
    if name not in LOSSES:
        raise ValueError(f"loss must be one of {sorted(LOSSES)}, got {name!r}")
    if name == "wgan-gp":
        return WassersteinGPLoss(label_smoothing, generator=generator)
    return LOSSES[name](label_smoothing)
