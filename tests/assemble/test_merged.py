"""A merged workload speaks for every workload it stands for: messages name them all ("chat-a + chat-b"),
while the plan gives each its own replicas back.

Hand figures with tests/builders.py's conventions: measured memory, no headroom, Card24 holds 24 GiB."""

from __future__ import annotations

import pytest

from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.placement.merge import merge_equivalent, stands_for

from builders import catalog, gpu, scenario, system, workload

ONE = catalog([gpu("Card24", 24)], [system("one", "Card24", 1, price=1000.0)])


def test_the_merged_label_names_every_workload_and_counts_a_fleet() -> None:
    assert stands_for(["chat-a", "chat-b"]) == "chat-a + chat-b"
    names = [f"w{i}" for i in range(1, 51)]
    assert stands_for(names) == " + ".join(names[:10]) + " and 40 more identical"
    m = merge_equivalent(scenario([workload("chat-a", 8), workload("chat-b", 8), workload("x", 9)]))
    assert [(w.name, w.replicas) for w in m.scenario.workloads] == [("chat-a + chat-b", 2), ("x", 1)]
    assert m.parts == {"chat-a + chat-b": (("chat-a", 1), ("chat-b", 1)), "x": (("x", 1),)}


def test_a_workload_that_fits_nowhere_names_both_identical_ones() -> None:
    """30 GiB fits no 24 GiB card; both workloads are that one, and the message said only 'chat-a'."""
    s = scenario([workload("chat-a", 30), workload("chat-b", 30)], hardware={"cloud": False})
    with pytest.raises(InfeasibleError, match=r"workload 'chat-a \+ chat-b' fits nowhere"):
        solve(s, ONE, alternatives=False)


def test_the_owned_hardware_message_names_both_and_counts_their_memory_once() -> None:
    """Two identical 10 GiB workloads and a 10 GiB one on one owned 24 GiB card: 30 GiB, 6 more than there is;
    the merged demand reserves 20 GiB and is listed as both of them."""
    s = scenario(
        [workload("chat-a", 10), workload("chat-b", 10), workload("coder", 10.5)],
        hardware={"cloud": False, "bought": False},
        owned=[{"gpu": "Card24", "count": 1, "name": "home"}],
    )
    with pytest.raises(InfeasibleError) as caught:
        solve(s, ONE, alternatives=False)
    assert "chat-a + chat-b 20.00 GiB, coder 10.50 GiB (30.50 GiB in all)" in str(caught.value)


def test_the_plan_keeps_each_workloads_own_name() -> None:
    s = scenario([workload("chat-a", 8), workload("chat-b", 8)], hardware={"cloud": False})
    plan = solve(s, ONE, alternatives=False)
    assert sorted((a.workload, a.replica) for a in plan.assignments) == [("chat-a", 1), ("chat-b", 1)]
    assert [w.name for w in plan.workloads] == ["chat-a", "chat-b"]
    assert "chat-a + chat-b" not in plan.model_dump_json()


def test_a_plan_over_periods_names_both_identical_ones_too() -> None:
    """Demand over time solves each period's merged scenario on its own path: there too the message names
    every workload the merged one stands for."""
    s = scenario(
        [workload("chat-a", 30, start_month=7), workload("chat-b", 30, start_month=7)],
        hardware={"cloud": False},
    )
    with pytest.raises(InfeasibleError, match=r"workload 'chat-a \+ chat-b' fits nowhere"):
        solve(s, ONE, alternatives=False)
