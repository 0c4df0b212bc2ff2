"""Assumptions sheet: the model's inputs as named cells, every price with its source and date, the other
figures the plan relied on, and how the plan was computed (solver, status, gap, bound, run time, version).

The inputs are what a finance reader changes: each is a number in its own cell, its unit in the next
column, named (``usd_per_kwh``, ``pue``, ``horizon_months``, ``price_1``, ...) so the cost formulas on every
other sheet read as sentences. A plan is only as current as its prices; the oldest price date is on the
Summary.
"""

from __future__ import annotations

import datetime as dt
import math

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.styles import PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.live import CostFormulas, PriceInput, ref
from planner.report.sheets.cloud import PRICING_LABELS
from planner.report.sheets.layout import new_sheet
from planner.report.table import UNDATED, Column, Value, Widths, column_of, format_dates, put, write_table

_SHARED_TAIL = (
    Column("Unit", key="unit"),
    Column("Source", styles.WRAP, width=52, key="source"),
    Column("As of", key="as_of"),
)
"""The columns every table on this sheet ends with, so their widths line up."""

INPUT_COLUMNS = (
    Column("Name", key="name"),
    Column("Input", key="item"),
    Column("Value", styles.NUMBER, key="value"),
    *_SHARED_TAIL,
)
"""Value and unit apart, so the value is a number a formula can read; dates are dates."""

PRICE_COLUMNS = (
    Column("Name", key="name"),
    Column("Offer and pricing", key="item"),
    Column("Price", styles.USD_RATE, key="value"),
    *_SHARED_TAIL,
)
"""Laid out under the inputs' columns so one set of widths fits both."""

OTHER_COLUMNS = (
    Column("Category", key="name"),
    Column("Item", key="item"),
    Column("Value", styles.WRAP, width=30, key="value"),
    *_SHARED_TAIL,
)

HOW_COLUMNS = (
    Column("How this was computed", key="name"),
    Column("Item", key="item"),
    Column("Value", styles.WRAP, width=30, key="value"),
    Column("Unit", key="unit"),
)

SOLVER_CATEGORY = "solver"
HOW_FORMATS = {"share of the cost": "0.0000%", "s": "0.00"}
"""Number formats of the figures in "How this was computed", by unit; money otherwise."""


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return text


def how_rows(plan: Plan) -> list[dict[str, Value]]:
    """The figures a reviewer needs to judge whether the plan is proven optimal."""
    rows: list[dict[str, Value]] = [
        {"name": "solver", "item": "solver", "value": plan.solver or "unknown"},
        {"name": "solver", "item": "status", "value": plan.status},
        {"name": "solver", "item": "objective (total cost)", "value": plan.total_cost, "unit": plan.currency},
        {"name": "solver", "item": "best bound", "value": plan.best_bound, "unit": plan.currency},
        {"name": "solver", "item": "relative gap", "value": plan.gap, "unit": "share of the cost"},
        {"name": "solver", "item": "run time", "value": plan.solve_seconds, "unit": "s"},
        {"name": "planner", "item": "version", "value": plan.planner_version or "unknown"},
    ]
    rows += [
        {"name": a.category, "item": a.name, "value": a.value}
        for a in plan.assumptions
        if a.category == SOLVER_CATEGORY
    ]
    return rows


def price_label(price: PriceInput) -> str:
    pricing = PRICING_LABELS.get(price.pricing, price.pricing.replace("_", " "))
    return f"{price.option_name}, {pricing.lower()}"


