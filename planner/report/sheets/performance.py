"""Performance sheet: workloads whose load is stated as a rate, their capacity against the rate asked, the
predicted latencies against the SLO, and what stops a larger batch; then each replica on its card.

Figures are the speed model's as the optimizer priced them (``WorkloadSummary.performance``); the chart
draws capacity beside the rate asked, so a workload sized by its memory (capacity far above the rate) stands
out from one sized by its rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.live import Formula, cell
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.speed import SpeedRow, speed_rows
from planner.report.table import Column, TableRange, Widths, column_of, put, rows_of, write_note, write_table


@dataclass(frozen=True)
class _Total:
    """A workload's line: its speed figures over all its replicas, the cards they run on, its sheet row."""

    speed: SpeedRow
    runs_on: str
    row: int


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def _used(t: _Total) -> Formula:
    """Asked / capacity as a formula over the two cells beside it, so it follows an edited rate."""
    asked, capacity = (
        cell(1 + [c.id for c in WORKLOAD_COLUMNS].index(k), t.row) for k in ("asked", "capacity")
    )
    return Formula(f"IF({capacity}>0,{asked}/{capacity},0)", t.speed.utilisation)


WORKLOAD_COLUMNS: tuple[Column[_Total], ...] = (
    Column("Workload", value=lambda t: t.speed.workload),
    Column("Replicas", styles.INTEGER, value=lambda t: t.speed.replicas),
    Column("Runs on", value=lambda t: t.runs_on),
    Column("Asked (requests/s)", styles.NUMBER, key="asked", value=lambda t: t.speed.requests_per_s_asked),
    Column("Capacity (requests/s)", styles.NUMBER, key="capacity", value=lambda t: t.speed.requests_per_s),
    Column("Used (asked / capacity)", styles.PERCENT, key="used", value=_used),
    Column("TTFT, worst replica (ms)", styles.NUMBER, value=lambda t: _ms(t.speed.ttft_s)),
    Column("Target TTFT (ms)", styles.NUMBER, value=lambda t: _ms(t.speed.slo_ttft_s)),
    Column("TPOT, worst replica (ms)", styles.NUMBER, value=lambda t: _ms(t.speed.tpot_s)),
    Column("Target TPOT (ms)", styles.NUMBER, value=lambda t: _ms(t.speed.slo_tpot_s)),
    Column("Output tokens/s", styles.INTEGER, value=lambda t: t.speed.output_tokens_per_s),
    Column("Binds", value=lambda t: t.speed.binds),
)
"""Text columns where the replica table has its own (the two tables share column widths)."""

REPLICA_COLUMNS: tuple[Column[SpeedRow], ...] = (
    Column("Workload", value=lambda r: r.workload),
    Column("Replica", styles.INTEGER, value=lambda r: r.replica),
    Column("Runs on (GPU on unit)", value=lambda r: f"{r.runs_on} on {r.unit}"),
    Column("Batch", styles.INTEGER, value=lambda r: r.batch),
    Column("Capacity (requests/s)", styles.NUMBER, value=lambda r: r.requests_per_s),
    Column("TTFT (ms)", styles.NUMBER, value=lambda r: _ms(r.ttft_s)),
    Column("TPOT (ms)", styles.NUMBER, value=lambda r: _ms(r.tpot_s)),
    Column("Output tokens/s", styles.INTEGER, value=lambda r: r.output_tokens_per_s),
    Column("Binds", value=lambda r: r.binds),
)

CHART_WIDTH_CM = 20
CHART_HEIGHT_CM = 9
ASKED_COLOR = "A5A5A5"
CAPACITY_COLOR = "2E75B6"

NOTE = (
    "A load stated as a rate (requests_per_second, input and output tokens, an SLO on TTFT and TPOT): each "
    "replica runs the largest batch whose predicted TTFT and TPOT meet the targets and whose memory fits its "
    "GPU less the headroom, or, where one replica carries the whole rate, the smallest batch that holds its "
    "requests in flight 99 % of the time (binds: rate asked). TPOT is the one the target checks, as a user "
    "sees it: the decode step plus the "
    "prefills of the requests that join meanwhile (batch / output tokens prompts a step); requests/s = "
    "batch / (output tokens x TPOT), each prompt's prefill holding up the batch. A workload "
    "sums its replicas' rates and shows the worst replica's latencies. Binds: what stops a larger batch, the "
    "GPU's memory or a latency target (speed). Capacity well above the rate asked means the replica count "
    "was set by min_replicas, not by the rate."
)


def _rate_chart(ws: Worksheet, placed: TableRange) -> BarChart:
    """Asked and capacity side by side per workload, from the workload table's two rate columns."""
    chart = BarChart()
    chart.type = "bar"
    chart.grouping = "clustered"
    chart.title = "Capacity against the rate asked (requests/s)"
    chart.y_axis.title = "requests/s"
    first = column_of(placed, WORKLOAD_COLUMNS, "asked")
    data = Reference(ws, min_col=first, max_col=first + 1, min_row=placed.first_row, max_row=placed.last_row)
    cats = Reference(ws, min_col=placed.first_col, min_row=placed.first_row + 1, max_row=placed.last_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    for series, color in zip(chart.series, (ASKED_COLOR, CAPACITY_COLOR), strict=True):
        series.graphicalProperties.solidFill = color
        series.graphicalProperties.line.solidFill = color
    if chart.legend is not None:
        chart.legend.position = "b"
    chart.y_axis.numFmt = "0.0"
    chart.y_axis.scaling.min = 0  # capacity against asked: bars from 0, so their ratio is what it looks like
    chart.x_axis.delete = False  # openpyxl hides axes unless told; LibreOffice then draws no labels
    chart.y_axis.delete = False
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    return chart


def add_performance_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    """The workload table, each replica's table under it, a note, then the chart under them all."""
    ws = new_sheet(wb, "Performance")
    widths = Widths()
    rows = speed_rows(plan)
    totals = [r for r in rows if r.replica is None]
    gpus = {
        r.workload: "; ".join(x.runs_on for x in rows if x.workload == r.workload and x.replica)
        for r in totals
    }
    lines = [_Total(r, gpus[r.workload], 2 + i) for i, r in enumerate(totals)]
    placed = write_table(ws, "Performance", WORKLOAD_COLUMNS, rows_of(WORKLOAD_COLUMNS, lines), widths=widths)
    top = placed.last_row + 3
    put(ws.cell(row=top - 1, column=1), "Each replica", styles.LABEL)
    replicas = write_table(
        ws,
        "PerformanceReplicas",
        REPLICA_COLUMNS,
        rows_of(REPLICA_COLUMNS, [r for r in rows if r.replica is not None]),
        top=top,
        widths=widths,
    )
    note = NOTE if totals else "No workload states its load as a rate (requests_per_second): nothing to show."
    write_note(ws, replicas.last_row + 2, 1, 8, note, widths)
    if totals:
        ws.add_chart(_rate_chart(ws, placed), f"A{replicas.last_row + 4}")
    fit_pages(ws, widths.apply(ws))
    return ws
