"""``solve(scenario) -> Plan``: the stages, top to bottom.

options and candidates (``placement``) -> the program and its solving strategy (``solve``, ``ilp``) ->
concrete units (``assemble``) -> plan -> verifier (``check``).
"""

from __future__ import annotations

import time
from pathlib import Path

from planner.arguments import check_arguments
from planner.assemble.checkpoint import checkpoints_of
from planner.assemble.merged import split_assembled
from planner.assemble.periods import build_period_plan
from planner.assemble.plan import build_plan
from planner.assemble.units import assemble
from planner.catalog.schema import Catalog
from planner.check import verify_or_raise
from planner.deadline import bounded_by
from planner.ilp.solve import DEFAULT_MIP_GAP
from planner.placement.candidates import build_candidates, without_dominated
from planner.placement.explain import explain_unplaceable
from planner.placement.memory import MemoryFn, model_memory
from planner.placement.merge import merge_equivalent, split_candidates, split_demand
from planner.plan import Plan
from planner.scenario.periods import varies
from planner.scenario.schema import Scenario
from planner.solving.alternatives import solve_alternatives
from planner.solving.periods import solve_period_alternatives, solve_periods
from planner.solving.strategy import solve_candidates

DEFAULT_TIME_LIMIT_S = 60.0


@bounded_by("time_limit_s")  # the whole solve, not only the solver, within the time limit
def solve(
    scenario: Scenario,
    catalog: Catalog | None = None,
    *,
    solver: str = "highs",
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    mip_gap: float = DEFAULT_MIP_GAP,
    memory: MemoryFn = model_memory,
    alternatives: bool = True,
    catalog_dirs: tuple[Path, ...] = (),
) -> Plan:
    """The cheapest plan for ``scenario``; raises ``InfeasibleError`` saying what would make one exist."""
    start = time.perf_counter()
    check_arguments(scenario, catalog, solver, time_limit_s, mip_gap, memory, catalog_dirs)
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog(catalog_dirs)
    if varies(scenario):  # demand over time: one program over every period
        stacked = solve_periods(
            scenario, catalog, memory, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap
        )
        over_periods = (
            solve_period_alternatives(
                scenario,
                stacked,
                stacked.solution.objective,
                solver=solver,
                time_limit_s=time_limit_s,
                keep_owned=scenario.finance.alternatives_keep_owned,
            )
            if alternatives
            else ()
        )
        plan = build_period_plan(scenario, stacked, over_periods, solver=solver, mip_gap=mip_gap, start=start)
        verify_or_raise(plan, scenario)
        return plan
    # Equivalent workloads as one demand (same optimum, smaller program), named after all it stands for.
    merged = merge_equivalent(scenario)
    candidates = build_candidates(merged.scenario, catalog, memory)
    explain_unplaceable(merged.scenario, candidates)
    full, candidates = candidates, without_dominated(candidates)
    candidates, solution = solve_candidates(
        merged.scenario, candidates, solver=solver, start=start, time_limit_s=time_limit_s, mip_gap=mip_gap
    )
    built = split_assembled(assemble(candidates, solution, checkpoints_of(merged.scenario)), merged)
    alts = (
        solve_alternatives(
            full,
            built.total_cost,
            solver=solver,
            time_limit_s=time_limit_s,
            parts=split_demand(full, merged),
            keep_owned=scenario.finance.alternatives_keep_owned,
        )
        if alternatives
        else ()
    )
    plan = build_plan(
        scenario,
        split_candidates(candidates, merged),
        built,
        solution,
        alts,
        solver=solver,
        mip_gap=mip_gap,
        start=start,
    )
    verify_or_raise(plan, scenario)
    return plan
