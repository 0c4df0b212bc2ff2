"""Prices people can trust: a currency needs its rate, and a plan says how old the prices it relies on are.

Figures by hand: one 10 GiB workload on a 0.50 USD/hour instance, always on for 12 months, costs
0.50 x 730 x 12 = 4,380 USD; at 0.9 EUR per USD that is 3,942 EUR. The test catalog's prices are dated
2025-11-01; on 2026-12-03 that is 365 + 29 + 3 = 397 days, past the 180-day limit.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planner.catalog.pricing import PriceAge, price_age, system_price_date
from planner.errors import ScenarioError
from planner.pipeline import solve
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import render_terminal
from planner.report.workbook import write_workbook
from planner.scenario.load import parse_scenario

from builders import DAY, catalog, cloud, gpu, scenario, system, workload

TODAY = dt.date(2026, 12, 3)
CAT = catalog([gpu("Card24", 24)], clouds=[cloud("one", "Card24", price=0.5)])
CLOUD_ONLY = {"hardware": {"bought": False}}


def test_a_currency_other_than_usd_without_a_rate_is_refused_naming_the_field() -> None:
    with pytest.raises(ScenarioError, match=r"usd_to_currency is required for currency EUR"):
        parse_scenario("name: t\ncurrency: EUR\nworkloads:\n  - {name: a, model: m}\n")


def test_a_rate_with_usd_is_refused() -> None:
    with pytest.raises(ScenarioError, match=r"usd_to_currency is 0.9 but currency is USD"):
        parse_scenario("name: t\nusd_to_currency: 0.9\nworkloads:\n  - {name: a, model: m}\n")


def test_the_cli_says_it_in_one_line_with_exit_2(tmp_path: pytest.TempPathFactory) -> None:
    from click.testing import CliRunner

    from planner.cli import main

    path = tmp_path / "s.yaml"  # type: ignore[operator]
    path.write_text("name: t\ncurrency: EUR\nworkloads:\n  - {name: a, model: llama-3.1-8b}\n")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "usd_to_currency" in result.stderr


def test_euro_plan_converts_at_the_rate_and_states_it_with_its_date() -> None:
    euro = {"currency": "EUR", "usd_to_currency": 0.9, "usd_to_currency_as_of": "2026-11-30"}
    plan = solve(scenario([workload("a", 10)], **CLOUD_ONLY, **euro), CAT, alternatives=False)
    assert plan.total_cost == pytest.approx(3942.0)
    assert (plan.usd_to_currency, plan.usd_to_currency_as_of) == (0.9, dt.date(2026, 11, 30))
    line = "Exchange rate: 1 USD = 0.9 EUR (as of 2026-11-30; scenario usd_to_currency)"
    assert line in render_terminal(plan, today=TODAY).splitlines()
    assert f"- **{line}**" in render_markdown(plan, today=TODAY)
    data = json.loads(plan_to_json(plan, TODAY))
    assert (data["usd_to_currency"], data["usd_to_currency_as_of"]) == (0.9, "2026-11-30")
    assert data["report"]["exchange_rate"] == line  # what the local page shows under the total
    usd = solve(scenario([workload("a", 10)], **CLOUD_ONLY), CAT, alternatives=False)
    assert json.loads(plan_to_json(usd, TODAY))["report"]["exchange_rate"] == ""
    rate = next(a for a in plan.assumptions if a.name == "exchange rate")
    assert (rate.value, rate.as_of) == ("1 USD = 0.9 EUR", "2026-11-30")


def test_a_rate_without_a_date_says_so() -> None:
    euro = scenario([workload("a", 10)], **CLOUD_ONLY, currency="EUR", usd_to_currency=0.9)
    plan = solve(euro, CAT, alternatives=False)
    assert "(date not given; scenario usd_to_currency)" in render_terminal(plan, today=TODAY)


def test_reports_state_the_oldest_price_and_warn_past_180_days() -> None:
    plan = solve(scenario([workload("a", 10)], **CLOUD_ONLY), CAT, alternatives=False)
    age = plan.oldest_price(TODAY)
    assert (age.oldest_date, age.age_days, age.stale, age.undated) == (DAY, 397, True, ())
    sentence = (
        "Oldest price used: testcloud one (r1) (on demand), as of 2025-11-01 (397 days before 2026-12-03); "
        "warning: older than 180 days, check a current price (planner catalog update, or a quote in your "
        "own catalog)."
    )
    assert age.sentence() == sentence
    assert " ".join(render_terminal(plan, width=100, today=TODAY).split()).endswith(sentence)
    assert f"- **Prices:** {sentence}" in render_markdown(plan, today=TODAY)
    report = json.loads(plan_to_json(plan, TODAY))["report"]["oldest_price"]
    assert report == {
        "oldest_date": "2025-11-01",
        "oldest_item": "testcloud one (r1) (on demand)",
        "age_days": 397,
        "stale": True,
        "stale_after_days": 180,
        "undated": [],
        "today": "2026-12-03",
        "sentence": sentence,
    }
    fresh = plan.oldest_price(dt.date(2026, 4, 30))  # 180 days: not yet past the limit
    assert (fresh.age_days, fresh.stale) == (180, False) and "warning" not in fresh.sentence()


def test_an_undated_price_is_named_not_taken_as_fresh() -> None:
    age = price_age([("A", None), ("B", dt.date(2026, 12, 1)), ("A", None), ("C", None)], TODAY)
    assert age == PriceAge(dt.date(2026, 12, 1), "B", 2, ("A", "C"), TODAY)
    assert age.sentence() == (
        "Oldest price used: B, as of 2026-12-01 (2 days before 2026-12-03); source date unknown for A, C."
    )
    nothing = price_age([("A", None)], TODAY)
    assert (nothing.oldest_date, nothing.sentence()) == (None, "Source date unknown for A.")


def test_a_system_priced_from_its_cards_is_as_old_as_its_older_part() -> None:
    card = gpu("Card24", 24).model_copy(update={"price_date": dt.date(2024, 3, 19)})
    box = system("box", "Card24").model_copy(update={"total_price_usd": None, "base_price_usd": 500.0})
    cat = catalog([card], [box])
    assert system_price_date(box, cat) == dt.date(2024, 3, 19)  # the card's 2024 price, not the box's 2025
    assert system_price_date(box.model_copy(update={"total_price_usd": 900.0}), cat) == DAY
    undated_chassis = box.model_copy(update={"price_date": None})
    assert system_price_date(undated_chassis, cat) == dt.date(2024, 3, 19)  # the dated card still dates it
    undated_card = card.model_copy(update={"price_date": None})
    assert system_price_date(undated_chassis, catalog([undated_card], [undated_chassis])) is None


def test_a_desktop_of_an_undated_chassis_and_a_2020_card_reports_2020_and_warns_everywhere(
    tmp_path: Path,
) -> None:
    """A desktop priced as an undated chassis estimate plus a card at its launch price (the shipped RTX 3090
    desktop: 1,500 USD chassis, card 2020-09-01). On 2026-12-03 the card's price is 2,284 days old
    (2020-09-01 to 2026-09-01 is 6 x 365 + 2 leap days = 2,192, plus 30 + 31 + 31 = 92 to 2026-12-03):
    terminal, JSON, Markdown and the workbook all carry 2020-09-01, and the plan warns."""
    card = gpu("Card24", 24).model_copy(update={"price_date": dt.date(2020, 9, 1)})
    desk = system("desk", "Card24").model_copy(
        update={"total_price_usd": None, "base_price_usd": 500.0, "price_date": None}
    )
    plan = solve(
        scenario([workload("a", 10)], hardware={"cloud": False}), catalog([card], [desk]), alternatives=False
    )
    assert [u.option for u in plan.units] == ["desk"]
    sentence = (
        "Oldest price used: desk (purchase), as of 2020-09-01 (2,284 days before 2026-12-03); warning: older "
        "than 180 days, check a current price (planner catalog update, or a quote in your own catalog)."
    )
    assert plan.oldest_price(TODAY).sentence() == sentence
    assert " ".join(render_terminal(plan, width=100, today=TODAY).split()).endswith(sentence)
    markdown = render_markdown(plan, today=TODAY)
    assert f"- **Prices:** {sentence}" in markdown
    assert "| 2020-09-01 |" in markdown.split("## Prices used")[1]
    report = json.loads(plan_to_json(plan, TODAY))["report"]["oldest_price"]
    assert (report["oldest_date"], report["stale"], report["undated"]) == ("2020-09-01", True, [])

    write_workbook(plan, tmp_path / "p.xlsx")
    book = load_workbook(tmp_path / "p.xlsx")
    prices = book["Assumptions"].tables["PricesUsed"]
    rows = list(book["Assumptions"][prices.ref])
    as_of = [c.value for c in rows[0]].index("As of")
    assert [r[as_of].value for r in rows[1:]] == [dt.datetime(2020, 9, 1)]
