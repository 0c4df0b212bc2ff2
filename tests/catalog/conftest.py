"""Catalog test fixtures: the shipped catalog (loaded once) and a helper writing a user catalog dir."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog

FRESH = dt.date(2026, 11, 25)
"""A 'today' within 180 days of the shipped files' as_of, so tests never depend on the wall clock."""


@pytest.fixture(scope="session")
def shipped() -> Catalog:
    return load_catalog(today=FRESH)


UserDir = Callable[..., Path]


@pytest.fixture
def user_dir(tmp_path: Path) -> UserDir:
    """Write ``name=text`` files (dedented) into a fresh catalog directory and return it."""

    def make(**files: str) -> Path:
        directory = tmp_path / "mycat"
        directory.mkdir(exist_ok=True)
        for name, text in files.items():
            (directory / name.replace("_yaml", ".yaml").replace("_csv", ".csv")).write_text(
                textwrap.dedent(text).lstrip("\n"), encoding="utf-8"
            )
        return directory

    return make
