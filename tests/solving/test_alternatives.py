"""The alternatives beside the plan: a plan on one GPU type is itself a one-type plan.

helpers.scenario: office hosting, PUE 1, 0.10 USD/kWh, GPUs at full TDP (300 W) while busy, no headroom, 12
months: one GPU busy all month for a year costs 262.80 USD.
"""

from __future__ import annotations

import pytest

from planner.pipeline import solve

from builders import catalog, gpu, scenario, workload

GPU_YEAR = 262.8


def test_a_plan_on_owned_cards_of_one_type_is_the_best_single_type() -> None:
    """Owned 2 x Card24, nothing to buy or rent: the plan (two replicas spread by GPU, 2 x 262.80 USD) uses
    one GPU type, yet the alternative tried only the types on offer to buy or rent and read "infeasible"."""
    cat = catalog([gpu("Card24", 24)])
    owned = [{"gpu": "Card24", "gpu_count": 2, "base_power_w": 0}]
    work = [workload("chat", 10, min_replicas=2, spread="gpu")]
    plan = solve(scenario(work, hardware={"bought": False, "cloud": False}, owned=owned), cat)
    assert plan.total_cost == pytest.approx(2 * GPU_YEAR)
    single = {a.name: a for a in plan.alternatives}["best_single_gpu"]
    assert single.status == "optimal" and single.total_cost == pytest.approx(plan.total_cost)


def test_an_alternative_with_nothing_on_offer_is_not_applicable() -> None:
    """hardware.cloud false leaves no instance to rent: 'rent everything' would price the owned card alone
    under its label (hobbyist-timeshare printed 1,184 USD there)."""
    s = scenario(
        [workload("a", 10)],
        hardware={"cloud": False, "bought": False},
        owned=[{"gpu": "Card24", "count": 1, "name": "home"}],
    )
    by_name = {a.name: a for a in solve(s, catalog([gpu("Card24", 24)])).alternatives}
    for name, kind in (("all_cloud", "cloud instance"), ("all_bought", "system to buy")):
        assert (by_name[name].status, by_name[name].total_cost) == ("not applicable", None)
        assert by_name[name].reason == f"no {kind} is on offer to this scenario"
