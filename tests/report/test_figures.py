"""Derived figures shared by every report, against hand calculations on the conftest plan."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.pipeline import solve
from planner.plan import Alternative, Plan
from planner.report.figures import (
    break_even,
    chosen_mix,
    first_gpu_by_workload,
    gpu_usage,
    payback_month,
    reading,
    unit_label,
)
from planner.units import GIB

from builders import catalog, gpu, scenario, system, workload


def test_chosen_mix_groups_units_and_orders_buy_owned_rent(plan: Plan) -> None:
    second = plan.units[0].model_copy(update={"id": "workstation-2x-rtx-4090#2"})
    doubled = plan.model_copy(update={"units": (*plan.units, second)})
    mix = chosen_mix(doubled)
    assert [m.action for m in mix] == ["Buy", "Use owned", "Rent on demand", "Rent spot"]
    assert mix[0].count == 2
    assert mix[0].capex == pytest.approx(15_000.0)
    assert mix[0].cost == pytest.approx(2 * 12_033.30)
    assert mix[1].workloads == ("coding-model", "rag-embedding")


def test_cloud_units_with_different_duty_cycles_stay_apart(plan: Plan) -> None:
    cloud = plan.units[2]
    other = cloud.model_copy(update={"id": "aws:g6e.xlarge:us-east-1#2", "hours_per_month": 730.0})
    mix = chosen_mix(plan.model_copy(update={"units": (*plan.units, other)}))
    on_demand = [m for m in mix if m.pricing == "on_demand"]
    assert sorted(m.hours_per_month for m in on_demand) == [200.0, 730.0]


def test_reading_names_actions_hours_and_headline_saving(plan: Plan) -> None:
    text = reading(plan)
    assert text.startswith("Buy 1 x Workstation, 2 x RTX 4090 for chat-assistant;")
    assert "as spot (interruptible), 60 h/month for finetune-qlora" in text
    # 41,230 - 30,605.70 = 10,624.30, and 10,624.30 / 41,230 = 25.8 %.
    assert "10,624 USD (26%) less than renting everything" in text
    assert "; use 1 x Owned desktop, RTX 3090 for coding-model, rag-embedding;" in text


def test_reading_gives_a_small_saving_a_share_that_is_not_zero(plan: Plan) -> None:
    """A cloud-only plan 100 USD under its best alternative of 21,320 once read "100 USD (0%) less than using
    a single GPU type", as if it saved nothing; the table beside it said 0.5 %."""
    # 30,605.70 + 143 = 30,748.70; 143 / 30,748.70 = 0.465 %: "0.5%", not "0%".
    near = Alternative(
        name="best_single_gpu",
        description="One GPU type for everything",
        total_cost=30_748.70,
        status="optimal",
        saving=143.0,
    )
    text = reading(plan.model_copy(update={"alternatives": (near,)}))
    assert "143 USD (0.5%) less than using a single GPU type" in text
    # A whole percent stays whole; a saving under 0.05 % says so rather than "0.0%".
    tiny = near.model_copy(update={"total_cost": 30_615.70, "saving": 10.0})  # 10 / 30,615.70 = 0.033 %
    assert "10 USD (under 0.1%) less than" in reading(plan.model_copy(update={"alternatives": (tiny,)}))
    assert "(26%) less than renting everything" in reading(plan)


def test_reading_says_owned_once(plan: Plan) -> None:
    """The planner names owned inventory "<name> (owned)"; the reading once said "lab-box (owned) (already
    owned)"."""
    units = [
        u.model_copy(update={"option_name": "lab-box (owned)"}) if u.kind == "owned" else u
        for u in plan.units
    ]
    text = reading(plan.model_copy(update={"units": tuple(units)}))
    assert "; use 1 x lab-box (owned) for coding-model, rag-embedding;" in text
    assert "already owned" not in text


