"""Imports go one way, from the bottom up, as docs/design.md draws them."""

import ast
from pathlib import Path

import gansampler

PACKAGE = Path(gansampler.__file__).parent

#: docs/design.md's layers, bottom first: a module imports from its own layer and below.
LAYERS = [
    {"_images", "_random", "_device", "exceptions", "_persistence", "_docstrings"},
    {"augmentation", "metrics"},
    {"nn"},
    {"training"},
    {"over_sampling", "classifier", "_online_augment"},
    {"evaluation", "datasets", "plotting"},
    {"benchmark"},
    {"cli", "__main__", "__init__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _top(module_path):
    """The top-level part of gansampler a file belongs to (``over_sampling``, ``cli``)."""
    part = module_path.relative_to(PACKAGE).parts[0]
    return part.removesuffix(".py")


def _imported(path):
    """The top-level parts of gansampler that ``path`` imports, anywhere in it."""
    depth = len(path.relative_to(PACKAGE).parts) - 1  # folders below the package
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level:
            up = node.level - 1 - depth  # levels above the package's own folder
            if up > 0:
                continue
            parts = (node.module or "").split(".") if node.level - 1 == depth else None
            if parts is None:  # relative to a sub-package: its own layer
                continue
            names = [parts[0]] if parts[0] else [alias.name for alias in node.names]
            yield from names
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("gansampler."):
            yield node.module.split(".")[1]


def test_every_module_imports_only_from_its_layer_and_below():
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 40
    wrong = []
    for path in files:
        own = _top(path)
        assert own in RANK, f"{own} is in no layer of docs/design.md"
        for name in _imported(path):
            if name in RANK and RANK[name] > RANK[own]:
                wrong.append(f"{path.relative_to(PACKAGE)} imports {name}")
    assert not wrong, wrong
