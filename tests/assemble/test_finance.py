"""The money a finance reader signs, each figure computed by hand.

As in test_pipeline (helpers.scenario): office hosting, 0.10 USD/kWh, PUE 1, GPUs at full TDP while busy,
12 months; Card24 (24 GiB, 300 W, data-centre segment) in a 1,000 USD desk system with no base power, or
rented at 0.50 USD/h (spot 0.20). One Card24 busy all month costs 0.3 kW x 730 h x 0.10 = 21.90 USD a month,
262.80 a year; renting it all month 0.50 x 730 = 365 USD a month, 4,380 a year.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.assemble.cashflow import against, cash_flow, monthly_rate
from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.plan import Plan
from planner.scenario.schema import Scenario

from builders import catalog, cloud, gpu, scenario, system, workload

CARD = gpu("Card24", 24)
CAT = catalog([CARD], [system("desk-card24", "Card24")], [cloud("c1", "Card24", price=0.5, spot=0.2)])
ENERGY_MONTH = 21.9


def _alts(plan: Plan) -> dict[str, Any]:
    return {a.name: a for a in plan.alternatives}


def _table(ws: Any, name: str) -> list[dict[str, Any]]:
    """The rows of one of the workbook's Excel tables, by header."""
    cells = ws[ws.tables[name].ref]
    header = [c.value for c in cells[0]]
    return [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]


def _flows(plan: Plan) -> dict[str, Any]:
    return {f.name: f for f in plan.cash_flows}


def test_straight_line_residual_value_lowers_the_cost() -> None:
    """12 of 60 months used: the 1,000 USD card is still worth 800, so it costs 1,000 - 800 + 262.80."""
    plan = solve(scenario([workload("a", 14)], finance={"useful_life_months": 60}), CAT)
    assert plan.capex == pytest.approx(1000.0)
    assert plan.residual_value == pytest.approx(800.0)
    assert plan.total_cost == pytest.approx(462.8)
    assert plan.cost_by_category["residual"] == pytest.approx(-800.0)
    assert plan.units[0].residual_value == pytest.approx(800.0)
    resale = solve(scenario([workload("a", 14)], finance={"resale_share": 0.5}), CAT)
    assert resale.total_cost == pytest.approx(1000 - 500 + 262.8)
    beyond = solve(scenario([workload("a", 14)], horizon_months=72, finance={"useful_life_months": 60}), CAT)
    assert beyond.residual_value == 0.0  # past its useful life it is worth nothing, never less


def test_the_default_residual_is_the_five_year_straight_line() -> None:
    raw = scenario([workload("a", 14)]).model_dump()
    del raw["finance"]
    default = Scenario.model_validate(raw)
    assert default.finance.useful_life_months == 60
    plan = solve(default, CAT)
    assert plan.residual_value == pytest.approx(800.0)
    assert any(a.name == "residual value" and "IRS Publication 946" in a.source for a in plan.assumptions)


def test_cash_flow_month_by_month_and_its_net_present_value() -> None:
    """Month 0: 1,000 up front; months 1-12: 21.90 of electricity; month 12: 800 back. The sum is the total
    (462.80). At 12 % a year (0.9489 % a month): 1,000 + 21.90 x 11.2915 - 800 / 1.12 = 533.00."""
    plan = solve(scenario([workload("a", 14)], finance={"useful_life_months": 60}), CAT)
    flow = _flows(plan)["plan"]
    assert [m.month for m in flow.months] == list(range(13))
    assert flow.months[0].up_front == pytest.approx(1000.0) and flow.months[0].running == 0.0
    assert all(m.running == pytest.approx(ENERGY_MONTH) for m in flow.months[1:])
    assert flow.months[12].residual == pytest.approx(800.0) and flow.months[11].residual == 0.0
    assert flow.months[3].cumulative == pytest.approx(1000 + 3 * ENERGY_MONTH)
    assert flow.total == pytest.approx(plan.total_cost) and flow.npv == pytest.approx(plan.total_cost)
    discounted = solve(
        scenario([workload("a", 14)], finance={"useful_life_months": 60, "discount_rate_per_year": 0.12}), CAT
    )
    assert monthly_rate(0.12) == pytest.approx(0.0094887929)
    assert discounted.total_cost == pytest.approx(462.8)  # the plan is priced undiscounted
    assert discounted.npv == pytest.approx(532.9985, abs=1e-3)
    assert _flows(discounted)["plan"].months[-1].discounted_cumulative == pytest.approx(532.9985, abs=1e-3)


