"""Column generation for large fleets (solving.colgen): exact pricing and a bound that is a real bound.

Costs follow tests/builders.py: Card24 (24 GiB, 300 W) in a 1,000 USD desk system, a year of one busy GPU
is 262.80 USD of electricity.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.placement.colocation as colocation
from planner.pipeline import solve
from planner.placement.patterns import Member
from planner.solving.colgen import _Item, _knapsack

from builders import catalog, cloud, gpu, scenario, system, workload

CAT = catalog(
    [gpu("Card24", 24)],
    [system("desk-card24", "Card24"), system("duo", "Card24", 2, price=1700.0)],
    [cloud("c1", "Card24", price=0.5, spot=0.2)],
)


def _item(name: str, size: int, demand: int) -> _Item:
    return _Item(name, Member(name, 1, size, size, 0.0), size, 730.0, demand)


def test_knapsack_finds_the_best_multiset_by_hand() -> None:
    a, b, c = _item("a", 10, 1), _item("b", 7, 2), _item("c", 3, 5)
    # A + B + B fills 24 exactly for 5 + 4 + 4 = 13; every other mix is worth at most 11.
    best, top, exact = _knapsack([(5.0, a), (4.0, b), (1.0, c)], 24)
    assert exact and best == pytest.approx(13.0)
    assert sorted((it.workload, n) for it, n in top[-1][1]) == [("a", 1), ("b", 2)]
    # Two replicas at most: A + B (9). Capacity 12: B + C (5) beats C x 4 (4); A alone is not a pattern.
    assert _knapsack([(5.0, a), (4.0, b), (1.0, c)], 24, 2)[0] == pytest.approx(9.0)
    assert _knapsack([(5.0, a), (4.0, b), (1.0, c)], 12)[0] == pytest.approx(5.0)
    # Items worth nothing never enter a pattern: nothing prices out.
    assert _knapsack([(0.0, a), (-1.0, b)], 24)[1] == []


def _both(ws: list[dict[str, Any]]) -> tuple[Any, Any]:
    exact = solve(scenario(ws), CAT, alternatives=False)
    saved = colocation.PATTERN_BUDGET
    colocation.PATTERN_BUDGET = 0  # large-fleet mode on a small problem
    try:
        large = solve(scenario(ws), CAT, alternatives=False)
    finally:
        colocation.PATTERN_BUDGET = saved
    return exact, large


@settings(derandomize=True, deadline=None, max_examples=15)
@given(
    st.lists(
        st.tuples(st.integers(2, 12), st.integers(1, 3), st.sampled_from([730.0, 100.0])),
        min_size=1,
        max_size=5,
    )
)
def test_large_fleet_mode_never_beats_the_exact_optimum_and_its_bound_holds(
    specs: list[tuple[int, int, float]],
) -> None:
    ws = [
        workload(f"w{i}", gib, replicas=replicas, hours_per_month=hours)
        for i, (gib, replicas, hours) in enumerate(specs)
    ]
    exact, large = _both(ws)
    assert exact.status == "optimal"
    assert large.total_cost >= exact.total_cost - 1e-6
    assert large.best_bound <= exact.total_cost + 1e-6


def test_large_fleet_mode_finds_the_exact_optimum_of_a_packing_case() -> None:
    # 3 x 8 GiB + 2 x 12 GiB on 24 GiB cards: {8, 8, 8} and {12, 12} fill two GPUs, one duo:
    # 1,700 + 2 x 262.80 = 2,225.60 USD (two desks would cost 2,525.60).
    ws = [workload("small", 8, replicas=3), workload("half", 12, replicas=2)]
    exact, large = _both(ws)
    assert exact.total_cost == pytest.approx(1700 + 2 * 262.8)
    assert large.total_cost == pytest.approx(exact.total_cost)


def test_the_incremental_lp_master_solves_the_same_relaxation_as_pulp() -> None:
    from planner.ilp.master import LpMaster
    from planner.ilp.solve import solve_lp
    from planner.placement.candidates import build_candidates

    s = scenario(
        [workload("a", 8, replicas=3), workload("b", 12, replicas=2), workload("c", 20, hours_per_month=100)],
        budgets={"monthly_usd": 10_000},
    )
    data = build_candidates(s, CAT).data
    half = len(data.patterns) // 2
    master = LpMaster(data)
    via_pulp = solve_lp(data)
    direct = master.solve()
    assert direct.status == via_pulp.status == "optimal"
    assert direct.objective == pytest.approx(via_pulp.objective)
    # Columns appended later give the relaxation of the whole set.
    part = data.with_patterns(data.patterns[:half])
    grown = LpMaster(part)
    grown.add_patterns(data.patterns[half:])
    assert grown.solve().objective == pytest.approx(via_pulp.objective)


def test_knapsack_with_more_kinds_than_it_searches_is_not_exact_and_does_not_recurse_too_deep() -> None:
    items = [(1.0 + i / 1e4, _item(f"w{i}", 1000 + i, 1)) for i in range(1500)]
    best, top, exact = _knapsack(items, 8 * 2000)
    assert not exact and top
    # at least the eight densest kinds (they fit), at most the eight most valuable ones
    assert sum(v for v, _ in items[:8]) <= best <= sum(v for v, _ in items[-8:])
