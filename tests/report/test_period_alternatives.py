"""Alternatives of a plan over periods in every report: the terminal, JSON, Markdown and the workbook.

The hand case of tests/solving/test_period_alternatives.py: workload a all 12 months, b from month 7, one
1,000 USD card each (worth 1,000 x (1 - months held / 60) at the end) or 365 USD a month rented. The plan
buys as the demand arrives: 694.20 USD; renting everything 6,570; buying both cards up front 794.20. And
b alone from month 7: the plan buys when month 7 begins and catches renting up in month 9.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from planner.pipeline import solve
from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import render_terminal
from planner.report.workbook import build_workbook, write_workbook

from .libreoffice import convert, needs_libreoffice, pdf_text
from builders import catalog, cloud, gpu, scenario, system, workload

CAT = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
FINANCE = {"useful_life_months": 60}


@pytest.fixture(scope="module")
def plan() -> Plan:
    return solve(scenario([workload("a", 10), workload("b", 10, start_month=7)], finance=FINANCE), CAT)


@pytest.fixture(scope="module")
def late() -> Plan:
    return solve(scenario([workload("b", 10, start_month=7)], finance=FINANCE), CAT)


def test_the_terminal_compares_and_pays_back(plan: Plan) -> None:
    """Saving 6,570 - 694.20 = 5,875.80 (89.4 %); the simple payback 2,000 / ((6,570 - 394.20) / 12) = 3.9
    months, in the table and in the buy-versus-rent line."""
    text = render_terminal(plan, width=110)
    assert "not computed" not in text
    assert "Savings against alternatives" in text
    row = next(line for line in text.splitlines() if line.lstrip().startswith("Rent everything"))
    assert row.split()[-6:] == ["optimal", "6,570", "5,876", "89.4%", "3.9", "mo"]
    up_front = next(line for line in text.splitlines() if line.lstrip().startswith("Buy everything up front"))
    assert up_front.split()[-5:] == ["optimal", "794", "100", "12.6%", "-"]  # as much up front: no payback
    assert "Buy vs rent: purchases pay back after 3.9 months" in text
    assert (
        "  Payback: purchases over the monthly saving, not discounted (simple payback)." in text.splitlines()
    )
    assert "5,876 USD (89%) less than renting everything" in text


def test_json_carries_the_alternatives_and_the_payback_month(plan: Plan) -> None:
    data = json.loads(plan_to_json(plan))
    alts = {a["name"]: a for a in data["alternatives"]}
    assert set(alts["all_cloud"]) >= {"total_cost", "capex", "opex", "residual_value", "saving", "status"}
    assert alts["all_cloud"]["total_cost"] == pytest.approx(6570)
    assert alts["all_bought_up_front"]["residual_value"] == pytest.approx(1600)
    assert data["report"]["payback_month"] == 3
    assert data["report"]["break_even"]["available"] is True


def test_markdown_has_the_saving_table(plan: Plan) -> None:
    text = render_markdown(plan)
    assert (
        "| Rent everything (all cloud) | optimal | 6,570 | 5,876 | 89.4% of the all-cloud cost | 3.9 months |"
        in (text)
    )
    assert "| Buy everything up front | optimal | 794 | 100 |" in text
    assert "Payback: purchases over the monthly saving, not discounted (simple payback)." in text.splitlines()


def _table(ws: Any, name: str) -> list[dict[str, Any]]:
    cells = ws[ws.tables[name].ref]
    header = [c.value for c in cells[0]]
    return [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]


def test_the_workbook_lists_them_and_their_cash_flows(plan: Plan) -> None:
    wb = build_workbook(plan)
    rows = {r["Alternative"]: r for r in _table(wb["Alternatives"], "Alternatives")}
    assert rows["Buy everything up front"]["Up-front (as solved)"] == pytest.approx(2000)
    assert rows["Buy everything up front"]["Residual value (as solved)"] == pytest.approx(1600)
    flows = _table(wb["Cash flow"], "CashFlow")
    assert [r["Cumulative, Rent everything (all cloud)"] for r in flows[:3]] == pytest.approx([0, 365, 730])
    assert flows[6]["Cumulative, Buy everything (all bought)"] == pytest.approx(2000 + 6 * 21.9)


@needs_libreoffice
def test_libreoffice_finds_the_payback_after_a_later_purchase(late: Plan, tmp_path: Path) -> None:
    """Nothing is spent in months 0-5 on either side (flagged "even", not paid back); the plan buys in
    month 6 and catches renting up in month 9: 1,000 + 3 x 21.90 = 1,065.70 against 3 x 365 = 1,095."""
    assert {f.name: f for f in late.cash_flows}["all_cloud"].payback_month == 9
    xlsx = tmp_path / "late.xlsx"
    write_workbook(late, xlsx)
    text = pdf_text(convert(xlsx, "pdf", tmp_path))
    for error in ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "Err:", "###"):
        assert error not in text, error
    assert "month 9" in text
    assert "(as solved)" not in text.split("Buying pays back in")[1].split("\n")[0]
