"""Availability: ``min_replicas`` keeps replicas apart by machine (default), by GPU, or not at all
(hand-computed plans).

helpers.scenario: office hosting, PUE 1, 0.10 USD/kWh, GPUs at full TDP while busy, no headroom, 12 months.
Card24 has 24 GiB and 300 W: one GPU busy all month for a year costs 0.3 kW x 730 h x 12 x 0.10 = 262.80 USD.
A desk (one Card24) costs 1,000 USD, a server with two Card24 1,800 USD; neither draws base power.
"""

from __future__ import annotations

from typing import Any

import pytest

from planner.check import verify
from planner.pipeline import solve
from planner.report.terminal import render_terminal

from builders import catalog, gpu, scenario, system, workload

GPU_YEAR = 262.8
CAT = catalog(
    [gpu("Card24", 24)], [system("desk", "Card24", price=1000.0), system("server", "Card24", 2, price=1800.0)]
)
LOCAL = {"cloud": False}


def _plan(workloads: list[dict[str, Any]], **hardware: Any) -> Any:
    return solve(scenario(workloads, hardware={**LOCAL, **hardware}), CAT, alternatives=False)


def test_two_replicas_without_a_rule_share_one_gpu() -> None:
    """Two 8 GiB replicas fit one desk's card: 1,000 + 262.80 (the GPU busy all month once)."""
    plan = _plan([workload("chat", 8, replicas=2)])
    assert plan.total_cost == pytest.approx(1000 + GPU_YEAR)
    assert {a.unit for a in plan.assignments} == {"desk#1"}


def test_min_replicas_spreads_over_machines_by_default() -> None:
    """min_replicas 2 (replicas raised from 1): two desks, 2 x (1,000 + 262.80) = 2,525.60; the server
    (1,800 + 525.60) would hold both on one machine."""
    plan = _plan([workload("chat", 8, min_replicas=2)])
    assert plan.total_cost == pytest.approx(2 * (1000 + GPU_YEAR)) and plan.status == "optimal"
    assert sorted(a.unit for a in plan.assignments) == ["desk#1", "desk#2"]
    (w,) = plan.workloads
    assert (w.replicas, w.min_replicas, w.spread, w.domains) == (2, 2, "machine", 2)
    assert "Availability: chat 2 replicas on 2 machines (min_replicas 2)." in render_terminal(plan, 200)


def test_spread_by_gpu_takes_the_server() -> None:
    """Apart by GPU only: the two-GPU server, 1,800 + 2 x 262.80 = 2,325.60 (two desks: 2,525.60)."""
    plan = _plan([workload("chat", 8, min_replicas=2, spread="gpu")])
    assert plan.total_cost == pytest.approx(1800 + 2 * GPU_YEAR)
    assert sorted((a.unit, a.gpu_indices) for a in plan.assignments) == [
        ("server#1", (0,)),
        ("server#1", (1,)),
    ]
    assert plan.workloads[0].domains == 2


def test_spread_none_only_counts() -> None:
    plan = _plan([workload("chat", 8, min_replicas=2, spread="none")])
    assert plan.total_cost == pytest.approx(1000 + GPU_YEAR)
    assert len(plan.assignments) == 2


def test_machine_spread_on_two_gpu_servers_puts_each_replica_on_its_own_server() -> None:
    """Servers only. chat (8 GiB, min_replicas 2) and batch (16 GiB): chat + batch fill one card (24 GiB).
    Apart by GPU: one server, GPU 0 chat + batch, GPU 1 chat: 1,800 + 2 x 262.80 = 2,325.60. Apart by
    machine: two servers, the second holding one chat replica alone: 3,600 + 525.60 = 4,125.60."""
    ws = [workload("batch", 16)]
    by_gpu = _plan([workload("chat", 8, min_replicas=2, spread="gpu"), *ws], systems=["server"])
    assert by_gpu.total_cost == pytest.approx(1800 + 2 * GPU_YEAR)
    by_machine = _plan([workload("chat", 8, min_replicas=2), *ws], systems=["server"])
    assert by_machine.total_cost == pytest.approx(3600 + 2 * GPU_YEAR) and by_machine.status == "optimal"
    chat = sorted(a.unit for a in by_machine.assignments if a.workload == "chat")
    assert chat == ["server#1", "server#2"]


