"""The two sides of a comparison: a saved plan JSON read back, or a scenario solved and verified."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from planner import __version__
from planner.errors import PlannerError
from planner.plan import Plan

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog
    from planner.scenario.schema import Scenario


def is_plan_json(path: Path) -> bool:
    """A saved plan (``planner solve --format json``) rather than a scenario: .json, or a JSON object."""
    if path.suffix.lower() == ".json":
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(64).lstrip()
    except OSError:
        return False
    return head.startswith(b"{")


def read_plan_json(path: Path) -> Plan:
    """A plan saved by ``planner solve --format json``; one line when it cannot be read.

    The JSON carries ``planner_version``. A plan from another version reads as long as its fields still
    match this version's plan; otherwise it is refused naming both versions and the first field that differs.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PlannerError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PlannerError(f"{path}: cannot read: {error}") from None
    except json.JSONDecodeError as error:
        raise PlannerError(f"{path}: not JSON (line {error.lineno}: {error.msg})") from None
    if not isinstance(data, dict) or "units" not in data or "total_cost" not in data:
        raise PlannerError(f"{path}: not a plan saved by `planner solve --format json`")
    data.pop("report", None)  # the derived figures; the plan's own fields are enough
    version = str(data.get("planner_version") or "unknown")
    try:
        return Plan.model_validate(data)
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(p) for p in problem["loc"]) or "plan"
        raise PlannerError(
            f"{path}: a plan from planner {version} that planner {__version__} cannot read "
            f"({field}: {problem['msg']}); solve its scenario again with this version"
        ) from None


def plan_from(
    path: Path, catalog: Catalog | None = None, **solve_options: Any
) -> tuple[Plan, Scenario | None]:
    """The plan a comparison side names, with its scenario where it is one (a plan JSON carries none)."""
    if is_plan_json(path):
        return read_plan_json(path), None
    from planner.errors import InfeasibleError, ModelError, ScenarioError, prefixed
    from planner.pipeline import solve
    from planner.scenario.load import load_scenario

    scenario = load_scenario(path)
    try:
        plan = solve(scenario, catalog, **solve_options)
    except (ScenarioError, ModelError, InfeasibleError) as error:  # which of the two sides it was
        message = str(error)
        raise (error if message.startswith(str(path)) else prefixed(error, f"{path}: ")) from None
    return plan, scenario  # solve() verified it against the scenario
