"""Utilization sheet: every GPU of every unit, the replicas on it, and its reserved versus free memory.

Reserved memory includes each replica's headroom (per GPU / (1 - headroom)), so "free" is what is left for
another workload after every safety margin.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import gpu_usage
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, add_share_bar, write_table
from planner.units import to_gib

COLUMNS = (
    Column("Unit"),
    Column("Kind"),
    Column("GPU"),
    Column("GPU index", styles.INTEGER),
    Column("GPU memory", styles.GIB),
    Column("Reserved", styles.GIB),
    Column("Free", styles.GIB),
    Column("Reserved share", styles.PERCENT),
    Column("Workloads (replica)"),
)


def add_utilization_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Utilization")
    rows: list[list[Value]] = [
        [
            g.unit,
            g.kind,
            g.gpu,
            g.index,
            to_gib(g.memory_bytes),
            to_gib(g.reserved_bytes),
            to_gib(g.free_bytes),
            g.reserved_bytes / g.memory_bytes if g.memory_bytes else 0.0,
            ", ".join(g.replicas) if g.replicas else "(idle)",
        ]
        for g in gpu_usage(plan)
    ]
    widths = Widths()
    placed = write_table(ws, "Utilization", COLUMNS, rows, widths=widths)
    add_share_bar(ws, placed, COLUMNS.index(next(c for c in COLUMNS if c.header == "Reserved share")))
    widths.apply(ws)
    return ws