def test_the_verifier_names_replicas_that_share_a_machine() -> None:
    plan = _plan([workload("chat", 8, replicas=2)])
    strict = scenario([workload("chat", 8, min_replicas=2)], hardware=LOCAL)
    assert verify(plan, strict) == ["chat: replicas 1 and 2 share desk#1 (spread: machine)"]


def test_min_replicas_keeps_workloads_apart_from_merging() -> None:
    """Two equal workloads with min_replicas 2 each need two machines, not four (merged, all four replicas
    would keep apart)."""
    plan = _plan([workload("a", 8, min_replicas=2), workload("b", 8, min_replicas=2)])
    assert plan.total_cost == pytest.approx(2 * (1000 + GPU_YEAR))


def test_each_workload_alone_keeps_its_replicas_on_their_own_machines() -> None:
    """Alone, two replicas would take one server (1,800 + 2 x 262.80 = 2,325.60), which the rule forbids;
    kept apart, two servers cost 3,600 + 525.60 and two desks 2,000 + 525.60 = 2,525.60, the plan's own
    cost. The alternative was reported infeasible ("exceed the stock or owned counts")."""
    plan = solve(scenario([workload("chat", 8, min_replicas=2)], hardware=LOCAL), CAT)
    alone = next(a for a in plan.alternatives if a.name == "cheapest_per_workload")
    assert alone.status == "optimal"
    assert alone.total_cost == pytest.approx(2 * (1000 + GPU_YEAR))


def test_spread_replicas_share_owned_machines_with_larger_replicas_rather_than_open_a_third() -> None:
    """Two owned 4-GPU servers; pair (20 GiB on each of 2 GPUs, two replicas apart by GPU) and solo
    (20 GiB, two replicas apart by machine). Six GPUs of the eight: each server holds one pair replica on
    GPUs 0-1 and one solo replica on GPU 2. Laid out largest first, both pair replicas filled the first server
    and the solo replicas opened a third, which the inventory does not have (the verifier refused the plan:
    an internal error, exit 1). Cost: six GPUs busy all year, 6 x 262.80 = 1,576.80 USD of electricity."""
    quad = catalog([gpu("Card24", 24)], [system("quad", "Card24", 4, price=4000.0)])
    owned = scenario(
        [
            workload("pair", 20, gpus_per_replica=2, min_replicas=2, spread="gpu"),
            workload("solo", 20, min_replicas=2),
        ],
        owned=[{"system": "quad", "count": 2}],
        hardware={"bought": False, "cloud": False},
    )
    plan = solve(owned, quad, alternatives=False)
    assert plan.total_cost == pytest.approx(6 * GPU_YEAR)
    assert sorted(u.id for u in plan.units) == ["owned-1#1", "owned-1#2"]
    held = sorted((a.unit, a.workload, a.gpu_indices) for a in plan.assignments)
    assert held == [
        ("owned-1#1", "pair", (0, 1)),
        ("owned-1#1", "solo", (2,)),
        ("owned-1#2", "pair", (0, 1)),
        ("owned-1#2", "solo", (2,)),
    ]


def test_a_replica_that_fills_a_machine_leaves_it_to_no_spread_replica() -> None:
    """Two owned 4-GPU servers; big fills one (20 GiB on each of its 4 GPUs) and solo (20 GiB) keeps two
    replicas apart by machine. The program counted solo's two replicas against the two servers and big only
    against their GPUs (6 of 8), so it planned no purchase, and the layout needed a third server the inventory
    does not have: an internal error. A server big fills holds nothing else, so it counts as one of the
    machines solo's replicas need: the second replica goes to a desk bought for 1,000 USD. Cost: six GPUs
    busy all year, 6 x 262.80, and the desk: 2,576.80 USD."""
    cat = catalog([gpu("Card24", 24)], [system("quad", "Card24", 4, price=4000.0), system("desk", "Card24")])
    plan = solve(
        scenario(
            [workload("big", 20, gpus_per_replica=4), workload("solo", 20, min_replicas=2)],
            owned=[{"system": "quad", "count": 2}],
            hardware={"cloud": False},
        ),
        cat,
        alternatives=False,
    )
    assert plan.total_cost == pytest.approx(6 * GPU_YEAR + 1000)
    held = sorted((a.unit, a.workload) for a in plan.assignments)
    assert [w for _, w in held].count("solo") == 2
    machines_of_solo = {u for u, w in held if w == "solo"}
    machine_of_big = {u for u, w in held if w == "big"}
    assert len(machines_of_solo) == 2 and not machines_of_solo & machine_of_big
    assert any(u.startswith("desk") for u in machines_of_solo)
