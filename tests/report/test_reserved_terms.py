"""A reservation whose term outlasts the months it is held: the whole term is paid, and every report says so
beside the chosen mix, since its Per month (the rent spread over the months held) is then more than the
provider's monthly bill that the Cloud sheet shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.catalog.load import load_catalog
from planner.pipeline import solve
from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import render_terminal
from planner.report.workbook import build_workbook
from planner.scenario.load import load_scenario

from .test_live import assert_formulas_give_planners_figures

SCENARIO = """\
name: reserved-short
horizon_months: {horizon}
hardware: {{bought: false, providers: [aws], regions: [us-east-1], pricing: [reserved_3y]}}
workloads:
  - {{name: chat, model: llama-3.1-8b, precision: bf16, engine: vllm, context: 8192, batch: 8}}
"""


def _plan(tmp_path: Path, horizon: int) -> Plan:
    path = tmp_path / f"reserved-{horizon}.yaml"
    path.write_text(SCENARIO.format(horizon=horizon), encoding="utf-8")
    return solve(load_scenario(path), load_catalog())


def test_a_three_year_term_in_a_twelve_month_plan_is_paid_in_full_and_said(tmp_path: Path) -> None:
    """32.62 GiB reserved: the cheapest AWS us-east-1 instance that holds it is g6e.xlarge (L40S, 45 GiB
    usable), 1.861 USD/h on demand, 55 % off for 3 years: 0.83745 x 730 = 611.34 USD a month, 36 months
    22,008.19 USD, spread over the 12 months held 1,834.02. The plan's Per month said 1,834 beside the Cloud
    sheet's 611 with no word of why."""
    plan = _plan(tmp_path, 12)
    (unit,) = plan.units
    assert (unit.option, unit.pricing) == ("aws:g6e.xlarge:us-east-1", "reserved_3y")
    assert plan.total_cost == pytest.approx(1.861 * 0.45 * 730 * 36)
    sentence = (
        "the 36-month term outlasts the 12 months held and is paid in full, 611 USD a month for 36 months "
        "(22,008 USD); Per month spreads that over the 12 months."
    )
    assert sentence in " ".join(render_terminal(plan, width=1000).split())
    assert sentence in render_markdown(plan)
    assert sentence in json.loads(plan_to_json(plan))["report"]["mix_per_month_note"]


def test_a_term_held_whole_needs_no_note(tmp_path: Path) -> None:
    plan = _plan(tmp_path, 36)
    assert plan.total_cost == pytest.approx(1.861 * 0.45 * 730 * 36)
    assert "outlasts" not in render_terminal(plan, width=1000)


ONE_YEAR = 1.861 * (1 - 0.37)
"""g6e.xlarge (us-east-1) on a 1-year reservation: the catalog's 1.861 USD/h on demand, AWS's 37 % off."""


def test_months_past_the_last_whole_term_are_rented_on_demand_where_cheaper(tmp_path: Path) -> None:
    """18 months on a 1-year reservation: a second term paid 1.17243 x 730 x 12 = 10,270.49 USD for 6 months
    used; those 6 months on demand cost 1.861 x 730 x 6 = 8,151.18. So 10,270.49 + 8,151.18 = 18,421.67
    instead of two terms, 20,540.97, and every report says which months are on demand."""
    path = tmp_path / "reserved-18.yaml"
    path.write_text(SCENARIO.format(horizon=18).replace("[reserved_3y]", "[reserved_1y]"), encoding="utf-8")
    plan = solve(load_scenario(path), load_catalog())
    (unit,) = plan.units
    assert (unit.option, unit.pricing) == ("aws:g6e.xlarge:us-east-1", "reserved_1y")
    assert plan.total_cost == pytest.approx(ONE_YEAR * 730 * 12 + 1.861 * 730 * 6)
    assert plan.total_cost == pytest.approx(18421.67, abs=0.01)
    data = json.loads(plan_to_json(plan))
    assert (data["units"][0]["on_demand_months"], data["units"][0]["on_demand_price"]) == (6, 1.861)
    said = "Reserve 1 year, then 6 months on demand"
    assert said in render_terminal(plan, width=1000)
    assert said in render_markdown(plan)
    assert "on a 1-year reservation, then 6 months on demand, all day for chat" in render_markdown(plan)
    # The cash flow bills the reservation's months, then the on-demand months, as the provider does.
    running = [m["running"] for m in data["cash_flows"][0]["months"]]
    assert running[1:13] == pytest.approx([ONE_YEAR * 730] * 12)
    assert running[13:] == pytest.approx([1.861 * 730] * 6)
    assert "outlasts" not in render_terminal(plan, width=1000)
    # The Cloud sheet: the months on demand, and an Over horizon formula that LibreOffice recomputes to it.
    ws = build_workbook(plan)["Cloud"]
    header = [c.value for c in ws[1]]
    row = {h: ws.cell(row=2, column=i + 1).value for i, h in enumerate(header)}
    assert (row["Pricing"], row["Months on demand"]) == ("Reserved 1 year", 6)
    assert assert_formulas_give_planners_figures(plan, tmp_path) > 0


def test_a_second_term_stays_where_it_is_cheaper_than_the_months_on_demand(tmp_path: Path) -> None:
    """22 months: the last 10 on demand cost 1.861 x 730 x 10 = 13,585.30, a second term 10,270.49."""
    path = tmp_path / "reserved-22.yaml"
    path.write_text(SCENARIO.format(horizon=22).replace("[reserved_3y]", "[reserved_1y]"), encoding="utf-8")
    plan = solve(load_scenario(path), load_catalog())
    assert plan.total_cost == pytest.approx(ONE_YEAR * 730 * 24)
    assert plan.units[0].on_demand_months == 0
    assert "on demand" not in render_markdown(plan).split("Chosen mix")[1].split("\n\n")[1]