def test_payback_month_where_buying_and_renting_cross() -> None:
    """Buying: 1,000 + 21.90 a month; renting: 365 a month. The plan is at or below renting from month 3
    (1,065.70 against 1,095.00; month 2: 1,043.80 against 730), and 1,000 / 343.10 = 2.91 months."""
    plan = solve(scenario([workload("a", 14)]), CAT)
    cloud_flow = _flows(plan)["all_cloud"]
    assert cloud_flow.months[3].cumulative == pytest.approx(1095.0)
    assert cloud_flow.payback_month == 3
    assert cloud_flow.payback_months == pytest.approx(1000 / (365 - 21.9))
    # An alternative that spends no less up front is caught up with at once.
    assert _flows(plan)["all_bought"].payback_month == 0
    assert _flows(plan)["all_bought"].payback_months is None
    assert (
        cash_flow("x", capex=0, opex=120, residual=0, months=12, rate_per_year=0).months[5].cumulative == 50
    )


def test_alternatives_keep_the_owned_hardware_and_payback_is_on_the_increment() -> None:
    """One owned Card24 and two 14 GiB services (they do not fit on one card). The plan runs one on the
    owned card (262.80) and buys a second (1,262.80): 1,525.60. Renting the second instead, with the owned
    card kept, costs 262.80 + 4,380 = 4,642.80: the decision is owned + rent against owned + buy. Renting
    everything anew (4,380 x 2 = 8,760) re-rents what the owned card already does."""
    owned = [{"gpu": "Card24", "name": "lab-card", "base_power_w": 0}]
    ws = [workload("a", 14), workload("b", 14)]
    plan = solve(scenario(ws, owned=owned), CAT)
    assert plan.total_cost == pytest.approx(1525.6)
    alts = _alts(plan)
    assert alts["all_cloud"].total_cost == pytest.approx(4642.8)
    assert alts["all_cloud"].saving == pytest.approx(3117.2)
    assert alts["all_cloud"].description.startswith("owned hardware and")
    assert alts["all_cloud"].capex == 0.0 and alts["all_cloud"].opex == pytest.approx(4642.8)
    assert _flows(plan)["all_cloud"].payback_months == pytest.approx(1000 / (365 - 21.9))
    from planner.report.figures import reading

    assert "3,117 USD (67%) less than keeping the owned hardware and renting the rest" in reading(plan)
    anew = solve(scenario(ws, owned=owned, finance={"alternatives_keep_owned": False}), CAT)
    assert _alts(anew)["all_cloud"].total_cost == pytest.approx(8760.0)
    assert _alts(anew)["all_bought"].total_cost == pytest.approx(2 * (1000 + 262.8))


def test_idle_owned_machines_are_reported_with_what_they_still_cost() -> None:
    """Three owned Card24 machines (150 W base each, the owned default) in colocation at 100 USD per
    kW-month, PUE 1, always on; one 10 GiB service uses one. Each idle machine still pays hosting,
    0.45 kW x 100 = 45.00 a month, and base power, 0.15 kW x 730 h x 0.10 = 10.95: 2 x 55.95 = 111.90 a
    month, 1,342.80 over the year, not in the plan's total."""
    energy = {"usd_per_kwh": 0.1, "hosting": "colocation", "pue": 1.0, "gpu_utilisation": 1.0}
    plan = solve(
        scenario(
            [workload("a", 10)],
            owned=[{"gpu": "Card24", "count": 3}],
            energy=energy,
            hardware={"cloud": False},
        ),
        CAT,
    )
    assert [u.kind for u in plan.units] == ["owned"]
    (idle,) = plan.idle_owned
    assert idle.count == 2 and idle.gpus_per_unit == 1
    assert idle.still_costs_per_month == pytest.approx(111.9)
    assert idle.still_costs == pytest.approx(1342.8)
    assert plan.total_cost == pytest.approx(1342.8 / 2 + 0.3 * 730 * 12 * 0.1)


