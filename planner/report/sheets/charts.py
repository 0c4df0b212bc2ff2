"""Charts sheet: memory per GPU of each workload against its card, and the plan's cost by category.

Charts read from tables on this sheet (not from the Workloads sheet) because the chart shows memory *per GPU*
while the Workloads sheet shows each replica summed over its GPUs. The components of the most loaded GPU are
the replica's components scaled to ``per_gpu_bytes`` (their shares are the same on every GPU of a
tensor-parallel replica, up to rounding); headroom, what co-located workloads reserve on the same GPU and the
free memory complete each bar to the GPU's memory, so every bar is as tall as the GPU it runs on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.chart.label import DataLabelList
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import CLOUD_CATEGORY, Plan
from planner.report import styles
from planner.report.figures import CATEGORY_LABELS, first_gpu_by_workload
from planner.report.live import Formula, number, span
from planner.report.sheets import cloud
from planner.report.sheets.layout import new_sheet
from planner.report.sheets.workloads import breakdown_keys
from planner.report.table import Column, TableRange, Value, Widths, put, write_table
from planner.units import to_gib

SERIES_COLORS: Mapping[str, str] = {
    "Weights": "1F4E78",
    "KV cache": "2E75B6",
    "Activations": "70AD47",
    "Gradients": "C55A11",
    "Optimizer states": "ED7D31",
    "Adapters": "7030A0",
    "CUDA context": "7F7F7F",
    "Allocator overhead": "A5A5A5",
    "Headroom": "FFD966",
    "Its other replicas on the GPU": "F4B183",
    "Other workloads on the GPU": "BDD7EE",
    "Free": "EDEDED",
}
"""Fixed colours, the same in every report: headroom amber, co-located neighbours pale blue, free grey."""

CHART_WIDTH_CM = 26
CHART_HEIGHT_CM = 11
COST_CHART_HEIGHT_CM = 9


def memory_table(plan: Plan) -> tuple[list[Column], list[list[Value]]]:
    """Per-GPU memory components of each workload (all-zero components left out), its headroom, what
    co-located workloads reserve on the same GPU, and what is free: together the GPU's memory."""
    keys = [
        (k, label)
        for k, label in breakdown_keys(plan)
        if any(w.breakdown_bytes.get(k, 0) > 0 for w in plan.workloads)
    ]
    first_gpu = first_gpu_by_workload(plan)
    columns = [Column("Workload on GPU"), *[Column(label, styles.GIB) for _, label in keys]]
    columns += [
        Column("Headroom", styles.GIB),
        Column("Its other replicas on the GPU", styles.GIB),
        Column("Other workloads on the GPU", styles.GIB),
        Column("Free", styles.GIB),
        Column("GPU memory", styles.GIB),
    ]
    rows: list[list[Value]] = []
    for w in plan.workloads:
        scale = w.per_gpu_bytes / w.total_bytes if w.total_bytes else 0.0
        gpu = first_gpu.get(w.name)
        rows.append(
            [
                f"{w.name} on {gpu.gpu}" if gpu else w.name,
                *[to_gib(w.breakdown_bytes.get(k, 0) * scale) for k, _ in keys],
                to_gib(max(w.reserved_bytes - w.per_gpu_bytes, 0)),
                to_gib(gpu.own_replicas_bytes) if gpu else 0.0,
                to_gib(gpu.others_reserved_bytes) if gpu else 0.0,
                to_gib(gpu.free_bytes) if gpu else 0.0,
                to_gib(gpu.memory_bytes) if gpu else 0.0,
            ]
        )
    return columns, rows


CATEGORY_FORMULAS: Mapping[str, str] = {
    "purchase": "plan_capex",
    "residual": "-plan_residual",
    "energy": "plan_energy",
    "hosting": "plan_hosting",
}
"""Categories the Hardware sheet totals; the cloud ones sum the Cloud sheet's units of that pricing."""


def _category_formula(plan: Plan, key: str, value: float) -> Formula:
    """A category's cost: a Hardware total, or the Cloud sheet's units whose pricing falls in it."""
    if key in CATEGORY_FORMULAS:
        return Formula(CATEGORY_FORMULAS[key], value)
    rows = cloud.unit_rows(plan)
    if not rows:
        return Formula(number(value), value)
    first, last = min(rows.values()), max(rows.values())
    labels = sorted({cloud.PRICING_LABELS[p] for p, k in CLOUD_CATEGORY.items() if k == key})
    if not labels:
        return Formula(number(value), value)
    pricing = span("Cloud", cloud.pricing_column(), first, last)
    cost = span("Cloud", cloud.cost_column(), first, last)
    return Formula("+".join(f'SUMIF({pricing},"{label}",{cost})' for label in labels), value)


