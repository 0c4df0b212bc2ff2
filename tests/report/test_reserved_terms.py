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
from planner.scenario.load import load_scenario

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
