"""The verifier catches broken plans: it must fail on each kind of damage, not just pass good plans."""

from __future__ import annotations

import pytest

from planner.check import VerificationError, verify, verify_or_raise
from planner.pipeline import solve
from planner.plan import Plan
from planner.units import GIB

from .helpers import catalog, cloud, gpu, scenario, system, workload

CAT = catalog([gpu("Card24", 24)], [system("desk-card24", "Card24")], [cloud("c1", "Card24")])


@pytest.fixture(scope="module")
def plan() -> Plan:
    return solve(scenario([workload("a", 10), workload("b", 10)]), CAT, alternatives=False)


def test_a_solved_plan_verifies(plan: Plan) -> None:
    assert verify(plan) == []


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


def test_missing_replica(plan: Plan) -> None:
    broken = plan.model_copy(update={"assignments": plan.assignments[:1]})
    assert any("replicas [] expected 1..1" in p.replace(",", "") for p in verify(broken))


def test_cost_totals(plan: Plan) -> None:
    assert any(
        "sum of units" in p for p in verify(plan.model_copy(update={"total_cost": plan.total_cost + 1}))
    )
    unit = plan.units[0].model_copy(update={"energy_cost": plan.units[0].energy_cost + 5})
    assert any("capex + energy + hosting" in p for p in verify(plan.model_copy(update={"units": (unit,)})))


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
        verify_or_raise(plan.model_copy(update={"capex": 0.0}))
