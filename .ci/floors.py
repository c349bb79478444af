"""Print a pip constraints file pinning every [project] dependency to its floor.

Each ``name>=X`` in pyproject.toml's ``[project] dependencies`` becomes
``name==X``, so the lowest allowed versions are said once, in pyproject.toml.
Names given with ``--except`` are left out (torch: CI keeps its pinned CPU build).
A dependency without a ``>=`` floor is an error: every one must have a floor to test.
"""

import argparse
import re
import sys
from pathlib import Path

import tomllib

FLOOR = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*>=\s*([^,;\s]+)\s*(;.*)?$")


def floors(pyproject):
    """Yield (name, floor, marker) for each dependency in pyproject's [project] table."""
    with open(pyproject, "rb") as f:
        dependencies = tomllib.load(f)["project"]["dependencies"]
    for requirement in dependencies:
        match = FLOOR.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: {requirement!r} is not 'name>=version': it has no floor to test")
        name, _extras, version, marker = match.groups()
        yield name, version, marker or ""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pyproject", nargs="?", default=Path(__file__).resolve().parents[1] / "pyproject.toml")
    parser.add_argument("--except", dest="skip", action="append", default=[], metavar="NAME",
                        help="leave this dependency out (repeatable)")
    args = parser.parse_args(argv)
    skip = {name.lower() for name in args.skip}
    for name, version, marker in floors(args.pyproject):
        if name.lower() not in skip:
            sys.stdout.write(f"{name}=={version}{marker}\n")


if __name__ == "__main__":
    main()
