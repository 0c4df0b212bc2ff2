"""docs/reports.md's table of sheets quotes the startup plan's own figures.

Its Summary row said "capex budget 60,000 USD: 10,648 used" where the startup plan buys 11,148 USD of
desktops (the Summary page pictured beside it, and the README's reading of the plan, say 11,148)."""

from __future__ import annotations

from pathlib import Path

from planner.pipeline import solve
from planner.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]


def test_the_summary_row_quotes_the_startup_plans_capex() -> None:
    plan = solve(load_scenario(ROOT / "scenarios" / "startup.yaml"))
    text = (ROOT / "docs" / "reports.md").read_text(encoding="utf-8")
    assert f"(capex budget 60,000 USD: {plan.capex:,.0f} used)" in text
