"""The default classifier network: a small CNN for images, an MLP for rows."""

import math

from torch import nn

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Conv-BN-ReLU-pool blocks, global average pooling, dropout, linear logits.

    Blocks stop pooling once the map is 2 pixels or smaller, so 8x8 digits and
    128x128 scans both work. ``image_shape=(n_features, 1, 1)`` (tabular rows)
    gives an MLP with the same head.

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
    """

    def __init__(self, image_shape, n_classes, width=16, n_blocks=3, dropout=0.25):
        super().__init__()
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
                layers += [
                    nn.Conv2d(c_in, c_out, 3, padding=1, bias=False),
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
