"""The one parser of augmentation names, for classic and differentiable ones."""

__all__ = ["parse_names"]


def parse_names(value, known, parameter):
    """Split ``value`` (a comma-separated string or a sequence of names) into a
    tuple of names, each in ``known``.

    Raises
    ------
    TypeError
        When ``value`` is neither a string nor a sequence of strings.
    ValueError
        Naming the unknown names, ``parameter`` and every valid name.
    """
    if isinstance(value, str):
        names = [name.strip() for name in value.split(",")]
    elif isinstance(value, (list, tuple)) and all(isinstance(name, str) for name in value):
        names = [name.strip() for name in value]
    else:
        raise TypeError(f"{parameter} must be a string or a sequence of names, got {value!r}")
    names = tuple(name for name in names if name)
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ValueError(
            f"unknown augmentations {unknown} in {parameter}={value!r}; expected names "
            f"from {list(known)}."
        )
    return names
