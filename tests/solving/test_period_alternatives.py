"""Alternatives of a plan whose demand changes over time (solving.periods.solve_period_alternatives), on
a case small enough to price by hand.

As in tests/assemble/test_demand_over_time.py: office hosting, 0.10 USD/kWh, PUE 1, GPUs at full TDP while
busy, no idle draw, 12 months. Card16 (16 GiB, 300 W) in a 1,000 USD desk system, or rented at 0.50 USD/h; a
10 GiB replica fills a card. One card busy all month costs 0.3 kW x 730 h x 0.10 = 21.90 USD, renting it
0.50 x 730 = 365 USD. Workload a runs all 12 months, b from month 7: two periods, 1-6 (one card) and 7-12
(two). Purchases lose value straight over 60 months.
"""

from __future__ import annotations

import pytest

from planner.check import verify
from planner.pipeline import solve
from planner.placement.memory import model_memory
from planner.plan import Plan
from planner.solving.periods import solve_period_alternatives, solve_periods

from builders import catalog, cloud, gpu, scenario, system, workload

CAT = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
ENERGY = 21.9
RENT = 365.0
TWO = scenario([workload("a", 10), workload("b", 10, start_month=7)], finance={"useful_life_months": 60})


@pytest.fixture(scope="module")
def plan() -> Plan:
    return solve(TWO, CAT)


def test_the_alternatives_are_priced_as_computed_by_hand(plan: Plan) -> None:
    """- Renting everything: a 12 months and b 6 months, 18 x 365 = 6,570.
    - Buying as the demand arrives (the plan): desk#1 in month 1, worth 1,000 x (1 - 12/60) = 800 at the
      end; desk#2 in month 7, worth 1,000 x (1 - 6/60) = 900; energy 18 card-months x 21.90 = 394.20:
      2,000 - 1,700 + 394.20 = 694.20.
    - Buying both when month 1 begins: both worth 800, the second card idle (drawing nothing) in months 1-6:
      2,000 - 1,600 + 394.20 = 794.20.
    - One GPU type is the plan (one card type on offer); each workload alone is not priced over periods."""
    assert plan.total_cost == pytest.approx(694.2)
    alts = {a.name: a for a in plan.alternatives}
    assert list(alts) == [
        "all_cloud",
        "all_bought",
        "all_bought_up_front",
        "best_single_gpu",
        "cheapest_per_workload",
    ]
    cloud_, bought, ahead, single = (
        alts[n] for n in ("all_cloud", "all_bought", "all_bought_up_front", "best_single_gpu")
    )
    assert (cloud_.total_cost, cloud_.capex, cloud_.opex, cloud_.residual_value) == pytest.approx(
        (18 * RENT, 0.0, 18 * RENT, 0.0)
    )
    assert cloud_.saving == pytest.approx(18 * RENT - 694.2)
    assert (bought.total_cost, bought.capex, bought.residual_value) == pytest.approx((694.2, 2000, 1700))
    assert bought.saving == 0.0
    assert (ahead.total_cost, ahead.capex, ahead.residual_value) == pytest.approx((794.2, 2000, 1600))
    assert ahead.opex == pytest.approx(18 * ENERGY)
    assert ahead.saving == pytest.approx(100.0)
    assert single.total_cost == pytest.approx(694.2) and single.description == "one GPU type: Card16"
    assert [a.status for a in (cloud_, bought, ahead, single)] == ["optimal"] * 4
    assert alts["cheapest_per_workload"].status == "not applicable"
    assert verify(plan, TWO) == []


