"""Equivalent workloads merged into one demand (placement.merge): same optimum, replicas split back in order.

Hand-computed with the helpers' conventions (tests/builders.py): Card24 has 24 GiB and 300 W, one GPU
busy all month for the 12-month horizon burns 0.3 kW x 730 h x 12 x 0.10 USD = 262.80 USD.
"""

from __future__ import annotations

import pytest

from planner.pipeline import solve
from planner.placement.merge import merge_equivalent

from builders import catalog, gpu, scenario, system, workload

ENERGY_YEAR = 262.8
DUO = catalog([gpu("Card24", 24)], [system("duo", "Card24", 2, price=1500.0)])


def test_only_workloads_equal_but_for_name_and_replicas_merge() -> None:
    s = scenario(
        [
            workload("a", 8),
            workload("b", 8, replicas=2),
            workload("c", 8, hours_per_month=100),
            workload("d", 8),
            workload("e", 9),
        ]
    )
    m = merge_equivalent(s)
    # The merged workload is named after all three, so that messages about it name them all.
    assert m.parts == {"a + b + d": (("a", 1), ("b", 2), ("d", 1)), "c": (("c", 1),), "e": (("e", 1),)}
    assert [(w.name, w.replicas) for w in m.scenario.workloads] == [("a + b + d", 4), ("c", 1), ("e", 1)]
    assert merge_equivalent(scenario([workload("a", 8), workload("b", 9)])).scenario.workloads == (
        scenario([workload("a", 8), workload("b", 9)]).workloads
    )


def test_merged_plan_splits_replicas_back_and_keeps_the_optimum() -> None:
    # 4 replicas of 8 GiB: 3 fill one 24 GiB GPU, the 4th takes the second GPU of one duo unit:
    # 1,500 + 2 x 262.80 = 2,025.60 USD, as for a single workload with 4 replicas.
    plan = solve(scenario([workload("a", 8), workload("b", 8, replicas=2), workload("d", 8)]), DUO)
    single = solve(scenario([workload("x", 8, replicas=4)]), DUO)
    assert plan.total_cost == pytest.approx(1500 + 2 * ENERGY_YEAR) == single.total_cost
    assert sorted((a.workload, a.replica) for a in plan.assignments) == [
        ("a", 1),
        ("b", 1),
        ("b", 2),
        ("d", 1),
    ]
    assert [w.replicas for w in plan.workloads] == [1, 2, 1]
    assert sum(w.cost for w in plan.workloads) == pytest.approx(plan.total_cost)


def test_per_workload_baseline_still_prices_each_original_alone() -> None:
    # Alone, a (1 replica), b (2) and d (1) each buy a duo unit: 3 x 1,500 + 4 x 262.80 = 5,551.20 USD;
    # the merged demand of 4 alone would need only 2 units (4,051.20), which is not the baseline.
    plan = solve(scenario([workload("a", 8), workload("b", 8, replicas=2), workload("d", 8)]), DUO)
    alt = next(a for a in plan.alternatives if a.name == "cheapest_per_workload")
    assert alt.total_cost == pytest.approx(3 * 1500 + 4 * ENERGY_YEAR)