def cost_rows(plan: Plan, top: int) -> list[list[Value]]:
    """Non-zero cost categories, labelled for a reader, smallest first as solved (a bar chart draws the first
    at the bottom, so the largest cost ends up on top); each a formula over the Hardware and Cloud sheets,
    its share over the table's total. ``top`` is the table's header row."""
    items = [(k, v) for k, v in plan.cost_by_category.items() if abs(v) > 0.005]
    items.sort(key=lambda kv: kv[1])
    total = sum(v for _, v in items)
    first, last = top + 1, top + len(items)
    whole = f"SUM($B${first}:$B${last})"
    return [
        [
            CATEGORY_LABELS.get(k, k),
            _category_formula(plan, k, v),
            Formula(f"IF({whole}>0,B{top + 1 + i}/{whole},0)", v / total if total else 0.0),
        ]
        for i, (k, v) in enumerate(items)
    ]


def _memory_chart(ws: Worksheet, placed: TableRange, n_series: int) -> BarChart:
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = "Memory per GPU by component (GiB); each bar is as tall as the GPU it runs on"
    chart.y_axis.title = "GiB per GPU"
    chart.x_axis.title = "Workload (first replica) on its GPU"
    # Series are the component columns (header row gives their names); categories the workload names.
    data = Reference(
        ws,
        min_col=placed.first_col + 1,
        max_col=placed.first_col + n_series,
        min_row=placed.first_row,
        max_row=placed.last_row,
    )
    cats = Reference(ws, min_col=placed.first_col, min_row=placed.first_row + 1, max_row=placed.last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    for series, column in zip(
        chart.series, range(placed.first_col + 1, placed.first_col + n_series + 1), strict=True
    ):
        color = SERIES_COLORS.get(str(ws.cell(row=placed.first_row, column=column).value))
        if color:
            series.graphicalProperties.solidFill = color
            series.graphicalProperties.line.solidFill = color
    chart.y_axis.numFmt = "0"
    chart.y_axis.scaling.min = 0  # bars measure from 0, whatever the smallest bar
    if chart.legend is not None:
        chart.legend.position = "r"
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    # openpyxl hides axes unless told otherwise; LibreOffice then draws no labels at all.
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    return chart


def _cost_chart(ws: Worksheet, placed: TableRange, currency: str) -> BarChart:
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"Cost over the horizon by category ({currency})"
    chart.y_axis.title = currency
    data = Reference(ws, min_col=placed.first_col + 1, min_row=placed.first_row, max_row=placed.last_row)
    cats = Reference(ws, min_col=placed.first_col, min_row=placed.first_row + 1, max_row=placed.last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    chart.legend = None
    # Only the value on each bar: LibreOffice otherwise also prints the series and category names.
    chart.dataLabels = DataLabelList(
        showVal=True, showSerName=False, showCatName=False, showLegendKey=False, showPercent=False
    )
    chart.series[0].graphicalProperties.solidFill = "1F4E78"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.y_axis.numFmt = "#,##0"
    # The residual value is a negative bar: its name sits at the axis' low end, not over the bar.
    chart.x_axis.tickLblPos = "low"
    chart.width, chart.height = CHART_WIDTH_CM, COST_CHART_HEIGHT_CM
    return chart


ROWS_PER_CM = 1 / 0.53
"""Default rows are 15 points = 0.53 cm high: how many rows a chart of a given height covers."""


def add_charts_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    """Charts first, one per printed page, then the tables they are drawn from.

    Page breaks keep each chart whole in a PDF: a chart under a table of many workloads would otherwise
    run over the page edge and print in two halves.
    """
    ws = new_sheet(wb, "Charts", freeze=None)
    widths = Widths()
    memory_rows = math.ceil(CHART_HEIGHT_CM * ROWS_PER_CM) + 2
    cost_rows_span = math.ceil(COST_CHART_HEIGHT_CM * ROWS_PER_CM) + 2
    cost_anchor = 1 + memory_rows + 1
    tables_top = cost_anchor + cost_rows_span + 1
    ws.row_breaks.append(Break(id=cost_anchor - 1))
    ws.row_breaks.append(Break(id=tables_top - 1))

    put(ws.cell(row=tables_top, column=1), "Memory per GPU (GiB)", styles.LABEL)
    columns, rows = memory_table(plan)
    memory = write_table(ws, "MemoryPerGpu", columns, rows, top=tables_top + 1, widths=widths)
    cost_top = memory.last_row + 3
    put(ws.cell(row=cost_top - 1, column=1), "Cost by category", styles.LABEL)
    cost_columns = (
        Column("Category"),
        Column("Cost over horizon", styles.USD),
        Column("Share", styles.PERCENT),
    )
    cost = write_table(
        ws, "CostByCategory", cost_columns, cost_rows(plan, cost_top), top=cost_top, widths=widths
    )
    # All columns but the last ("GPU memory", which the stack already reaches) are series.
    memory_chart = _memory_chart(ws, memory, len(columns) - 2)
    # Wider for many workloads so their names stay legible under the bars (2 cm each, up to 45 cm).
    memory_chart.width = min(max(CHART_WIDTH_CM, 2 * len(rows) + 8), 45)
    ws.add_chart(memory_chart, "A1")
    ws.add_chart(_cost_chart(ws, cost, plan.currency), f"A{cost_anchor}")
    widths.apply(ws)
    return ws
