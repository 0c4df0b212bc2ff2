"""The large-fleet strategy: an aggregate relaxation, column generation and repacking, then the exact pattern
model over the patterns found, and in the time left patterns priced for that plan's own units
(solving.improve) (stage 4, where co-location patterns are too many to enumerate). Its time shares
are tuned on the synthetic fleets of ``benchmarks/solver_scale.py``; the measurements behind each are in
docs/benchmarks.md ("The figures behind the tuned constants")."""

from __future__ import annotations

import contextvars
import dataclasses
import math
import time
from concurrent.futures import ThreadPoolExecutor

from planner import deadline
from planner.errors import TimeLimitError
from planner.ilp.data import ProblemData
from planner.ilp.incumbent import Point, bought, evaluate
from planner.ilp.solve import LpSolution, Solution, SolveStatus, solve_lp, solve_problem
from planner.placement.candidates import Candidates
from planner.placement.patterns import Member
from planner.solving.colgen import generate
from planner.solving.improve import improve
from planner.solving.repack import repack
from planner.solving.rootbound import RootBound
from planner.solving.shortsteps import short_ends

MIN_SECOND_PASS_S = 2.0
"""The shortest time a later solve is given, however little of the limit is left."""
RELAXATION_SHARE = 0.4
"""Share of the time limit, counted from the start of the run, by which the first pass ends: the aggregate
relaxation and, beside it on the second core, a second run (``_second_core``). The relaxation's bound is its
root node's, which later seconds barely raise, while the exact program over the support's patterns
(``GENERATE_WITHIN_SUPPORT``) needs most of what is left to beat the packed plans."""
SHORT_PASS_SHARE = 0.8
"""Share of the time limit by which a short first pass (under ``MIN_FILL_S``) ends instead, at the latest: the
restricted relaxation, the plan steps 2 and 3 start from, may need that long on a loaded machine; where it
ends sooner, the steps get the seconds left (solving.shortsteps)."""
COLGEN_SHARE = 0.1
"""Share of the time limit for column generation; the exact program gets the rest but ``FINISH_SHARE``."""
MIN_FILL_S = 10.0
"""The second core ends with the relaxation with room to pack (``PACKING_FILL``) where the first pass has at
least this long, and packs its rounded plan first where it has less; in less, the whole relaxation finds no
plan and no bound, so only the second core's sequence runs (``_solve_both``)."""
FILL_SOLVERS = ("highs",)
"""Solvers the relaxation with room to pack runs with: CBC's incumbent within the time packs no better than
its first."""
PACKING_FILL = 0.995
"""Share of each GPU's memory the restricted relaxation and the relaxation with room to pack may fill. The
relaxation's rows are sums, so its solutions fill pools to the byte, which replicas of arbitrary sizes rarely
pack into; a little slack per GPU spreads them where they pack. Not a bound: the first relaxation's bound
stands."""
EXACT_PER_PACKING = 2.0
"""The exact program runs only with at least this many times the longest packing left (and
``MIN_SECOND_PASS_S``): the packing's time measures the fleet, and a shorter run finds nothing and overruns
the limit."""
FINISH_SHARE = 0.05
"""Share of the time limit kept for the solver's overrun, the assembly and the verifier."""
FINISH_PER_PACKING = 1.5
"""The assembly and the verifier take about this many times the longest packing, where that is more than
``FINISH_SHARE`` of the limit: both grow with the fleet as the packing does."""
EXACT_GAP_SHARE = 0.1
"""The exact program of step 3 is asked this share of the run's gap: its own bound holds for its patterns
only, and the run's gap is measured against the relaxation's, lower, so within the gap of its own bound it
stops short of plans the run needs."""
GENERATE_WITHIN_SUPPORT = True
"""Column generation prices only the options the linear relaxation uses, those the packed plan buys and those
the whole relaxation's plan buys (``_support``, as the restricted relaxation, and the relaxation's own
choice of options, which the packed plan can miss: docs/benchmarks.md, "Column generation over the
relaxation's options too"), so the exact program after it is small enough to solve, where over every option
it is not. Its Lagrangian bound then bounds plans on those options only and is not one of the run's bounds."""


