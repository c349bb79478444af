"""Image grids with Pillow (no plotting library needed)."""

import numpy as np
from PIL import Image, ImageDraw

from ._images import check_images

__all__ = ["image_grid"]


def _to_uint8(X, image_shape=None):
    images, fmt = check_images(X, image_shape, tabular=False)
    unit = (fmt.to_model(images) + 1.0) / 2.0
    return np.rint(unit * 255).astype(np.uint8)


def image_grid(rows, labels=None, *, n_columns=8, scale=None, image_shape=None):
    """One PNG-ready grid: a row of images per entry of ``rows``.

    Parameters
    ----------
    rows : list of array-like
        Each an image array in any gansampler layout; the first ``n_columns``
        images of each are drawn.
    labels : list of str, default=None
        A caption drawn left of each row.
    n_columns : int, default=8
    scale : int, default=None
        Pixel upscaling (nearest); None picks one so images are about 64 px.
    image_shape : tuple of int, default=None
        For flat rows.

    Returns
    -------
    grid : PIL.Image.Image
    """
    arrays = [_to_uint8(X, image_shape)[:n_columns] for X in rows]
    channels, height, width = arrays[0].shape[1:]
    scale = scale or max(1, 64 // max(height, width))
    cell_h, cell_w, pad = height * scale, width * scale, 2
    label_w = 110 if labels else 0
    mode = "L" if channels == 1 else "RGB"
    white = 255 if mode == "L" else (255, 255, 255)
    grid = Image.new(mode, (label_w + n_columns * (cell_w + pad), len(arrays) * (cell_h + pad)), white)
    draw = ImageDraw.Draw(grid)
    for r, images in enumerate(arrays):
        top = r * (cell_h + pad)
        if labels:
            draw.text((4, top + cell_h // 2 - 5), str(labels[r]), fill=0)
        for c, image in enumerate(images):
            pixels = image[0] if channels == 1 else image.transpose(1, 2, 0)
            tile = Image.fromarray(pixels, mode).resize((cell_w, cell_h), Image.NEAREST)
            grid.paste(tile, (label_w + c * (cell_w + pad), top))
    return grid
