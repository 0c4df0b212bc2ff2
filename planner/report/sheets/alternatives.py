"""Alternatives sheet: the simpler plans solved beside the optimum, the saving over each, and buy-vs-rent.

The break-even compares the plan with renting everything (the ``all_cloud`` alternative); the formulas are in
``planner.report.figures.BreakEven`` and spelled out on the sheet so a reader can redo them by hand.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import ALTERNATIVE_LABELS, break_even, saving_of
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, put, write_note, write_table

COLUMNS = (
    Column("Alternative"),
    Column("What it means", styles.WRAP),
    Column("Status"),
    Column("Cost over horizon", styles.USD),
    Column("This plan", styles.USD),
    Column("Saving with this plan", styles.USD),
    Column("Saving (%)", styles.PERCENT),
)

BREAK_EVEN_COLUMNS = (
    Column("Buy versus rent"),
    Column("How it is computed", styles.WRAP),
    Column("Value", styles.USD),
)


def alternative_rows(plan: Plan) -> list[list[Value]]:
    rows: list[list[Value]] = []
    for alt in plan.alternatives:
        saving = saving_of(plan, alt)
        rows.append(
            [
                ALTERNATIVE_LABELS.get(alt.name, alt.name),
                alt.description,
                f"{alt.status}: {alt.reason}" if alt.reason else alt.status,
                alt.total_cost,
                plan.total_cost,
                saving,
                saving / alt.total_cost if saving is not None and alt.total_cost else None,
            ]
        )
    return rows


def add_alternatives_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Alternatives")
    widths = Widths()
    placed = write_table(ws, "Alternatives", COLUMNS, alternative_rows(plan), widths=widths)
    top = placed.last_row + 3
    be = break_even(plan)
    put(
        ws.cell(row=top - 1, column=1),
        "Break-even: buying this plan's hardware versus renting everything",
        styles.LABEL,
    )
    if not be.available:
        put(ws.cell(row=top, column=1), f"Not computed: {be.reason}.", styles.SUBTITLE)
        widths.apply(ws)
        return ws
    months = "never (renting is cheaper every month)" if be.months is None else None
    rows: list[list[Value]] = [
        ["Up-front purchases (capex)", "purchase price of every bought unit", be.capex],
        ["This plan per month", "electricity + hosting + the plan's own cloud rent", be.plan_per_month],
        ["Renting everything per month", "all-cloud alternative / horizon months", be.rent_per_month],
        ["Saving per month by buying", "renting per month - this plan per month", be.saving_per_month],
        ["Months to break even", "capex / saving per month", months if months else be.months],
        [
            "Renting wins below this utilisation",
            "(capex + hosting) / (all-cloud cost - electricity - this plan's cloud cost), as a share of "
            "the planned hours",
            be.utilization if be.utilization is not None else "never",
        ],
    ]
    placed_be = write_table(ws, "BreakEven", BREAK_EVEN_COLUMNS, rows, top=top, widths=widths)
    months_cell = ws.cell(row=placed_be.first_row + 5, column=3)
    if isinstance(months_cell.value, float):
        months_cell.number_format = '0.0 "months"'
    util_cell = ws.cell(row=placed_be.first_row + 6, column=3)
    if isinstance(util_cell.value, float):
        util_cell.style = styles.PERCENT
    note = placed_be.last_row + 2
    horizon = f"{plan.horizon_months} months"
    text = (
        f"Horizon {horizon}. If the workloads run fewer hours than planned (a lower utilisation), cloud rent "
        "falls with them but purchases do not: below the utilisation above, renting everything is cheaper."
    )
    write_note(ws, note, 1, 3, text, widths)
    widths.fix(2, 56)
    widths.apply(ws)
    return ws