def test_break_even_by_hand(plan: Plan) -> None:
    be = break_even(plan)
    assert be.available
    assert be.rent_per_month == pytest.approx(41_230 / 36)
    assert be.saving_per_month == pytest.approx(41_230 / 36 - 641.825)
    assert be.months == pytest.approx(7_500 / (41_230 / 36 - 641.825))
    assert be.utilization == pytest.approx(7_500 / (41_230 - 6_898.5 - 16_207.2))


def test_break_even_not_available_without_purchases_or_all_cloud(plan: Plan) -> None:
    assert not break_even(plan.model_copy(update={"capex": 0.0})).available
    assert not break_even(plan.model_copy(update={"alternatives": ()})).available


@given(
    capex=st.floats(100, 1e6),
    energy=st.floats(0, 1e5),
    hosting=st.floats(0, 1e5),
    all_cloud=st.floats(1e3, 1e7),
)
def test_break_even_is_where_costs_meet(
    plan: Plan, capex: float, energy: float, hosting: float, all_cloud: float
) -> None:
    """At the break-even utilisation, renting everything costs what the plan costs (the definition)."""
    bought = plan.units[0].model_copy(update={"capex": capex, "energy_cost": energy, "hosting_cost": hosting})
    units = (bought, *plan.units[2:])
    cloud = sum(u.cost for u in units if u.kind == "cloud")
    total = capex + energy + hosting + cloud
    varied = plan.model_copy(
        update={
            "units": units,
            "capex": capex,
            "opex": total - capex,
            "opex_per_month": (total - capex) / 36,
            "total_cost": total,
            "alternatives": (Alternative(name="all_cloud", total_cost=all_cloud, status="optimal"),),
        }
    )
    be = break_even(varied)
    if be.utilization is not None:
        u = be.utilization
        assert u * all_cloud == pytest.approx(capex + hosting + u * (energy + cloud), rel=1e-9)
    if be.months is not None:
        assert be.months * be.saving_per_month == pytest.approx(capex, rel=1e-9)


def test_gpu_usage_sums_shared_gpus_and_lists_idle_ones(plan: Plan) -> None:
    spare = plan.units[1].model_copy(update={"id": "owned-rtx-3090#2"})
    usage = gpu_usage(plan.model_copy(update={"units": (*plan.units, spare)}))
    by_gpu = {(g.unit, g.index): g for g in usage}
    shared = by_gpu[("owned-rtx-3090#1", 0)]
    assert shared.reserved_bytes == 10 * GIB + round(3.75 * GIB)
    assert shared.free_bytes == 24 * GIB - shared.reserved_bytes
    assert by_gpu[("owned-rtx-3090#2", 0)].replicas == ()
    assert by_gpu[("owned-rtx-3090#2", 0)].reserved_bytes == 0


def test_reading_warns_when_the_plan_is_not_proven_optimal(plan: Plan) -> None:
    stopped = plan.model_copy(update={"status": "feasible", "gap": 0.034, "best_bound": 29_565.0})
    assert "at most 3.4% could still be saved (best bound 29,565 USD)" in reading(stopped)
    assert "could still be saved" not in reading(plan)


def test_units_are_named_by_provider_and_gpu(plan: Plan) -> None:
    """``lambda gpu_1x_a6000`` means little outside Lambda; the reader sees "Lambda 1x RTX A6000"."""
    cloud = plan.units[2].model_copy(
        update={"option_name": "lambda gpu_1x_a6000 (us-east-1)", "gpu": "RTX A6000", "provider": "lambda"}
    )
    assert unit_label(cloud) == "Lambda 1x RTX A6000"
    assert unit_label(cloud.model_copy(update={"provider": "newcloud"})) == "Newcloud 1x RTX A6000"
    text = reading(plan.model_copy(update={"units": (*plan.units[:2], cloud, plan.units[3])}))
    assert "rent 1 x Lambda 1x RTX A6000 on demand, 200 h/month" in text
    assert "Workstation, 2 x RTX 4090 for" in text  # bought machines keep their catalog name


