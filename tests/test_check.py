"""The verifier catches broken plans: it must fail on each kind of damage, not just pass good plans. A plan
from ``solve`` has passed it already, so every test here damages a plan, or reads it against a scenario that
allows less, and expects the problem named."""

from __future__ import annotations

import pytest

from planner.check import VerificationError, verify_or_raise
from planner.check import verify as verify_plan
from planner.pipeline import solve
from planner.plan import Plan
from planner.scenario.schema import Scenario
from planner.units import GIB

from builders import catalog, cloud, gpu, scenario, system, workload

CAT = catalog([gpu("Card24", 24)], [system("desk-card24", "Card24")], [cloud("c1", "Card24")])
WORKLOADS = [workload("a", 10), workload("b", 10)]
SCENARIO = scenario(WORKLOADS)


@pytest.fixture(scope="module")
def plan() -> Plan:
    """Both 10 GiB replicas on one bought 1,000 USD Card24 desktop."""
    return solve(SCENARIO, CAT)


def verify(plan: Plan, s: Scenario = SCENARIO) -> list[str]:
    return verify_plan(plan, s)


def _with_assignment(plan: Plan, index: int, **change: object) -> Plan:
    assignments = list(plan.assignments)
    assignments[index] = assignments[index].model_copy(update=change)
    return plan.model_copy(update={"assignments": tuple(assignments)})


def test_over_capacity(plan: Plan) -> None:
    broken = _with_assignment(plan, 0, per_gpu_bytes=20 * GIB, reserved_bytes=20 * GIB)
    assert any("GPU 0: reserves" in p for p in verify(broken))


def test_reservation_below_headroom(plan: Plan) -> None:
    broken = _with_assignment(plan, 0, headroom=0.5)
    assert any("needs" in p and "headroom" in p for p in verify(broken))


def test_gpu_index_outside_the_unit(plan: Plan) -> None:
    assert any("outside unit" in p for p in verify(_with_assignment(plan, 0, gpu_indices=(1,))))


def test_a_launch_pinned_to_other_gpus() -> None:
    """A launch whose visible-devices pin is not the GPUs the replica was placed on would run it elsewhere."""
    cat = catalog([gpu("Card24", 24)], [system("duo", "Card24", 2)])
    chat = {"name": "chat", "model": "qwen2.5-7b", "engine": "vllm", "replicas": 2, "min_replicas": 2}
    s = scenario([{**chat, "spread": "gpu"}], hardware={"cloud": False})
    good = solve(s, cat, alternatives=False)
    assert [a.launch.env for a in good.assignments if a.launch] == [
        {"CUDA_VISIBLE_DEVICES": str(a.gpu_indices[0])} for a in good.assignments
    ]
    first = good.assignments[0]
    assert first.launch is not None
    swapped = first.launch.model_copy(update={"env": {"CUDA_VISIBLE_DEVICES": "9"}})
    assert any("launched on GPUs" in p for p in verify(_with_assignment(good, 0, launch=swapped), s))


def test_missing_replica(plan: Plan) -> None:
    broken = plan.model_copy(update={"assignments": plan.assignments[:1]})
    assert any("replicas [] expected 1..1" in p.replace(",", "") for p in verify(broken))


def test_cost_totals(plan: Plan) -> None:
    assert any(
        "sum of units" in p for p in verify(plan.model_copy(update={"total_cost": plan.total_cost + 1}))
    )
    unit = plan.units[0].model_copy(update={"energy_cost": plan.units[0].energy_cost + 5})
    assert any("residual + energy + hosting" in p for p in verify(plan.model_copy(update={"units": (unit,)})))


def test_cash_flow_adds_up_to_the_total(plan: Plan) -> None:
    flow = plan.cash_flows[0]
    last = flow.months[-1].model_copy(update={"cumulative": flow.total + 7})
    damaged = flow.model_copy(update={"total": flow.total + 7, "months": (*flow.months[:-1], last)})
    problems = verify(plan.model_copy(update={"cash_flows": (damaged,)}))
    assert "the plan's cash flow does not add up to its total over the horizon" in problems
    assert verify(plan) == []


def test_gap_is_measured_from_the_reported_bound(plan: Plan) -> None:
    """A time-limited plan once reported a 0.71 % gap beside a bound 0.66 % below its cost."""
    bound = plan.total_cost * 0.99
    assert verify(plan.model_copy(update={"best_bound": bound, "gap": 0.01})) == []
    assert any(
        "not (total - best bound)" in p
        for p in verify(plan.model_copy(update={"best_bound": bound, "gap": 0.0107}))
    )


def test_verify_or_raise(plan: Plan) -> None:
    with pytest.raises(VerificationError, match="failed verification"):
        verify_or_raise(plan.model_copy(update={"capex": 0.0}), SCENARIO)


