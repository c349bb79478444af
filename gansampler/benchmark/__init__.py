"""The honest comparison: does a generative sampler help *your* classifier?

:func:`compare` runs every remedy for class imbalance (no resampling, a tuned
decision threshold, class weights, random oversampling, SMOTE, classic
augmentation and gansampler's generative samplers) through the same
``Pipeline([sampler, CNNClassifier])`` over several seeds, and writes a report:
mean ± 95% CI per method, a paired test of each against the best baseline, a
recommendation that follows those numbers only, the synthetic images' quality
and real-vs-synthetic grids. ``gansampler compare DATA`` runs it from the
command line.

>>> from gansampler.benchmark import compare, load_benchmark_data
>>> data = load_benchmark_data("digits")                       # doctest: +SKIP
>>> result = compare(data, "out", seeds=5)                      # doctest: +SKIP
>>> print(result.recommendation)                                # doctest: +SKIP
"""

from ._compare import CompareResult, compare, read_rows, save_grid, write_report
from ._data import BenchmarkData, cap_smallest_class, load_benchmark_data
from ._methods import (
    BASELINES,
    DEFAULT_METHODS,
    GENERATIVE,
    METHODS,
    RECIPE_SYNTAX,
    Method,
    available_methods,
    check_methods,
    halfway,
    is_baseline,
    make_classifier,
    make_methods,
    parse_method,
)
from ._report import (
    quality_table,
    recommend,
    rejected_copies_text,
    render_markdown,
    sample_check_text,
    score_table,
)
from ._run import Settings, environment, run_many, run_one, synthetic_quality
from ._stats import METRICS, Comparison, compare_methods, paired_test, summarize

__all__ = [
    "BASELINES",
    "BenchmarkData",
    "CompareResult",
    "Comparison",
    "DEFAULT_METHODS",
    "GENERATIVE",
    "METHODS",
    "METRICS",
    "Method",
    "RECIPE_SYNTAX",
    "Settings",
    "available_methods",
    "cap_smallest_class",
    "check_methods",
    "compare",
    "compare_methods",
    "environment",
    "halfway",
    "is_baseline",
    "load_benchmark_data",
    "make_classifier",
    "make_methods",
    "paired_test",
    "parse_method",
    "quality_table",
    "read_rows",
    "recommend",
    "rejected_copies_text",
    "render_markdown",
    "run_many",
    "run_one",
    "sample_check_text",
    "save_grid",
    "score_table",
    "summarize",
    "synthetic_quality",
    "write_report",
]
