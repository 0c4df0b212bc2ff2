"""Launch sheet: for each replica, what to run so its engine holds what the plan reserved, on the GPUs the
plan gave it (the commands ``planner solve --launch`` prints, with the checkpoint each loads and where that
comes from)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.launch import NO_SETTINGS, LaunchText, launch_texts
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Widths, rows_of, write_table


def _checkpoint(t: LaunchText) -> str:
    launch = t.assignment.launch
    if launch is None:
        return ""
    return f"{launch.checkpoint} ({launch.checkpoint_file})" if launch.checkpoint_file else launch.checkpoint


COLUMNS: tuple[Column[LaunchText], ...] = (
    Column("Workload", value=lambda t: t.assignment.workload),
    Column("Replica", styles.INTEGER, value=lambda t: t.assignment.replica),
    Column("Unit", value=lambda t: t.assignment.unit),
    Column("GPU indices", value=lambda t: ",".join(str(g) for g in t.assignment.gpu_indices)),
    Column("Engine", value=lambda t: t.assignment.launch.engine if t.assignment.launch else ""),
    Column("Checkpoint", value=_checkpoint),
    Column(
        "Checkpoint from",
        value=lambda t: t.assignment.launch.checkpoint_source if t.assignment.launch else "",
    ),
    Column("Run", styles.WRAP, width=60, value=lambda t: "\n".join(t.script) if t.command else NO_SETTINGS),
)


MONTHS = Column[LaunchText]("Months", value=lambda t: t.months.removeprefix("months "))
"""Over periods of changing demand each replica has a launch per period: the months it applies to, as the
terminal and the Markdown say them ("months 7-12")."""


def add_launch_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Launch")
    widths = Widths()
    columns = (*COLUMNS[:2], MONTHS, *COLUMNS[2:]) if plan.periods else COLUMNS
    write_table(ws, "Launch", columns, rows_of(columns, launch_texts(plan)), widths=widths)
    widths.apply(ws)
    return ws
