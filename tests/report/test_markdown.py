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
