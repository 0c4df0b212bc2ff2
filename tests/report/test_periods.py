"""Demand over time in the reports: what to buy and rent when, and the cash flow month by month.

The plan of tests/assemble/test_demand_over_time.py: one replica growing 10 % a month, two 1,000 USD cards
bought in month 1 and a third in month 7; each card's energy is 21.90 USD a month.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from planner.pipeline import solve
from planner.plan import Plan
from planner.report.figures import chosen_mix, gpu_usage
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.table import expected_values
from planner.report.terminal import render_terminal
from planner.report.workbook import build_workbook
from planner.units import GIB

from builders import catalog, cloud, gpu, scenario, system, workload


@pytest.fixture(scope="module")
def plan() -> Plan:
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
    return solve(scenario([workload("chat", 10, growth_per_month=0.1)]), cat, alternatives=False)


def test_the_terminal_says_what_to_buy_when(plan: Plan) -> None:
    text = render_terminal(plan)
    assert "When to buy and rent (demand changes over time)" in text
    assert (
        "Months 1-6: buy desk#1, desk#2; rent -; up front 2,000 USD, running 44 USD/month; runs chat x 2"
        in text
    )
    assert "Months 7-12: buy desk#3; rent -; up front 1,000 USD, running 66 USD/month; runs chat x 3" in text


def test_markdown_has_a_table_of_periods(plan: Plan) -> None:
    text = render_markdown(plan)
    assert "## When to buy and rent" in text
    assert "| 7-12 | desk#3 | - | 1,000 | 66 | chat x 3 |" in text


def test_json_carries_the_periods_and_the_purchase_months(plan: Plan) -> None:
    data = json.loads(plan_to_json(plan))
    periods = [(p["start_month"], p["end_month"], p["bought"], p["capex"]) for p in data["periods"]]
    assert periods == [(1, 6, ["desk#1", "desk#2"], 2000.0), (7, 12, ["desk#3"], 1000.0)]
    assert {u["id"]: u["start_month"] for u in data["units"]} == {"desk#1": 1, "desk#2": 1, "desk#3": 7}


def _table(ws: Any, name: str) -> list[dict[str, Any]]:
    cells = ws[ws.tables[name].ref]
    header = [c.value for c in cells[0]]
    return [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]


def test_the_cash_flow_sheet_pays_each_purchase_in_its_month(plan: Plan) -> None:
    """Month 0: the two first cards (2,000); month 6: the third (1,000), paid when month 7 begins, each at
    the desk's price input (price_1, 1,000 USD), so a price changed there moves them; running 2 x 21.90 in
    months 1-6 and 3 x 21.90 in months 7-12, each card's 0.3 kW x 730 h = 219 kWh a month at the electricity
    price and PUE inputs; the cumulative ends at the total."""
    book = build_workbook(plan)
    ws = book["Cash flow"]
    rows = _table(ws, "CashFlow")
    up_front = {r["Month"]: r["Up-front, this plan"] for r in rows if r["Up-front, this plan"]}
    assert up_front == {0: "=2*price_1*usd_to_currency", 6: "=1*price_1*usd_to_currency"}
    assert "price_1" in book.defined_names and plan.units[0].unit_price == 1000.0
    assert rows[1]["Running, this plan"] == "=438*pue*usd_per_kwh*usd_to_currency"
    assert rows[7]["Running, this plan"] == "=657*pue*usd_per_kwh*usd_to_currency"
    running = _column(ws, "CashFlow", "Running, this plan")
    assert expected_values(ws)[running[1]] == pytest.approx(43.8)
    assert expected_values(ws)[running[7]] == pytest.approx(65.7)
    assert sum(expected_values(ws).get(c, 0.0) for c in running) == pytest.approx(30 * 21.9)


def test_runs_on_counts_replicas_not_periods(plan: Plan) -> None:
    """Replicas 1 and 2 stay on desk#1 and desk#2 through both periods, replica 3 joins on desk#3: one replica
    on each desk, not "desk#1 GPU 0 (2 replicas)" for the two periods replica 1 runs in."""
    markdown = render_markdown(plan)
    assert "| desk#1 GPU 0; desk#2 GPU 0; desk#3 GPU 0 |" in markdown
    assert "replicas)" not in markdown
    row = next(line for line in render_terminal(plan, 160).splitlines() if line.lstrip().startswith("chat "))
    assert "desk#1, desk#2, desk#3" in row and "replicas)" not in row
    (workload,) = _table(build_workbook(plan)["Workloads"], "Workloads")
    runs_on = next(v for k, v in workload.items() if str(k).startswith("Runs on"))
    assert runs_on.splitlines() == ["r1: desk#1 GPU 0", "r2: desk#2 GPU 0", "r3: desk#3 GPU 0"]


def test_the_chosen_mix_bills_per_month_while_held(plan: Plan) -> None:
    """desk#1 and desk#2 are held months 1-12, desk#3 months 7-12; each bills 21.90 a month (energy and
    hosting: the cash flow's 43.80 and 65.70). The line's per month is 3 x 21.90 = 65.70, the bill in a month
    all three are held, not 30 x 21.90 / 12 = 54.75 spread over the horizon; the Total's per month is
    running averaged over the horizon, 657 / 12 = 54.75, and a note says so in every report."""
    (line,) = chosen_mix(plan)
    assert line.per_month == pytest.approx(65.70)
    assert line.months == "1-12, 7-12"
    assert line.per_month * line.months_held == pytest.approx(30 * 21.90)
    text = render_terminal(plan)
    row = next(r for r in text.splitlines() if r.startswith("  Buy "))
    assert "1-12, 7-12" in row and row.split()[-2:] == ["66", "3,657"]
    total = next(r for r in text.splitlines() if r.lstrip().startswith("Total  "))
    assert total.split()[-2:] == ["55", "3,657"]
    assert "averaged over the 12 months" in text
    markdown = render_markdown(plan)
    assert "| **Total** | 3 |" in markdown and "| **55** |" in markdown
    assert "averaged over the 12 months" in markdown
    ws = build_workbook(plan)["Summary"]
    (mix,) = _table(ws, "ChosenMix")
    assert mix["Months held"] == "1-12, 7-12" and mix["Months held, per unit (average)"] == 10
    per_month = _cell(ws, "ChosenMix", "Per month while held, all units")
    assert expected_values(ws)[per_month] == pytest.approx(65.7)


def test_the_json_carries_the_mix_total_and_its_note(plan: Plan) -> None:
    """What the page's chosen mix shows: each line's months and while-held bill, the Total row (3 cards,
    3,000 up front, 657 / 12 = 54.75 a month averaged, 3,657 over the horizon) and the note."""
    report = json.loads(plan_to_json(plan))["report"]
    (line,) = report["chosen_mix"]
    assert line["months"] == "1-12, 7-12" and line["per_month"] == pytest.approx(65.70)
    total = report["mix_total"]
    assert total["count"] == 3 and total["capex"] == pytest.approx(3000.0)
    assert total["per_month"] == pytest.approx(54.75) and total["cost"] == pytest.approx(3657.0)
    assert report["mix_per_month_note"].startswith("Per month: each line's bill in a month all its units")
    assert "averaged over the 12 months" in report["mix_per_month_note"]


def test_a_gpu_held_through_periods_reserves_one_period_not_their_sum(plan: Plan) -> None:
    """desk#1 runs chat r1 in months 1-6 and again in 7-12: its 16 GiB card reserves that replica's 10 GiB
    (62.5 %, 6 GiB free), not 20 GiB (125 %) for the two periods' assignments of one replica. The
    Utilization sheet, the JSON's gpu_usage and the memory chart read the same figure."""
    usage = {g.unit: g for g in gpu_usage(plan)}
    assert {u: g.reserved_bytes for u, g in usage.items()} == {f"desk#{i}": 10 * GIB for i in (1, 2, 3)}
    assert usage["desk#1"].replicas == ("chat r1",)
    assert usage["desk#1"].free_bytes == 6 * GIB
    wb = build_workbook(plan)
    rows = _table(wb["Utilization"], "Utilization")
    assert [(r["Unit"], r["Reserved share"]) for r in rows] == [(f"desk#{i}", 0.625) for i in (1, 2, 3)]
    (bar,) = _table(wb["Charts"], "MemoryPerGpu")
    assert bar["Its other replicas on the GPU"] == 0.0 and bar["Free"] == pytest.approx(6.0)
    data = json.loads(plan_to_json(plan))
    assert {g["reserved_bytes"] for g in data["report"]["gpu_usage"]} == {10 * GIB}


