"""Excel workbook report (stage 7): the artifact a team lead forwards to finance.

One function per sheet (``planner.report.sheets``), each reading only the ``Plan``; named styles are
registered once; the file is written to a temporary file beside the target and renamed over it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report.atomic import write_atomic
from planner.report.sheets.alternatives import add_alternatives_sheet
from planner.report.sheets.assumptions import add_assumptions_sheet
from planner.report.sheets.charts import add_charts_sheet
from planner.report.sheets.cloud import add_cloud_sheet
from planner.report.sheets.hardware import add_hardware_sheet
from planner.report.sheets.summary import add_summary_sheet
from planner.report.sheets.utilization import add_utilization_sheet
from planner.report.sheets.workloads import add_workloads_sheet
from planner.report.styles import register_styles

SHEETS: tuple[tuple[str, Callable[[Workbook, Plan], Worksheet]], ...] = (
    ("Summary", add_summary_sheet),
    ("Workloads", add_workloads_sheet),
    ("Hardware", add_hardware_sheet),
    ("Cloud", add_cloud_sheet),
    ("Utilization", add_utilization_sheet),
    ("Alternatives", add_alternatives_sheet),
    ("Assumptions", add_assumptions_sheet),
    ("Charts", add_charts_sheet),
)
"""Sheets in the order a reader meets them: the answer first, then the detail behind it."""


def build_workbook(plan: Plan) -> Workbook:
    """The whole workbook in memory (the writer and the tests share it)."""
    wb = Workbook()
    default = wb.active
    if default is not None:
        wb.remove(default)
    register_styles(wb, plan.currency)
    for _, add_sheet in SHEETS:
        add_sheet(wb, plan)
    wb.active = 0
    wb.properties.title = f"LLM hardware plan: {plan.scenario}"
    wb.properties.creator = f"planner {plan.planner_version}".strip()
    return wb


def write_workbook(plan: Plan, path: Path) -> None:
    """Write the workbook to ``path`` atomically: a failed run leaves the previous file as it was."""
    wb = build_workbook(plan)

    def save(tmp: Path) -> None:
        wb.save(tmp)

    write_atomic(Path(path), save)
