"""Load stated as a rate on the large-fleet path (aggregate relaxation, column generation, repacking): the
same plan as the exact program on fleets small enough for both, and a plan priced by hand.

The co-location budget is set to 0 so that small fleets take the large-fleet path. Prices and capacities
follow tests/placement/test_rate.py: two 48 GiB cloud cards, "Slow 48" at 1 USD/h and "Fast 48" at 3 USD/h,
rented all year (8,760 h); what one replica of the chat workload serves on each comes from
``capacity_within_slo``, computed here independently of the program.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import planner.placement.colocation as colocation
from planner.pipeline import solve
from planner.plan import Plan

from builders import catalog, cloud, gpu, rate_workload, replica_rate, scenario, workload

SLOW = gpu("Slow 48", 48.0).model_copy(update={"mem_bandwidth_gb_per_s": 500.0})
FAST = gpu("Fast 48", 48.0).model_copy(update={"mem_bandwidth_gb_per_s": 2000.0})
CAT = catalog(
    [SLOW, FAST], clouds=[cloud("slow1", "Slow 48", price=1.0), cloud("fast1", "Fast 48", price=3.0)]
)
HOURS = 730 * 12


chat = rate_workload


def _per_replica(card: str) -> float:
    return replica_rate(card, CAT)


def _large(ws: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch) -> Plan:
    with monkeypatch.context() as m:
        m.setattr(colocation, "PATTERN_BUDGET", 0)  # the large-fleet path on a small fleet
        return solve(scenario(ws), CAT, alternatives=False)


def test_a_rate_beside_shared_replicas_is_planned_on_the_large_fleet_path_at_the_hand_figure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Chat at 3 x the fast card's rate: ceil(rate / slow) slow cards at 1 USD/h or three fast ones at
    3 USD/h, whichever costs less. Three 20 GiB replicas of a measured workload: two share one 48 GiB card
    and the third takes another, both on the slow card (1 USD/h)."""
    slow, fast = _per_replica("Slow 48"), _per_replica("Fast 48")
    rate = 3 * fast
    chat_usd = min(math.ceil(rate / slow - 1e-9) * 1.0, 3 * 3.0) * HOURS
    ws = [chat(rate), workload("small", 20, replicas=3)]
    large = _large(ws, monkeypatch)
    assert large.total_cost == pytest.approx(chat_usd + 2 * 1.0 * HOURS)
    notes = [a.value for a in large.assumptions if a.name == "co-location"]
    assert any("aggregate relaxation bounds the cost" in str(note) for note in notes)  # the large path
    (perf,) = [w.performance for w in large.workloads if w.name == "chat"]
    assert perf is not None and perf.requests_per_s >= rate * (1 - 1e-9)
    assert large.best_bound <= large.total_cost + 1e-6


def test_min_replicas_above_the_rate_holds_on_the_large_fleet_path(monkeypatch: pytest.MonkeyPatch) -> None:
    # Half a slow card's rate needs one replica; min_replicas asks four, each on its own slow card.
    slow = _per_replica("Slow 48")
    large = _large([chat(0.5 * slow, min_replicas=4), workload("small", 20, replicas=2)], monkeypatch)
    assert [w.replicas for w in large.workloads if w.name == "chat"] == [4]
    assert large.total_cost == pytest.approx((4 + 1) * 1.0 * HOURS)


@settings(derandomize=True, deadline=None, max_examples=8)
@given(
    st.floats(0.3, 6.0),
    st.lists(st.tuples(st.integers(4, 40), st.integers(1, 3)), min_size=1, max_size=3),
)
def test_the_large_fleet_path_never_beats_the_exact_program_and_its_bound_holds(
    rate_in_fast_replicas: float, small: list[tuple[int, int]]
) -> None:
    ws = [chat(rate_in_fast_replicas * _per_replica("Fast 48"))]
    ws += [workload(f"m{i}", gib, replicas=n) for i, (gib, n) in enumerate(small)]
    exact = solve(scenario(ws), CAT, alternatives=False)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(colocation, "PATTERN_BUDGET", 0)
        large = solve(scenario(ws), CAT, alternatives=False)
    assert exact.status == "optimal"
    assert large.total_cost >= exact.total_cost - 1e-6
    assert large.best_bound <= exact.total_cost + 1e-6
    if large.status == "optimal":
        assert large.total_cost <= exact.total_cost * (1 + 1e-4) + 1e-6


def test_the_incremental_lp_master_keeps_the_rate_row_of_the_pulp_relaxation() -> None:
    from planner.ilp.master import LpMaster
    from planner.ilp.solve import solve_lp
    from planner.placement.candidates import build_candidates

    data = build_candidates(scenario([chat(7.0), workload("small", 20, replicas=3)]), CAT).data
    assert data.rate  # the rate row is in the program
    via_pulp = solve_lp(data)
    direct = LpMaster(data).solve()
    assert direct.status == via_pulp.status == "optimal"
    assert direct.objective == pytest.approx(via_pulp.objective)
    served = sum(data.served[p] * v for p, v in direct.values.items() if p in data.served)
    assert served >= 7.0 * (1 - 1e-9)


def test_column_generation_with_a_rate_converges_to_a_bound_below_the_exact_optimum(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Column generation on its own (the large path skips it where the packed relaxation meets the gap):
    its bound holds and the exact program over its patterns, with the rate row, finds the optimum."""
    import time

    from planner.ilp.solve import solve_problem
    from planner.placement.candidates import build_candidates
    from planner.solving.colgen import generate

    ws = [chat(2.2 * _per_replica("Fast 48")), workload("a", 14, replicas=3), workload("b", 9, replicas=2)]
    exact = solve(scenario(ws), CAT, alternatives=False)
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    c = build_candidates(scenario(ws), CAT)
    assert c.data.shared and c.data.rate
    generated = generate(c, deadline=time.perf_counter() + 60)
    assert generated.converged and generated.bound is not None
    assert generated.bound <= exact.total_cost + 1e-6
    over_patterns = solve_problem(generated.candidates.data, time_limit_s=60)
    assert over_patterns.objective == pytest.approx(exact.total_cost)


def test_the_rounded_linear_relaxation_keeps_every_demand_and_rate_and_packs_to_a_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The quick plan of the second core (solving.large._rounded_lp): whole replicas summing to each
    demand, a rate still served, and once packed a plan of the exact program priced no lower than the
    linear relaxation it came from."""
    from planner.ilp.incumbent import evaluate
    from planner.ilp.solve import solve_lp
    from planner.placement.candidates import build_candidates
    from planner.solving.large import _rounded_lp
    from planner.solving.repack import repack

    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    ws = [chat(2.2 * _per_replica("Fast 48")), workload("a", 14, replicas=3), workload("b", 9, replicas=5)]
    c = build_candidates(scenario(ws), CAT)
    lp = solve_lp(c.data)
    rounded = _rounded_lp(c.data, lp)
    for w in c.data.workloads:
        placed = sum(rounded.use.get(p.id, 0) for p, _ in c.data.patterns_with[w])
        placed += sum(rounded.share.get(s.id, 0) for s in c.data.shared_with[w])
        if w in c.data.rate:
            served = sum(c.data.served[p.id] * rounded.use.get(p.id, 0) for p, _ in c.data.patterns_with[w])
            assert served >= c.data.rate[w] * (1 - 1e-9) and placed >= c.data.demand[w]
        else:
            assert placed == c.data.demand[w]
    exact, start = repack(c, rounded)
    point = evaluate(exact.data, start)
    assert point is not None and point[0] >= lp.objective - 1e-6
