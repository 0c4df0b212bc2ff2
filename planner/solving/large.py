"""The large-fleet strategy: an aggregate relaxation, column generation and repacking, then the exact pattern
model over the patterns found (stage 4, where co-location patterns are too many to enumerate). Its time shares
are tuned on the synthetic fleets of ``benchmarks/solver_scale.py``; the measurements behind each are in
docs/benchmarks.md ("The figures behind the tuned constants")."""

from __future__ import annotations

import dataclasses
import time

from planner.ilp.incumbent import Point, evaluate
from planner.ilp.solve import Solution, SolveStatus, solve_lp, solve_problem
from planner.placement.candidates import Candidates
from planner.placement.patterns import Member
from planner.solving.colgen import generate
from planner.solving.repack import repack

MIN_SECOND_PASS_S = 2.0
"""The shortest time a later solve is given, however little of the limit is left."""
RELAXATION_SHARE = 0.45
"""Share of the time limit for the aggregate relaxation where the second pass (``FILL_SHARE``) may follow.
Its bound comes early (the root node), but its solution, packed, is the plan to beat and keeps improving
long after; the exact program rarely improves on a packed relaxation, so the relaxations get most of the
time."""
RELAXATION_SHARE_ALONE = 0.6
"""The relaxation's share where the limit is too short for the second pass (``MIN_FILL_S``): the time the
pass would have had goes to the relaxation's incumbent instead."""
COLGEN_SHARE = 0.1
"""Share of the time limit for column generation; the exact program gets the rest but ``FINISH_SHARE``."""
FILL_SHARE = 0.3
"""Share of the time limit for the relaxation solved again with room to pack (``PACKING_FILL``), where the
packed relaxation misses the gap asked."""
MIN_FILL_S = 10.0
"""The second pass is skipped where its share is shorter than this (time limits under about 33 s): in less
its solution packs no better than the first."""
FILL_SOLVERS = ("highs",)
"""Solvers the second pass runs with: CBC's incumbent within the pass's time packs no better than its first,
and the exact program loses the time."""
PACKING_FILL = 0.995
"""Share of each GPU's memory the second relaxation may fill. The relaxation's rows are sums, so its
solutions fill pools to the byte, which replicas of arbitrary sizes rarely pack into; a little slack per GPU
spreads them where they pack. Not a bound: the first relaxation's bound stands."""
FINISH_SHARE = 0.05
"""Share of the time limit kept for the solver's overrun, the assembly and the verifier."""


def _meets(known: Point | None, bounds: list[float], mip_gap: float) -> bool:
    """Whether a known plan is within the gap asked of the best bound."""
    return known is not None and known[0] - max(bounds) <= mip_gap * known[0] + 1e-9


def solve_large(
    candidates: Candidates, solver: str, start: float, time_limit_s: float, mip_gap: float
) -> tuple[Candidates, Solution]:
    """Large fleets (co-location patterns too many to enumerate), in three steps:

    1. the aggregate relaxation (constraints.py: shared GPUs by memory, replica count, dual feasible
       functions and hours): its optimum, or the solver's bound when stopped, bounds every plan from below;
       where its solution, packed for real, misses the gap asked, it is solved again with every GPU's
       memory at ``PACKING_FILL`` (a plan that packs, not a bound), and the cheaper packing is kept;
    2. column generation (solving.colgen) adds the co-location patterns the pattern model's relaxation
       asks for;
    3. the exact pattern model over those patterns and the relaxation's shared GPUs packed for real
       (solving.repack) gives the plan, priced exactly as it will run.

    The gap is the plan's against the better of the two bounds (the relaxation's and column generation's),
    never against the solver's own bound in step 3 (valid only for the patterns it was given). Where the
    relaxation packed for real already meets the gap asked, it is the plan and steps 2 and 3 are skipped.
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
        # weaker (machines in fractions) but quick.
        lp = solve_lp(candidates.data, time_limit_s=max(time_limit_s * COLGEN_SHARE / 2, 1.0))
        if lp.status == "optimal":
            bounds.append(lp.objective)
    packings: dict[str, list[tuple[Member, ...]]] = {}  # the relaxation packed once, for both repacks
    exact, first = repack(candidates, packed, packings=packings)
    known = evaluate(exact.data, first) if first else None
    fill_left = start + time_limit_s * (spent + FILL_SHARE) - time.perf_counter()
    if second_pass and fill_left < MIN_FILL_S:
        # The first pass overran into this one's share (a loaded machine): what is left finds nothing the
        # first packing does not, and HiGHS overruns a short limit by its root solve (1,000 workloads: 27 s
        # against a limit of 6.6 s).
        second_pass = False
        spent += FILL_SHARE
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
        # The packed relaxation is a plan of this program: never return a worse one. Stopped within seconds
        # (a loaded machine, a first pass that overran), HiGHS returned its own incumbent instead of the
        # start: 1,000-workload fleet 21.10 M USD against the start's 16.9 M.
        fallback = evaluate(exact.data, first) if first else None
        if fallback is not None and (
            solution.status not in ("optimal", "feasible") or fallback[0] < solution.objective - 1e-6
        ):
            objective, units, use = fallback
            solution = Solution("feasible", objective, 0.0, 1.0, units, use, solver=solver)
        if solution.status not in ("optimal", "feasible"):
            return exact, solution
    bound = min(max(bounds), solution.objective)
    gap = (solution.objective - bound) / solution.objective if solution.objective > 0 else 0.0
    status: SolveStatus = "optimal" if gap <= mip_gap + 1e-9 else "feasible"
    return exact, dataclasses.replace(solution, best_bound=bound, gap=gap, status=status)
