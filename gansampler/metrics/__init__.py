"""Quality metrics for synthetic images: fidelity, diversity, memorization, utility.

All functions take numpy arrays or torch tensors in any image layout the package
accepts, never modify them, and run offline: feature spaces come from the user
(a callable, a ``torch.nn.Module`` or a fitted classifier's ``embed``) or are raw
pixels, never downloaded networks.

- Fidelity and diversity of the distribution: :func:`fid`,
  :func:`frechet_distance`, :func:`frechet_distance_from_stats`,
  :func:`precision_recall_density_coverage`.
- Confidence and class spread under a classifier of your domain:
  :func:`inception_score`.
- Mode collapse: :func:`ssim`, :func:`mean_pairwise_ssim`,
  :func:`diversity_report`.
- Memorization: :func:`nearest_neighbor_ratio`, :func:`find_memorized`.
- Utility: :func:`tstr_score` (train on synthetic, test on real) and
  :func:`c2st_score` (can a classifier tell real from synthetic?).
- Everything for one class at once: :func:`quality_report`.
"""

from ._diversity import diversity_report, mean_pairwise_ssim, ssim
from ._features import extract_features
from ._frechet import fid, frechet_distance, frechet_distance_from_stats
from ._inception import inception_score
from ._memorization import find_memorized, nearest_neighbor_ratio
from ._prdc import precision_recall_density_coverage
from ._report import quality_report, sampler_report
from ._tstr import c2st_score, tstr_score

__all__ = [
    "c2st_score",
    "diversity_report",
    "extract_features",
    "fid",
    "find_memorized",
    "frechet_distance",
    "frechet_distance_from_stats",
    "inception_score",
    "mean_pairwise_ssim",
    "nearest_neighbor_ratio",
    "precision_recall_density_coverage",
    "quality_report",
    "sampler_report",
    "ssim",
    "tstr_score",
]
