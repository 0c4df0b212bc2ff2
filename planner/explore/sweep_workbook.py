"""A sweep as a workbook (``planner sweep -o sweep.xlsx``): the Sweep sheet, the break-evens, a chart.

Sheets: **Sweep** (one row per point: the varied values, status, total, up-front, per month, the mix in
words, the reason where infeasible; an Excel table), **Break-even** (where the mix changes) and **Chart**
(total and up-front cost against the first varied value, drawn from the Sweep table's columns, so editing a
figure redraws it; over a grid, one total line per combination of the other values). Money is stored as
numbers in the plan's currency, never as text.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference, ScatterChart, Series
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from planner.report import styles
from planner.report.sheets.layout import print_one_page_wide
from planner.report.table import Widths

if TYPE_CHECKING:
    import pandas as pd

HEADERS = {
    "status": "Status",
    "total_cost": "Total",
    "capex": "Up-front",
    "opex_per_month": "Per month",
    "mix": "Mix",
    "units": "Units",
    "message": "Why infeasible",
    "axis": "Varied",
    "from_value": "From",
    "to_value": "To",
    "fixed": "Other values",
    "from_mix": "Mix before",
    "to_mix": "Mix after",
    "from_total": "Total before",
    "to_total": "Total after",
    "change": "What changes",
}
"""Column key -> header; a varied path is its own header."""
MONEY_COLUMNS = frozenset({"total_cost", "capex", "opex_per_month", "from_total", "to_total"})
WIDE_COLUMNS = frozenset({"mix", "from_mix", "to_mix", "message", "change"})
WRAP = Alignment(horizontal="left", wrap_text=True, vertical="top", indent=1)
TOP = Alignment(vertical="top")
TEXT = Alignment(horizontal="left", vertical="top", indent=1)
"""Wide columns wrap, their rows as tall as the text (LibreOffice keeps a row's height as written), and the
other cells of a row sit at its top. Text is indented one character, as in the plan workbook, so it never
touches a right-aligned figure in the column before (printed, "12optimal", "$21.09Buy 1 x Desktop")."""


def _cell_value(value: Any) -> Any:
    """Excel has no NaN: an infeasible point's cost is an empty cell. numpy scalars become Python ones."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _write_frame(ws: Worksheet, frame: pd.DataFrame, table_name: str, currency: str) -> None:
    columns = list(frame.columns)
    ws.append([HEADERS.get(c, c) for c in columns])
    # The header in the plan workbook's style: the table style alone colours it in Excel only, LibreOffice
    # printed it as plain text over the rows.
    for cell in ws[1]:
        cell.style = styles.HEADER
    ws.row_dimensions[1].height = 30
    for row in frame.itertuples(index=False, name=None):
        ws.append([_cell_value(v) for v in row])
    widths = Widths()
    for j, column in enumerate(columns, start=1):
        wide = column in WIDE_COLUMNS
        widths.fix(j, 60 if wide else max(12, len(HEADERS.get(column, column)) + 4))
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            if column in MONEY_COLUMNS:
                cell.number_format = styles.money_format(currency)
            # Printed, a mix longer than its column was cut at the column's edge: it wraps, its row as tall
            # as the text (``Widths.apply``), and every cell of its row sits at the top beside it.
            cell.alignment = WRAP if wide else TEXT if isinstance(cell.value, str) else TOP
            if wide:
                widths.wrap(int(cell.row or 0), j, j, str(cell.value or ""))
    widths.apply(ws)
    last_row = max(len(frame) + 1, 2)
    table = Table(displayName=table_name, ref=f"A1:{get_column_letter(len(columns))}{last_row}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    ws.freeze_panes = "A2"


def build_sweep_workbook(frame: pd.DataFrame, breaks: pd.DataFrame) -> Workbook:
    """The workbook in memory (the CLI writes it atomically; the tests read it back)."""
    currency = str(frame.attrs.get("currency", "USD"))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Sweep"
    styles.register_styles(wb, currency)
    _write_frame(ws, frame, "SweepPoints", currency)
    _write_frame(wb.create_sheet("Break-even"), breaks, "BreakEven", currency)
    _add_chart(wb.create_sheet("Chart"), ws, frame, currency)
    for sheet in wb.worksheets:  # printed as the plan workbook is: without it, a column or two per page
        print_one_page_wide(sheet, landscape=sheet.title != "Chart")  # two charts one above the other
    wb.properties.title = f"Sweep of {frame.attrs.get('scenario', '')}"
    return wb


def _add_chart(chart_ws: Worksheet, data_ws: Worksheet, frame: pd.DataFrame, currency: str) -> None:
    """Two charts against the first varied value: the total and up-front cost over the horizon, and the
    running cost per month. Scatter charts with lines where the values are numbers (their spacing is
    honest), line charts over categories otherwise.

    Where other values vary too, one line per combination of them, as the SVG plot draws: drawn through the
    Sweep table's rows in grid order, a single line ran back and forth between the combinations at every
    point. The lines then come from a table under the charts whose cells refer to the Sweep table's, so
    editing a figure there still redraws them."""
    paths: list[str] = list(frame.attrs.get("vary", [frame.columns[0]]))
    groups = _combinations(frame, paths)
    note = "Drawn from the Sweep table"
    if groups:
        note += "; one line per combination of the other values varied (the table under the charts)"
    chart_ws["A1"] = note + "."
    charts = (
        (("total_cost", "capex"), f"{currency} over the horizon", "A3"),
        (("opex_per_month",), f"{currency} per month", "A25"),
    )
    row = 48
    for keys, y_title, anchor in charts:
        if groups:
            chart, row = _grid_chart(chart_ws, data_ws, frame, paths[0], keys[0], groups, row, currency)
        else:
            chart = _chart(data_ws, frame, paths[0], keys)
        chart.title = f"{frame.attrs.get('scenario', '')}: {y_title}"
        chart.y_axis.title = y_title
        chart_ws.add_chart(chart, anchor)


def _combinations(frame: pd.DataFrame, paths: list[str]) -> list[tuple[str, list[int]]]:
    """(legend, positions of its rows in the Sweep table) per combination of the other varied values that
    take more than one value; empty where none does (one line per cost, as before)."""
    others = [p for p in paths[1:] if frame[p].nunique(dropna=False) > 1]
    if not others:
        return []
    out = []
    for key, rows in frame.reset_index(drop=True).groupby(others, sort=False, dropna=False):
        values = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{p}={v}" for p, v in zip(others, values, strict=True))
        out.append((name, [int(i) for i in rows.index]))
    return out


def _grid_chart(
    chart_ws: Worksheet,
    data_ws: Worksheet,
    frame: pd.DataFrame,
    x_path: str,
    key: str,
    groups: list[tuple[str, list[int]]],
    row: int,
    currency: str,
) -> tuple[ScatterChart | LineChart, int]:
    """A chart of ``key`` with one line per group, from a table written at ``row`` of the chart sheet: the
    first varied value down, a column per group, each cell a reference to its Sweep cell (an infeasible
    point is #N/A, which charts leave as a gap where an empty cell would read as 0). Returns the chart and
    the first row free below the table."""
    columns = list(frame.columns)
    x_values = list(dict.fromkeys(frame[x_path].tolist()))
    source = get_column_letter(columns.index(key) + 1)
    chart_ws.cell(row, 1, f"{HEADERS.get(key, key)} ({currency}) by {x_path}").style = styles.SUBTITLE
    header = row + 1
    for j, name in enumerate([x_path, *(name for name, _ in groups)], start=1):
        cell = chart_ws.cell(header, j, name)
        cell.style = styles.HEADER
        cell.alignment = Alignment(horizontal="center", vertical="top", wrap_text=True)
        if j > 1:
            chart_ws.column_dimensions[get_column_letter(j)].width = 20
    chart_ws.row_dimensions[header].height = 15 * max(2, math.ceil(max(len(n) for n, _ in groups) / 14))
    chart_ws.column_dimensions["A"].width = max(14, len(x_path) + 2)
    for i, value in enumerate(x_values, start=header + 1):
        chart_ws.cell(i, 1, _cell_value(value))
        for j, (_, positions) in enumerate(groups, start=2):
            at = next((p for p in positions if frame[x_path].iloc[p] == value), None)
            if at is None:
                continue
            ref = f"{data_ws.title}!{source}{at + 2}"
            cell = chart_ws.cell(i, j, f"=IF(ISBLANK({ref}),NA(),{ref})")
            cell.number_format = styles.money_format(currency)
    last = header + len(x_values)
    numeric = all(isinstance(_cell_value(v), int | float) for v in x_values)
    x_ref = Reference(chart_ws, min_col=1, min_row=header + 1, max_row=last)
    y_refs = [Reference(chart_ws, min_col=j, min_row=header, max_row=last) for j in range(2, len(groups) + 2)]
    return _plotted(x_path, numeric, x_ref, y_refs), last + 2


def _chart(
    data_ws: Worksheet, frame: pd.DataFrame, x_path: str, keys: tuple[str, ...]
) -> ScatterChart | LineChart:
    columns = list(frame.columns)
    last = len(frame) + 1
    numeric = all(isinstance(_cell_value(v), int | float) for v in frame[x_path])
    x_ref = Reference(data_ws, min_col=columns.index(x_path) + 1, min_row=2, max_row=last)
    y_refs = [Reference(data_ws, min_col=columns.index(key) + 1, min_row=1, max_row=last) for key in keys]
    return _plotted(x_path, numeric, x_ref, y_refs)


def _plotted(
    x_title: str, numeric: bool, x_ref: Reference, y_refs: list[Reference]
) -> ScatterChart | LineChart:
    """One series per ``y_refs`` (each headed by its title) over ``x_ref``: a scatter chart over numbers, a
    line chart over categories (cards, precisions)."""
    chart: ScatterChart | LineChart = ScatterChart() if numeric else LineChart()
    chart.x_axis.title = x_title
    chart.height, chart.width = 10, 20
    if chart.legend is not None:
        chart.legend.position = "b"
    for y_ref in y_refs:
        if isinstance(chart, ScatterChart):
            series = Series(y_ref, x_ref, title_from_data=True)
            series.marker.symbol = "circle"
            series.smooth = False  # straight segments: a smoothed curve overshoots between points
            chart.series.append(series)
        else:
            chart.add_data(y_ref, titles_from_data=True)
    if isinstance(chart, LineChart):
        chart.set_categories(x_ref)
        _straight(chart)
    return chart


def _straight(chart: LineChart) -> None:
    """Straight segments and a marker at each point on a chart over categories (cards, precisions), as the
    scatter charts have: written without them, LibreOffice drew each line as a curve through the points,
    dipping below the cheapest card's cost between two cards."""
    for series in chart.series:
        series.smooth = False
        series.marker.symbol = "circle"
