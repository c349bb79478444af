"""LatentSMOTE: SMOTE between a class's codes in an autoencoder trained on every
class, decoded (DeepSMOTE)."""

import numbers

import numpy as np
from imblearn.over_sampling import SMOTE
from imblearn.utils import Substitution
from sklearn.utils._param_validation import Interval

from .._docstrings import DOCS
from .._random import draw_seed
from ..training import encode
from ._autoencoder_base import AutoencoderSampler, decode
from ._base import write_chunks

__all__ = ["LatentSMOTE"]


@Substitution(**DOCS)
class LatentSMOTE(AutoencoderSampler):
    """Over-sample classes with SMOTE in the latent space of an autoencoder.

    The DeepSMOTE recipe (Dablain, Krawczyk & Chawla, 2022, "DeepSMOTE: Fusing
    Deep Learning and SMOTE for Imbalanced Data"): an encoder/decoder is
    trained on the images of every class with a reconstruction loss plus a
    permutation penalty (the codes of one class's images, shuffled and
    decoded, are compared with the images in their original order, which
    keeps decoded mixtures of a class's codes within the class); then
    imbalanced-learn's :class:`~imblearn.over_sampling.SMOTE` interpolates
    between the codes of each class to over-sample, and the new codes are
    decoded. The originals are returned first, unchanged (unless
    ``reconstruct_originals``), followed by the new images in the input's
    layout, dtype and value range.

    Parameters
    ----------
    {sampling_strategy}
    {image_shape}
        Without it, 2-D ``X`` is read as tabular rows (MLP networks).
    k_neighbors : int, default=5
        Neighbours SMOTE interpolates toward, within the class; each
        over-sampled class needs at least ``k_neighbors + 1`` images.
    latent_dim : int, default=32
        Size of the latent code.
    max_epochs : int, default=10
        Passes over the images of every class.
    batch_size : int, default=64
    min_steps_per_epoch : int, default=10
    lr : float, default=1e-3
        Adam's learning rate.
    architecture : {{"auto", "dcgan", "resize-conv", "resnet", "mlp"}}, default="auto"
        The networks: the decoder is that architecture's generator, the
        encoder its discriminator's feature stack with a linear head.
    width : int, default=32
    penalty : float, default=1.0
        Weight of the permutation penalty.
    reconstruct_originals : bool, default=False
        Replace the original rows by their reconstructions, as DeepSMOTE's
        authors train the classifier on decoded images only. The default keeps
        the originals first and unchanged.
    early_stopping : int or None, default=None
        Patience in epochs on the training loss; the best epoch's weights are kept.
    {device}
    {random_state}
    {verbose}

    Attributes
    ----------
    sampling_strategy_ : dict
    classes_ : ndarray
    image_shape_ : tuple of int
    device_ : torch.device
    autoencoder_ : gansampler.nn.Autoencoder
        The trained autoencoder (on CPU, eval mode).
    codes_ : ndarray of shape (n_samples, latent_dim)
        The codes of the training images, which :meth:`sample` interpolates.
    code_labels_ : ndarray of shape (n_samples,)
    history_ : dict
        ``{{"autoencoder": [per-epoch dicts with loss, reconstruction, penalty]}}``.

    See Also
    --------
    VAEOverSampler : Prior draws from a class-conditional VAE.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import LatentSMOTE
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance={{9: 20}})
    >>> keep = (y == 0) | (y == 9)
    >>> X_res, y_res = LatentSMOTE(max_epochs=5, random_state=0).fit_resample(X[keep], y[keep])
    >>> X_res.shape, np.bincount(y_res)[[0, 9]].tolist()
    ((356, 1, 8, 8), [178, 178])
    """

    _kind = "deepsmote"
    _parameter_constraints: dict = {
        **AutoencoderSampler._parameter_constraints,
        "k_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "reconstruct_originals": ["boolean"],
    }

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        k_neighbors=5,
        latent_dim=32,
        max_epochs=10,
        batch_size=64,
        min_steps_per_epoch=10,
        lr=1e-3,
        architecture="auto",
        width=32,
        penalty=1.0,
        reconstruct_originals=False,
        early_stopping=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.image_shape = image_shape
        self.k_neighbors = k_neighbors
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.min_steps_per_epoch = min_steps_per_epoch
        self.lr = lr
        self.architecture = architecture
        self.width = width
        self.penalty = penalty
        self.reconstruct_originals = reconstruct_originals
        self.early_stopping = early_stopping
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    @property
    def min_class_size(self):
        """SMOTE needs a class's ``k_neighbors`` neighbours besides the image itself."""
        return self.k_neighbors + 1

    def _fit_resample(self, X, y):
        X_out, y_out = super()._fit_resample(X, y)
        if self.reconstruct_originals:  # codes_ are X's codes, in order
            write_chunks(decode(self.autoencoder_.decoder, self.codes_, self.device_), X_out, 0,
                         self._image_format.from_model)
        return X_out, y_out

    def _generate(self, images, fmt, y, targets, random_state):
        """Train the autoencoder, encode every image, SMOTE each class's codes, decode."""
        x = fmt.to_model(images)
        self._train(x, y, random_state)
        self.codes_ = encode(self.autoencoder_.encoder, x, self.device_)
        self.code_labels_ = np.asarray(y)
        new_codes, new_labels = self._smote(targets, draw_seed(random_state))
        return {label: decode(self.autoencoder_.decoder, new_codes[new_labels == label], self.device_)
                for label, n in targets.items() if n > 0}

    def _smote(self, targets, seed):
        """New codes for ``targets`` (class -> count), by imbalanced-learn's SMOTE
        on the stored codes: ``(codes, labels)``."""
        counts = dict(zip(*np.unique(self.code_labels_, return_counts=True)))
        strategy = {label: int(counts[label] + n) for label, n in targets.items() if n > 0}
        if not strategy:
            return np.empty((0, self.codes_.shape[1]), np.float32), np.empty(0, self.code_labels_.dtype)
        smote = SMOTE(sampling_strategy=strategy, k_neighbors=self.k_neighbors, random_state=seed)
        codes, labels = smote.fit_resample(self.codes_, self.code_labels_)
        return codes[len(self.codes_):], labels[len(self.codes_):]

    def _draw(self, label, n_samples, seed):
        codes, _ = self._smote({label: n_samples}, seed)
        return decode(self.autoencoder_.decoder, codes, self.device_)

    def _extra_tensors(self):
        import torch

        return {"codes": torch.from_numpy(np.ascontiguousarray(self.codes_)),
                "code_index": torch.from_numpy(np.searchsorted(self.classes_, self.code_labels_))}

    def _restore_extra(self, tensors):
        self.codes_ = tensors["codes"].numpy()
        self.code_labels_ = self.classes_[tensors["code_index"].numpy()]