def test_an_infeasible_alternative_says_which_budget_binds_and_by_how_much() -> None:
    """A 500 USD capex budget: the plan rents (4,380); buying the 1,000 USD card is short by 500 USD."""
    plan = solve(scenario([workload("a", 14)], budgets={"capex_usd": 500}), CAT)
    assert plan.total_cost == pytest.approx(4380.0)
    alts = _alts(plan)
    short = "the capex budget (budgets.capex_usd) is short by 500 USD"
    assert alts["all_bought"].status == "infeasible" and alts["all_bought"].reason == short
    assert alts["cheapest_per_workload"].reason == short
    none = solve(scenario([workload("a", 14)], hardware={"bought": False}), CAT)
    not_bought = _alts(none)["all_bought"]
    assert (not_bought.status, not_bought.reason) == (
        "not applicable",
        "no system to buy is on offer to this scenario",
    )


def test_idle_power_while_an_always_on_machine_is_on() -> None:
    """An always-on Card24 (data centre: idle 12 % of 300 W = 36 W) busy 100 h a month: idle 36 W x 730 h
    plus (300 - 36) W x 100 h, x 12 x 0.10 = 31.536 + 31.68 = 63.216 USD, against 36.00 without idle power."""
    energy = {"usd_per_kwh": 0.1, "hosting": "office", "gpu_utilisation": 1.0, "always_on": True}
    ws = [workload("a", 10, hours_per_month=100)]
    plan = solve(
        scenario(ws, energy={**energy, "gpu_idle_share_of_tdp": None}, hardware={"cloud": False}), CAT
    )
    assert plan.units[0].energy_cost == pytest.approx(63.216)
    flat = solve(scenario(ws, energy=energy, hardware={"cloud": False}), CAT)
    assert flat.units[0].energy_cost == pytest.approx(36.0)
    busy_all_month = solve(
        scenario(
            [workload("a", 10)], energy={**energy, "gpu_idle_share_of_tdp": None}, hardware={"cloud": False}
        ),
        CAT,
    )
    assert busy_all_month.units[0].energy_cost == pytest.approx(262.8)  # idle + the rest = TDP all month


def test_a_desk_side_machine_pays_no_colocation() -> None:
    """Colocation at 100 USD per kW-month: a 300 W server pays 0.3 x 100 x 12 = 360 USD a year; the same
    card in a desktop pays none."""
    energy = {"usd_per_kwh": 0.1, "hosting": "colocation", "pue": 1.0, "gpu_utilisation": 1.0}
    desk = system("desktop-card24", "Card24").model_copy(update={"system_type": "desktop"})
    server = solve(scenario([workload("a", 14)], energy=energy, hardware={"cloud": False}), CAT)
    assert server.units[0].hosting_cost == pytest.approx(360.0)
    on_desk = solve(
        scenario([workload("a", 14)], energy=energy, hardware={"cloud": False}), catalog([CARD], [desk])
    )
    assert on_desk.units[0].hosting_cost == 0.0
    assert server.total_cost - on_desk.total_cost == pytest.approx(360.0)


def test_custom_offers_obey_system_types() -> None:
    quote = {"id": "quote-1", "name": "Quoted box", "gpu": "Card24", "gpu_count": 1, "price_usd": 900}
    only_desktops = {"cloud": False, "system_types": ["desktop"]}
    with pytest.raises(InfeasibleError):
        solve(scenario([workload("a", 14)], custom_offers=[quote], hardware=only_desktops), catalog([CARD]))
    desk_quote = {**quote, "system_type": "desktop"}
    plan = solve(
        scenario([workload("a", 14)], custom_offers=[desk_quote], hardware=only_desktops), catalog([CARD])
    )
    assert [u.option for u in plan.units] == ["quote-1"] and plan.capex == pytest.approx(900.0)


