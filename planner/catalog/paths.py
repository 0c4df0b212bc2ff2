"""Where the built-in catalog files live: ``catalogs/`` at the repository root, next to the package."""

from __future__ import annotations

from pathlib import Path

BUILTIN_CATALOG_DIR = Path(__file__).resolve().parents[2] / "catalogs"
