"""Assumptions sheet: every price used with its source and date, energy and hosting figures, memory-model
settings, and how the plan was solved (solver, status, gap, run time, planner version).

A plan is only as current as its prices; a finance reader checks this sheet before trusting the total.
"""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.sheets.cloud import PRICING_LABELS
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, put, write_table

COLUMNS = (
    Column("Category"),
    Column("Item"),
    Column("Value", styles.WRAP, width=42),
    Column("Source", styles.WRAP, width=52),
    Column("As of"),
)
"""Values and sources are free text of any length (a citation, a URL): they wrap, not widen the sheet."""

PRICE_COLUMNS = (
    Column("Pricing"),
    Column("Offer"),
    Column("Price", styles.USD_RATE),
    Column("Source", styles.WRAP),
    Column("As of"),
)
"""Laid out under the Assumptions table's columns (category, item, value, source, date) so widths fit both."""


def run_rows(plan: Plan) -> list[list[Value]]:
    """How the plan was found: the figures a reviewer needs to judge whether it is proven optimal."""
    return [
        ["solver", "solver", plan.solver or "unknown", "planner", ""],
        ["solver", "status", plan.status, "planner", ""],
        ["solver", "objective (total cost)", f"{plan.total_cost:,.2f} {plan.currency}", "planner", ""],
        ["solver", "best bound", f"{plan.best_bound:,.2f} {plan.currency}", "planner", ""],
        ["solver", "relative gap", f"{plan.gap:.4%}", "planner", ""],
        ["solver", "run time", f"{plan.solve_seconds:.2f} s", "planner", ""],
        ["planner", "version", plan.planner_version or "unknown", "planner", ""],
        ["plan", "horizon", f"{plan.horizon_months} months", "scenario", ""],
        ["plan", "currency", plan.currency, "scenario", ""],
    ]


def price_rows(plan: Plan) -> list[list[Value]]:
    """One row per (offer, pricing) the plan uses, straight from its units."""
    seen: set[tuple[str, str]] = set()
    rows: list[list[Value]] = []
    for u in plan.units:
        if (u.option, u.pricing) in seen or u.kind == "owned":
            continue
        seen.add((u.option, u.pricing))
        pricing = PRICING_LABELS.get(u.pricing, u.pricing.replace("_", " "))
        per = "per unit" if u.kind == "bought" else "per instance-hour"
        rows.append(
            [
                f"{pricing} ({per})",
                u.option_name or u.option,
                u.unit_price,
                u.price_source,
                u.price_date.isoformat() if u.price_date else "",
            ]
        )
    return rows


def add_assumptions_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Assumptions")
    widths = Widths()
    rows: list[list[Value]] = [[a.category, a.name, a.value, a.source, a.as_of] for a in plan.assumptions]
    named = {a.name for a in plan.assumptions}
    extra = [row for row in run_rows(plan) if row[1] not in named]
    placed = write_table(ws, "Assumptions", COLUMNS, rows + extra, widths=widths)
    for r in range(placed.first_row + 1, placed.last_row + 1):
        _as_number(ws.cell(row=r, column=3))
    top = placed.last_row + 3
    put(ws.cell(row=top - 1, column=1), "Prices used by the plan's units", styles.LABEL)
    prices = price_rows(plan)
    placed_prices = write_table(ws, "PricesUsed", PRICE_COLUMNS, prices, top=top, widths=widths)
    for i, row in enumerate(prices, start=1):
        if str(row[0]).endswith("(per unit)"):
            ws.cell(row=placed_prices.first_row + i, column=3).style = styles.USD
    widths.apply(ws)
    return ws


def _as_number(cell: Cell | MergedCell) -> None:
    """A value that is a bare number ("1.56", the PUE) or percentage ("0.0000%", the gap) is stored as one;
    as text Excel flagged it "number stored as text". Values with a unit ("0.1270 USD/kWh") stay text."""
    text = cell.value
    if not isinstance(text, str):
        return
    percent = text.endswith("%")
    try:
        number = float(text[:-1] if percent else text)
    except ValueError:
        return
    if not math.isfinite(number):
        return
    cell.value = number / 100 if percent else number
    cell.number_format = "0.0000%" if percent else "General"