def test_power_limits_name_it_or_facility_load() -> None:
    """``power_kw`` is still read as the IT limit. A 300 W server at PUE 1.5 is a 450 W facility load:
    a 0.4 kW facility limit is short by 0.05 kW."""
    old = scenario([workload("a", 14)], limits={"power_kw": 0.3})
    assert old.limits.it_power_kw == 0.3 and old.limits.power_kw == 0.3
    energy = {"usd_per_kwh": 0.1, "hosting": "colocation", "pue": 1.5, "gpu_utilisation": 1.0}
    tight = scenario(
        [workload("a", 14)], energy=energy, limits={"facility_power_kw": 0.4}, hardware={"cloud": False}
    )
    with pytest.raises(
        InfeasibleError, match=r"facility power limit \(limits.facility_power_kw\) is short by 0.05 kW"
    ):
        solve(tight, CAT)
    plan = solve(
        tight.model_copy(update={"limits": tight.limits.model_copy(update={"facility_power_kw": 0.45})}), CAT
    )
    assert plan.units[0].facility_power_w == pytest.approx(450.0)


def test_spot_pays_its_overhead_in_hours() -> None:
    """An interruptible 100 h job on spot at 0.20 USD/h with 10 % overhead: 110 h x 0.20 x 12 = 264 USD
    (on demand: 0.50 x 100 x 12 = 600). At 200 % it would not pay, but the schema caps it at 100 %: at
    100 %, 200 h x 0.20 x 12 = 480, still below on demand."""
    ws = [workload("batch", 10, hours_per_month=100, interruptible=True)]
    plan = solve(scenario(ws, hardware={"bought": False, "spot_overhead": 0.1}), CAT)
    assert plan.units[0].pricing == "spot"
    assert plan.units[0].hours_per_month == 110.0  # printed as 110.0, not 110.00000000000001
    assert plan.total_cost == pytest.approx(264.0)
    double = solve(scenario(ws, hardware={"bought": False, "spot_overhead": 1.0}), CAT)
    assert double.total_cost == pytest.approx(480.0)
    default = Scenario.model_validate({"name": "s", "workloads": [{"name": "w", "model": "7b"}]})
    assert default.hardware.spot_overhead == 0.1


def test_idle_owned_hardware_that_costs_nothing_says_so() -> None:
    """In an office a machine is on only while its GPUs work and pays no hosting: the unused boxes cost
    nothing, and the line said "still 0 USD per month ... in hosting and base power"."""
    from planner.report.terminal import idle_owned_lines

    energy = {"usd_per_kwh": 0.1, "hosting": "office", "pue": 1.0, "gpu_utilisation": 1.0}
    owned = [{"gpu": "Card24", "count": 3, "name": "old-box"}]
    plan = solve(scenario([workload("a", 10)], owned=owned, energy=energy), CAT)
    assert plan.idle_owned[0].still_costs == 0.0
    assert idle_owned_lines(plan) == [
        "Owned, left unused: 2 x old-box (owned) (1 x Card24); no running cost while idle"
    ]