def _meets(known: Point | None, bounds: list[float], mip_gap: float) -> bool:
    """Whether a known plan is within the gap asked of the best bound."""
    return known is not None and known[0] - max(bounds) <= mip_gap * known[0] + 1e-9


def _relax(data: ProblemData, solver: str, until: float, mip_gap: float) -> Solution:
    """One run of the relaxation ``data`` until ``until`` (``MIN_SECOND_PASS_S`` at the least), the model's
    build counted in its limit."""
    limit = max(until - time.perf_counter(), MIN_SECOND_PASS_S)
    return solve_problem(data, solver=solver, time_limit_s=limit, mip_gap=mip_gap, whole_call=True)


def _second_core(
    candidates: Candidates, solver: str, first_pass_s: float, until: float, mip_gap: float
) -> tuple[list[tuple[Solution, float, _Packed | None]], set[str] | None]:
    """What the second core solves beside the relaxation, as (solution, the lower bound it proves, the
    solution packed where this core had the time), and the options the linear relaxation uses (``_support``;
    None where it was not solved):

    1. the relaxation's linear relaxation (its optimum bounds too), rounded to whole replicas
       (``_rounded_lp``) and packed: a plan within seconds;
    2. the relaxation restricted to the options the linear relaxation uses (``_support``; RENS, Berthold
       2014), with room to pack (``PACKING_FILL``), until the pass ends less a packing, then packed: a
       program a tenth the size, which HiGHS solves within the pass where the whole relaxation stays in its
       root node. The rounded plan is packed
       before it where the pass is short (under ``MIN_FILL_S``), after it otherwise;
    3. where time is left and the first pass has ``MIN_FILL_S`` or more, the relaxation with room to pack.
       Under load its plans pack dearer than the restricted relaxation's; it is kept for the replicas room
       to pack moves onto options the linear relaxation leaves unused.

    On the largest benchmark fleet the whole relaxation's best plan packs dearer than the rounded linear
    relaxation (HiGHS spends most of its time in one root-node heuristic), and the restricted relaxation,
    a tenth of its options and columns, packs cheapest of the three (figures: docs/benchmarks.md, "The
    figures behind the tuned constants"). The other solver on the relaxation was tried here and dropped:
    within 10 s it never packed below the rounded plan, and its overrun (CBC's limit leaves out writing and
    reading the model) held the pass past its end."""
    found: list[tuple[Solution, float, _Packed | None]] = []
    began = time.perf_counter()
    short = first_pass_s < MIN_FILL_S and solver == "highs"
    lp = solve_lp(candidates.data, time_limit_s=max(until - began, MIN_SECOND_PASS_S), keep_model=short)
    if lp.status != "optimal":
        return found, None
    # A short pass runs on one core: the relaxation's root bound on the other (solving.rootbound).
    root = RootBound(lp.mip, until) if lp.mip is not None else None
    support = _support(candidates.data, lp)
    # A packing takes about as long as the linear relaxation took (1,000 workloads: 4-12 s against 6-12 s):
    # the restricted program ends that long before the pass, so that its packing ends with the pass.
    reserve = time.perf_counter() - began
    rounded = _rounded_lp(candidates.data, lp)
    if first_pass_s < MIN_FILL_S:
        # A short pass on a loaded machine may have no time for anything else: the rounded plan packed first,
        # and its packing is the reserve (200 workloads: 0.4-0.5 s against 1.7-2.4 s for the relaxation).
        found.append((rounded, lp.objective, _pack_in_time(candidates, rounded)))
        packed = found[-1][2]
        reserve = packed.seconds if packed is not None else reserve
    if until - time.perf_counter() - reserve >= MIN_SECOND_PASS_S:
        # Without the ccm rows (constraints.add_ccm_rows): its plan packs better with them once solved to
        # optimality, but under load it seldom is, and its incumbents packed worse (docs/benchmarks.md).
        # With room to pack (``PACKING_FILL``): no bound is asked of it, and its plans pack cheaper.
        restricted = _relax(
            candidates.data.restricted(support).with_gpu_fill(PACKING_FILL), solver, until - reserve, mip_gap
        )
        if restricted.status == "infeasible" and PACKING_FILL < 1.0:
            # Room to pack may leave no plan where stock is tight: the restricted relaxation as it is.
            restricted = _relax(candidates.data.restricted(support), solver, until - reserve, mip_gap)
        if restricted.status in ("optimal", "feasible"):
            found.append((restricted, 0.0, _pack_in_time(candidates, restricted)))
    if first_pass_s >= MIN_FILL_S:
        found.append(
            (
                rounded,
                lp.objective,
                _pack_in_time(candidates, rounded) if time.perf_counter() < until else None,
            )
        )
    if (
        solver in FILL_SOLVERS
        and first_pass_s >= MIN_FILL_S
        and until - time.perf_counter() >= MIN_FILL_S / 2
    ):
        # The whole relaxation, not the restricted one: room to pack may move replicas to options the
        # linear relaxation leaves unused (tests/placement/test_shared.py: to a spot card, off a third desk).
        roomy = candidates.data.with_gpu_fill(PACKING_FILL)
        found.append((_relax(roomy, solver, until, mip_gap), 0.0, None))
    if root is not None:
        no_plan = Solution("no_solution", math.inf, math.inf, math.inf, solver=solver)
        found.append((no_plan, root.stop(), None))
    return found, support