def test_each_alternative_pays_its_purchases_in_their_month(plan: Plan) -> None:
    """Cash flows month by month (month 0 is when month 1 begins): renting pays 365 a month in months 1-6
    and 730 in 7-12; buying as needed pays 1,000 in month 0 and 1,000 in month 6; buying up front pays
    2,000 in month 0. Each flow's total is its alternative's cost."""
    flows = {f.name: f for f in plan.cash_flows}
    assert set(flows) == {"plan", "all_cloud", "all_bought", "all_bought_up_front", "best_single_gpu"}
    rent = flows["all_cloud"].months
    assert [m.running for m in rent] == pytest.approx([0.0] + [RENT] * 6 + [2 * RENT] * 6)
    assert [m.up_front for m in flows["all_bought"].months if m.up_front] == [1000.0, 1000.0]
    assert [m.month for m in flows["all_bought"].months if m.up_front] == [0, 6]
    assert [(m.month, m.up_front) for m in flows["all_bought_up_front"].months if m.up_front] == [(0, 2000.0)]
    assert flows["all_bought_up_front"].months[-1].residual == pytest.approx(1600.0)
    for alt in plan.alternatives:
        if alt.total_cost is not None:
            assert flows[alt.name].total == pytest.approx(alt.total_cost)


def test_payback_against_renting_by_hand(plan: Plan) -> None:
    """Cumulative, undiscounted: the plan 1,000 at month 0, 1,043.80 at month 2, 1,065.70 at month 3;
    renting 730 at month 2 and 1,095 at month 3: paid back in month 3, and still at month 6 (the second card,
    2,131.40 against 2,190). The simple payback: 2,000 of purchases over the average monthly saving,
    (6,570 - 394.20) / 12 = 514.65, is 3.89 months."""
    flow = {f.name: f for f in plan.cash_flows}["all_cloud"]
    assert flow.payback_month == 3
    assert flow.payback_months == pytest.approx(2000 / ((6570 - 394.2) / 12))


def test_a_later_purchase_is_not_paid_back_in_month_0() -> None:
    """b alone from month 7: both the plan and renting spend nothing in months 0-5, then the plan buys.
    The payback month is when the plan catches up after that purchase (renting 365 a month from month 7:
    1,000 + 21.90 k against 365 k from month 6 + k: k = 3, month 9), not month 0."""
    late = scenario([workload("b", 10, start_month=7)], finance={"useful_life_months": 60})
    plan = solve(late, CAT)
    flow = {f.name: f for f in plan.cash_flows}["all_cloud"]
    assert plan.total_cost == pytest.approx(1000 - 900 + 6 * ENERGY)
    assert flow.payback_month == 9


def test_alternatives_share_the_time_limit() -> None:
    """With no time left every alternative that needs a solver is skipped, as one-period ones are."""
    stacked = solve_periods(TWO, CAT, model_memory, solver="highs", time_limit_s=60, mip_gap=1e-4)
    alts = solve_period_alternatives(TWO, stacked, stacked.solution.objective, solver="highs", time_limit_s=0)
    statuses = {a.alternative.name: a.alternative.status for a in alts}
    assert statuses == {
        "all_cloud": "skipped: time limit",
        "all_bought": "skipped: time limit",
        "all_bought_up_front": "skipped: time limit",
        "best_single_gpu": "skipped: time limit",
        "cheapest_per_workload": "not applicable",
    }
    assert all(a.stacked is None for a in alts)


def test_without_cloud_renting_is_not_applicable() -> None:
    s = scenario(
        [workload("a", 10), workload("b", 10, start_month=7)],
        hardware={"cloud": False},
        finance={"useful_life_months": 60},
    )
    alts = {a.name: a for a in solve(s, CAT).alternatives}
    assert alts["all_cloud"].status == "not applicable"
    assert alts["all_bought"].total_cost == pytest.approx(694.2)


CARDS = catalog(
    [gpu("Card16", 16), gpu("Card24", 24, tdp_w=450, price_usd=1500)],
    [system("desk", "Card16"), system("big", "Card24", price=1500)],
    [cloud("c1", "Card16", price=0.5), cloud("c2", "Card24", price=0.6)],
)


