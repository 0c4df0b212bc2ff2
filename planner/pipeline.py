"""``solve(scenario) -> Plan``: the whole pipeline, top to bottom.

catalog -> candidates (memory model x offers) -> integer program -> concrete units -> plan -> verifier.
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

from planner import __version__
from planner.catalog.schema import Catalog
from planner.check import verify_or_raise
from planner.errors import InfeasibleError
from planner.ilp.solve import Solution, SolveStatus, solve_problem
from planner.placement.alternatives import solve_alternatives
from planner.placement.assemble import assemble
from planner.placement.candidates import (
    Candidates,
    MemoryFn,
    build_candidates,
    explain_unplaceable,
    model_memory,
    without_dominated,
)
from planner.placement.colgen import Generated, generate
from planner.placement.diagnose import explain_limits
from planner.placement.merge import merge_equivalent, split_assembled, split_candidates, split_demand
from planner.placement.repack import repack
from planner.placement.summary import assumptions, workload_summaries
from planner.plan import Plan
from planner.scenario.schema import Scenario

DEFAULT_TIME_LIMIT_S = 60.0
DEFAULT_MIP_GAP = 1e-4
MIN_SECOND_PASS_S = 2.0
COLGEN_SHARE = 0.4
"""Share of the time limit column generation may take before the integer program gets the rest."""


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
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog(catalog_dirs)
    # Equivalent workloads become one demand (placement.merge): same optimum, a much smaller program.
    merged = merge_equivalent(scenario)
    candidates = build_candidates(merged.scenario, catalog, memory)
    explain_unplaceable(merged.scenario, candidates)
    full, candidates = candidates, without_dominated(candidates)
    generated = None
    if candidates.data.shared:
        # Large fleets: co-location patterns by column generation (placement.colgen), then the exact model.
        generated = generate(candidates, deadline=start + time_limit_s * COLGEN_SHARE, rel_gap=mip_gap / 2)
    if generated is not None and generated.solved:
        solution = _solve_generated(generated, solver, start + time_limit_s, mip_gap)
        candidates = generated.candidates
    else:
        # Large fleets without generated patterns solve twice (see _second_pass): half the time each.
        first_limit = time_limit_s / 2 if candidates.data.shared else time_limit_s
        solution = solve_problem(candidates.data, solver=solver, time_limit_s=first_limit, mip_gap=mip_gap)
    if solution.status == "infeasible":
        raise explain_limits(merged.scenario, candidates, solver=solver, time_limit_s=time_limit_s)
    if solution.status == "no_solution":
        raise InfeasibleError(
            f"no plan found within the time limit of {time_limit_s:g} s ({solver}); raise --time-limit"
        )
    if candidates.data.shared:
        candidates, solution = _second_pass(candidates, solution, solver, start + time_limit_s, mip_gap)
    built = split_assembled(assemble(candidates, solution), merged)
    total = sum(u.cost for u in built.units)
    capex = sum(u.capex for u in built.units)
    alts = (
        solve_alternatives(
            full, total, solver=solver, time_limit_s=time_limit_s, parts=split_demand(full, merged)
        )
        if alternatives
        else ()
    )
    candidates = split_candidates(candidates, merged)
    # Packing shared GPUs (large fleets) can cost more than the relaxation the solver priced: measure the gap
    # of the plan actually built against the solver's bound.
    bound = min(solution.best_bound, total)
    gap = max(solution.gap, (total - bound) / total if total > 0 else 0.0)
    gap = 0.0 if gap < 1e-9 else gap  # rounding noise, not a gap
    proven = solution.status == "optimal" and gap <= mip_gap + 1e-9
    plan = Plan(
        scenario=scenario.name,
        status="optimal" if proven else "feasible",
        currency=scenario.currency,
        horizon_months=scenario.horizon_months,
        total_cost=total,
        capex=capex,
        opex=total - capex,
        opex_per_month=(total - capex) / scenario.horizon_months,
        best_bound=bound,
        gap=gap,
        solver=solver,
        solve_seconds=round(time.perf_counter() - start, 3),
        units=tuple(built.units),
        assignments=tuple(built.assignments),
        workloads=workload_summaries(scenario, candidates, built),
        alternatives=tuple(alts),
        assumptions=assumptions(scenario, candidates, built, solution),
        cost_by_category=built.cost_by_category,
        planner_version=__version__,
    )
    verify_or_raise(plan)
    return plan


def _second_pass(
    candidates: Candidates, first: Solution, solver: str, deadline: float, mip_gap: float
) -> tuple[Candidates, Solution]:
    """Large fleets: re-solve exactly with the packings of the relaxed solve as patterns (placement.repack).

    Keeps the first solve's bound (the relaxation's) and falls back to packing its solution when the exact
    model finds nothing in the time left.
    """
    exact = repack(candidates, first)
    limit = max(deadline - time.perf_counter(), MIN_SECOND_PASS_S)
    second = solve_problem(exact.data, solver=solver, time_limit_s=limit, mip_gap=mip_gap)
    if second.status not in ("optimal", "feasible"):
        return candidates, first
    bound = min(first.best_bound, second.objective)
    gap = (second.objective - bound) / second.objective if second.objective > 0 else 0.0
    status: SolveStatus = "optimal" if gap <= mip_gap + 1e-9 and first.status == "optimal" else "feasible"
    return exact, dataclasses.replace(second, best_bound=bound, gap=gap, status=status)


def _solve_generated(generated: Generated, solver: str, deadline: float, mip_gap: float) -> Solution:
    """The exact model over the generated patterns; its gap is measured against the column generation bound
    (valid for every pattern, generated or not), not the solver's own (valid only for those generated)."""
    limit = max(deadline - time.perf_counter(), MIN_SECOND_PASS_S)
    sol = solve_problem(generated.candidates.data, solver=solver, time_limit_s=limit, mip_gap=mip_gap)
    if sol.status not in ("optimal", "feasible"):
        return sol
    # Costs are never negative, so 0 bounds every plan when the generation proved nothing better.
    bound = max(
        0.0, min(sol.best_bound, sol.objective, generated.bound if generated.bound is not None else 0.0)
    )
    gap = (sol.objective - bound) / sol.objective if sol.objective > 0 else 0.0
    status: SolveStatus = "optimal" if gap <= mip_gap + 1e-9 else "feasible"
    return dataclasses.replace(sol, best_bound=bound, gap=gap, status=status)
