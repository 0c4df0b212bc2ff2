"""The public API's arguments checked before any stage runs: the wrong kind of argument is a ``PlannerError``
that names it, never a traceback from deep inside a stage."""

from __future__ import annotations

import math
from pathlib import Path

from planner.catalog.schema import Catalog
from planner.errors import PlannerError
from planner.scenario.schema import Scenario


def check_arguments(
    scenario: object,
    catalog: object,
    solver: object,
    time_limit_s: object,
    mip_gap: object,
    memory: object,
    catalog_dirs: object,
) -> None:
    """Arguments of the wrong kind raise a PlannerError naming them: ``solve("s.yaml")`` once raised
    AttributeError deep inside, a time limit of nan gave CBC a false "infeasible", and a catalog_dirs string
    was read as one directory per character."""

    def number(value: object) -> float | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return float(value) if ok else None  # type: ignore[arg-type]

    if not isinstance(scenario, Scenario):
        raise PlannerError(f"scenario must be a Scenario (see load_scenario), got {type(scenario).__name__}")
    if catalog is not None and not isinstance(catalog, Catalog):
        raise PlannerError(
            f"catalog must be a Catalog (see load_catalog) or None, got {type(catalog).__name__}"
        )
    if not isinstance(solver, str):
        raise PlannerError(f"solver must be a name such as 'highs', got {solver!r}")
    if (limit := number(time_limit_s)) is None or limit < 0:  # 0: no time, the best plan at hand
        raise PlannerError(f"time_limit_s must be a number of seconds >= 0, got {time_limit_s!r}")
    if (gap := number(mip_gap)) is None or not 0 <= gap < 1:
        raise PlannerError(f"mip_gap must be a number in [0, 1), got {mip_gap!r}")
    if not callable(memory):
        raise PlannerError(f"memory must be a function (workload, gpus) -> Footprint, got {memory!r}")
    if isinstance(catalog_dirs, str | Path) or not isinstance(catalog_dirs, tuple | list):
        raise PlannerError(f"catalog_dirs must be a tuple of directories, got {catalog_dirs!r}")
    if catalog is not None and catalog_dirs:
        raise PlannerError("give a catalog or catalog_dirs to load one, not both (catalog_dirs was ignored)")