def add_assumptions_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Assumptions")
    widths = Widths()
    model = CostFormulas(plan)
    inputs = list(model.inputs.values())
    # A figure whose source has no date says "unknown", as the plan states it.
    stated = {a.key: a.as_of for a in plan.assumptions if a.key}
    input_rows: list[dict[str, Value]] = [
        {
            "name": v.input.key,
            "item": v.input.label,
            "value": v.number,
            "unit": v.input.unit.replace("{currency}", plan.currency),
            "source": v.source,
            "as_of": v.as_of or stated.get(v.input.key) or None,
        }
        for v in inputs
    ]
    placed = write_table(ws, "Inputs", INPUT_COLUMNS, input_rows, widths=widths)
    value_col = column_of(placed, INPUT_COLUMNS, "value")
    for i, v in enumerate(inputs, start=1):
        cell = ws.cell(row=placed.first_row + i, column=value_col)
        cell.number_format = v.input.number_format
        _mark_input(cell)
        _name(wb, v.input.key, ref("Assumptions", value_col, placed.first_row + i))
    format_dates(ws, placed, INPUT_COLUMNS)

    top = placed.last_row + 3
    put(ws.cell(row=top - 1, column=1), "Prices used by the plan's units (inputs, in USD)", styles.LABEL)
    prices = list(model.prices.values())
    price_rows: list[dict[str, Value]] = [
        {
            "name": p.name,
            "item": price_label(p),
            "value": p.usd,
            "unit": p.unit,
            "source": p.source,
            "as_of": p.as_of or UNDATED,
        }
        for p in prices
    ]
    placed_prices = write_table(ws, "PricesUsed", PRICE_COLUMNS, price_rows, top=top, widths=widths)
    value_col = column_of(placed_prices, PRICE_COLUMNS, "value")
    for i, p in enumerate(prices, start=1):
        cell = ws.cell(row=placed_prices.first_row + i, column=value_col)
        cell.number_format = styles.money_format("USD", 2 if p.kind == "bought" else 4)
        _mark_input(cell)
        _name(wb, p.name, ref("Assumptions", value_col, placed_prices.first_row + i))
    format_dates(ws, placed_prices, PRICE_COLUMNS)

    top = placed_prices.last_row + 3
    put(ws.cell(row=top - 1, column=1), "Other figures the plan relied on (fixed by the plan)", styles.LABEL)
    named = {v.input.key for v in inputs}
    other: list[dict[str, Value]] = [
        {
            "name": a.category,
            "item": a.name,
            "value": _as_number(a.value),
            "unit": a.unit,
            "source": a.source,
            "as_of": _date(a.as_of) if a.as_of else None,
        }
        for a in plan.assumptions
        if a.key not in named and a.category not in ("price", SOLVER_CATEGORY)
    ]
    placed_other = write_table(ws, "Assumptions", OTHER_COLUMNS, other, top=top, widths=widths)
    format_dates(ws, placed_other, OTHER_COLUMNS)
    value_col = column_of(placed_other, OTHER_COLUMNS, "value")
    for r in range(placed_other.first_row + 1, placed_other.last_row + 1):
        cell = ws.cell(row=r, column=value_col)
        if isinstance(cell.value, float):
            cell.number_format = "General"

    top = placed_other.last_row + 3
    placed_how = write_table(ws, "HowComputed", HOW_COLUMNS, how_rows(plan), top=top, widths=widths)
    value_col = column_of(placed_how, HOW_COLUMNS, "value")
    for r in range(placed_how.first_row + 1, placed_how.last_row + 1):
        cell = ws.cell(row=r, column=value_col)
        unit = ws.cell(row=r, column=value_col + 1).value
        if isinstance(cell.value, float):
            cell.number_format = HOW_FORMATS.get(str(unit), styles.money_format(plan.currency, 2))
    widths.see(value_col, 16)
    widths.apply(ws)
    return ws


def _name(wb: Workbook, name: str, target: str) -> None:
    wb.defined_names[name] = DefinedName(name, attr_text=target)


INPUT_COLOR = "FFF2CC"
"""Pale yellow: the colour finance models give the cells a reader may change."""


def _mark_input(cell: Cell | MergedCell) -> None:
    cell.fill = PatternFill("solid", fgColor=INPUT_COLOR)


def _as_number(text: str) -> Value:
    """A value that is a bare number ("1.56", the PUE) or percentage ("0.0000%", the gap) is stored as one;
    as text Excel flagged it "number stored as text". Values with a unit ("0.1270 USD/kWh") stay text."""
    percent = text.endswith("%")
    try:
        number = float(text[:-1] if percent else text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return number / 100 if percent else number
