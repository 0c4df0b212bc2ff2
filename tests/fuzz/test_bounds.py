"""A reported best bound is a true lower bound: no plan, from either solver, is ever cheaper than it.

HiGHS and CBC explore differently, so each one's plan is an independent witness against the other's bound.
On fleets that take the large-fleet path (co-location beyond the pattern budget) the bound comes from a
relaxation, and one that is not (a cost the relaxed model over-counts) shows up here as a plan cheaper than a
bound. Each plan's own gap must also be consistent: ``total_cost * (1 - gap) <= best_bound + tolerance``.
"""

from __future__ import annotations

from types import ModuleType

import pytest

from planner.catalog.schema import Catalog
from planner.pipeline import solve
from planner.scenario.schema import Scenario

REL_TOL = 1e-6


@pytest.mark.parametrize(("n", "seed"), [(12, 3), (25, 11)])
def test_no_plan_is_cheaper_than_the_other_solvers_bound(
    shipped_catalog: Catalog, fleets: ModuleType, n: int, seed: int
) -> None:
    doc = fleets.fleet_dict(n, seed)
    doc["hardware"] = {"providers": ["aws", "lambda"]}
    scenario = Scenario.model_validate(doc)
    plans = {
        solver: solve(scenario, shipped_catalog, solver=solver, time_limit_s=20, alternatives=False)
        for solver in ("highs", "cbc")
    }
    for plan in plans.values():
        assert plan.best_bound <= plan.total_cost * (1 + REL_TOL)
        assert plan.total_cost * (1 - plan.gap) <= plan.best_bound * (1 + REL_TOL) + 1e-6
    highs, cbc = plans["highs"], plans["cbc"]
    assert highs.best_bound <= cbc.total_cost * (1 + REL_TOL), (highs.best_bound, cbc.total_cost)
    assert cbc.best_bound <= highs.total_cost * (1 + REL_TOL), (cbc.best_bound, highs.total_cost)
