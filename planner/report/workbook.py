"""Excel workbook report (stage 7): the artifact a team lead forwards to finance.

One function per sheet (``planner.report.sheets``), each reading only the ``Plan``; named styles are
registered once; the file is written to a temporary file beside the target and renamed over it. Costs are
formulas over the Assumptions sheet's named inputs (``planner.report.live``); every formula is checked
against planner's own vocabulary before the file is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.files import write_atomic
from planner.plan import Plan
from planner.report.live import check_formula
from planner.report.sheets.alternatives import add_alternatives_sheet
from planner.report.sheets.assumptions import add_assumptions_sheet
from planner.report.sheets.cashflow import add_cashflow_sheet
from planner.report.sheets.charts import add_charts_sheet
from planner.report.sheets.cloud import add_cloud_sheet
from planner.report.sheets.hardware import add_hardware_sheet
from planner.report.sheets.launch import add_launch_sheet
from planner.report.sheets.performance import add_performance_sheet
from planner.report.sheets.summary import add_summary_sheet
from planner.report.sheets.utilization import add_utilization_sheet
from planner.report.sheets.workloads import add_workloads_sheet
from planner.report.styles import register_styles

SHEETS: tuple[Callable[[Workbook, Plan], Worksheet], ...] = (
    add_summary_sheet,
    add_cashflow_sheet,
    add_alternatives_sheet,
    add_charts_sheet,
    add_workloads_sheet,
    add_performance_sheet,
    add_hardware_sheet,
    add_cloud_sheet,
    add_utilization_sheet,
    add_launch_sheet,
    add_assumptions_sheet,
)
"""Sheets in the order a finance reader reads them: the decision, the cash flow and the alternatives, the
charts, then the engineering detail, then the inputs. Sheets refer to each other through defined names and
planner's own cell positions, so the order is free."""

HEADER_SCENARIO_CHARS = 60
"""Excel allows 255 characters per header or footer, codes included."""


def header_text(text: str) -> str:
    """Text for a page header: ``&`` starts a header code (``&P`` page number), so a scenario's ``&`` is
    doubled to print as itself."""
    return text[:HEADER_SCENARIO_CHARS].replace("&", "&&")


def set_print_headers(ws: Worksheet, plan: Plan, written: dt.date) -> None:
    """Scenario and sheet on top; version and date written, page x of y, at the bottom of every page."""
    header, footer = ws.oddHeader, ws.oddFooter
    assert header is not None and footer is not None  # openpyxl creates both with the sheet
    header.left.text = header_text(f"LLM hardware plan: {plan.scenario}")
    header.right.text = "&A"
    footer.left.text = header_text(f"planner {plan.planner_version}, written {written.isoformat()}")
    footer.center.text = "Page &P of &N"
    footer.right.text = "&A"


def build_workbook(plan: Plan, *, written: dt.date | None = None) -> Workbook:
    """The whole workbook in memory (the writer and the tests share it)."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    register_styles(wb, plan.currency)
    for add_sheet in SHEETS:
        ws = add_sheet(wb, plan)
        set_print_headers(ws, plan, written or dt.date.today())
    check_formulas(wb)
    wb.active = 0
    wb.properties.title = f"LLM hardware plan: {plan.scenario}"
    wb.properties.creator = f"planner {plan.planner_version}".strip()
    return wb


def check_formulas(wb: Workbook) -> None:
    """Every formula uses only planner's names, sheets and functions (``live.check_formula``): a guard that
    no text from a scenario reached one."""
    names = list(wb.defined_names)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    check_formula(str(cell.value)[1:], names, wb.sheetnames)


def write_workbook(plan: Plan, path: Path) -> None:
    """Write the workbook to ``path`` atomically: a failed run leaves the previous file as it was."""
    wb = build_workbook(plan)

    def save(tmp: Path) -> None:
        wb.save(tmp)

    write_atomic(Path(path), save)
