"""Why a scenario whose workloads each fit has no plan: the rule that binds is named, with what would fit.

helpers.scenario: office hosting, PUE 1, 0.10 USD/kWh, GPUs at full TDP (300 W) while busy, no headroom, 12
months: one GPU busy all month for a year costs 262.80 USD.
"""

from __future__ import annotations

from typing import Any

import pytest

from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.solving.diagnose import week_hours

from builders import catalog, gpu, scenario, workload

GPU_YEAR = 262.8
CAT = catalog([gpu("Card24", 24)])
ONLY_OWNED = {"bought": False, "cloud": False}
PAIR = [{"gpu": "Card24", "gpu_count": 2, "base_power_w": 0}]


def _refusal(workloads: list[dict[str, Any]], owned: list[dict[str, Any]] = PAIR) -> str:
    with pytest.raises(InfeasibleError) as raised:
        solve(scenario(workloads, hardware=ONLY_OWNED, owned=owned), CAT, alternatives=False)
    return str(raised.value)


def test_min_replicas_spread_by_machine_on_one_owned_machine_names_the_rule() -> None:
    """Two 10 GiB replicas, one owned machine of two 24 GiB cards: memory is plenty (20 of 48 GiB); spread
    by machine needs a second machine. It was blamed on memory ("not in pieces they fit")."""
    message = _refusal([workload("chat", 10, min_replicas=2)])
    assert "chat's min_replicas: 2 with spread: machine needs 2 machines, 1 owned" in message
    assert "spread: gpu would fit" in message and "pieces they fit" not in message
    # What the message says would fit does: one replica on each card, both busy all year.
    plan = solve(
        scenario([workload("chat", 10, min_replicas=2, spread="gpu")], hardware=ONLY_OWNED, owned=PAIR), CAT
    )
    assert plan.total_cost == pytest.approx(2 * GPU_YEAR)
    assert sorted(a.gpu_indices for a in plan.assignments) == [(0,), (1,)]


@pytest.mark.parametrize(("spread", "noun"), [("machine", "machines"), ("gpu", "GPUs")])
def test_spread_replicas_on_one_owned_single_card_machine_name_the_rule(spread: str, noun: str) -> None:
    """Two 10 GiB replicas kept apart, one owned machine of one 24 GiB card: the rule is in the patterns (one
    such replica per GPU), so relaxing the spread rows found nothing and memory was blamed ("24.00 GiB
    there, but not in pieces they fit")."""
    one_card = [{"gpu": "Card24", "gpu_count": 1, "base_power_w": 0}]
    message = _refusal([workload("chat", 10, min_replicas=2, spread=spread)], owned=one_card)
    assert f"chat's min_replicas: 2 with spread: {spread} needs 2 {noun}, 1 owned" in message, message
    assert "spread: none lets replicas share a GPU" in message and "pieces they fit" not in message
    # What the message says would fit does: both replicas on the one card, which is busy all year.
    plan = solve(
        scenario([workload("chat", 10, min_replicas=2, spread="none")], hardware=ONLY_OWNED, owned=one_card),
        CAT,
    )
    assert plan.total_cost == pytest.approx(GPU_YEAR)
    assert [a.gpu_indices for a in plan.assignments] == [(0,), (0,)]


def test_an_exclusive_group_is_counted_by_its_largest_member_and_a_wide_one_is_named() -> None:
    """a (15 GiB on each of 2 GPUs) and b (20 GiB) never run together, on one machine of two 24 GiB cards:
    at once they hold 30 GiB of 48, but a replica over two GPUs shares them with nothing. The message summed
    the group (50 GiB, "2.00 GiB more than the 48.00 GiB of GPU memory there"), blaming memory."""
    group = {"exclusive_group": "desk"}
    message = _refusal([workload("a", 15, gpus_per_replica=2, **group), workload("b", 20, **group)])
    assert "(30.00 GiB at once, each exclusive_group by its largest), 48.00 GiB there" in message, message
    assert "a spans several GPUs per replica, and only single-GPU replicas share a GPU" in message
    assert "more than the 48.00 GiB" not in message
    # Without the wide member the group fits: b alone on a card, busy all year.
    plan = solve(scenario([workload("b", 20, **group)], hardware=ONLY_OWNED, owned=PAIR), CAT)
    assert plan.total_cost == pytest.approx(GPU_YEAR)


