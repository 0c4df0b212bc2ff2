"""``solve(scenario) -> Plan``: the whole pipeline, top to bottom.

catalog -> candidates (memory model x offers) -> integer program -> concrete units -> plan -> verifier.
"""

from __future__ import annotations

import dataclasses
import math
import time
from pathlib import Path

from planner import __version__
from planner.catalog.schema import Catalog
from planner.check import verify_or_raise
from planner.deadline import bounded_by
from planner.errors import InfeasibleError, PlannerError
from planner.ilp.incumbent import Point, evaluate
from planner.ilp.solve import DEFAULT_MIP_GAP, Solution, SolveStatus, solve_lp, solve_problem
from planner.placement.alternatives import solve_alternatives
from planner.placement.assemble import assemble
from planner.placement.candidates import (
    Candidates,
    Member,
    MemoryFn,
    build_candidates,
    explain_unplaceable,
    model_memory,
    without_dominated,
)
from planner.placement.colgen import generate
from planner.placement.diagnose import explain_limits
from planner.placement.merge import merge_equivalent, split_assembled, split_candidates, split_demand
from planner.placement.repack import repack
from planner.placement.summary import assumptions, workload_summaries
from planner.plan import Plan
from planner.scenario.schema import Scenario

DEFAULT_TIME_LIMIT_S = 60.0
MIN_SECOND_PASS_S = 2.0
RELAXATION_SHARE = 0.45
"""Large fleets: share of the time limit for the aggregate relaxation where the second pass (``FILL_SHARE``)
may follow. Its bound is the root node's (about 3 s of solver time on the 1,000-workload benchmark fleet), but
its solution, packed, is the plan to beat and needs longer: 1,000 workloads 17.66 M USD at 3 s, 16.82 M at
10 s, 16.76 M at 25 s against a bound of 16.75 M. The exact program rarely improves on a packed relaxation,
so the relaxations get most of the time (shares compared in docs/benchmarks.md)."""
RELAXATION_SHARE_ALONE = 0.6
"""The relaxation's share where the limit is too short for the second pass (``MIN_FILL_S``). 200 workloads
within 10 s: 0.60, 1.84 and 0.62 % at 0.6 against 1.62 % three times at 0.45 (the relaxation's incumbent at
4.5 s is 4.9 % above its bound)."""
COLGEN_SHARE = 0.1
"""Large fleets: share of the time limit for column generation; the exact program gets the rest but
``FINISH_SHARE``."""
FILL_SHARE = 0.3
"""Large fleets: share of the time limit for the relaxation solved again with room to pack (``PACKING_FILL``),
where the packed relaxation misses the gap asked. Shares of 60 s on the 200-workload fleet, two runs each
(relaxation / this pass): 0.6 / 0 (none) 0.64 and 0.64 % above the bound; 0.6 / 0.2: 0.60 and 0.64 %;
0.45 / 0.3: 0.36 and 0.47 % (docs/benchmarks.md). Its solution needs about 18 s there: 12 s found nothing
better than the first packing."""
MIN_FILL_S = 10.0
"""The pass is skipped where its share is shorter than this (time limits under about 33 s): its solution
would be no better than the first (200 workloads within 10 s: 1.62 % with a 3 s pass, as without)."""
FILL_SOLVERS = ("highs",)
"""Solvers the second pass runs with. CBC's incumbent within the pass's time packed no better than its first
(200 workloads: the same 3,890,340 USD plan with and without), and the exact program lost the time: 50
workloads 0.71 % above the bound with the pass, 0.49 % without."""
PACKING_FILL = 0.995
"""Share of each GPU's memory the second relaxation may fill. The relaxation's rows are sums, so its
solutions fill pools to 98.5-100 % of their memory, which replicas of arbitrary sizes rarely pack into: on the
200-workload fleet five of its pools hold more than any packing fits (benchmarks/packing_gap.py), and the
replicas left over take new units. With half a percent of slack per GPU the relaxation spreads them where
they pack: 200 workloads (18 s) 3,818,078 USD relaxed, 3,820,574 packed, no unit added; 0.997: 3,820,068
with one unit added; memory in full, 130 s: 3,831,570. Not a bound: the first relaxation's bound stands."""
FINISH_SHARE = 0.05
"""Large fleets: share of the time limit kept for the solver's overrun, the assembly and the verifier."""


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
    _check_arguments(scenario, catalog, solver, time_limit_s, mip_gap, memory, catalog_dirs)
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog(catalog_dirs)
    # Equivalent workloads become one demand (placement.merge): same optimum, a much smaller program.
    merged = merge_equivalent(scenario)
    candidates = build_candidates(merged.scenario, catalog, memory)
    explain_unplaceable(merged.scenario, candidates)
    full, candidates = candidates, without_dominated(candidates)
    if candidates.data.shared:
        candidates, solution = _solve_large(candidates, solver, start, time_limit_s, mip_gap)
    else:
        solution = solve_problem(candidates.data, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if solution.status == "infeasible":
        raise explain_limits(merged.scenario, candidates, solver=solver, time_limit_s=time_limit_s)
    if solution.status == "no_solution":
        raise InfeasibleError(
            f"no plan found within the time limit of {time_limit_s:g} s ({solver}); raise --time-limit"
        )
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
    # The gap of the plan actually built against the solver's bound: packing shared GPUs (large fleets) can
    # cost more than the relaxation the solver priced, or less than the incumbent it stopped on (the gap
    # was once the larger of the two, 0.71 % beside a bound 0.66 % below the plan).
    bound = min(solution.best_bound, total)
    gap = (total - bound) / total if total > 0 else 0.0
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


def _check_arguments(
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


def _meets(known: Point | None, bounds: list[float], mip_gap: float) -> bool:
    """Whether a known plan is within the gap asked of the best bound."""
    return known is not None and known[0] - max(bounds) <= mip_gap * known[0] + 1e-9


def _solve_large(
    candidates: Candidates, solver: str, start: float, time_limit_s: float, mip_gap: float
) -> tuple[Candidates, Solution]:
    """Large fleets (co-location patterns too many to enumerate), in three steps:

    1. the aggregate relaxation (constraints.py: shared GPUs by memory, replica count, dual feasible
       functions and hours): its optimum, or the solver's bound when stopped, bounds every plan from below;
       where its solution, packed for real, misses the gap asked, it is solved again with every GPU's
       memory at ``PACKING_FILL`` (a plan that packs, not a bound), and the cheaper packing is kept;
    2. column generation (placement.colgen) adds the co-location patterns the pattern model's relaxation
       asks for;
    3. the exact pattern model over those patterns and the relaxation's shared GPUs packed for real
       (placement.repack) gives the plan, priced exactly as it will run.

    The gap is the plan's against the better of the two bounds (the relaxation's and column generation's),
    never against the solver's own bound in step 3 (valid only for the patterns it was given). Where the
    relaxation packed for real already meets the gap asked, it is the plan and steps 2 and 3 are skipped
    (1,000-workload benchmark fleet at 1 %: 0.37 % above the bound).
    """
    second_pass = solver in FILL_SOLVERS and time_limit_s * FILL_SHARE >= MIN_FILL_S
    spent = RELAXATION_SHARE if second_pass else RELAXATION_SHARE_ALONE
    relaxed = solve_problem(
        candidates.data, solver=solver, time_limit_s=time_limit_s * spent, mip_gap=mip_gap
    )
    if relaxed.status == "infeasible":
        return candidates, relaxed  # a relaxation without a plan: neither has the problem
    packed = relaxed if relaxed.status != "no_solution" else None
    bounds = [0.0] if packed is None else [0.0, relaxed.best_bound]  # costs are never negative
    if max(bounds) <= 0.0:
        # Stopped without a bound (CBC through PuLP reports none): the relaxation's linear relaxation is one,
        # weaker (machines in fractions) but about a second away (1,000 workloads: 16.74 M USD against the
        # root bound of 16.75 M).
        lp = solve_lp(candidates.data, time_limit_s=max(time_limit_s * COLGEN_SHARE / 2, 1.0))
        if lp.status == "optimal":
            bounds.append(lp.objective)
    packings: dict[str, list[tuple[Member, ...]]] = {}  # the relaxation packed once, for both repacks
    exact, first = repack(candidates, packed, packings=packings)
    known = evaluate(exact.data, first) if first else None
    if second_pass and packed is not None and not _meets(known, bounds, mip_gap):
        # The relaxation filled pools to the byte and its packing left replicas over: solve it again with
        # room to pack, and keep whichever packs cheaper (a plan, not a bound).
        spent += FILL_SHARE
        limit = max(start + time_limit_s * spent - time.perf_counter(), MIN_SECOND_PASS_S)
        data = candidates.data.with_gpu_fill(PACKING_FILL)
        roomy = solve_problem(data, solver=solver, time_limit_s=limit, mip_gap=mip_gap)
        if roomy.status in ("optimal", "feasible"):
            roomy_packings: dict[str, list[tuple[Member, ...]]] = {}
            exact2, second = repack(candidates, roomy, packings=roomy_packings)
            known2 = evaluate(exact2.data, second) if second else None
            if known2 is not None and (known is None or known2[0] < known[0] - 1e-6):
                exact, first, known, packed, packings = exact2, second, known2, roomy, roomy_packings
    if known is not None and _meets(known, bounds, mip_gap):
        # The packed relaxation already meets the gap asked: steps 2 and 3 could only spend the time.
        objective, units, use = known
        solution = Solution("optimal", objective, objective, 0.0, units, use, solver=solver)
    else:
        # Column generation stops once its Lagrangian bound is within half the gap asked: its tail converges
        # slowly, and every column it adds makes the exact program slower.
        deadline = start + time_limit_s * (spent + COLGEN_SHARE)
        generated = generate(candidates, deadline=deadline, rel_gap=mip_gap / 2)
        if generated.bound is not None:
            bounds.append(generated.bound)
        base = generated.candidates if generated.solved else None
        exact, first = repack(candidates, packed, base=base, packings=packings)
        # HiGHS overruns its limit by a second or two, and the plan is still to be assembled and verified.
        limit = max(start + time_limit_s * (1 - FINISH_SHARE) - time.perf_counter(), MIN_SECOND_PASS_S)
        solution = solve_problem(exact.data, solver=solver, time_limit_s=limit, mip_gap=mip_gap, start=first)
        if solution.status not in ("optimal", "feasible"):
            return exact, solution
    bound = min(max(bounds), solution.objective)
    gap = (solution.objective - bound) / solution.objective if solution.objective > 0 else 0.0
    status: SolveStatus = "optimal" if gap <= mip_gap + 1e-9 else "feasible"
    return exact, dataclasses.replace(solution, best_bound=bound, gap=gap, status=status)
