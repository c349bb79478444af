"""VAEOverSampler: new images from a class-conditional VAE trained on every class."""


import numpy as np
from imblearn.utils import Substitution

from .._docstrings import DOCS
from .._random import draw_seed
from ..nn import ClassView
from ..training import generate
from ._autoencoder_base import AutoencoderSampler

__all__ = ["VAEOverSampler"]


@Substitution(**DOCS)
class VAEOverSampler(AutoencoderSampler):
    """Over-sample classes with images from a class-conditional VAE.

    One convolutional variational autoencoder (Kingma & Welling, 2014,
    "Auto-Encoding Variational Bayes"), conditioned on the class (Sohn, Lee &
    Yan, 2015, "Learning Structured Output Representation using Deep
    Conditional Generative Models"), is trained on the images of every class,
    so a rare class borrows the structure the common ones teach the encoder and
    decoder. New images of a class decode draws from the standard normal
    prior with that class's label. The originals are returned first,
    unchanged, followed by the new images in the input's layout, dtype and
    value range. VAE images are smoother than real ones.

    Parameters
    ----------
    {sampling_strategy}
    {image_shape}
        Without it, 2-D ``X`` is read as tabular rows (MLP networks).
    latent_dim : int, default=32
        Size of the latent code.
    max_epochs : int, default=20
        Passes over the images of every class.
    batch_size : int, default=64
    min_steps_per_epoch : int, default=10
        Fewest steps in an epoch (small data sets see their images more often).
    lr : float, default=1e-3
        Adam's learning rate.
    architecture : {{"auto", "dcgan", "resize-conv", "resnet", "mlp"}}, default="auto"
        The networks: the decoder is that architecture's generator, the
        encoder its discriminator's feature stack with a linear head; "auto"
        is "dcgan" for images and "mlp" for tabular rows.
    width : int, default=32
        Channel width of the networks.
    beta : float, default=1.0
        Weight of the KL term (Higgins et al., 2017, "beta-VAE"); lower keeps
        more detail and follows the prior less.
    early_stopping : int or None, default=None
        Patience in epochs on the training loss; the best epoch's weights are kept.
    {device}
    {random_state}
    {verbose}

    Attributes
    ----------
    sampling_strategy_ : dict
        Class label to number of samples created.
    classes_ : ndarray
        The class labels; the VAE's class index ``i`` is ``classes_[i]``.
    image_shape_ : tuple of int
    device_ : torch.device
    autoencoder_ : gansampler.nn.Autoencoder
        The trained VAE (on CPU, eval mode).
    history_ : dict
        ``{{"autoencoder": [per-epoch dicts with loss, reconstruction, kl]}}``.

    See Also
    --------
    LatentSMOTE : SMOTE between the codes of a class, decoded.
    GANOverSampler : A GAN per class.

    Examples
    --------
    >>> import numpy as np
    >>> from gansampler import VAEOverSampler
    >>> from gansampler.datasets import load_digits_imbalanced
    >>> X, y = load_digits_imbalanced(imbalance={{9: 20}})
    >>> keep = (y == 0) | (y == 9)
    >>> X_res, y_res = VAEOverSampler(max_epochs=5, random_state=0).fit_resample(X[keep], y[keep])
    >>> X_res.shape, X_res.dtype, np.bincount(y_res)[[0, 9]].tolist()
    ((356, 1, 8, 8), dtype('uint8'), [178, 178])
    """

    _kind = "vae"
    _parameter_constraints: dict = {**AutoencoderSampler._parameter_constraints}

    def __init__(
        self,
        *,
        sampling_strategy="auto",
        image_shape=None,
        latent_dim=32,
        max_epochs=20,
        batch_size=64,
        min_steps_per_epoch=10,
        lr=1e-3,
        architecture="auto",
        width=32,
        beta=1.0,
        early_stopping=None,
        device="auto",
        random_state=None,
        verbose=0,
    ):
        super().__init__(sampling_strategy=sampling_strategy)
        self.image_shape = image_shape
        self.latent_dim = latent_dim
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.min_steps_per_epoch = min_steps_per_epoch
        self.lr = lr
        self.architecture = architecture
        self.width = width
        self.beta = beta
        self.early_stopping = early_stopping
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    def _generate(self, images, fmt, y, targets, random_state):
        """Train the VAE on every class, then decode prior draws of each class."""
        self._train(fmt.to_model(images), y, random_state)
        seeds = draw_seed(random_state, size=len(targets))
        return {label: self._draw(label, n, int(seed))
                for (label, n), seed in zip(targets.items(), seeds) if n > 0}

    def _draw(self, label, n_samples, seed):
        index = int(np.searchsorted(self.classes_, label))
        return generate(ClassView(self.autoencoder_.decoder, index), n_samples, seed, self.device_)

