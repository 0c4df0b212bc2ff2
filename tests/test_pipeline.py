"""End-to-end optimizer cases small enough to solve by hand.

Unless a test says otherwise (helpers.scenario): office hosting (no fee, PUE 1), electricity 0.10 USD/kWh,
GPUs at full TDP while busy, no headroom, a 12-month horizon; Card24 has 24 GiB, 300 W and its desk system
costs 1,000 USD with no base power. One Card24 busy all month for a year therefore costs
0.3 kW x 730 h x 12 x 0.10 = 262.80 USD of electricity.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from planner.errors import InfeasibleError, PlannerError, ScenarioError
from planner.pipeline import solve
from planner.placement.memory import Footprint
from planner.scenario.schema import Workload
from planner.units import GIB

from builders import catalog, cloud, gpu, scenario, system, workload

ENERGY_YEAR = 262.8
CARD = gpu("Card24", 24)
CAT = catalog([CARD], [system("desk-card24", "Card24")], [cloud("c1", "Card24", price=0.5, spot=0.2)])


def _solve(ws: list[dict[str, object]], cat=CAT, **extra: object):  # type: ignore[no-untyped-def]
    plan = solve(scenario(ws, **extra), cat)
    return plan


def test_two_small_workloads_share_one_card() -> None:
    plan = _solve([workload("a", 10), workload("b", 10)])
    assert plan.total_cost == pytest.approx(1000 + ENERGY_YEAR)
    assert [u.id for u in plan.units] == ["desk-card24#1"]
    assert {(a.workload, a.unit, a.gpu_indices) for a in plan.assignments} == {
        ("a", "desk-card24#1", (0,)),
        ("b", "desk-card24#1", (0,)),
    }
    assert plan.status == "optimal" and plan.gap == pytest.approx(0, abs=1e-6)


def test_workloads_that_do_not_fit_together_take_two_cards() -> None:
    plan = _solve([workload("a", 14), workload("b", 14)])
    assert plan.total_cost == pytest.approx(2 * (1000 + ENERGY_YEAR))
    assert len(plan.units) == 2


def test_headroom_can_stop_sharing() -> None:
    # a reserves 10 / (1 - 0.5) = 20 GiB, so 20 + 10 > 24: two cards instead of one.
    plan = _solve([workload("a", 10, headroom=0.5), workload("b", 10)])
    assert plan.total_cost == pytest.approx(2 * (1000 + ENERGY_YEAR))
    a = next(x for x in plan.assignments if x.workload == "a")
    assert a.reserved_bytes == 20 * GIB


def test_part_time_workloads_sharing_a_gpu_pay_their_hours_summed_bought_or_rented() -> None:
    """One rule for replicas sharing one GPU: they share its compute, so the GPU is busy for their hours
    summed. Bought: 1,000 + 0.3 kW x (100 + 100) h x 12 x 0.10 = 1,072 USD. Rented: one instance would have
    to run 200 h a month, and the instance rented for 100 h may not hold both (it billed both for 100 h,
    600 USD, while a bought card paid 200 h of energy); two instances cost 2 x 0.50 x 100 x 12 = 1,200."""
    plan = _solve([workload("a", 10, hours_per_month=100), workload("b", 10, hours_per_month=100)])
    assert plan.total_cost == pytest.approx(1072.0)
    assert [u.id for u in plan.units] == ["desk-card24#1"]
    alts = {a.name: a for a in plan.alternatives}
    assert alts["all_cloud"].total_cost == pytest.approx(1200.0)
    assert alts["all_bought"].total_cost == pytest.approx(1072.0)
    assert alts["cheapest_per_workload"].total_cost == pytest.approx(1200.0)


def test_the_per_workload_answer_that_breaks_the_budget_is_no_alternative() -> None:
    """Alone, the workload's cheapest offer is a desk (1,000 + 262.80 USD a year); a capex budget of 500 USD
    rules buying out, so the plan rents (0.50 USD/h x 730 h x 12 = 4,380). The desk is no plan of this
    scenario: the per-workload alternative is reported infeasible, not as a 3,117 USD "saving" of -71 %."""
    plan = _solve([workload("a", 14)], budgets={"capex_usd": 500})
    assert plan.total_cost == pytest.approx(4380.0) and plan.capex == 0
    alts = {a.name: a for a in plan.alternatives}
    assert alts["cheapest_per_workload"].status == "infeasible"
    assert alts["cheapest_per_workload"].total_cost is None
    assert all(a.saving is None or a.saving >= 0 for a in plan.alternatives)


def test_a_workload_of_fewer_hours_shares_an_instance_that_runs_longer() -> None:
    """On one GPU, a's 100 hours and b's 200 need 300 (they share its compute): no instance is rented
    for 300 h, so a and b rent apart, 0.50 x (100 + 200) x 12 = 1,800 USD; at 200 h each, 2,400. Fewer
    hours never cost more."""
    plan = _solve(
        [workload("a", 10, hours_per_month=100), workload("b", 10, hours_per_month=200)],
        hardware={"bought": False},
    )
    assert plan.total_cost == pytest.approx(0.5 * 300 * 12)
    assert sorted(u.hours_per_month for u in plan.units) == [100.0, 200.0]
    same = _solve(
        [workload("a", 10, hours_per_month=200), workload("b", 10, hours_per_month=200)],
        hardware={"bought": False},
    )
    assert same.total_cost == pytest.approx(0.5 * 400 * 12) and plan.total_cost <= same.total_cost


def test_spot_only_for_interruptible_workloads() -> None:
    """10 + 15 GiB do not fit one 24 GiB card together (at 14 GiB they share one on-demand instance, 600 USD,
    which beats spot plus on demand, 840)."""
    plan = _solve(
        [
            workload("batch", 10, hours_per_month=100, interruptible=True),
            workload("chat", 15, hours_per_month=100),
        ],
        hardware={"bought": False},
    )
    pricing = {a.workload: next(u.pricing for u in plan.units if u.id == a.unit) for a in plan.assignments}
    assert pricing == {"batch": "spot", "chat": "on_demand"}
    assert plan.total_cost == pytest.approx(0.2 * 100 * 12 + 0.5 * 100 * 12)


def test_reserved_pays_every_hour_of_each_started_term() -> None:
    from planner.catalog.schema import ReservedDiscount

    cat = catalog(
        [CARD],
        clouds=[cloud("c1", "Card24", price=0.5)],
        discounts=[
            ReservedDiscount(provider="testcloud", one_year=0.4, three_year=0.6, verified=True, source="t")
        ],
    )
    # on demand 0.5 x 730 x 12 = 4,380; 1y 0.3 x 730 x 12 = 2,628; 3y 0.2 x 730 x 36 (a whole term) = 5,256.
    plan = _solve([workload("a", 10)], cat)
    assert plan.total_cost == pytest.approx(2628.0)
    assert plan.units[0].pricing == "reserved_1y"
    assert plan.cost_by_category["cloud_reserved"] == pytest.approx(2628.0)


def test_owned_inventory_costs_only_its_running() -> None:
    plan = _solve([workload("a", 10)], owned=[{"gpu": "Card24", "base_power_w": 0}])
    assert plan.total_cost == pytest.approx(ENERGY_YEAR)
    assert plan.units[0].kind == "owned" and plan.capex == 0


def test_colocation_fee_per_kw_of_peak_power() -> None:
    # 0.3 kW x 100 USD per kW-month x 12 months = 360 hosting; PUE 1.5 on the electricity.
    plan = _solve(
        [workload("a", 10)],
        energy={"usd_per_kwh": 0.1, "hosting": "colocation", "gpu_utilisation": 1.0},
        hardware={"cloud": False},
    )
    assert plan.units[0].hosting_cost == pytest.approx(360.0)
    assert plan.total_cost == pytest.approx(1000 + 360 + ENERGY_YEAR * 1.5)


def test_tensor_parallel_on_linked_gpus() -> None:
    def memory(w: Workload, k: int) -> Footprint:
        return Footprint(k, 40 * GIB // k)

    cat = catalog([CARD], [system("server-2x", "Card24", 2, price=2000.0, linked=True)])
    plan = solve(scenario([{"name": "big", "model": "x"}]), cat, memory=memory)
    assert plan.total_cost == pytest.approx(2000 + 2 * ENERGY_YEAR)
    assert plan.assignments[0].gpu_indices == (0, 1)
    assert plan.assignments[0].per_gpu_bytes == 20 * GIB


def test_unlinked_gpus_split_a_replica_only_over_pcie() -> None:
    def memory(w: Workload, k: int) -> Footprint:
        return Footprint(k, 40 * GIB // k)

    cat = catalog([CARD], [system("server-2x", "Card24", 2, price=2000.0, linked=False)])
    no_pcie = {"tensor_parallel_over_pcie": False}
    # The setting is what binds, and the message names it (it once blamed the card's 24 GiB).
    with pytest.raises(InfeasibleError, match=r"'big' .*tensor_parallel_over_pcie: false; split over 2 PCIe"):
        solve(scenario([{"name": "big", "model": "x"}], hardware=no_pcie), cat, memory=memory)
    # Over PCIe (the default) it splits 20 + 20 GiB over the two cards.
    plan = solve(scenario([{"name": "big", "model": "x"}]), cat, memory=memory, alternatives=False)
    assert [(a.gpu_indices, a.interconnect) for a in plan.assignments] == [((0, 1), "pcie")]


def test_workload_that_fits_nowhere_names_itself_and_the_largest_card() -> None:
    with pytest.raises(InfeasibleError, match=r"'huge' fits nowhere.*30.00 GiB.*Card24.*24.00 GiB"):
        solve(scenario([workload("huge", 30)]), CAT)


def test_fits_nowhere_sets_each_gpu_count_against_the_cards_that_come_that_many_linked() -> None:
    """100 GiB on one GPU, 50 per GPU on two; an 80 GiB card comes alone, 48 GiB cards two linked. The message
    once set 50 GiB "even on 2 GPUs" against the 80 GiB card, which reads as if it fitted."""

    def memory(w: Workload, k: int) -> Footprint:
        return Footprint(k, 100 * GIB // k)

    cat = catalog(
        [gpu("Card80", 80), gpu("Card48", 48)],
        [system("desk-80", "Card80"), system("server-2x48", "Card48", 2, linked=True)],
    )
    match = (
        r"'big' fits nowhere: it needs 50.00 GiB per GPU .* on 2 GPU\(s\), "
        r"but the largest allowed card with 2 GPUs in one machine \(Card48\) has 48.00 GiB"
    )
    with pytest.raises(InfeasibleError, match=match):
        solve(scenario([{"name": "big", "model": "x"}]), cat, memory=memory)
    pinned = {"name": "big", "model": "x", "gpus_per_replica": 4}
    with pytest.raises(
        InfeasibleError, match=r"'big' fits nowhere: it runs on 4 GPUs, and no allowed machine has 4 GPUs"
    ):
        solve(scenario([pinned]), cat, memory=memory)


def test_capex_budget_moves_the_plan_to_the_cloud() -> None:
    plan = _solve([workload("a", 10)], budgets={"capex_usd": 500})
    assert plan.capex == 0 and plan.total_cost == pytest.approx(0.5 * 730 * 12)


def test_binding_capex_budget_says_by_how_much() -> None:
    with pytest.raises(InfeasibleError, match=r"capex budget \(budgets.capex_usd\) is short by 500 USD"):
        solve(scenario([workload("a", 10)], budgets={"capex_usd": 500}, hardware={"cloud": False}), CAT)


def test_binding_power_limit_says_by_how_much() -> None:
    with pytest.raises(InfeasibleError, match=r"IT power limit \(limits.it_power_kw\) is short by 0.30 kW"):
        solve(
            scenario(
                [workload("a", 14), workload("b", 14)], limits={"power_kw": 0.3}, hardware={"cloud": False}
            ),
            CAT,
        )


def test_stock_limit_binds() -> None:
    with pytest.raises(InfeasibleError, match=r"stock"):
        solve(
            scenario(
                [workload("a", 14), workload("b", 14)],
                limits={"stock": {"desk-card24": 1}},
                hardware={"cloud": False},
            ),
            CAT,
        )


def test_unknown_system_in_stock_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"unknown system id 'nope'"):
        solve(scenario([workload("a", 1)], limits={"stock": {"nope": 1}}), CAT)


def test_a_misspelt_system_in_purchase_prices_suggests_the_id_meant() -> None:
    with pytest.raises(
        ScenarioError,
        match=r"purchase_prices_usd\.desk-card2: unknown system id 'desk-card2' "
        r"\(did you mean 'desk-card24'\?\)",
    ):
        solve(scenario([workload("a", 1)], purchase_prices_usd={"desk-card2": 900.0}), CAT)


def test_unknown_gpu_in_owned_inventory_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"owned\[0\].gpu: unknown GPU 'Card99'"):
        solve(scenario([workload("a", 1)], owned=[{"gpu": "Card99"}]), CAT)


def test_replicas_get_consecutive_numbers_and_costs_add_up() -> None:
    plan = _solve([workload("a", 8, replicas=3)])
    # three 8 GiB replicas share one 24 GiB card.
    assert sorted(a.replica for a in plan.assignments) == [1, 2, 3]
    assert plan.total_cost == pytest.approx(1000 + ENERGY_YEAR)
    assert sum(a.cost for a in plan.assignments) == pytest.approx(plan.total_cost)


def test_highs_and_cbc_agree() -> None:
    ws = [workload("a", 10), workload("b", 14, hours_per_month=300), workload("c", 6, replicas=2)]
    highs = solve(scenario(ws), CAT, solver="highs", alternatives=False)
    cbc = solve(scenario(ws), CAT, solver="cbc", alternatives=False)
    assert highs.total_cost == pytest.approx(cbc.total_cost)


def test_office_machines_draw_base_power_only_while_busy() -> None:
    # (300 W GPU + 100 W base) x 100 h x 12 months x 0.10 USD/kWh = 48 USD on top of the purchase.
    cat = catalog([CARD], [system("desk-card24", "Card24", base_w=100.0)])
    plan = _solve([workload("a", 10, hours_per_month=100)], cat)
    assert plan.total_cost == pytest.approx(1048.0)


def test_always_on_machines_draw_base_power_all_month() -> None:
    # GPU 300 W x 100 h x 12 x 0.1 = 36; base 100 W x 730 h x 12 x 0.1 = 87.60.
    cat = catalog([CARD], [system("desk-card24", "Card24", base_w=100.0)])
    energy = {"usd_per_kwh": 0.1, "hosting": "office", "gpu_utilisation": 1.0, "always_on": True}
    plan = _solve([workload("a", 10, hours_per_month=100)], cat, energy=energy)
    assert plan.total_cost == pytest.approx(1000 + 36 + 87.6)


def test_large_fleet_mode_shares_gpus_by_total_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.placement.colocation as colocation

    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    plan = _solve([workload("a", 10), workload("b", 10)])
    assert plan.total_cost == pytest.approx(1000 + ENERGY_YEAR)
    assert any("column generation" in a.value for a in plan.assumptions)
    assert plan.status == "optimal" and plan.gap == pytest.approx(0, abs=1e-6)


def test_large_fleet_mode_proves_the_packing_with_a_dual_feasible_function(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import planner.placement.colocation as colocation

    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    # 5 x 9 GiB: two fit on a 24 GiB card, so three cards. Memory alone would allow 45 / 24 = 1.875 cards;
    # the dual feasible function u_2 gives each replica (3/8 of a card) a weight of floor(3 x 3/8) / 2 = 1/2,
    # so the relaxation needs 2.5 -> 3 cards and proves the plan optimal.
    ws = [workload(n, 9) for n in "abcde"]
    plan = _solve(ws, hardware={"cloud": False})
    assert len(plan.units) == 3
    assert plan.total_cost == pytest.approx(3 * (1000 + ENERGY_YEAR))
    assert plan.best_bound == pytest.approx(plan.total_cost)
    assert plan.status == "optimal"
    # Pattern mode (the default for small scenarios) finds the same three cards.
    monkeypatch.undo()
    exact = _solve(ws, hardware={"cloud": False})
    assert exact.total_cost == pytest.approx(plan.total_cost) and exact.status == "optimal"


def test_large_fleet_bound_without_dual_feasible_rows_is_memory_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import planner.ilp.constraints as constraints
    import planner.placement.colocation as colocation

    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(constraints, "dual_feasible", lambda size, capacity, k: 0.0)
    # The same fleet with the u_k rows emptied: memory says 1.875 -> 2 shared cards, and column generation's
    # bound is 2.5 cards (its LP); the plan still has three, so the gap is (3 - 2.5) / 3.
    plan = _solve([workload(n, 9) for n in "abcde"], hardware={"cloud": False})
    assert plan.total_cost == pytest.approx(3 * (1000 + ENERGY_YEAR))
    assert plan.best_bound == pytest.approx(2.5 * (1000 + ENERGY_YEAR))
    assert plan.status == "feasible"


def test_a_vendor_quote_and_a_price_override() -> None:
    # The quote (2 linked Card24 for 1,500 USD) beats two desks; overriding the desk's price to 500 wins back.
    quote = {
        "id": "quote-2x",
        "name": "vendor 2x",
        "gpu": "Card24",
        "gpu_count": 2,
        "price_usd": 1500,
        "base_power_w": 0,
    }
    ws = [workload("a", 14), workload("b", 14)]
    plan = _solve(ws, custom_offers=[quote], hardware={"cloud": False})
    assert [u.option for u in plan.units] == ["quote-2x"]
    assert plan.total_cost == pytest.approx(1500 + 2 * ENERGY_YEAR)
    cheap = _solve(
        ws, custom_offers=[quote], hardware={"cloud": False}, purchase_prices_usd={"desk-card24": 500}
    )
    assert cheap.total_cost == pytest.approx(2 * (500 + ENERGY_YEAR))
    assert {a.source for a in cheap.assumptions if a.category == "price"} == {"scenario purchase_prices_usd"}


QUOTE = {"id": "quote-2x", "name": "vendor 2x", "gpu": "Card24", "gpu_count": 2, "price_usd": 1500}


def test_quotes_are_named_once_and_filtered_like_systems() -> None:
    """Two quotes of one id both went into the solve; a quote named like a catalog system silently took its
    place; hardware.systems, which accepts quote ids, did not filter quotes out."""
    with pytest.raises(ValidationError, match="custom offer id 'quote-2x' is used twice"):
        scenario([workload("a", 14)], custom_offers=[QUOTE, QUOTE])
    with pytest.raises(ScenarioError, match=r"custom_offers\[0\].id: 'desk-card24' is a catalog system"):
        solve(scenario([workload("a", 14)], custom_offers=[{**QUOTE, "id": "desk-card24"}]), CAT)
    ws = [workload("a", 14), workload("b", 14)]
    desks = _solve(ws, custom_offers=[QUOTE], hardware={"cloud": False, "systems": ["desk-card24"]})
    assert {u.option for u in desks.units} == {"desk-card24"}


def test_a_misspelt_reserved_discount_provider_is_an_error() -> None:
    override = {"lambdax": {"one_year": 0.3, "three_year": 0.5}}
    with pytest.raises(ScenarioError, match=r"reserved_discounts.lambdax: unknown provider 'lambdax'"):
        solve(scenario([workload("a", 14)], reserved_discounts=override), CAT)


def test_system_types_filter_buyable_systems() -> None:
    # helpers.system() makes servers (the schema's default): allowing only desktops leaves nothing to buy.
    match = r"no allowed hardware can run it: hardware \(cloud: false, system_types: \[\"desktop\"\].*\) lea"
    with pytest.raises(InfeasibleError, match=match):
        solve(scenario([workload("a", 10)], hardware={"cloud": False, "system_types": ["desktop"]}), CAT)
    assert _solve([workload("a", 10)], hardware={"cloud": False, "system_types": ["server"]}).units


def test_binding_monthly_budget_says_by_how_much() -> None:
    # Renting a Card24 all month costs 0.5 x 730 = 365 USD; bought running costs 262.80 / 12 = 21.90.
    # With cloud only and a 300 USD monthly budget, the shortfall is 65 USD a month.
    with pytest.raises(
        InfeasibleError, match=r"monthly budget \(budgets.monthly_usd\) is short by 65 USD/month"
    ):
        solve(scenario([workload("a", 10)], budgets={"monthly_usd": 300}, hardware={"bought": False}), CAT)


def test_shortfall_is_rounded_up_and_said_in_the_budgets_currency() -> None:
    """Short by 64.994 USD: "64.99" left the raised budget still short ("short by 0.00"). Budgets are set in
    USD, so a EUR scenario (1 USD = 0.5 EUR) says 65 USD, not 32.50 EUR."""
    cloud_only = {"hardware": {"bought": False}}
    with pytest.raises(InfeasibleError, match=r"short by 65 USD/month"):
        solve(scenario([workload("a", 10)], budgets={"monthly_usd": 300.006}, **cloud_only), CAT)
    euro = {"currency": "EUR", "usd_to_currency": 0.5}
    with pytest.raises(InfeasibleError, match=r"short by 65 USD/month"):
        solve(scenario([workload("a", 10)], budgets={"monthly_usd": 300}, **cloud_only, **euro), CAT)


def test_a_gpu_type_whose_bound_cannot_beat_the_best_is_not_solved(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two 10 GiB workloads: one 1,000 USD Card24 holds both (1,262.80 USD a year). An 8,000 USD Card80's
    linear relaxation needs at least a quarter of one (20 of 80 GiB): 0.25 x 8,262.80 = 2,065.70 USD, above
    the Card24 plan, so that type is never solved; best_bound is the Card24 type's own."""
    import planner.solving.alternatives as alternatives

    solved: list[str] = []
    real = alternatives._restricted

    def record(name: str, description: str, *args: object) -> object:
        solved.append(description)
        return real(name, description, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(alternatives, "_restricted", record)
    cat = catalog(
        [CARD, gpu("Card80", 80)],
        [system("desk-card24", "Card24"), system("desk-card80", "Card80", price=8000.0)],
    )
    plan = _solve([workload("a", 10), workload("b", 10)], cat, hardware={"cloud": False})
    best = next(a for a in plan.alternatives if a.name == "best_single_gpu")
    assert best.total_cost == pytest.approx(1000 + ENERGY_YEAR) and best.description == "one GPU type: Card24"
    assert best.best_bound == pytest.approx(1000 + ENERGY_YEAR) and best.status == "optimal"
    assert [d for d in solved if d.startswith("one GPU type")] == ["one GPU type: Card24"]


def test_a_workload_of_no_hours_rents_the_instance_cheapest_per_hour() -> None:
    """At 0 hours a month every on-demand instance costs nothing; the plan once named the one with the most
    memory (dominance keeps it at equal cost), here the 8 x Card80 instance for a 10 GiB replica."""
    cat = catalog(
        [CARD, gpu("Card80", 80)],
        [],
        [
            cloud("c1", "Card24", price=0.5),
            cloud("big1", "Card80", price=4.0),
            cloud("big8", "Card80", 8, price=30.0),
        ],
    )
    plan = _solve([workload("idle", 10, hours_per_month=0)], cat=cat, hardware={"bought": False})
    assert plan.total_cost == 0.0
    assert [(u.option, u.pricing) for u in plan.units] == [("testcloud:c1:r1", "on_demand")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"scenario": "s.yaml"}, "scenario must be a Scenario"),
        ({"catalog": "x"}, "catalog must be a Catalog"),
        ({"time_limit_s": -1}, "time_limit_s must be a number of seconds >= 0"),
        ({"time_limit_s": float("nan")}, "time_limit_s must be a number of seconds >= 0"),
        ({"time_limit_s": "10"}, "time_limit_s must be a number of seconds >= 0"),
        ({"mip_gap": -1}, r"mip_gap must be a number in \[0, 1\)"),
        ({"mip_gap": 5}, r"mip_gap must be a number in \[0, 1\)"),
        ({"memory": None}, "memory must be a function"),
        ({"catalog": None, "catalog_dirs": "mycat"}, "catalog_dirs must be a tuple of directories"),
        ({"catalog_dirs": (Path("mycat"),)}, "give a catalog or catalog_dirs to load one, not both"),
    ],
)
def test_solve_refuses_arguments_of_the_wrong_kind(change: dict[str, object], message: str) -> None:
    """solve("s.yaml") raised AttributeError deep inside, a string of catalog_dirs was read one directory per
    character, and a time limit of nan ran (CBC then reported a false infeasibility)."""
    args: dict[str, object] = {"scenario": scenario([workload("a", 10)]), "catalog": CAT, **change}
    with pytest.raises(PlannerError, match=message):
        solve(**args)  # type: ignore[arg-type]