def _pack_in_time(candidates: Candidates, solution: Solution) -> _Packed | None:
    """``_pack``, or None where the run's time ran out while packing (the caller then has the other plans)."""
    try:
        return _pack(candidates, solution)
    except TimeLimitError:
        return None


def _support(data: ProblemData, lp: LpSolution) -> set[str]:
    """The options the linear relaxation ``lp`` buys or places replicas on."""
    used = {o for o, v in lp.units.items() if v > 1e-6}
    used |= {data.pattern_by_id[p].option for p, v in lp.values.items() if v > 1e-6}
    return used | {s.option for s in data.shared if lp.share.get(s.id, 0.0) > 1e-6}


def _solve_both(
    candidates: Candidates, solver: str, first_pass_s: float, until: float, mip_gap: float
) -> tuple[Solution, list[tuple[Solution, float, _Packed | None]], set[str] | None]:
    """The relaxation and, in a thread, ``_second_core`` (its plans and the linear relaxation's options):
    HiGHS releases the interpreter while it solves (and CBC is a process of its own), so on two cores each
    has a core. The thread gets the run's deadline."""
    if until - time.perf_counter() < MIN_SECOND_PASS_S:
        # The candidates took the pass (3,000 workloads within 4 s): a second model to build would only
        # hold the run past its limit.
        return _relax(candidates.data, solver, until, mip_gap), [], None
    if first_pass_s < MIN_FILL_S:
        # A short pass: the whole relaxation finds no plan and no bound in a few seconds (200 workloads in
        # 4.5 s: neither), and building its model beside the linear relaxation's holds both up on the
        # interpreter (the linear relaxation 6.2 s instead of 2.5 s). One core: the second core's sequence.
        found, support = _second_core(candidates, solver, first_pass_s, until, mip_gap)
        return Solution("no_solution", math.inf, math.inf, math.inf, solver=solver), found, support
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        helper = pool.submit(context.run, _second_core, candidates, solver, first_pass_s, until, mip_gap)
        relaxed = _relax(candidates.data, solver, until, mip_gap)
        found, support = helper.result()
        return relaxed, found, support


@dataclasses.dataclass(frozen=True)
class _Packed:
    """A solution of the relaxation packed for real (``repack``): the exact program's candidates, the plan
    as their values, its cost and values (None where it breaks a row), the packed GPUs by option (reused by
    the repack of step 3) and the seconds the packing took."""

    exact: Candidates
    plan: dict[str, float]
    point: Point | None
    packings: dict[str, list[tuple[Member, ...]]]
    seconds: float


def _pack(candidates: Candidates, solution: Solution) -> _Packed:
    packings: dict[str, list[tuple[Member, ...]]] = {}
    began = time.perf_counter()
    exact, plan = repack(candidates, solution, packings=packings)
    point = evaluate(exact.data, plan) if plan else None
    return _Packed(exact, plan, point, packings, time.perf_counter() - began)


ROUNDED_LP = "lp"
"""The ``solver`` of ``_rounded_lp``'s solution: its objective is the linear relaxation's optimum, below the
rounded plan's cost, so it is never compared with a plan's cost (``_priced``)."""


