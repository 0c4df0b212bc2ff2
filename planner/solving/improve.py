"""Large fleets: the plan of the exact pattern program improved in the seconds the run has left.

The exact program (solving.large, step 3) is solved over the patterns column generation priced on the linear
relaxation, whose units are fractions: it is often optimal over them well before the run's end (figures:
docs/benchmarks.md, "The figures behind the tuned constants"). Over the same patterns nothing cheaper
exists, so a search that only frees and fixes parts of that program finds nothing; what the plan lacks are
patterns that pay with the units it actually buys. Each round here prices them: column generation again
(solving.colgen), on the options the plan buys, each capped at the units it buys and started from the
patterns the plan uses (so that its first relaxation holds the plan); the capacity rows' duals then price
the plan's own scarce GPUs, not the linear relaxation's fractions of units. The exact program is solved
again over its patterns and the new ones (``RESOLVE_WITHIN_PLAN``), never worse than the plan in hand
(``solve_problem``'s start), and a cheaper plan becomes the next round's. The run's bounds are untouched:
the new plan is one more plan of the same program, priced and checked as before.
"""

from __future__ import annotations

import dataclasses
import time

from planner.ilp.data import PatternData, ProblemData
from planner.ilp.incumbent import bought, evaluate
from planner.ilp.solve import Solution, solve_problem
from planner.placement.candidates import Candidates
from planner.placement.patterns import Member
from planner.solving.colgen import generate

MIN_ROUND_S = 6.0
"""Least time left for a round: the pricing and the exact program over the plan's options must both fit, or
the round only spends the seconds the assembly needs (figures: docs/benchmarks.md, "The figures behind the
tuned constants")."""
PRICING_SHARE = 0.6
"""Share of a round's time column generation may take at most; the exact program gets the rest, which the
plan's own options need far less of than pricing does (same section)."""
RESOLVE_WITHIN_PLAN = True
"""The exact program is solved again first over the options the plan buys only, then over all of step 3's in
the time left (a replica may move to an option the plan does not buy: tests/solving/test_improve.py): the
small program reaches the cheaper plan in a fraction of the whole one's time (same section)."""


def improve(
    candidates: Candidates,
    exact: Candidates,
    solution: Solution,
    ends: tuple[float, float],
    run: tuple[str, float],
) -> tuple[Candidates, Solution]:
    """``exact`` and its ``solution`` (a plan of it), improved by rounds of pricing on the plan's own units
    (module docstring) until a round finds no cheaper plan or less than a round's time is left.
    ``candidates``: the aggregate program, whose shared entries column generation prices; ``ends``: when the
    rounds must be done, and the least time the fleet's exact program needs (its caller's measure, beside
    ``MIN_ROUND_S``); ``run``: the solver and the exact program's gap."""
    until, least = ends
    made = 0  # patterns added so far, for ids of their own
    while until - time.perf_counter() >= max(MIN_ROUND_S, least):
        caps = bought(solution.units)
        if not caps:
            break
        priced, seeded = _capped(candidates, exact, solution, caps)
        began = time.perf_counter()
        generated = generate(priced, deadline=began + PRICING_SHARE * (until - began))
        seen = {(p.option, p.counts) for p in exact.data.patterns}
        new: list[PatternData] = []
        members: dict[str, tuple[Member, ...]] = {}
        for p in generated.candidates.data.patterns:
            if p.id in seeded or (p.option, p.counts) in seen:
                continue
            seen.add((p.option, p.counts))
            made += 1
            new.append(dataclasses.replace(p, id=f"i{made}"))
            members[new[-1].id] = generated.candidates.members[p.id]
        if not new or until - time.perf_counter() < least:
            break
        wider = dataclasses.replace(
            exact,
            data=exact.data.with_patterns([*exact.data.patterns, *new]),
            members={**exact.members, **members},
        )
        # First over the options the plan buys only (``RESOLVE_WITHIN_PLAN``), then over all of them in the
        # time left, each started from the cheapest plan so far; every plan is one of the wider program's.
        programs = [wider.data.restricted(set(caps)), wider.data] if RESOLVE_WITHIN_PLAN else [wider.data]
        before = solution.objective
        for index, data in enumerate(programs):
            if index and until - time.perf_counter() < least:
                break  # too little time for the whole program: the plan so far stands
            exact, solution = _better(wider, data, (exact, solution), until, run)
        if solution.objective >= before - 1e-6:
            break
    return exact, solution


def _better(
    wider: Candidates,
    data: ProblemData,
    best: tuple[Candidates, Solution],
    until: float,
    run: tuple[str, float],
) -> tuple[Candidates, Solution]:
    """``data`` (``wider``'s program or part of it) solved until ``until`` from the plan of ``best``; its plan
    with ``wider`` where it is a cheaper plan of ``wider``'s program, else ``best``."""
    solver, mip_gap = run
    solution = best[1]
    found = solve_problem(
        data,
        solver=solver,
        time_limit_s=until - time.perf_counter(),
        mip_gap=mip_gap,
        start={
            **bought(solution.units),
            **{p: n for p, n in solution.use.items() if n},
        },
        whole_call=True,
    )
    point = evaluate(wider.data, {**found.units, **found.use}) if found.status != "no_solution" else None
    if point is None or point[0] >= solution.objective - 1e-6:
        return best
    objective, units, use = point
    return wider, dataclasses.replace(
        found, objective=objective, units=units, use=use, share={}, shared_gpus={}
    )


def _capped(
    candidates: Candidates, exact: Candidates, solution: Solution, caps: dict[str, int]
) -> tuple[Candidates, set[str]]:
    """The aggregate program on the options the plan buys, each capped at its units, with the plan's own
    patterns on them (ids "k1", "k2", ...; returned as the second value) so that its relaxation holds the
    plan: column generation's first patterns (first-fit per option) may not fit the capped units."""
    used = [
        exact.data.pattern_by_id[p]
        for p, n in solution.use.items()
        if n and exact.data.pattern_by_id[p].option in caps
    ]
    seeds = [dataclasses.replace(p, id=f"k{index + 1}") for index, p in enumerate(used)]
    data = candidates.data.restricted(set(caps))
    data = dataclasses.replace(
        data,
        options=tuple(dataclasses.replace(o, max_units=caps[o.id]) for o in data.options),
        patterns=(*data.patterns, *seeds),
    )
    members = {**candidates.members, **{s.id: exact.members[p.id] for p, s in zip(used, seeds, strict=True)}}
    return dataclasses.replace(candidates, data=data, members=members), {s.id for s in seeds}
