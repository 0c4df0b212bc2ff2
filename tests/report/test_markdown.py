"""The Markdown summary: tables stay tables whatever the workload names contain."""

from __future__ import annotations

import re
from collections.abc import Callable

from planner.plan import Plan
from planner.report.markdown import render_markdown


def _cells(line: str) -> int:
    """Cells in a Markdown table row: pipes not escaped by a backslash, minus one."""
    return len(re.findall(r"(?<!\\)\|", line)) - 1


def test_headline_tables_and_prices(plan: Plan) -> None:
    text = render_markdown(plan)
    assert text.startswith("# LLM hardware plan: startup\n")
    assert "30,606 USD" in text
    assert "| Buy | 1 | Workstation, 2 x RTX 4090 | 2 x RTX 4090 | 730 | 7,500 | 126 | 12,033 |" in text
    assert "| **Total** | 4 |" in text and "**30,606**" in text
    assert (
        "| AWS g6e.xlarge (1 x L40S) | on demand | 1.861 USD/hour | SkyPilot catalog v8 aws/vms.csv |" in text
    )
    assert "pay back after **14.9 months**" in text


def test_every_table_row_has_as_many_cells_as_its_header(renamed_plan: Callable[[str, str], Plan]) -> None:
    text = render_markdown(renamed_plan("eval-batch", "evil|name <script>alert(1)</script>"))
    assert "<script>" not in text
    assert "evil\\|name &lt;script&gt;" in text
    header_cells = 0
    for line in text.splitlines():
        if not line.startswith("|"):
            header_cells = 0
            continue
        if header_cells == 0:
            header_cells = _cells(line)
        assert _cells(line) == header_cells, line


def test_a_price_nobody_dated_says_unknown_as_the_terminal_does(plan: Plan) -> None:
    """The terminal says "source date unknown for ..."; the Markdown's As of cell said nothing."""
    undated = tuple(u.model_copy(update={"price_date": None}) if u.kind == "cloud" else u for u in plan.units)
    text = render_markdown(plan.model_copy(update={"units": undated}))
    rows = [line for line in text.split("## Prices used")[1].splitlines() if line.startswith("| ")][2:]
    cloud = [row for row in rows if "hour" in row]
    assert cloud and all(row.rstrip().endswith("| unknown |") for row in cloud)
    assert any(row.rstrip().endswith("| 2025-11-01 |") for row in rows)


def test_both_payback_figures_say_what_they_measure(plan: Plan) -> None:
    """14.9 months is the simple payback (7,500 / (41,230 / 36 - 641.825)); month 15 the cash flow's."""
    text = render_markdown(plan)
    assert (
        "they pay back after **14.9 months** (simple payback: purchases over the monthly saving, not "
        "discounted); the cumulative cost is first at or below renting everything's in **month 15**"
    ) in text


def two_of_one_card(plan: Plan) -> Plan:
    """The fixture plan renting L40S three ways: g6e.xlarge in us-east-1 (the fixture's), g6e.2xlarge in
    us-east-1, and g6e.xlarge in us-west-2. Provider and GPU alone read "AWS 1x L40S" for all three."""
    (l40s,) = [u for u in plan.units if u.gpu == "L40S"]
    others = tuple(
        l40s.model_copy(update={"id": f"{option}#1", "option": option, "region": option.split(":")[2]})
        for option in ("aws:g6e.2xlarge:us-east-1", "aws:g6e.xlarge:us-west-2")
    )
    return plan.model_copy(update={"units": plan.units + others})


def test_the_mix_tells_two_instance_types_and_two_regions_of_one_card_apart(plan: Plan) -> None:
    """A cloud line names its region, and its instance type where another line of one card and region would
    otherwise read the same; the readable provider-and-GPU name stays first."""
    items = [
        line.split(" | ")[2]
        for line in render_markdown(two_of_one_card(plan)).splitlines()
        if "AWS 1x L40S" in line and line.startswith("| Rent")
    ]
    assert sorted(items) == [
        "AWS 1x L40S (g6e.2xlarge, us-east-1)",
        "AWS 1x L40S (g6e.xlarge, us-east-1)",
        "AWS 1x L40S (us-west-2)",
    ]
    # Alone, the fixture's line only adds its region.
    assert "| Rent on demand | 1 | AWS 1x L40S (us-east-1) |" in render_markdown(plan)