def test_hardware_the_scenario_does_not_allow(plan: Plan) -> None:
    assert [u.kind for u in plan.units] == ["bought"]
    assert any(
        "hardware.bought is false" in p for p in verify(plan, scenario(WORKLOADS, hardware={"bought": False}))
    )
    other = scenario(WORKLOADS, hardware={"systems": ["desk-other"]})
    assert any("not in hardware.systems" in p for p in verify(plan, other))
    assert any(
        "not in hardware.gpus" in p for p in verify(plan, scenario(WORKLOADS, hardware={"gpus": ["X"]}))
    )
    # The GPU's canonical name in any case and spacing is the same GPU.
    assert verify(plan, scenario(WORKLOADS, hardware={"gpus": ["card 24"]})) == []


def test_stock_and_owned_inventory(plan: Plan) -> None:
    none_left = scenario(WORKLOADS, limits={"stock": {"desk-card24": 0}})
    assert any("1 units of desk-card24, stock 0" in p for p in verify(plan, none_left))
    owned = (plan.units[0].model_copy(update={"kind": "owned", "pricing": "owned", "capex": 0.0}),)
    assert any("more than the inventory" in p for p in verify(plan.model_copy(update={"units": owned})))


def test_budgets_are_compared_in_the_plans_currency() -> None:
    """1 USD = 2 EUR: the 1,000 USD desktop is 2,000 EUR of capex. A 1,500 USD budget (3,000 EUR) holds it;
    a 900 USD one (1,800 EUR) does not. The old check compared the USD budget with EUR capex."""
    euro = {"currency": "EUR", "usd_to_currency": 2.0}
    plan = solve(scenario(WORKLOADS, **euro), CAT, alternatives=False)
    assert plan.capex == pytest.approx(2000.0)
    assert verify(plan, scenario(WORKLOADS, budgets={"capex_usd": 1500}, **euro)) == []
    problems = verify(plan, scenario(WORKLOADS, budgets={"capex_usd": 900}, **euro))
    assert problems == ["capex budget (budgets.capex_usd): 1,000.00 USD used of 900.00"]


def test_every_limit_row_is_checked(plan: Plan) -> None:
    tight = scenario(WORKLOADS, limits={"power_kw": 0.1, "rack_units": 0}, budgets={"monthly_usd": 1})
    problems = "\n".join(verify(plan, tight))
    assert "IT power limit (limits.it_power_kw): 0.30 kW used of 0.10" in problems
    assert "monthly budget (budgets.monthly_usd)" in problems
    rack = plan.units[0].model_copy(update={"rack_units": 2})
    racked = plan.model_copy(update={"units": (rack,)})
    assert "rack space (limits.rack_units): 2.00 U used of 0.00" in "\n".join(verify(racked, tight))


def test_a_provider_quota() -> None:
    fleet = scenario(WORKLOADS, hardware={"bought": False})
    plan = solve(fleet, CAT, alternatives=False)
    assert {(u.provider, u.gpus) for u in plan.units} == {("testcloud", 1)}
    quota = scenario(
        WORKLOADS, hardware={"bought": False}, limits={"max_gpus_per_provider": {"testcloud": 0}}
    )
    problems = verify(plan, quota)
    assert problems == [
        "GPU quota of testcloud (limits.max_gpus_per_provider.testcloud): 1.00 GPUs used of 0.00"
    ]


def test_spot_and_hours_the_workloads_do_not_allow(plan: Plan) -> None:
    rented = plan.units[0].model_copy(
        update={"kind": "cloud", "pricing": "spot", "capex": 0.0, "provider": "testcloud"}
    )
    on_spot = plan.model_copy(update={"units": (rented,), "capex": 0.0, "opex": plan.total_cost})
    assert any("not interruptible" in p for p in verify(on_spot))
    short = rented.model_copy(update={"pricing": "on_demand", "hours_per_month": 100.0})
    assert any("billed 100.0 h/month" in p for p in verify(on_spot.model_copy(update={"units": (short,)})))


def test_a_plan_claiming_optimal_is_no_dearer_than_an_alternative(plan: Plan) -> None:
    alt = plan.alternatives[0].model_copy(update={"total_cost": plan.total_cost / 2})
    claimed = plan.model_copy(update={"status": "optimal", "gap": 0.0, "alternatives": (alt,)})
    assert any("less than the optimal plan" in p for p in verify(claimed))


def test_a_plan_carries_what_reports_need(plan: Plan) -> None:
    """The GPU's spec on every unit, and one answer to where each workload runs, in replica order whatever
    the order of the assignments."""
    assert all(u.gpu_spec == CAT.gpu("Card24") for u in plan.units)
    shuffled = plan.model_copy(update={"assignments": tuple(reversed(plan.assignments))})
    where = shuffled.placements()
    assert set(where) == {"a", "b"}
    assert [a.replica for a in where["a"]] == [1] and where["a"][0].unit == plan.units[0].id


def test_a_workload_without_an_engine_shows_the_one_the_memory_model_chose() -> None:
    """The Engine column was blank: the summary read a field the estimate does not have."""
    from planner.memory.api import estimate_memory

    cards = catalog([gpu("Card80", 80)], [system("desk-card80", "Card80")])
    plan = solve(scenario([{"name": "chat", "model": "llama-3.1-8b", "precision": "bf16"}]), cards)
    chosen = estimate_memory("llama-3.1-8b", precision="bf16").inputs["engine"]
    assert chosen and plan.workloads[0].engine == chosen
