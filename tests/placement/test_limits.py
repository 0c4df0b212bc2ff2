"""Limit rows declared once (placement.limits): a per-provider GPU quota, added as one definition, is kept
by the program, the dominance rule, the incumbent check, the diagnosis and the verifier (hand-computed plans).

Two providers rent the same 1 x 24 GiB machine: "cheap" at 1 USD/h, "dear" at 2 USD/h. Each replica needs
16 GiB, so no two share a GPU. Over 12 months of 730 h a cheap GPU costs 8,760 USD, a dear one 17,520 USD.
"""

from __future__ import annotations

import pytest

from planner.errors import InfeasibleError, ScenarioError
from planner.pipeline import solve
from planner.placement.candidates import build_candidates

from builders import catalog, cloud, gpu, scenario, workload

CAT = catalog(
    [gpu("Card24", 24)],
    clouds=[
        cloud("one", "Card24", price=1.0, provider="cheap"),
        cloud("one", "Card24", price=2.0, provider="dear"),
    ],
)
CHEAP, DEAR = 8760.0, 17520.0
CLOUD_ONLY = {"bought": False, "pricing": ["on_demand"]}


def _fleet(**limits: object) -> object:
    return scenario([workload("a", 16, replicas=3)], hardware=CLOUD_ONLY, limits=limits)


def test_without_a_quota_every_replica_rents_from_the_cheaper_provider() -> None:
    plan = solve(_fleet(), CAT, alternatives=False)  # type: ignore[arg-type]
    assert plan.total_cost == pytest.approx(3 * CHEAP)
    assert {u.provider for u in plan.units} == {"cheap"}


def test_a_quota_sends_the_rest_to_the_other_provider() -> None:
    """Quota 1 at "cheap": one cheap GPU and two dear ones, 8,760 + 2 x 17,520 = 43,800 USD. The offers'
    pruning once kept only the cheapest of identical machines, and the plan was "infeasible"."""
    fleet = _fleet(max_gpus_per_provider={"cheap": 1})
    plan = solve(fleet, CAT, alternatives=False)  # type: ignore[arg-type]
    assert plan.total_cost == pytest.approx(CHEAP + 2 * DEAR) and plan.status == "optimal"
    assert sorted(u.provider for u in plan.units) == ["cheap", "dear", "dear"]


def test_the_quota_is_one_row_everywhere_it_is_read() -> None:
    fleet = _fleet(max_gpus_per_provider={"cheap": 1})
    data = build_candidates(fleet, CAT).data  # type: ignore[arg-type]
    (row,) = data.limits
    assert (row.label, row.unit, row.bound) == ("limits.max_gpus_per_provider.cheap", "GPUs", 1.0)
    by_provider = {o.label.split(":")[0]: row.coefficient(o.id) for o in data.options}
    assert by_provider == {"cheap": 1.0, "dear": 0.0}
    # restricted() copies the rows with the rest of the data: an alternative keeps the quota.
    assert data.restricted({o.id for o in data.options}).limits == data.limits


def test_a_quota_nothing_can_meet_says_which_and_by_how_much() -> None:
    fleet = scenario(
        [workload("a", 16, replicas=3)],
        hardware={**CLOUD_ONLY, "providers": ["cheap"]},
        limits={"max_gpus_per_provider": {"cheap": 1}},
    )
    message = r"GPU quota of cheap \(limits.max_gpus_per_provider.cheap\) is short by 2 GPUs"
    with pytest.raises(InfeasibleError, match=message):
        solve(fleet, CAT, alternatives=False)


def test_an_unknown_provider_in_the_quota_is_an_error() -> None:
    with pytest.raises(ScenarioError, match=r"limits.max_gpus_per_provider.chepa: unknown provider"):
        solve(_fleet(max_gpus_per_provider={"chepa": 1}), CAT)  # type: ignore[arg-type]


def test_a_negative_quota_is_refused() -> None:
    with pytest.raises(ValueError, match="cheap must be >= 0"):
        _fleet(max_gpus_per_provider={"cheap": -1})
