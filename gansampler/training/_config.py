"""The settings of one GAN training run, as one typed, frozen object.

:class:`GANConfig` is the single place a training option is declared: its
default, its ``_parameter_constraints`` entry (in the field's metadata) and its
type. :class:`gansampler.GANOverSampler` takes its constraints from here and
builds a config from its ``get_params()``; the trainer reads the config. A new
option needs a field here, the estimator's ``__init__`` argument and its
docstring line (a test checks that the defaults agree).
"""

import numbers
from dataclasses import dataclass

from sklearn.utils._param_validation import Interval, StrOptions

from ..augmentation import check_policy
from ..nn import ARCHITECTURES
from ._losses import LOSSES
from ._options import ConfigMixin
from ._options import integer as _int
from ._options import option as _option

__all__ = ["GANConfig", "resolve_auto"]

#: Images at least this large (height and width) train with DiffAugment and EMA.
DATA_EFFICIENT_FROM = 32
#: Images at least this large train for fewer epochs.
LARGE_FROM = 96


def resolve_auto(image_shape, is_image=True):
    """What each ``"auto"`` setting means for images of ``image_shape``.

    - ``architecture``: DCGAN for images, an MLP for tabular rows.
    - ``diff_augment`` and ``ema``: from 32x32 up, DiffAugment's
      ``"translation,cutout"`` (Zhao et al., 2020) and an EMA generator
      (decay 0.999): with a few hundred images, the GAN needs them to make
      recognisable images at these sizes. Below 32x32 neither: shifts and
      cutouts of a few pixels change what small images show.
    - ``max_epochs``: 60, and 30 from 96x96 up, where an epoch costs about
      four times a 64x64 one. The measurements behind these choices are in
      ``docs/results.md``.
    """
    smallest = min(image_shape[1:]) if is_image and len(image_shape) == 3 else 0
    large = smallest >= DATA_EFFICIENT_FROM
    return {
        "architecture": "dcgan" if is_image else "mlp",
        "diff_augment": "translation,cutout" if large else None,
        "ema": 0.999 if large else None,
        "max_epochs": 30 if smallest >= LARGE_FROM else 60,
    }


@dataclass(frozen=True)
class GANConfig(ConfigMixin):
    """How to train one GAN; see :class:`gansampler.GANOverSampler` for the
    meaning of each field. ``architecture`` is resolved (never ``"auto"``) once
    the config is built by :meth:`from_params`."""

    latent_dim: int = _int(1, 100)
    max_epochs: int = _option("auto", Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"}))
    batch_size: int = _int(2, 64)
    min_steps_per_epoch: int = _int(1, 10)
    lr: float = _option(2e-4, Interval(numbers.Real, 0, None, closed="neither"))
    lr_d: float = _option(None, Interval(numbers.Real, 0, None, closed="neither"), None)
    loss: str = _option("bce", StrOptions(set(LOSSES)))
    architecture: str = _option("auto", StrOptions({"auto", *ARCHITECTURES}))
    width: int = _int(1, 32)
    n_critic: int = _int(1, 1)
    label_smoothing: float = _option(0.0, Interval(numbers.Real, 0, 1, closed="left"))
    feature_matching: float = _option(0.0, Interval(numbers.Real, 0, None, closed="left"))
    diff_augment: str = _option("auto", str, None)
    ema: float = _option("auto", Interval(numbers.Real, 0, 1, closed="neither"), StrOptions({"auto"}), None)
    pre_augment: int = _int(0, 0)
    early_stopping: int = _option(None, Interval(numbers.Integral, 1, None, closed="left"), None)
    precision: str = _option("auto", StrOptions({"auto", "fp32", "bf16"}))
    sample_check: str = _option("raise", StrOptions({"raise", "warn"}), None)
    init: str = _option("random", StrOptions({"random", "autoencoder"}))
    init_epochs: int = _int(1, 5)
    #: Not estimator parameters: the MLP generator's output, and whether the
    #: trainer replays its step from a CUDA graph where it can.
    output: str = "tanh"
    cuda_graph: bool = True

    @classmethod
    def from_params(cls, params, image_shape, is_image=True, **overrides):
        """The config for ``params`` (an estimator's ``get_params()``; other keys
        are ignored) and images of ``image_shape``, with every ``"auto"``
        resolved (see :func:`resolve_auto`).

        Raises
        ------
        ValueError
            For an unknown DiffAugment policy, or a convolutional architecture
            on images smaller than 4x4.
        """
        values = cls._known(params, overrides)
        defaults = cls()
        for name, value in resolve_auto(image_shape, is_image).items():
            if values.get(name, getattr(defaults, name)) == "auto":
                values[name] = value
        check_policy(values.get("diff_augment"))
        cls._check_architecture(values["architecture"], image_shape)
        return cls(**values)

    @property
    def layer_kwargs(self):
        """How the loss shapes the layers (spectral norm, BatchNorm) and the output."""
        return dict(output=self.output, spectral_norm=self.loss == "hinge", batch_norm=self.loss != "wgan-gp")

    @property
    def network_kwargs(self):
        """The keyword arguments of :func:`gansampler.nn.build_networks`."""
        return dict(latent_dim=self.latent_dim, width=self.width, **self.layer_kwargs)
