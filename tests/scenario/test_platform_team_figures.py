"""The platform-team figures README.md and docs/optimizer.md quote are what the solver prints: the plan
against renting DeepSeek's GPUs beside the owned A100s (769,018 USD, 382,349 saved, 19.9-month payback), and
against renting everything anew (``alternatives_keep_owned: false``: 921,205 saved, 10.2 months).

The payback is also derived by hand from the plan's own fields: the purchases over the monthly saving,
``capex / (alternative / 36 - plan running per month)``. A change that moves these figures fails here until
the docs say the new ones."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.catalog.load import load_catalog
from planner.pipeline import solve
from planner.plan import Alternative, Plan
from planner.report.flows import cash_flows
from planner.report.terminal import render_terminal
from planner.scenario.load import load_scenario

ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "platform-team.yaml"


def _text(name: str) -> str:
    """A doc with its line breaks and indents folded to single spaces (sentences wrap anywhere)."""
    return re.sub(r"\s+", " ", (ROOT / name).read_text(encoding="utf-8"))


def _figures(plan: Plan) -> tuple[Alternative, float]:
    (cloud,) = [a for a in plan.alternatives if a.name == "all_cloud"]
    payback = cash_flows(plan)["all_cloud"].payback_months
    assert cloud.total_cost is not None and payback is not None
    by_hand = plan.capex / (cloud.total_cost / plan.horizon_months - plan.opex_per_month)
    assert payback == pytest.approx(by_hand, rel=1e-9)
    return cloud, payback


@pytest.fixture(scope="module")
def plans() -> dict[bool, Plan]:
    scenario = load_scenario(SCENARIO)
    anew = scenario.model_copy(
        update={"finance": scenario.finance.model_copy(update={"alternatives_keep_owned": False})}
    )
    catalog = load_catalog()
    return {True: solve(scenario, catalog), False: solve(anew, catalog)}


def test_against_owned_plus_rent_the_docs_quote_the_solvers_figures(plans: dict[bool, Plan]) -> None:
    plan = plans[True]
    cloud, payback = _figures(plan)
    assert cloud.total_cost is not None
    cost, saving = f"{cloud.total_cost:,.0f}", f"{cloud.total_cost - plan.total_cost:,.0f}"
    share = f"{(cloud.total_cost - plan.total_cost) / cloud.total_cost:.0%}"
    months = f"{payback:.1f}"
    assert (cost, saving, months) == ("769,018", "382,349", "19.9")  # as the issue quoted them
    readme = _text("README.md")
    assert f"DeepSeek's GPUs: {cost} USD, so buying saves {saving} ({share[:-1]} %)" in readme
    running = f"{plan.opex_per_month:,.0f}"
    assert (
        f"pays back {plan.capex:,.0f} / ({cost} / {plan.horizon_months} - {running}) = {months} months"
        in readme
    )
    assert f"{saving} USD ({share}) less than keeping the owned hardware and renting the rest" in readme
    optimizer = _text("docs/optimizer.md")
    assert f"scenarios/platform-team.yaml: {saving} USD and {months} months against owned + rent" in optimizer
    assert f"| platform-team (new) | {plan.total_cost:,.0f} | {cost} |" in optimizer


def test_against_renting_everything_anew_the_docs_quote_the_solvers_figures(plans: dict[bool, Plan]) -> None:
    plan = plans[False]
    assert plan.total_cost == pytest.approx(
        plans[True].total_cost
    )  # the plan is the same; its baseline is not
    cloud, payback = _figures(plan)
    assert cloud.total_cost is not None
    saving = cloud.total_cost - plan.total_cost
    assert (f"{cloud.total_cost:,.0f}", f"{saving:,.0f}", f"{payback:.1f}") == (
        "1,307,873",
        "921,205",
        "10.2",
    )
    readme = _text("README.md")
    assert f'"saved" {saving:,.0f} USD ({saving / cloud.total_cost:.0%}'.replace("%", " %") in readme
    assert f"with a {payback:.1f}-month payback" in readme
    optimizer = _text("docs/optimizer.md")
    assert f"{saving:,.0f} and {payback:.1f} months against renting everything anew" in optimizer


def test_the_readme_console_is_what_planner_prints(plans: dict[bool, Plan]) -> None:
    """README's ``planner solve scenarios/platform-team.yaml`` block, line for line, but the solve time."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ planner solve scenarios/platform-team.yaml\n")
    block = readme[start : readme.index("```", start)].splitlines()[1:]
    assert block[-1] == "report: reports/platform-team.xlsx"
    printed = render_terminal(plans[True]).splitlines()
    timed = re.compile(r"(Solver highs: gap .*, )[\d.]+ s$")
    assert [timed.sub(r"\1T s", line) for line in block[:-1]] == [
        timed.sub(r"\1T s", line) for line in printed
    ]
