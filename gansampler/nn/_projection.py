"""The output head shared by every discriminator: a logit plus a class projection."""

from torch import nn

__all__ = ["ProjectionDiscriminator"]


class ProjectionDiscriminator(nn.Module):
    """Base of the discriminators: ``features`` -> one logit, ``+ <embed(y), h>``.

    Subclasses build ``self.features`` (image to ``(n, n_features)``),
    ``self.logit`` and, when conditional, ``self.embed`` (Miyato & Koyama, 2018).
    """

    n_classes = 0

    def forward(self, x, y=None, return_features=False):
        h = self.features(x)
        out = self.logit(h).squeeze(1)
        if self.n_classes:
            out = out + (self.embed(y) * h).sum(dim=1)
        return (out, h) if return_features else out
