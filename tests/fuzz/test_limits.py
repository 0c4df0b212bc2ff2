"""Never a hang: a large fleet under a short time limit still ends, soon, in a plan that passes the verifier.

The time limit bounds every solve (the plan's passes and the alternatives, which share one budget); what is
left is building candidates, packing and checking, which grow with the fleet but not with the limit. The bound
asserted here is deliberately loose (a CI machine may be slow or busy): it catches a solve that ignores its
limit, not a slowdown. Speed itself is measured by benchmarks/solver_scale.py.
"""

from __future__ import annotations

import time
from types import ModuleType

from planner.catalog.schema import Catalog
from planner.pipeline import solve

TIME_LIMIT_S = 2.0
WALL_BOUND_S = 4 * TIME_LIMIT_S + 50
"""Solves (the plan's passes, the alternatives) within a few limits, plus building and checking 1,000
workloads, which takes well under 20 s on a 2-core machine."""


def test_a_thousand_workloads_under_a_two_second_limit_end_in_a_verified_plan(
    shipped_catalog: Catalog, fleets: ModuleType
) -> None:
    scenario = fleets.fleet_scenario(1000, seed=7)
    start = time.perf_counter()
    plan = solve(scenario, shipped_catalog, time_limit_s=TIME_LIMIT_S)
    wall = time.perf_counter() - start
    assert wall < WALL_BOUND_S, f"took {wall:.1f} s with a {TIME_LIMIT_S:g} s limit"
    assert plan.status in ("optimal", "feasible")
    assert sum(w.replicas for w in plan.workloads) == sum(w.replicas for w in scenario.workloads)
    # An unproven plan says so: its bound never exceeds its cost and its gap is not negative.
    assert plan.best_bound <= plan.total_cost + 1e-6 * plan.total_cost
    assert plan.gap >= 0
