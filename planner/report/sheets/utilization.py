"""Utilization sheet: every GPU of every unit, the replicas on it, and its reserved versus free memory.

Where demand changes over time (``Plan.periods``) a GPU has a row for each run of months in which it holds the
same replicas, and a Months column says which (``figures.gpu_usage``): the replicas on a row are on the card
at the same time, so no row adds past its memory.

Reserved memory includes each replica's headroom (per GPU / (1 - headroom)), so "free" is what is left for
another workload after every safety margin.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import GpuUse, gpu_usage
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Widths, add_share_bar, column_of, rows_of, write_table
from planner.units import to_gib

COLUMNS: tuple[Column[GpuUse], ...] = (
    Column("Unit", value=lambda g: g.unit),
    Column("Kind", value=lambda g: g.kind),
    Column("GPU", value=lambda g: g.gpu),
    Column("GPU index", styles.INTEGER, value=lambda g: g.index),
    Column("GPU memory", styles.GIB, value=lambda g: to_gib(g.memory_bytes)),
    Column("Reserved", styles.GIB, value=lambda g: to_gib(g.reserved_bytes)),
    Column("Free", styles.GIB, value=lambda g: to_gib(g.free_bytes)),
    Column(
        "Reserved share",
        styles.PERCENT,
        key="share",
        value=lambda g: g.reserved_bytes / g.memory_bytes if g.memory_bytes else 0.0,
    ),
    Column("Workloads (replica)", value=lambda g: ", ".join(g.replicas) if g.replicas else "(idle)"),
)


def columns(plan: Plan) -> tuple[Column[GpuUse], ...]:
    """The sheet's columns: with the months of each row after the GPU index where demand changes over
    time."""
    if not plan.periods:
        return COLUMNS
    months = Column[GpuUse]("Months", key="months", value=lambda g: g.months(plan.horizon_months))
    return (*COLUMNS[:4], months, *COLUMNS[4:])


def add_utilization_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Utilization")
    widths = Widths()
    cols = columns(plan)
    placed = write_table(ws, "Utilization", cols, rows_of(cols, gpu_usage(plan)), widths=widths)
    add_share_bar(ws, placed, column_of(placed, cols, "share") - placed.first_col)
    widths.apply(ws)
    return ws
