"""Utilization sheet: every GPU of every unit, the replicas on it, and its reserved versus free memory.

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


def add_utilization_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Utilization")
    widths = Widths()
    placed = write_table(ws, "Utilization", COLUMNS, rows_of(COLUMNS, gpu_usage(plan)), widths=widths)
    add_share_bar(ws, placed, column_of(placed, COLUMNS, "share") - placed.first_col)
    widths.apply(ws)
    return ws