def test_every_output_says_what_idle_owned_hardware_costs_and_why_an_alternative_fails() -> None:
    from planner.report.json import plan_to_dict
    from planner.report.markdown import render_markdown
    from planner.report.terminal import render_terminal

    energy = {"usd_per_kwh": 0.1, "hosting": "colocation", "pue": 1.0, "gpu_utilisation": 1.0}
    owned = [{"gpu": "Card24", "count": 3, "name": "old-box"}]
    plan = solve(scenario([workload("a", 10)], owned=owned, energy=energy), CAT)
    text = render_terminal(plan, width=200)
    assert "Owned, left unused: 2 x old-box (owned) (1 x Card24); still 112 USD per month" in text
    markdown = render_markdown(plan)
    assert (
        "## Owned hardware left unused" in markdown
        and "| old-box (owned) | 2 | 1 x Card24 | 112 |" in markdown
    )
    data = plan_to_dict(plan)
    assert data["idle_owned"][0]["count"] == 2
    assert data["idle_owned"][0]["still_costs_per_month"] == pytest.approx(111.9)
    assert [f["name"] for f in data["cash_flows"]] == [
        "plan",
        "all_cloud",
        "all_bought",
        "best_single_gpu",
        "cheapest_per_workload",
    ]

    short = "the capex budget (budgets.capex_usd) is short by 500 USD"
    rented = solve(scenario([workload("a", 14)], budgets={"capex_usd": 500}), CAT)
    assert short in render_terminal(rented, width=200) and short in render_markdown(rented)
    from planner.report.workbook import build_workbook

    book = build_workbook(rented)
    status = _table(book["Alternatives"], "Alternatives")
    assert {"Buy everything (all bought)": f"infeasible: {short}"}.items() <= {
        row["Alternative"]: row["Status"] for row in status
    }.items()
    (idle_row,) = _table(build_workbook(plan)["Hardware"], "IdleOwned")
    assert idle_row["Owned, left unused"] == plan.idle_owned[0].name and idle_row["Units"] == 2
    assert idle_row["Still costs per month (as solved)"] == pytest.approx(111.9)
    assert idle_row["Still costs over horizon (as solved)"] == pytest.approx(111.9 * 12)
    bought = next(a for a in plan_to_dict(rented)["alternatives"] if a["name"] == "all_bought")
    assert bought["status"] == "infeasible" and bought["reason"] == short


money = st.floats(min_value=0, max_value=1e7, allow_nan=False)


@given(capex=money, opex=money, residual=money, months=st.integers(1, 240))
def test_a_cash_flow_adds_up_and_undiscounted_is_the_plain_sum(
    capex: float, opex: float, residual: float, months: int
) -> None:
    flow = cash_flow("x", capex=capex, opex=opex, residual=residual, months=months, rate_per_year=0.0)
    assert len(flow.months) == months + 1
    assert flow.total == pytest.approx(capex + opex - residual, rel=1e-9, abs=1e-6)
    assert flow.npv == pytest.approx(flow.total, rel=1e-9, abs=1e-6)
    assert sum(m.net for m in flow.months) == pytest.approx(flow.total, rel=1e-9, abs=1e-6)


@given(
    extra=st.floats(1, 1e6),
    plan_month=st.floats(0, 1e4),
    saving=st.floats(1, 1e5),
    months=st.integers(1, 120),
)
def test_the_payback_month_is_the_first_whole_month_past_the_payback_time(
    extra: float, plan_month: float, saving: float, months: int
) -> None:
    """Undiscounted and without residual values, the plan spends ``extra`` more up front and ``saving`` less
    each month: its cumulative spend reaches the alternative's at ``extra / saving`` months, so the first
    whole month at or below it is that time rounded up, where it falls within the horizon."""
    plan = cash_flow(
        "plan", capex=extra, opex=plan_month * months, residual=0, months=months, rate_per_year=0
    )
    other = cash_flow(
        "alt", capex=0, opex=(plan_month + saving) * months, residual=0, months=months, rate_per_year=0
    )
    flow = against(plan, other)
    assert flow.payback_months == pytest.approx(extra / saving)
    expected = math.ceil(extra / saving - 1e-9)
    if expected <= months and abs(extra / saving - round(extra / saving)) > 1e-6:
        assert flow.payback_month == expected
    elif extra / saving > months + 1e-6:
        assert flow.payback_month is None


def test_the_it_power_limit_is_sourced_by_its_name() -> None:
    """A scenario writing ``it_power_kw: 1.5`` read "scenario limits.power_kw" on the Assumptions sheet, the
    former name it never wrote."""
    plan = solve(
        scenario([workload("a", 14)], limits={"it_power_kw": 1.5}),
        catalog([CARD], [system("desk", CARD.name)]),
        alternatives=False,
    )
    (limit,) = [a for a in plan.assumptions if a.key == "limit_power_kw"]
    assert (limit.source, limit.number, limit.unit) == ("scenario limits.it_power_kw", 1.5, "kW")