def _priced(run: Solution) -> bool:
    """Whether ``run.objective`` is the cost of its plan: not so for the rounded linear relaxation
    (``ROUNDED_LP``), whose objective is the relaxation's optimum; its cost is known only once packed. Its
    objective still orders it among the unpacked runs, as the optimum it was rounded from."""
    return run.solver != ROUNDED_LP


def _rounded_lp(data: ProblemData, lp: LpSolution) -> Solution:
    """The relaxation's linear relaxation rounded to whole replicas, for ``repack`` to pack: a plan within
    seconds, before either solver has one (a loaded machine, a short limit). Each workload keeps its demand:
    the integer parts of its placements and shared entries, then one more replica for the largest fractions
    (largest remainders); a rate-stated workload's placements are rounded up, which keeps its rate. Units
    are rounded up (the capacity the rounded replicas need). Its ``objective`` is the linear relaxation's
    optimum, not the rounded plan's cost, and its ``solver`` ``ROUNDED_LP`` says so to the consumer
    (``_priced``); the plan's cost is known once it is packed.
    """
    use: dict[str, int] = {}
    share: dict[str, int] = {}
    for w in data.workloads:
        entries = [(p.id, lp.values.get(p.id, 0.0), use) for p, _ in data.patterns_with[w]]
        entries += [(sh.id, lp.share.get(sh.id, 0.0), share) for sh in data.shared_with[w]]
        if w in data.rate:
            for key, value, into in entries:
                into[key] = math.ceil(value - 1e-6)
            continue
        whole = {key: math.floor(value + 1e-6) for key, value, _ in entries}
        missing = data.demand[w] - sum(whole.values())
        by_fraction = sorted(entries, key=lambda e: (-(e[1] - whole[e[0]]), e[0]))
        for index, (key, _, into) in enumerate(by_fraction):
            into[key] = whole[key] + (1 if index < missing else 0)
    units = {o: math.ceil(v - 1e-6) for o, v in lp.units.items()}
    return Solution("feasible", lp.objective, 0.0, 1.0, units, use, share=share, solver=ROUNDED_LP)


def _bound(solver: str, solution: Solution | None, mip_gap: float) -> float:
    """The lower bound a run of the relaxation proves: HiGHS's dual bound; CBC's objective less the gap
    asked where PuLP calls it optimal (CBC stops once within that gap), nothing where it stopped."""
    if solution is None or solution.status not in ("optimal", "feasible"):
        return 0.0
    if solver == "cbc":
        return solution.objective * (1 - mip_gap) if solution.status == "optimal" else 0.0
    return solution.best_bound


def _exact_pass(
    candidates: Candidates,
    run: tuple[str, float],
    packed: Solution | None,
    packings: dict[str, list[tuple[Member, ...]]],
    bounds: list[float],
    ends: tuple[float, float],
    packing_s: float = 0.0,
    within: set[str] | None = None,
) -> tuple[Candidates, Solution]:
    """Steps 2 and 3 of ``solve_large``: column generation (its bound joins ``bounds`` where it priced every
    option), then the exact pattern program over its patterns and the packed relaxation, never worse than
    that packing. ``run``: the solver and the gap asked; ``ends``: when column generation and the exact
    program end; ``packing_s``: the longest packing so far (``EXACT_PER_PACKING``); ``within``: the options
    column generation prices (``GENERATE_WITHIN_SUPPORT``; None: all)."""
    solver, mip_gap = run
    colgen_end, end = ends
    priced = candidates
    if within is not None and len(within) < len(candidates.data.options):
        priced = dataclasses.replace(candidates, data=candidates.data.restricted(within))
    # Column generation stops once its Lagrangian bound is within half the gap asked: its tail converges
    # slowly, and every column it adds makes the exact program slower.
    generated = generate(priced, deadline=colgen_end, rel_gap=mip_gap / 2)
    if generated.bound is not None and priced is candidates:
        bounds.append(generated.bound)  # over some options only, it bounds those plans, not every plan
    base = generated.candidates if generated.solved else None
    exact, first_plan = repack(candidates, packed, base=base, packings=packings)
    # The packed relaxation is a plan of this program: never return a worse one. Stopped within seconds
    # (a loaded machine, a first pass that overran), HiGHS returned its own incumbent instead of the
    # start: 1,000-workload fleet 21.10 M USD against the start's 16.9 M.
    fallback = evaluate(exact.data, first_plan) if first_plan else None
    limit = end - time.perf_counter()
    if fallback is not None and limit < max(MIN_SECOND_PASS_S, EXACT_PER_PACKING * packing_s):
        # Column generation ran past its share: no time for the program, the packed plan stands.
        return exact, Solution("feasible", fallback[0], 0.0, 1.0, fallback[1], fallback[2], solver=solver)
    solution = solve_problem(
        exact.data,
        solver=solver,
        time_limit_s=max(limit, MIN_SECOND_PASS_S),
        mip_gap=mip_gap * EXACT_GAP_SHARE,
        start=first_plan,
        whole_call=True,
    )
    if fallback is not None and (
        solution.status not in ("optimal", "feasible") or fallback[0] < solution.objective - 1e-6
    ):
        objective, units, use = fallback
        solution = Solution("feasible", objective, 0.0, 1.0, units, use, solver=solver)
    return exact, solution