def test_memory_chart_does_not_count_a_workloads_own_replicas_as_other_workloads(plan: Plan) -> None:
    """Two replicas of one small workload packed on one GPU: the second is "its other replicas", not
    "other workloads"; the bar names the GPU it sits on."""
    twin = plan.assignments[3].model_copy(update={"replica": 2})  # rag-embedding r2, 3.75 GiB, same GPU
    gpus = first_gpu_by_workload(plan.model_copy(update={"assignments": (*plan.assignments, twin)}))
    rag = gpus["rag-embedding"]
    assert rag.own_replicas_bytes == twin.reserved_bytes
    assert rag.others_reserved_bytes == plan.assignments[2].reserved_bytes  # coding-model, 10 GiB
    assert (rag.gpu, rag.unit, rag.index) == ("RTX 3090", "owned-rtx-3090#1", 0)


def test_payback_month_is_the_first_month_buying_costs_no_more(plan: Plan) -> None:
    """7,500 + 641.825 m <= 41,230 / 36 m first at m = 15 (17,127.38 <= 17,179.17; at 14: 16,485.55 >
    16,033.89)."""
    assert payback_month(plan) == 15


@pytest.mark.parametrize(
    ("second", "at_once"),
    [
        ({"schedule": {"start_hour": 20, "end_hour": 8}}, 16),  # by night: never beside the day's 16 GiB
        ({"schedule": {"start_hour": 18, "end_hour": 23}}, 24),  # 18-20 beside it: 16 + 8
        ({"exclusive_group": "desk"}, 16),  # someone switches between them: the larger
    ],
)
def test_workloads_taking_turns_on_a_gpu_hold_it_at_their_peak(second: dict[str, Any], at_once: int) -> None:
    """A 24 GiB card holding a 16 GiB model from 08 to 20 and an 8 GiB one at other hours holds 16 GiB at
    once, not 24; the shipped hobbyist-timeshare desktop read 117 % (22.29 + 5.80 of 24 GiB). Hours that
    overlap add up, and an exclusive group counts its largest, as the verifier checks the plan."""
    turns = (
        {"exclusive_group": "desk"}
        if "exclusive_group" in second
        else {"schedule": {"start_hour": 8, "end_hour": 20}}
    )
    day = workload("day", 16, **turns)
    cat = catalog([gpu("Card24", 24)], [system("desk", "Card24")])
    plan = solve(
        scenario([day, workload("evening", 8, **second)], hardware={"cloud": False}), cat, alternatives=False
    )
    (card,) = gpu_usage(plan)
    assert sorted(card.replicas) == ["day r1", "evening r1"]
    assert card.reserved_bytes == at_once * GIB


def test_a_replica_over_two_machines_fills_the_gpus_of_both_in_the_utilization() -> None:
    """deepseek-r1.yaml: one replica over two HGX H100 servers, pipeline stage 1 on the second, 56.30 GiB on
    each of its 16 GPUs, 56.30 / 0.9 = 62.55 reserved. The Utilization sheet and the JSON's gpu_usage listed
    the second server's 8 GPUs as idle (0 reserved): half of a 600,000 USD purchase shown unused."""
    from pathlib import Path

    from planner.catalog.load import load_catalog
    from planner.scenario.load import load_scenario

    root = Path(__file__).resolve().parents[2]
    plan = solve(load_scenario(root / "scenarios" / "deepseek-r1.yaml"), load_catalog(), alternatives=False)
    (a,) = plan.assignments
    assert a.units == ("server-8x-h100-sxm#1", "server-8x-h100-sxm#2")
    usage = gpu_usage(plan)
    assert len(usage) == 16
    for g in usage:
        assert g.replicas == ("r1-endpoint r1",), (g.unit, g.index)
        assert g.reserved_bytes / GIB == pytest.approx(62.55, abs=0.005)