@pytest.mark.parametrize(
    "workloads",
    [
        [workload("a", 10, growth_per_month=0.1), workload("b", 20, start_month=4)],
        [workload("a", 10, end_month=3), workload("b", 20, start_month=9, hours_per_month=200)],
        [workload("a", 6, start_month=2, growth_per_month=0.2), workload("b", 14, end_month=8)],
        [workload("a", 20, replicas=2, start_month=5), workload("b", 5, hours_per_month=100)],
    ],
)
def test_an_alternative_restricted_to_fewer_offers_never_costs_less(
    workloads: list[dict[str, object]],
) -> None:
    """Every alternative is the plan's program with fewer offers, or with the purchases fixed from month 1:
    none is cheaper than the optimum (within the plan's proven gap)."""
    s = scenario(workloads, finance={"useful_life_months": 48})
    plan = solve(s, CARDS)
    assert plan.periods
    solved = [a for a in plan.alternatives if a.total_cost is not None]
    assert len(solved) >= 3
    for alt in solved:
        assert alt.total_cost is not None
        assert alt.total_cost >= plan.total_cost - plan.gap * plan.total_cost - 1e-6, alt.name
    alts = {a.name: a for a in solved}
    if "all_bought" in alts and "all_bought_up_front" in alts:
        assert alts["all_bought_up_front"].total_cost >= alts["all_bought"].total_cost - 1e-6


def test_an_infeasible_alternative_says_in_which_months_a_limit_binds() -> None:
    """IT power 0.4 kW, a card 0.3 kW: a (months 1-12), b (from 7), c (from 10). The plan buys one card and
    rents the rest: 1,000 + 12 x 21.90 + 9 x 365 = 4,547.80. Buying everything as needed would draw 0.6 kW
    in months 7-9 and 0.9 kW in months 10-12, short by 0.20 and 0.50 kW; bought up front, all three cards
    draw 0.9 kW from month 1 (short by 0.50 kW in months 1-12, the periods joined)."""
    s = scenario(
        [workload("a", 10), workload("b", 10, start_month=7), workload("c", 10, start_month=10)],
        limits={"it_power_kw": 0.4},
    )
    plan = solve(s, CAT)
    assert plan.total_cost == pytest.approx(1000 + 12 * ENERGY + 9 * RENT)
    alts = {a.name: a for a in plan.alternatives}
    assert alts["all_bought"].reason == (
        "the IT power limit (limits.it_power_kw) is short by 0.20 kW in months 7-9, 0.50 kW in months 10-12"
    )
    assert alts["all_bought_up_front"].reason == (
        "the IT power limit (limits.it_power_kw) is short by 0.50 kW in months 1-12"
    )
    assert alts["all_cloud"].total_cost == pytest.approx((12 + 6 + 3) * RENT)


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        # a on the owned desk (12 x 21.90 = 262.80) beside: b rented 6 x 365, b's card bought in month 7
        # (1,000 - 900 + 6 x 21.90) or in month 1 (1,000 - 800 + 6 x 21.90)
        (True, {"all_cloud": 262.8 + 6 * RENT, "all_bought": 494.2, "all_bought_up_front": 594.2}),
        # without the owned desk: the two-card figures above
        (False, {"all_cloud": 18 * RENT, "all_bought": 694.2, "all_bought_up_front": 794.2}),
    ],
)
def test_alternatives_keep_the_owned_hardware_unless_told_not_to(
    keep: bool, expected: dict[str, float]
) -> None:
    s = scenario(
        [workload("a", 10), workload("b", 10, start_month=7)],
        owned=[{"system": "desk", "count": 1}],
        finance={"useful_life_months": 60, "alternatives_keep_owned": keep},
    )
    plan = solve(s, CAT)
    assert plan.total_cost == pytest.approx(494.2)
    alts = {a.name: a for a in plan.alternatives}
    assert {name: alts[name].total_cost for name in expected} == pytest.approx(expected)
    assert alts["all_cloud"].description.startswith("owned hardware") is keep
