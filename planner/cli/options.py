"""Options several commands share, declared once (the catalog directory, and loading the catalog it names)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
