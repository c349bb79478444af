"""The default classifier network: a small CNN for images, an MLP for rows."""

import math

from torch import nn

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Conv-BN-ReLU-pool blocks, global average pooling, dropout, linear logits.

    Blocks stop pooling once the map is 2 pixels or smaller, so 8x8 digits and
    128x128 scans both work. A block whose input is larger than
    ``stride_above`` pixels convolves with stride 2, as the stems of larger
    image networks do: a 128x128 image then costs what a 64x64 one does
    (``docs/performance.md``) while the first filters still see every pixel.
    ``image_shape=(n_features, 1, 1)`` (tabular rows) gives an MLP with the
    same head.

    Parameters
    ----------
    image_shape : tuple of int
        ``(C, H, W)`` of the input.
    n_classes : int
        Number of logits.
    width : int, default=16
        Channels of the first block; each block doubles them.
    n_blocks : int, default=3
    dropout : float, default=0.25
    stride_above : int or None, default=64
        Blocks whose input map is larger than this (on its shorter side)
        convolve with stride 2; None keeps every convolution at stride 1.
    """

    def __init__(self, image_shape, n_classes, width=16, n_blocks=3, dropout=0.25, stride_above=64):
        super().__init__()
        self.stride_above = stride_above
        channels, height, width_px = image_shape
        if height == 1 and width_px == 1:
            hidden = max(width * 2, 16)
            self.features = nn.Sequential(
                nn.Flatten(),
                nn.Linear(channels, hidden),
                nn.BatchNorm1d(hidden),
                nn.ReLU(True),
            )
            n_features = hidden
        else:
            layers, c_in, size = [], channels, min(height, width_px)
            for block in range(n_blocks):
                c_out = width * 2**block
                stride = 2 if stride_above is not None and size > stride_above else 1
                size = math.ceil(size / stride)
                layers += [
                    nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False),
                    nn.BatchNorm2d(c_out),
                    nn.ReLU(True),
                ]
                if size > 2:
                    layers.append(nn.MaxPool2d(2))
                    size = math.floor(size / 2)
                c_in = c_out
            layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
            self.features = nn.Sequential(*layers)
            n_features = c_in
        self.n_features = n_features
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, n_classes))

    def forward(self, x):
        return self.head(self.features(x))

    def embed(self, x):
        """Penultimate features, used as a domain feature space for metrics."""
        return self.features(x)
