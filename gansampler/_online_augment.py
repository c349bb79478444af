"""Online augmentation for :class:`gansampler.CNNClassifier`: every training
batch is transformed anew by :func:`gansampler.augmentation.transform_batch`,
on the classifier's device, from a generator seeded by ``random_state``.

Only skorch's training step sees augmented images: the validation step,
``predict``, ``predict_proba`` and ``embed`` see the images as given.
"""

import contextlib

import torch
from skorch.dataset import unpack_data

from ._random import draw_seed
from .augmentation import (
    CLASSIC_AUGMENTATIONS,
    DEFAULT_AUGMENTATIONS,
    check_augmentations,
    transform_batch,
)
from .augmentation._names import parse_names

__all__ = ["OnlineAugmentMixin", "check_online_augment"]


def check_online_augment(augment):
    """Resolve ``CNNClassifier``'s ``augment`` to a tuple of transform names, or None.

    Parameters
    ----------
    augment : None, "default", str or sequence of str
        None turns online augmentation off; "default" means
        :data:`~gansampler.augmentation.DEFAULT_AUGMENTATIONS` (no flips, so a
        diagnosis is kept); otherwise names from
        :data:`~gansampler.augmentation.CLASSIC_AUGMENTATIONS` (a string is
        split on commas).

    Returns
    -------
    names : tuple of str or None
        In the order the transforms are applied.
    """
    if augment is None:
        return None
    if isinstance(augment, str) and augment.strip() == "default":
        return DEFAULT_AUGMENTATIONS
    try:
        names = parse_names(augment, CLASSIC_AUGMENTATIONS, "augment")
    except ValueError as exc:
        raise ValueError(
            f"{exc} Or augment='default' for {list(DEFAULT_AUGMENTATIONS)}; None turns it off."
        ) from None
    if not names:
        raise ValueError(
            f"augment must name at least one of {list(CLASSIC_AUGMENTATIONS)} or be "
            f"'default' or None, got {augment!r}."
        )
    return check_augmentations(names)


def _same_class_partners(y, generator, device):
    """For each row, a random row of the same class (itself when it is alone):
    ``mixup`` blends within a class, so a batch's labels stay true."""
    y = y.to(device)
    order = torch.argsort(torch.rand(len(y), device=device, generator=generator))
    order = order[torch.argsort(y[order], stable=True)]  # classes contiguous, shuffled within
    sorted_y = y[order]
    starts = torch.searchsorted(sorted_y, sorted_y, right=False)
    sizes = torch.searchsorted(sorted_y, sorted_y, right=True) - starts
    position = torch.arange(len(y), device=device)
    partner_sorted = starts + (position - starts + 1) % sizes
    partners = torch.empty_like(order)
    partners[order] = order[partner_sorted]
    return partners


class OnlineAugmentMixin:
    """skorch's ``train_step_single``, with each batch augmented first when
    :meth:`_augmenting` is active (during ``fit`` and ``partial_fit``)."""

    _augmentation = None

    @contextlib.contextmanager
    def _augmenting(self, random_state):
        """Resolve ``augment`` and, if set, seed a generator on ``device_`` from
        ``random_state`` for the training steps run in the body."""
        names = check_online_augment(self.augment)
        if names is None:
            yield
            return
        fmt = self._image_format
        if not fmt.is_image:
            raise ValueError(
                f"augment={self.augment!r} transforms images, but X is 2-D (n, n_features) "
                "without image_shape; pass image_shape=(C, H, W) or (H, W), or give X as "
                "(n, H, W) or (n, C, H, W)."
            )
        if "saturation" in names and fmt.image_shape[0] != 3:
            raise ValueError(
                f"augmentation 'saturation' needs RGB images (3 channels), got image_shape="
                f"{fmt.image_shape}."
            )
        seed = draw_seed(random_state)
        generator = torch.Generator(device=self.device_).manual_seed(seed)
        self._augmentation = (names, generator)
        try:
            yield
        finally:
            del self._augmentation  # the class default (None) again: nothing to pickle

    def _augment_batch(self, Xi, yi):
        names, generator = self._augmentation
        x = torch.as_tensor(Xi).to(self.device_)
        partners = None
        if "mixup" in names:
            partners = x[_same_class_partners(torch.as_tensor(yi), generator, x.device)]
        return transform_batch(x, generator, names, partners=partners)

    def train_step_single(self, batch, **fit_params):
        if self._augmentation is not None:
            Xi, yi = unpack_data(batch)
            batch = (self._augment_batch(Xi, yi), yi)
        return super().train_step_single(batch, **fit_params)
