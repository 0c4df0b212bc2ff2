"""Open the workbook the way a reader does: LibreOffice converts it to PDF, and the PDF's text is checked.

CI installs LibreOffice and poppler (``.ci/run``); elsewhere this skips with the command that installs them.
It catches what openpyxl cannot see: a formula LibreOffice cannot evaluate (``#NAME?``, ``Err:``), a number
too wide for its column (``###``), a chart LibreOffice cannot read (no title), a sheet without its page
header and footer.
"""

from __future__ import annotations

from pathlib import Path

from planner.plan import Plan
from planner.report.workbook import write_workbook

from .libreoffice import convert, needs_libreoffice, pdf_text

pytestmark = needs_libreoffice


def test_libreoffice_renders_every_sheet_figures_and_charts(plan: Plan, tmp_path: Path) -> None:
    xlsx = tmp_path / "startup.xlsx"
    write_workbook(plan, xlsx)
    text = pdf_text(convert(xlsx, "pdf", tmp_path))
    assert "###" not in text, "a figure is too wide for its column"
    for error in ("#NAME?", "#VALUE!", "#REF!", "#DIV/0!", "Err:"):
        assert error not in text, error
    for expected in (
        "LLM hardware plan: startup",
        "$30,606",  # total over the horizon (conftest: 30,605.70)
        "$641.8",  # running costs per month (641.825), with cents for the hand check
        "$10,624",  # saving against renting everything
        "the all-cloud cost",  # the saving's base, named
        "month 15",  # payback month, found by formula on the Cash flow sheet
        "finetune-qlora",
        "14.9 months",
        "Prices used by the plan's units",
        "Memory per GPU by component",  # chart titles: the charts were drawn
        "Cost over the horizon by category",
        "Cumulative cost by month",
    ):
        assert expected in text, expected
    pages = text.split("\f")[:-1]
    assert 10 <= len(pages) <= 16, f"{len(pages)} pages"
    for number, page in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in page, number  # footer on every page
        assert "LLM hardware plan: startup" in page, number  # header on every page
