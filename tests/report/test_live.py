"""The workbook as a live model: its formulas, recalculated by LibreOffice, give planner's own figures to the
cent, and changing an input moves the cost by what a hand computation says.

Hand figures (conftest.py): total 30,605.70 USD; IT energy 839.5 + 438 = 1,277.5 kWh per month, so
0.01 USD/kWh more costs 1,277.5 x 0.01 x 36 = 459.90 USD; payback in month 15; capex budget 60,000, 7,500
used. With a 40 % residual value (``with_residual``): the 7,500 USD workstation is worth 3,000 at month 36,
so the total is 30,605.70 - 3,000 = 27,605.70.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import load_workbook

from planner.plan import Assumption, Plan
from planner.report.live import check_formula, price_inputs
from planner.report.table import expected_values
from planner.report.workbook import build_workbook, write_workbook

from .libreoffice import convert, needs_libreoffice

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def recalculated(path: Path, tmp_path: Path) -> openpyxl.Workbook:
    """The figures LibreOffice computed (openpyxl warns about LibreOffice's extensions it drops)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return load_workbook(convert(path, "xlsx", tmp_path / "calc"), data_only=True)


def key_figures(book: openpyxl.Workbook) -> dict[str, Any]:
    ws = book["Summary"]
    cells = ws[ws.tables["KeyFigures"].ref]
    return {row[0].value: row[1].value for row in cells[1:]}


def set_input(path: Path, name: str, value: float, out: Path) -> Path:
    """Change the named input cell ``name`` as a reader would, and save a copy."""
    wb = load_workbook(path)
    sheet, coord = next(iter(wb.defined_names[name].destinations))
    wb[sheet][coord.replace("$", "")].value = value
    wb.save(out)
    return out


def with_residual(plan: Plan, share: float = 0.4) -> Plan:
    """The fixture plan with its bought workstation (7,500 USD) worth ``share`` of its price at the end."""
    bought = plan.units[0]
    assert bought.kind == "bought" and bought.capex == 7_500.0
    back = bought.capex * share
    unit = bought.model_copy(update={"residual_value": back, "cost": bought.cost - back})
    costs = {**plan.cost_by_category, "residual": -back}
    note = Assumption(category="finance", name="residual value", value=f"{share:.0%}", source="test: by hand")
    return plan.model_copy(
        update={
            "units": (unit, *plan.units[1:]),
            "residual_value": back,
            "total_cost": plan.total_cost - back,
            "cost_by_category": costs,
            "alternatives": tuple(
                a.model_copy(update={"saving": a.saving + back}) if a.saving is not None else a
                for a in plan.alternatives
            ),
            "assumptions": (*plan.assumptions, note),
        }
    )


def assert_formulas_give_planners_figures(plan: Plan, tmp_path: Path) -> int:
    wb = build_workbook(plan)
    path = tmp_path / "live.xlsx"
    wb.save(path)
    calc = recalculated(path, tmp_path)
    checked = 0
    for ws in wb.worksheets:
        for coord, value in expected_values(ws).items():
            got = calc[ws.title][coord].value
            assert isinstance(got, int | float), (ws.title, coord, ws[coord].value, got)
            assert got == pytest.approx(value, abs=0.005), (ws.title, coord, ws[coord].value)
            checked += 1
    return checked


def test_every_cost_is_a_formula_over_the_named_inputs(plan: Plan) -> None:
    wb = build_workbook(plan)
    names = set(wb.defined_names)
    assert {"usd_per_kwh", "pue", "colocation_usd_per_kw_month", "usd_to_currency", "horizon_months"} <= names
    assert {"price_1", "price_2", "price_3", "budget_capex_usd"} <= names
    hardware = wb["Hardware"]
    header = [c.value for c in hardware[1]]
    kwh = hardware.cell(row=2, column=header.index("IT energy per month, all units (kWh)") + 1)
    assert kwh.value == pytest.approx(839.5)  # 1.15 kW x 730 h
    energy = hardware.cell(row=2, column=header.index("Energy over horizon") + 1).value
    assert energy == f"={kwh.coordinate}*pue*usd_per_kwh*usd_to_currency*horizon_months"
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    check_formula(str(cell.value)[1:], names, wb.sheetnames)


def test_check_formula_refuses_what_planner_does_not_write() -> None:
    names = ["price_1", "usd_to_currency"]
    check_formula("SUM($A$2:$A$3)+Hardware!$C$2*price_1*usd_to_currency", names, ["Hardware"])
    for bad in ('HYPERLINK("http://evil.example","x")', "WEBSERVICE(A1)", "Sheet9!A1", "cmd|' /c calc'!A0"):
        with pytest.raises(ValueError):
            check_formula(bad, ["price_1"], ["Hardware"])


@needs_libreoffice
def test_formulas_evaluate_to_planners_figures_to_the_cent(plan: Plan, tmp_path: Path) -> None:
    assert assert_formulas_give_planners_figures(plan, tmp_path) > 150


@needs_libreoffice
def test_the_decision_figures_by_hand(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    calc = recalculated(path, tmp_path)
    figures = key_figures(calc)
    assert figures["Total cost over the horizon"] == pytest.approx(30_605.70, abs=0.005)
    assert figures["Up-front purchases (capex)"] == pytest.approx(7_500.0, abs=0.005)
    assert figures["Running costs per month"] == pytest.approx(641.825, abs=0.0005)
    assert figures["Payback month against renting"] == 15
    # 7,500 / (41,230 / 36 - 641.825): the simple payback, part months and not discounted.
    assert figures["Simple payback against renting (months)"] == pytest.approx(14.897, abs=1e-3)
    # (7,500 + 0) / (41,230 - 6,898.50 - 16,207.20) = 0.41381
    assert figures["Break-even utilisation"] == pytest.approx(0.41381, abs=1e-5)
    ws = calc["Summary"]
    limits = ws[ws.tables["Limits"].ref]
    assert [c.value for c in limits[1]] == ["Capex budget", 60_000, "USD, capex", 7_500, 0.125]
    flow = calc["Cash flow"]
    rows = flow[flow.tables["CashFlow"].ref]
    header = [c.value for c in rows[0]]
    last = dict(zip(header, [c.value for c in rows[-1]], strict=True))
    assert last["Month"] == 36
    assert last["Cumulative, this plan"] == pytest.approx(30_605.70, abs=0.005)
    assert last["Cumulative, Rent everything (all cloud)"] == pytest.approx(41_230.0, abs=0.005)
    assert last["Cumulative, Buy everything (all bought)"] == pytest.approx(34_900.0, abs=0.005)


@needs_libreoffice
def test_a_dearer_electricity_price_moves_the_total_by_the_hand_computed_amount(
    plan: Plan, tmp_path: Path
) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    edited = set_input(path, "usd_per_kwh", 0.16, tmp_path / "dearer.xlsx")
    figures = key_figures(recalculated(edited, tmp_path))
    assert figures["Total cost over the horizon"] == pytest.approx(30_605.70 + 459.90, abs=0.005)
    assert figures["Up-front purchases (capex)"] == pytest.approx(7_500.0, abs=0.005)


@needs_libreoffice
def test_the_residual_value_is_a_named_input_credited_at_the_end(plan: Plan, tmp_path: Path) -> None:
    """40 % of the 7,500 USD workstation comes back in month 36: 30,605.70 - 3,000 = 27,605.70. Dearer
    electricity still costs 1,277.5 kWh x 0.01 x 36 = 459.90 more: 28,065.60. An 8,000 USD workstation
    costs 500 more and is worth 200 more at the end: 27,605.70 + 500 - 200 = 27,905.70. Renting wins below
    (7,500 - 3,000 + 0 hosting) / (41,230 - 6,898.50 - 16,207.20) = 4,500 / 18,124.30 = 0.24829 of the
    planned hours."""
    credited = with_residual(plan)
    wb = build_workbook(credited)
    assert "residual_share" in wb.defined_names
    hardware = wb["Hardware"]
    header = [c.value for c in hardware[1]]
    residual = hardware.cell(row=2, column=header.index("Residual value at the end") + 1)
    capex = hardware.cell(row=2, column=header.index("Capex") + 1)
    assert residual.value == f"={capex.coordinate}*residual_share"
    assert assert_formulas_give_planners_figures(credited, tmp_path) > 150

    path = tmp_path / "credited.xlsx"
    write_workbook(credited, path)
    figures = key_figures(recalculated(path, tmp_path))
    assert figures["Total cost over the horizon"] == pytest.approx(27_605.70, abs=0.005)
    assert figures["Residual value at the end (credit)"] == pytest.approx(3_000.0, abs=0.005)
    assert figures["Running costs per month"] == pytest.approx(641.825, abs=0.0005)
    assert figures["Payback month against renting"] == 15  # the credit comes in month 36
    assert figures["Break-even utilisation"] == pytest.approx(4_500 / 18_124.30, abs=1e-5)
    flow = recalculated(path, tmp_path)["Cash flow"]
    rows = flow[flow.tables["CashFlow"].ref]
    header = [c.value for c in rows[0]]
    last = dict(zip(header, [c.value for c in rows[-1]], strict=True))
    before = dict(zip(header, [c.value for c in rows[-2]], strict=True))
    assert last["Residual value back, this plan"] == pytest.approx(3_000.0, abs=0.005)
    assert before["Residual value back, this plan"] == 0
    # 7,500 + 35 x 641.825 = 29,963.875; month 36: + 641.825 - 3,000 = 27,605.70
    assert before["Cumulative, this plan"] == pytest.approx(29_963.875, abs=0.005)
    assert last["Net, this plan"] == pytest.approx(641.825 - 3_000, abs=0.005)
    assert last["Cumulative, this plan"] == pytest.approx(27_605.70, abs=0.005)

    dearer = set_input(path, "usd_per_kwh", 0.16, tmp_path / "dearer.xlsx")
    total = key_figures(recalculated(dearer, tmp_path))["Total cost over the horizon"]
    assert total == pytest.approx(27_605.70 + 459.90, abs=0.005)
    pricier = set_input(path, "price_1", 8_000.0, tmp_path / "pricier.xlsx")
    total = key_figures(recalculated(pricier, tmp_path))["Total cost over the horizon"]
    assert total == pytest.approx(27_905.70, abs=0.005)


@needs_libreoffice
def test_a_discount_rate_gives_the_net_present_value(plan: Plan, tmp_path: Path) -> None:
    """At 12 % a year month m counts 1 / 1.12^(m/12): 7,500 + 641.825 x (sum over m = 1..36) - 3,000 /
    1.12^3. The sum is a plain loop here, not the library's cash flow."""
    credited = with_residual(plan)
    path = tmp_path / "plan.xlsx"
    write_workbook(credited, path)
    edited = set_input(path, "discount_rate_per_year", 0.12, tmp_path / "discounted.xlsx")
    figures = key_figures(recalculated(edited, tmp_path))
    by_hand = 7_500 + sum(641.825 / 1.12 ** (m / 12) for m in range(1, 37)) - 3_000 / 1.12**3
    assert figures["Net present value"] == pytest.approx(by_hand, abs=0.005)
    assert figures["Total cost over the horizon"] == pytest.approx(27_605.70, abs=0.005)  # undiscounted
    undiscounted = key_figures(recalculated(path, tmp_path))["Net present value"]
    assert undiscounted == pytest.approx(27_605.70, abs=0.005)


@needs_libreoffice
def test_a_card_price_and_the_horizon_move_the_cost_of_the_same_mix(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    pricier = set_input(path, "price_1", 8_000.0, tmp_path / "pricier.xlsx")
    figures = key_figures(recalculated(pricier, tmp_path))
    assert figures["Total cost over the horizon"] == pytest.approx(31_105.70, abs=0.005)
    shorter = set_input(path, "horizon_months", 24, tmp_path / "shorter.xlsx")
    # 7,500 + 24 x 641.825 = 22,903.80: running costs and rent scale with the months, the purchase does not.
    figures = key_figures(recalculated(shorter, tmp_path))
    assert figures["Total cost over the horizon"] == pytest.approx(22_903.80, abs=0.005)


@needs_libreoffice
@pytest.mark.parametrize(
    ("scenario", "changes"),
    [
        ("startup", {}),
        ("research-lab", {}),
        ("hobbyist", {}),  # an office: no PUE, no hosting, base power only while GPUs work
        # Reserved terms billed whole (18 months on 1-year terms pays 24) and a currency with a rate.
        ("enterprise", {"horizon_months": 18, "currency": "EUR", "usd_to_currency": 0.92}),
        # Demand over time: a purchase in month 4 held 33 months, a 3-year reservation from month 1, a
        # rental for months 28-36; the Cash flow sheet's running costs over the inputs.
        ("platform-team-growth", {}),
    ],
)
def test_a_solved_scenarios_workbook_recalculates_to_its_plan(
    scenario: str, changes: dict[str, Any], tmp_path: Path
) -> None:
    """Real plans: colocation, PUE, reserved terms, owned machines, an exchange rate; the cost model restated
    as formulas must give what the optimizer priced."""
    from planner import load_scenario, solve

    loaded = load_scenario(SCENARIOS / f"{scenario}.yaml").model_copy(update=changes)
    plan = solve(loaded, time_limit_s=20)
    assert assert_formulas_give_planners_figures(plan, tmp_path) > 50


def test_a_plan_without_numeric_rates_is_costed_as_fixed_figures(plan: Plan) -> None:
    """A plan from before rates were numbers (its electricity only as text) still gives the right figures:
    energy is written as the value planner priced, and the rest stays live."""
    texts = tuple(a.model_copy(update={"key": "", "number": None}) for a in plan.assumptions)
    wb = build_workbook(plan.model_copy(update={"assumptions": texts}))
    hardware = wb["Hardware"]
    header = [c.value for c in hardware[1]]
    energy = hardware.cell(row=2, column=header.index("Energy over horizon") + 1)
    assert energy.value == 4_533.3 and energy.data_type == "n"
    assert "usd_per_kwh" not in wb.defined_names and "horizon_months" in wb.defined_names
    assert expected_values(wb["Summary"])["B6"] == pytest.approx(30_605.70)


def test_desk_side_machines_pay_no_colocation_in_the_workbook(plan: Plan) -> None:
    """At 100 USD per kW-month a 1.15 kW workstation in a rack would pay 1.15 x 100 x 36 = 4,140 USD; the plan
    priced it (a desk-side machine) at 0, so the sheet says so rather than write a formula giving 4,140."""
    racked = tuple(
        a.model_copy(update={"number": 100.0}) if a.key == "colocation_usd_per_kw_month" else a
        for a in plan.assumptions
    )
    assert any(a.key == "colocation_usd_per_kw_month" for a in racked)
    wb = build_workbook(plan.model_copy(update={"assumptions": racked}))
    hardware = wb["Hardware"]
    header = [c.value for c in hardware[1]]
    for row in (2, 3):
        hosting = hardware.cell(row=row, column=header.index("Hosting over horizon") + 1)
        assert hosting.value == 0 and hosting.data_type == "n"
        assert hardware.cell(row=row, column=header.index("Notes") + 1).value == "desk-side: no colocation"
    assert expected_values(wb["Summary"])["B6"] == pytest.approx(30_605.70)


def test_no_formula_passes_excels_length_limit_on_a_large_fleet(plan: Plan) -> None:
    """Excel refuses formulas over 8,192 characters: 600 identical rented units are summed as one range,
    not as 600 references."""
    spot = plan.units[3]
    many = tuple(spot.model_copy(update={"id": f"{spot.option}#{i}"}) for i in range(1, 601))
    big = plan.model_copy(update={"units": (*plan.units[:3], *many)})
    wb = build_workbook(big)
    longest = max(
        len(str(c.value)) for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    )
    assert longest < 200
    mix = wb["Summary"]
    header_row = next(r for r in mix.iter_rows() if r[0].value == "Action")
    spot_row = next(r for r in mix.iter_rows(min_row=header_row[0].row) if r[0].value == "Rent spot")
    cost_col = [c.value for c in header_row].index("Over horizon, all units")
    assert spot_row[cost_col].value == "=SUM(Cloud!$J$3:$J$602)"


@needs_libreoffice
def test_over_periods_a_purchase_price_moves_the_capex_residual_and_cash_flow_alike(tmp_path: Path) -> None:
    """Demand over time: a desk (1,000 USD) bought for month 1 and one for month 7, 12 months, a 60-month
    straight line (they keep 80 % and 90 %). At 2,000 USD a desk the plan costs 2 x 1,000 more up front and
    gets 1,000 x 0.8 + 1,000 x 0.9 = 1,700 more back: 300 more in all, in the total and in the net present
    value (no discounting) alike. The residual value stayed as solved (the total moved 2,000) and the cash
    flow's purchases too (the net present value did not move)."""
    from planner.pipeline import solve

    from builders import catalog, gpu, scenario, system, workload

    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")])
    ws = [workload("early", 12), workload("late", 12, start_month=7)]
    s = scenario(ws, hardware={"cloud": False}, finance={"useful_life_months": 60})
    plan = solve(s, cat, alternatives=False)
    assert plan.periods and plan.residual_value == pytest.approx(1700)
    path = tmp_path / "periods.xlsx"
    write_workbook(plan, path)
    base = key_figures(recalculated(path, tmp_path / "base"))
    assert base["Total cost over the horizon"] == pytest.approx(plan.total_cost, abs=0.005)
    assert base["Net present value"] == pytest.approx(plan.total_cost, abs=0.005)
    dearer = key_figures(
        recalculated(set_input(path, "price_1", 2000, tmp_path / "dearer.xlsx"), tmp_path / "d")
    )
    assert dearer["Up-front purchases (capex)"] == pytest.approx(4000, abs=0.005)
    assert dearer["Residual value at the end (credit)"] == pytest.approx(3400, abs=0.005)
    assert dearer["Total cost over the horizon"] == pytest.approx(plan.total_cost + 300, abs=0.005)
    assert dearer["Net present value"] == pytest.approx(plan.total_cost + 300, abs=0.005)


@needs_libreoffice
def test_over_periods_running_costs_move_with_their_inputs(tmp_path: Path) -> None:
    """Demand over time in colocation: a 300 W desk (1,000 USD) bought for a, which runs months 3-12, and
    job (20 GiB: no desk holds it) rented for months 1-2 at 0.50 USD/h (730 h a month). The desk draws
    0.3 kW x 730 h = 219 kWh a month (21.90 USD at 0.10 USD/kWh, PUE 1) and pays 0.3 kW x 100 USD
    colocation = 30 USD a month: the plan costs 2 x 365 + 1,000 + 10 x (21.90 + 30) = 2,249. At 0.20
    USD/kWh, 150 USD per kW-month and 0.60 USD/h the running costs are 730 x 0.6 = 438 in months 1-2 and
    219 x 0.2 + 0.3 x 150 = 88.80 in months 3-12: 2,249 + 2 x 73 + 10 x 21.90 + 10 x 15 = 2,764, on the
    Cash flow sheet and in the Summary's total alike. The Cash flow's running costs stayed as solved (it
    ended at 2,249), and the Hardware sheet's hosting of a desk held 10 of the 12 months too (the Summary
    read 2,614)."""
    from planner.pipeline import solve

    from builders import catalog, cloud, gpu, scenario, system, workload

    cards = [gpu("Card16", 16), gpu("Card24", 24)]
    cat = catalog(cards, [system("desk", "Card16")], [cloud("c24", "Card24", price=0.5)])
    energy = {"usd_per_kwh": 0.1, "pue": 1.0, "hosting": "colocation", "colocation_usd_per_kw_month": 100.0}
    ws = [workload("a", 10, start_month=3), workload("job", 20, end_month=2)]
    plan = solve(scenario(ws, energy={**energy, "gpu_utilisation": 1}), cat, alternatives=False)
    assert plan.total_cost == pytest.approx(2249)
    assert {u.kind for u in plan.units} == {"bought", "cloud"}
    path = tmp_path / "periods.xlsx"
    write_workbook(plan, path)
    (rent,) = [p.name for p in price_inputs(plan).values() if p.kind == "cloud"]
    changed = path
    for name, value in (("usd_per_kwh", 0.2), ("colocation_usd_per_kw_month", 150.0), (rent, 0.6)):
        changed = set_input(changed, name, value, tmp_path / f"{name}.xlsx")
    book = recalculated(changed, tmp_path / "calc")
    ws = book["Cash flow"]
    cells = ws[ws.tables["CashFlow"].ref]
    header = [c.value for c in cells[0]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]
    running = [round(r["Running, this plan"], 2) for r in rows]
    assert running == [0.0, 438.0, 438.0] + [88.8] * 10
    assert rows[-1]["Cumulative, this plan"] == pytest.approx(2764, abs=0.005)
    assert key_figures(book)["Total cost over the horizon"] == pytest.approx(2764, abs=0.005)
