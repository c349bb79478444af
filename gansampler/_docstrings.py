"""Parameter documentation shared by several estimators, written once.

Estimators put ``{name}`` in their docstrings and are decorated with
``imblearn.utils.Substitution(**DOCS)`` (so other braces there are doubled).
"""

__all__ = ["DOCS"]

DOCS = {
    "sampling_strategy": """sampling_strategy : float, str, dict or callable, default='auto'
        How many samples each class should have after resampling, as in
        imbalanced-learn's samplers: a float (binary targets: minority over
        majority), 'auto', 'minority', 'not minority', 'not majority', 'all',
        a dict of target counts per class, or a callable returning one.""",
    "image_shape": """image_shape : tuple of int, default=None
        ``(C, H, W)`` or ``(H, W)`` of each row when ``X`` is 2-D. 3-D ``X`` is
        ``(n, H, W)``, 4-D ``X`` is ``(n, C, H, W)``.""",
    "device": """device : str or torch.device, default="auto"
        "auto" uses CUDA when available, else the CPU; "cpu", "cuda",
        "cuda:1" or a ``torch.device`` choose.""",
    "n_jobs": """n_jobs : int, default=None
        Classes trained in parallel through joblib (any backend: threads,
        dask, Ray). With ``device="cuda"`` and several GPUs, classes go to
        different GPUs.""",
    "random_state": """random_state : int, RandomState instance or None, default=None
        The only source of randomness: an integer gives the same output on
        the same CPU; None draws fresh entropy. Global ``numpy``, ``random``
        and ``torch`` states are never used or changed.""",
    "verbose": """verbose : int, default=0
        1 shows progress (a bar per model with live losses); 0 is silent,
        as it should be inside cross-validation.""",
}