def test_the_launch_sheet_says_the_months_of_each_launch(plan: Plan) -> None:
    """One launch per replica and period, as the terminal's "chat #1 on desk#1 GPU 0, months 1-6": the sheet
    listed five launches of chat with nothing to tell months 1-6 from 7-12."""
    rows = _table(build_workbook(plan)["Launch"], "Launch")
    assert [(r["Replica"], r["Unit"], r["Months"]) for r in rows] == [
        (1, "desk#1", "1-6"),
        (2, "desk#2", "1-6"),
        (1, "desk#1", "7-12"),
        (2, "desk#2", "7-12"),
        (3, "desk#3", "7-12"),
    ]
    assert "chat #1 on desk#1 GPU 0, months 1-6" in render_terminal(plan, launch=True)


def _cell(ws: Any, name: str, header: str) -> str:
    """The first data cell of a table's column."""
    cells = ws[ws.tables[name].ref]
    return str(cells[1][[c.value for c in cells[0]].index(header)].coordinate)


def test_a_gpu_that_changes_hands_between_periods_has_a_row_for_each() -> None:
    """a runs months 1-6 and b months 7-12, each a 10 GiB replica on the one 16 GiB card bought: the
    Utilization sheet listed "a r1, b r1" on one row, two 10 GiB replicas on a 16 GiB card, which reads as
    over-full by 4 GiB. One row per run of months, each with the replica on the card then (62.5 %), in the
    sheet and the JSON's gpu_usage alike."""
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
    s = scenario([workload("a", 10, end_month=6), workload("b", 10, start_month=7)])
    plan = solve(s, cat, alternatives=False)
    rows = _table(build_workbook(plan)["Utilization"], "Utilization")
    assert [(r["Unit"], r["Months"], r["Reserved share"], r["Workloads (replica)"]) for r in rows] == [
        ("desk#1", "1-6", 0.625, "a r1"),
        ("desk#1", "7-12", 0.625, "b r1"),
    ]
    usage = json.loads(plan_to_json(plan))["report"]["gpu_usage"]
    assert [(g["start_month"], g["end_month"], g["replicas"], g["reserved_bytes"]) for g in usage] == [
        (1, 6, ["a r1"], 10 * GIB),
        (7, 12, ["b r1"], 10 * GIB),
    ]


def test_a_gpu_bought_later_has_rows_from_its_month() -> None:
    """Growth to a third card in month 7: desk#1 holds chat r1 in every month (one row, 1-12), desk#3 only
    from month 7 (one row, 7-12)."""
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
    plan = solve(scenario([workload("chat", 10, growth_per_month=0.1)]), cat, alternatives=False)
    assert [(g.unit, g.months(12), g.replicas) for g in gpu_usage(plan)] == [
        ("desk#1", "1-12", ("chat r1",)),
        ("desk#2", "1-12", ("chat r2",)),
        ("desk#3", "7-12", ("chat r3",)),
    ]


def _column(ws: Any, name: str, header: str) -> list[str]:
    """The data cells of a table's column, in row order."""
    cells = ws[ws.tables[name].ref]
    at = [c.value for c in cells[0]].index(header)
    return [str(row[at].coordinate) for row in cells[1:]]
