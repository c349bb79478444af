"""Draw images from a trained generator in chunks, with a fixed noise stream."""

import copy
import math

import torch

from ..exceptions import GANTrainingError

__all__ = ["generate"]

#: Latent vectors drawn at a time: fixes the noise stream of a seed.
SAMPLE_CHUNK = 1024
#: At most this many output values per forward pass on CPU: on 2 cores, passes
#: of 128-170 3x64x64 images were faster than passes of 1,024 and peaked about
#: 400 MB lower (docs/performance.md).
CPU_PASS_VALUES = 2**21


@torch.no_grad()
def generate(generator, n_samples, seed, device, chunk_size=SAMPLE_CHUNK):
    """Yield ``n_samples`` images from ``generator`` in float32 numpy chunks.

    Noise comes from a CPU ``torch.Generator`` seeded with ``seed``, drawn
    ``chunk_size`` vectors at a time, so the same seed draws the same latent
    vectors on every device. On CPU, large images go through the generator in
    smaller passes (at most :data:`CPU_PASS_VALUES` output values each), and
    each pass is a chunk.

    Raises
    ------
    GANTrainingError
        When the generator produces NaN or infinite values.
    """
    device = torch.device(device)
    rng = torch.Generator().manual_seed(int(seed))
    model = generator if device.type == "cpu" else copy.deepcopy(generator).to(device)
    model.eval()
    step = chunk_size
    image_shape = getattr(generator, "image_shape", None)
    if device.type == "cpu" and image_shape is not None:
        step = max(1, min(chunk_size, CPU_PASS_VALUES // math.prod(image_shape)))
    for start in range(0, n_samples, chunk_size):
        z = torch.randn(min(chunk_size, n_samples - start), generator.latent_dim, generator=rng).to(device)
        for i in range(0, len(z), step):
            # yielded without a name in this frame, so that the consumer holds
            # the only reference and the chunk is freed before the next one is made
            yield _checked_numpy(model(z[i : i + step]))


def _checked_numpy(images):
    if not torch.isfinite(images).all():
        raise GANTrainingError("the generator produced non-finite images")
    return images.float().cpu().numpy()