def solve_large(
    candidates: Candidates, solver: str, start: float, time_limit_s: float, mip_gap: float
) -> tuple[Candidates, Solution]:
    """Large fleets (co-location patterns too many to enumerate), in four steps:

    1. the aggregate relaxation (constraints.py: shared GPUs by memory, replica count, dual feasible
       functions and hours): its optimum, or the solver's bound when stopped, bounds every plan from below.
       Beside it, on the second core (``_second_core``): the relaxation with every GPU's memory at
       ``PACKING_FILL`` (a plan that packs, not a bound) or, with little time, its linear relaxation
       rounded to whole replicas. Both solutions are packed for real and the cheaper packing is kept;
    2. column generation (solving.colgen) adds the co-location patterns the pattern model's relaxation
       asks for, on the options of the linear relaxation, of the packed plan and of the relaxation's plan
       (``GENERATE_WITHIN_SUPPORT``);
    3. the exact pattern model over those patterns and the relaxation's shared GPUs packed for real
       (solving.repack) gives the plan, priced exactly as it will run;
    4. where step 3 ends early with a plan outside the gap asked, its time left prices patterns for the
       plan's own units and solves the exact model again over them too (solving.improve).

    The gap is the plan's against the best of the bounds (the relaxation's by either solver and column
    generation's where it priced every option), never against the solver's own bound in step 3 (valid only for
    the patterns it was given). Where the relaxation packed for real already meets the gap asked, or less is
    left than ``MIN_SECOND_PASS_S`` or twice the longest packing (step 3 repacks), it is the plan and steps 2
    and 3 are skipped.
    """
    first_pass_s = time_limit_s * RELAXATION_SHARE
    # The pass ends at its share of the run, counted from the start: building the candidates took some.
    # A short pass ends later (``SHORT_PASS_SHARE``): column generation's share then ends with it.
    pass_end = start + (first_pass_s if first_pass_s >= MIN_FILL_S else time_limit_s * SHORT_PASS_SHARE)
    relaxed, helped, support = _solve_both(candidates, solver, first_pass_s, pass_end, mip_gap)
    if relaxed.status == "infeasible":
        return candidates, relaxed  # a relaxation without a plan: neither has the problem
    bounds = [0.0, _bound(solver, relaxed, mip_gap), *(bound for _, bound, _ in helped)]  # costs are >= 0
    if max(bounds) <= 0.0:
        # Stopped without a bound (CBC through PuLP reports none): the relaxation's linear relaxation is one,
        # weaker (machines in fractions) but quick.
        lp = solve_lp(candidates.data, time_limit_s=max(time_limit_s * COLGEN_SHARE / 2, 1.0))
        if lp.status == "optimal":
            bounds.append(lp.objective)
    packed: Solution | None = None
    known: Point | None = None
    exact: Candidates | None = None
    packings: dict[str, list[tuple[Member, ...]]] = {}  # the kept solution packed once, for both repacks
    packing_s = 0.0  # the longest packing so far: the next one, or the repack of step 3, takes about as long
    end = start + time_limit_s - max(time_limit_s * FINISH_SHARE, FINISH_PER_PACKING * packing_s)
    runs = [(relaxed, None), *((found, pre) for found, _, pre in helped)]
    # Those packed already first, then the cheapest relaxed plan first (the dearer ones are then skipped; the
    # rounded linear relaxation's objective is not its plan's cost, ``_priced``: it is packed all the same).
    for run, pre in sorted(runs, key=lambda r: (r[1] is None, r[0].objective)):
        if run.status not in ("optimal", "feasible"):
            continue
        if pre is None:
            if known is not None and _priced(run) and run.objective >= known[0]:
                continue  # packing only adds GPUs to a relaxation's plan: in every run measured it cost more
            if packed is not None and end - time.perf_counter() < 2 * packing_s:
                # Another packing would run past the limit (1,000 workloads on a loaded machine: 5.7 s
                # each, the first done 48 s into a 60 s run): keep the plan packed already.
                break
            pre = _pack_in_time(candidates, run)
            if pre is None:
                break  # the run's time ran out while packing: keep the plan packed already, if any
        packing_s = max(packing_s, pre.seconds)
        end = start + time_limit_s - max(time_limit_s * FINISH_SHARE, FINISH_PER_PACKING * packing_s)
        if packed is None or (pre.point is not None and (known is None or pre.point[0] < known[0] - 1e-6)):
            # The first packing unless a later one packs cheaper (ties keep one answer per input).
            exact, known, packed, packings = pre.exact, pre.point, run, pre.packings
    if exact is None:
        exact, _ = repack(candidates, None)  # neither run found a plan: the exact program alone
    left = end - time.perf_counter()
    colgen_end = max(start + time_limit_s * (RELAXATION_SHARE + COLGEN_SHARE), pass_end)
    no_pricing = colgen_end - time.perf_counter() < max(MIN_SECOND_PASS_S, packing_s)
    if first_pass_s < MIN_FILL_S:
        # After a short pass the exact program gets the seconds left, column generation a share of them
        # (solving.shortsteps); where too few are left, neither runs.
        short = short_ends(start, time_limit_s, time.perf_counter(), end, EXACT_PER_PACKING * packing_s)
        no_pricing = short is None
        if short is not None:
            colgen_end, end = short
    solution = None if known is None else Solution("optimal", known[0], known[0], 0.0, known[1], known[2])
    if known is None or not (
        _meets(known, bounds, mip_gap) or left < max(MIN_SECOND_PASS_S, 2 * packing_s) or no_pricing
    ):
        # Else the packed relaxation already meets the gap asked, or the first pass left too little time
        # (a loaded machine; column generation's share spent, or less of it left than a packing: its set-up
        # alone takes about as long): steps 2 and 3 could only spend the time, or run out of it.
        within = None
        if GENERATE_WITHIN_SUPPORT and support is not None:
            within = support | set(bought(known[1] if known is not None else {})) | set(bought(relaxed.units))
        try:
            exact, solution = _exact_pass(
                candidates, (solver, mip_gap), packed, packings, bounds, (colgen_end, end), packing_s, within
            )
            if solution.status in ("optimal", "feasible") and not _meets(
                (solution.objective, solution.units, solution.use), bounds, mip_gap
            ):
                # The exact program was done before its end: the seconds left price patterns for the plan's
                # own units (solving.improve).
                exact, solution = improve(
                    candidates,
                    exact,
                    solution,
                    (end, max(MIN_SECOND_PASS_S, EXACT_PER_PACKING * packing_s)),
                    (solver, mip_gap * EXACT_GAP_SHARE),
                )
        except TimeLimitError:
            if solution is None:
                raise
            # Out of time in column generation or the repack (1,000 workloads on a loaded machine: the
            # generation's set-up ran 12 s past its share): the packed relaxation in hand is the plan.
    if solution is None or solution.status not in ("optimal", "feasible"):
        # No plan: where the run's time is spent, that is the time limit's doing (one line naming the stage),
        # not a sign that no plan exists.
        deadline.check("solving the large-fleet program")
        return exact, solution or Solution("no_solution", math.inf, math.inf, math.inf, solver=solver)
    solution = dataclasses.replace(solution, solver=solver)
    bound = min(max(bounds), solution.objective)
    gap = (solution.objective - bound) / solution.objective if solution.objective > 0 else 0.0
    status: SolveStatus = "optimal" if gap <= mip_gap + 1e-9 else "feasible"
    return exact, dataclasses.replace(solution, best_bound=bound, gap=gap, status=status)
