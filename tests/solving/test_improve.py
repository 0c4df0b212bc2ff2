"""Rounds of pricing on the plan's own units (solving.improve): cheaper plans of the same program, never
worse ones.

Costs follow tests/builders.py: Card24 (24 GiB, 300 W) in a 1,000 USD desk system or a 1,700 USD duo (two
GPUs); a year of one busy GPU is 262.80 USD of electricity.
"""

from __future__ import annotations

import time

import pytest

import planner.placement.colocation as colocation
from planner.ilp.incumbent import evaluate
from planner.ilp.solve import solve_problem
from planner.pipeline import solve
from planner.placement.candidates import Candidates, build_candidates
from planner.solving.improve import improve
from planner.solving.repack import repack

from builders import (
    OVERFILLED_DESK_YEAR,
    OVERFILLED_SPOT_YEAR,
    catalog,
    cloud,
    gpu,
    overfilled_desks,
    scenario,
    system,
    workload,
)

CAT = catalog(
    [gpu("Card24", 24)],
    [system("desk-card24", "Card24"), system("duo", "Card24", 2, price=1700.0)],
    [cloud("c1", "Card24", price=0.5, spot=0.2)],
)
# 3 x 8 GiB + 2 x 12 GiB: {8, 8, 8} and {12, 12} fill the two GPUs of one duo, 1,700 + 2 x 262.80 USD.
WORKLOADS = [workload("small", 8, replicas=3), workload("half", 12, replicas=2)]


def _aggregate(monkeypatch: pytest.MonkeyPatch) -> Candidates:
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)  # large-fleet form: shared entries, no co-location
    return build_candidates(scenario(WORKLOADS), CAT)


def test_a_plan_without_co_location_gains_the_patterns_its_units_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    c = _aggregate(monkeypatch)
    exact, _ = repack(c, None)  # the exact program over single replicas only: every replica a GPU of its own
    alone = solve_problem(exact.data, time_limit_s=30)
    assert alone.status == "optimal"
    assert all(n == 1 for p in exact.data.patterns for _, n in p.counts)
    # Five replicas on five GPUs: dearer than the duo the optimum buys.
    assert alone.objective > 1700 + 2 * 262.8 + 100
    better_c, better = improve(c, exact, alone, (time.perf_counter() + 30, 0.0), ("highs", 1e-4))
    # The optimum by the exact pipeline (every co-location pattern enumerated) and by hand.
    assert better.objective == pytest.approx(solve(scenario(WORKLOADS), CAT, alternatives=False).total_cost)
    assert better.objective == pytest.approx(1700 + 2 * 262.8)
    # A plan of the wider program, priced by it, whose patterns each fit one 24 GiB GPU.
    point = evaluate(better_c.data, {**better.units, **better.use})
    assert point is not None and point[0] == pytest.approx(better.objective)
    for pid, n in better.use.items():
        if n:
            assert sum(m.reserved_bytes for m in better_c.members[pid]) <= 24 * 2**30


def test_an_optimal_plan_is_kept_and_no_time_means_no_round(monkeypatch: pytest.MonkeyPatch) -> None:
    c = _aggregate(monkeypatch)
    exact, _ = repack(c, None)
    alone = solve_problem(exact.data, time_limit_s=30)
    # Out of time: the plan in hand, as it was.
    kept_c, kept = improve(c, exact, alone, (time.perf_counter() + 1.0, 0.0), ("highs", 1e-4))
    assert kept is alone and kept_c is exact
    # From the optimum no round finds anything cheaper: the same plan back.
    best_c, best = improve(c, exact, alone, (time.perf_counter() + 30, 0.0), ("highs", 1e-4))
    assert best.objective == pytest.approx(1700 + 2 * 262.8)
    again_c, again = improve(c, best_c, best, (time.perf_counter() + 30, 0.0), ("highs", 1e-4))
    assert again is best and again_c is best_c


def test_the_rounds_reach_the_plan_that_room_to_pack_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/placement/test_shared.py's overfilled relaxation, packed without room to pack and without
    column generation: three 100 GiB desks hold 48, 48, 48, 36 and 20 GiB (no packing puts them on two).
    Priced on those three desks, the rounds find patterns that hold all but one 48 GiB replica on two of
    them, and the exact program puts that interruptible replica on spot: the plan room to pack finds."""
    import planner.solving.large as large_fleet
    from planner.solving.colgen import Generated

    desk_year, spot_year = OVERFILLED_DESK_YEAR, OVERFILLED_SPOT_YEAR
    cat, fleet = overfilled_desks()
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "generate", lambda c, **_: Generated(c, None, 0, 0))
    monkeypatch.setattr(large_fleet, "PACKING_FILL", 1.0)
    plan = solve(fleet, cat, alternatives=False)
    assert plan.total_cost == pytest.approx(2 * desk_year + spot_year)
    assert plan.best_bound == pytest.approx(2 * desk_year)
    monkeypatch.setattr(large_fleet, "improve", lambda c, exact, solution, *_: (exact, solution))
    assert solve(fleet, cat, alternatives=False).total_cost == pytest.approx(3 * desk_year)
