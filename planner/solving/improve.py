"""Large fleets: the plan of the exact pattern program improved in the seconds the run has left.

The exact program (solving.large, step 3) is solved over the patterns column generation priced on the linear
relaxation, whose units are fractions: it is often optimal over them well before the run's end (200-workload
benchmark fleet at 60 s: after 15-22 s, the run done at 40-47 s). Over the same patterns nothing cheaper
exists, so a search that only frees and fixes parts of that program finds nothing; what the plan lacks are
patterns that pay with the units it actually buys. Each round here prices them: column generation again
(solving.colgen), on the options the plan buys, each capped at the units it buys and started from the
patterns the plan uses (so that its first relaxation holds the plan); the capacity rows' duals then price
the plan's own scarce GPUs, not the linear relaxation's fractions of units. The exact program is solved
again over its patterns and the new ones, never worse than the plan in hand (``solve_problem``'s start), and
a cheaper plan becomes the next round's. The run's bounds are untouched: the new plan is one more plan of
the same program, priced and checked as before.
"""

from __future__ import annotations

import dataclasses
import time

from planner.ilp.data import PatternData
from planner.ilp.solve import Solution, solve_problem
from planner.placement.candidates import Candidates
from planner.placement.patterns import Member
from planner.solving.colgen import generate

MIN_ROUND_S = 6.0
"""Least time left for a round. 200-workload benchmark fleet at load average 1-4: the pricing takes 4-6 s
and the exact program over the new patterns 5-7.5 s to its plan; given 5.7 and 6.8 s in two 60 s runs it
stopped without a cheaper plan, given 13.6 and 6.5 s it found one (docs/benchmarks.md, "Pricing on the
plan's own units")."""
PRICING_SHARE = 0.4
"""Share of a round's time column generation may take at most; the exact program gets the rest. On the
200-workload fleet the pricing ends by itself (no pattern prices out within the knapsacks' node limit)
after 20 rounds, 4-6 s, well within it."""


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
    solver, mip_gap = run
    made = 0  # patterns added so far, for ids of their own
    while until - time.perf_counter() >= max(MIN_ROUND_S, least):
        caps = {o: n for o, n in solution.units.items() if n}
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
        if not new or until - time.perf_counter() < max(MIN_ROUND_S / 2, least):
            break
        wider = dataclasses.replace(
            exact,
            data=exact.data.with_patterns([*exact.data.patterns, *new]),
            members={**exact.members, **members},
        )
        start = {**caps, **{p: n for p, n in solution.use.items() if n}}
        found = solve_problem(
            wider.data,
            solver=solver,
            time_limit_s=until - time.perf_counter(),
            mip_gap=mip_gap,
            start=start,
            whole_call=True,
        )
        if found.status not in ("optimal", "feasible") or found.objective >= solution.objective - 1e-6:
            break
        exact, solution = wider, found
    return exact, solution


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
