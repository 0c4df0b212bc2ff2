"""Stage 6: the assembled units, their assignments and the alternatives become a priced ``Plan``."""

from __future__ import annotations

import time
from collections.abc import Sequence

from planner import __version__
from planner.assemble.summary import assumptions, workload_summaries
from planner.assemble.units import Assembled
from planner.ilp.solve import Solution
from planner.placement.candidates import Candidates
from planner.plan import Alternative, Plan
from planner.scenario.schema import Scenario


def build_plan(
    scenario: Scenario,
    candidates: Candidates,
    built: Assembled,
    solution: Solution,
    alternatives: Sequence[Alternative],
    *,
    solver: str,
    mip_gap: float,
    start: float,
) -> Plan:
    """The plan as built, its gap measured against the solver's bound; ``start`` is when the run began."""
    total = sum(u.cost for u in built.units)
    capex = sum(u.capex for u in built.units)
    # The gap of the plan actually built against the solver's bound: packing shared GPUs (large fleets) can
    # cost more than the relaxation the solver priced, or less than the incumbent it stopped on, and the
    # gap is the plan's own, not the larger of the two.
    bound = min(solution.best_bound, total)
    gap = (total - bound) / total if total > 0 else 0.0
    gap = 0.0 if gap < 1e-9 else gap  # rounding noise, not a gap
    proven = solution.status == "optimal" and gap <= mip_gap + 1e-9
    return Plan(
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
        alternatives=tuple(alternatives),
        assumptions=assumptions(scenario, candidates, built, solution),
        cost_by_category=built.cost_by_category,
        planner_version=__version__,
        usd_to_currency=scenario.usd_to_currency,
        usd_to_currency_as_of=scenario.usd_to_currency_as_of,
    )
