"""Time-sharing: workloads that never run at the same time hold the same memory in turns (hand-computed).

helpers.scenario: office hosting (a machine draws power only while its GPU works), PUE 1, 0.10 USD/kWh,
GPUs at full TDP (300 W) while busy, no headroom, 12 months; a desk with one 24 GiB Card24 costs 1,000 USD.
A GPU busy 365 h a month for a year costs 0.3 x 365 x 12 x 0.10 = 131.40 USD; busy all month, 262.80.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from planner.catalog.load import load_catalog
from planner.check import verify
from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.scenario.load import load_scenario

from builders import catalog, gpu, scenario, system, workload

CAT = catalog([gpu("Card24", 24)], [system("desk", "Card24", price=1000.0)])
DAY = {"start_hour": 8, "end_hour": 20}
NIGHT = {"start_hour": 20, "end_hour": 8}
HALF = {"hours_per_month": 365}


def _plan(ws: list[dict[str, Any]], **extra: Any) -> Any:
    return solve(scenario(ws, **extra), CAT, alternatives=False)


def test_day_and_night_workloads_take_turns_on_one_card() -> None:
    """16 + 12 GiB do not fit 24 GiB at once, but one runs 08-20 and the other 20-08: one desk, its GPU busy
    730 h: 1,000 + 262.80. Without schedules: two desks, each GPU 365 h: 2 x (1,000 + 131.40)."""
    shared = _plan(
        [workload("coder", 16, schedule=DAY, **HALF), workload("chat", 12, schedule=NIGHT, **HALF)]
    )
    assert shared.total_cost == pytest.approx(1000 + 262.8) and shared.status == "optimal"
    assert {a.unit for a in shared.assignments} == {"desk#1"}
    apart = _plan([workload("coder", 16, **HALF), workload("chat", 12, **HALF)])
    assert apart.total_cost == pytest.approx(2 * (1000 + 131.4))


def test_overlapping_schedules_do_not_share() -> None:
    """08-20 and 18-24 overlap from 18 to 20: two desks."""
    evening = {"start_hour": 18, "end_hour": 24}
    plan = _plan([workload("coder", 16, schedule=DAY, **HALF), workload("chat", 12, schedule=evening)])
    assert len(plan.units) == 2


def test_weekday_and_weekend_schedules_share() -> None:
    weekdays = {"start_hour": 0, "end_hour": 24, "days": ["mon", "tue", "wed", "thu", "fri"]}
    weekend = {"start_hour": 0, "end_hour": 24, "days": ["sat", "sun"]}
    plan = _plan([workload("a", 16, schedule=weekdays, **HALF), workload("b", 12, schedule=weekend)])
    assert [u.id for u in plan.units] == ["desk#1"]


def test_an_exclusive_group_counts_its_largest_member() -> None:
    """a (16 GiB) and b (12) never run together; c (6) runs beside either: 16 + 6 = 22 GiB fits one card."""
    group = {"exclusive_group": "desk", **HALF}
    plan = _plan([workload("a", 16, **group), workload("b", 12, **group), workload("c", 6, **HALF)])
    assert [u.id for u in plan.units] == ["desk#1"]
    # a and b may not merge into one workload of two replicas (those would run at the same time).
    twins = _plan([workload("a", 16, **group), workload("b", 16, **group)])
    assert [u.id for u in twins.units] == ["desk#1"]


def test_the_verifier_sums_what_runs_at_the_same_time() -> None:
    shared = _plan(
        [workload("coder", 16, schedule=DAY, **HALF), workload("chat", 12, schedule=NIGHT, **HALF)]
    )
    at_once = scenario([workload("coder", 16, **HALF), workload("chat", 12, **HALF)])
    (problem,) = [p for p in verify(shared, at_once) if "GPU 0" in p]
    assert problem == f"desk#1 GPU 0: reserves {28 * 2**30} bytes of {24 * 2**30}"


def test_owned_hardware_short_of_memory_names_the_workloads() -> None:
    """The old message blamed "the stock limits (limits.stock)", which the scenario never set."""
    owned = {"hardware": {"bought": False, "cloud": False}, "owned": [{"gpu": "Card24"}]}
    message = (
        r"no plan fits the owned hardware \(owned\): the workloads reserve coder 16.00 GiB, chat 12.00 GiB "
        r"\(28.00 GiB in all\), 4.00 GiB more than the 24.00 GiB of GPU memory there; workloads that never "
        r"run at the same time can take turns \(schedule, exclusive_group\)"
    )
    with pytest.raises(InfeasibleError, match=message):
        _plan([workload("coder", 16, **HALF), workload("chat", 12, **HALF)], **owned)


def test_the_time_shared_hobbyist_example() -> None:
    """scenarios/hobbyist-timeshare.yaml: the 32B coder (22.56 GiB reserved) by day and the 7B chat (5.86)
    by night on one owned RTX 3090 (24 GiB); only electricity: (350 W x 0.6 + 120 W base) x 625 h a month
    x 24 months x 0.2391 USD/kWh = 1,183.55 USD."""
    root = Path(__file__).resolve().parents[2]
    plan = solve(
        load_scenario(root / "scenarios" / "hobbyist-timeshare.yaml"), load_catalog(), alternatives=False
    )
    assert plan.status == "optimal"
    assert plan.total_cost == pytest.approx(0.33 * 625 * 24 * 0.2391)
    assert {a.unit for a in plan.assignments} == {"home desktop#1"}  # owned machines keep their name