def test_demand_over_time_names_the_months_without_a_plan_and_why() -> None:
    """b (months 1-5) fits the one owned single-card machine; a (months 6-12, two replicas spread by
    machine) does not. It said only "no plan meets every period's demand with the hardware, stock and owned
    inventory allowed", with nothing to change."""
    one_card = [{"gpu": "Card24", "gpu_count": 1, "base_power_w": 0}]
    message = _refusal(
        [workload("a", 10, min_replicas=2, start_month=6), workload("b", 10, end_month=5)], owned=one_card
    )
    assert message.startswith(
        "months 6-12: no plan fits the owned hardware (owned): a's min_replicas: 2 with spread: machine "
        "needs 2 machines, 1 owned"
    ), message


def test_the_spread_rule_is_not_blamed_where_memory_binds() -> None:
    """Two 20 GiB replicas of a and 20 GiB of b: 60 GiB against the machine's 48, however they spread."""
    message = _refusal([workload("a", 20, min_replicas=2), workload("b", 20)])
    assert "spread" not in message, message
    assert "12.00 GiB more than the 48.00 GiB of GPU memory there" in message, message


@pytest.mark.parametrize(
    ("workloads", "turns"),
    [
        # 20 and 18 GiB on one 24 GiB card: taking turns would fit.
        ([workload("a", 20), workload("b", 18)], True),
        # Both already run 9-17 every day: a schedule cannot make them take turns.
        (
            [
                workload("a", 20, schedule={"start_hour": 9, "end_hour": 17}),
                workload("b", 18, schedule={"start_hour": 9, "end_hour": 17}),
            ],
            False,
        ),
        # One workload of two replicas has nothing to take turns with.
        ([workload("a", 20, replicas=2)], False),
    ],
)
def test_taking_turns_is_offered_only_where_a_workload_could_get_a_schedule(
    workloads: list[dict[str, Any]], turns: bool
) -> None:
    message = _refusal(workloads, owned=[{"gpu": "Card24", "base_power_w": 0}])
    assert message.startswith("no plan fits the owned hardware (owned): the workloads reserve")
    assert ("take turns" in message) is turns, message


def test_overlapping_schedules_are_named_with_the_hours_they_overlap() -> None:
    """coder 20 GiB runs 8-20 every day, chat 18 GiB 18-23: 38 GiB against one 24 GiB card, and they cannot
    take turns because both run 18:00-20:00; the message names those hours (it said only that memory was
    short). Moving chat to 20-23 makes the same pair fit, one at a time."""
    card = [{"gpu": "Card24", "base_power_w": 0}]
    coder = workload("coder", 20, schedule={"start_hour": 8, "end_hour": 20})
    message = _refusal([coder, workload("chat", 18, schedule={"start_hour": 18, "end_hour": 23})], owned=card)
    assert "coder and chat both run 18:00-20:00 every day: their schedules overlap" in message, message
    later = workload("chat", 18, schedule={"start_hour": 20, "end_hour": 23})
    plan = solve(scenario([coder, later], hardware=ONLY_OWNED, owned=card), CAT, alternatives=False)
    assert {a.unit for a in plan.assignments} == {plan.units[0].id}


@pytest.mark.parametrize(
    ("slots", "text"),
    [
        # Monday and Tuesday 18-20.
        (frozenset({18, 19, 42, 43}), "18:00-20:00 on mon, tue"),
        # Sunday 22:00 to Monday 02:00 crosses the week's end: one run.
        (frozenset({166, 167, 0, 1}), "22:00-02:00 on sun"),
        # 9-17 on Monday, 10-11 on Wednesday: two runs.
        (frozenset(range(9, 17)) | {58}, "09:00-17:00 on mon; 10:00-11:00 on wed"),
    ],
)
def test_week_hours_reads_as_a_person_would_say_them(slots: frozenset[int], text: str) -> None:
    assert week_hours(slots) == text
