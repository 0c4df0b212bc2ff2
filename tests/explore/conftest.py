"""One solved startup plan shared by the explore tests (a solve takes about a second)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog
from planner.pipeline import solve
from planner.plan import Plan
from planner.scenario.load import load_scenario
from planner.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
STARTUP = ROOT / "scenarios" / "startup.yaml"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture(scope="session")
def startup() -> Scenario:
    return load_scenario(STARTUP)


@pytest.fixture(scope="session")
def startup_plan(startup: Scenario, catalog: Catalog) -> Plan:
    return solve(startup, catalog)
