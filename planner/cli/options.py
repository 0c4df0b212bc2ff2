"""Options several commands share, declared once (the catalog directory, and loading the catalog it names)."""

from __future__ import annotations

import contextlib
import importlib
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

catalog_dir_option = click.option(
    "--catalog-dir",
    "catalog_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Your own catalog directory (same file names), repeatable: overrides and extends the built-in one.",
)


def load_catalog_from(catalog_dirs: tuple[Path, ...]) -> Catalog:
    """The built-in catalog extended by the user's directories.

    A stale catalog's warning goes through ``warnings`` and the CLI group prints it as one ``warning:`` line.
    """
    from planner.catalog.load import load_catalog

    return load_catalog(catalog_dirs)


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses nan (every comparison with nan is false, so a range lets it
    through) and, with finite bounds, inf."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def count(maximum: int) -> click.IntRange:
    """A whole number up to ``maximum`` (the bounds of ``planner.bounds``, shared with the schemas); the
    library refuses one below 1 with its own message (``context must be a whole number >= 1``)."""
    return click.IntRange(max=maximum)


SOLVER_MODULES: dict[str, str] = {"highs": "highspy"}
"""Solver name -> the Python module PuLP imports to use it."""


def import_solver(name: str) -> None:
    """Import the solver's module before PuLP looks for it: PuLP's availability check wraps the import in a
    bare ``except``, so a Ctrl-C during it was reported as "solver highs is not available". Imported here,
    a Ctrl-C reaches the CLI's handler (exit 130); a missing module is still PuLP's to report."""
    module = SOLVER_MODULES.get(name)
    if module is not None:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
