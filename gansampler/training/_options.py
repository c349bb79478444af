"""Declaring a training option once: its default and its parameter constraint.

The configs (:class:`GANConfig`, :class:`AutoencoderConfig`) are frozen
dataclasses whose fields are built with :func:`option`; the estimators take
their ``_parameter_constraints`` from :meth:`ConfigMixin.parameter_constraints`
and build a config from their ``get_params()``.
"""

import dataclasses
import numbers
from dataclasses import field

from sklearn.utils._param_validation import Interval, validate_parameter_constraints

__all__ = ["ConfigMixin", "integer", "option"]


def option(default, *constraint, estimator=True):
    """A config field with ``default`` and its constraints; an estimator
    parameter unless ``estimator=False`` (a value the estimator derives)."""
    return field(default=default, metadata={"constraint": list(constraint), "estimator": estimator})


def integer(low, default):
    """An integer option of at least ``low``."""
    return option(default, Interval(numbers.Integral, low, None, closed="left"))


class ConfigMixin:
    """What the frozen configs share."""

    @classmethod
    def parameter_constraints(cls):
        """The ``_parameter_constraints`` entries of the estimator's options."""
        return {f.name: f.metadata["constraint"] for f in dataclasses.fields(cls) if f.metadata.get("estimator")}

    def __post_init__(self):
        # the estimators validate their parameters; this catches a config built by hand
        constraints = {f.name: f.metadata["constraint"] for f in dataclasses.fields(self) if "constraint" in f.metadata}
        validate_parameter_constraints(constraints, {name: getattr(self, name) for name in constraints},
                                       caller_name=type(self).__name__)

    @classmethod
    def _known(cls, params, overrides):
        """The fields among ``params`` (others ignored), updated with ``overrides``."""
        names = {f.name for f in dataclasses.fields(cls)}
        return {**{k: v for k, v in params.items() if k in names}, **overrides}

    @staticmethod
    def _check_architecture(architecture, image_shape):
        if architecture != "mlp" and min(image_shape[1:]) < 4:
            raise ValueError(f"architecture={architecture!r} needs images of at least 4x4 pixels, got "
                             f"image_shape={tuple(image_shape)}; use architecture='mlp'.")

    def to_dict(self):
        """Plain JSON types (for saving); ``from_params`` reads it back."""
        return dataclasses.asdict(self)
