"""Stage 6: the assembled units, their assignments and the alternatives become a priced ``Plan``."""

from __future__ import annotations

import time
from collections.abc import Sequence

from planner import __version__
from planner.assemble.cashflow import plan_cash_flows
from planner.assemble.summary import assumptions, workload_summaries
from planner.assemble.units import Assembled
from planner.ilp.solve import Solution
from planner.placement.candidates import Candidates
from planner.plan import Alternative, IdleOwned, Plan
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
    residual = sum(u.residual_value for u in built.units)
    opex = total - capex + residual
    months = scenario.horizon_months
    rate = scenario.finance.discount_rate_per_year
    flows = plan_cash_flows(
        capex=capex,
        opex=opex,
        residual=residual,
        months=months,
        rate_per_year=rate,
        alternatives=alternatives,
        units=built.units,
    )
    bound, gap, proven = plan_gap(solution, total, mip_gap)
    return Plan(
        scenario=scenario.name,
        status="optimal" if proven else "feasible",
        currency=scenario.currency,
        horizon_months=scenario.horizon_months,
        total_cost=total,
        capex=capex,
        opex=opex,
        opex_per_month=opex / months,
        residual_value=residual,
        npv=flows[0].npv,
        discount_rate_per_year=rate,
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
        cash_flows=flows,
        idle_owned=idle_owned(candidates, built),
        planner_version=__version__,
        usd_to_currency=scenario.usd_to_currency,
        usd_to_currency_as_of=scenario.usd_to_currency_as_of,
    ).with_replica_memory()


def plan_gap(solution: Solution, total: float, mip_gap: float) -> tuple[float, float, bool]:
    """(bound, gap, proven) of the plan actually built against the solver's bound: packing shared GPUs
    (large fleets) can cost more than the relaxation the solver priced, or less than the incumbent it
    stopped on, and the gap is the plan's own, not the larger of the two."""
    bound = min(solution.best_bound, total)
    gap = (total - bound) / total if total > 0 else 0.0
    gap = 0.0 if gap < 1e-9 else gap  # rounding noise, not a gap
    return bound, gap, solution.status == "optimal" and gap <= mip_gap + 1e-9


def idle_owned(c: Candidates, built: Assembled) -> tuple[IdleOwned, ...]:
    """Owned units the plan leaves unused, with what they cost while they stay in place: hosting, and base
    and idle power where machines are always on (``Offer.running``: owned units pay no rent)."""
    used: dict[str, int] = {}
    for u in built.units:
        used[u.option] = used.get(u.option, 0) + 1
    out = []
    for offer in c.considered:
        if offer.kind != "owned" or offer.max_units is None:
            continue
        count = offer.max_units - used.get(offer.option, 0)
        if count <= 0:
            continue
        still = count * offer.running
        out.append(
            IdleOwned(
                option=offer.option,
                name=offer.name,
                gpu=offer.gpu.name,
                gpus_per_unit=offer.gpus,
                count=count,
                still_costs_per_month=still / c.rates.months,
                still_costs=still,
            )
        )
    return tuple(out)
