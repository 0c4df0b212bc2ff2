"""Alternatives sheet: the simpler plans solved beside the optimum, the saving over each, and buy-vs-rent.

An alternative's cost (up front, running, residual value, total) is as solved (its own mix, priced at the
inputs planner ran with), and so is its status with the reason where it is infeasible (which budget binds, by
how much); the plan's cost and the savings are formulas, so they move when an input changes. The break-even
compares the plan with renting everything (the ``all_cloud`` alternative); the formulas are in
``planner.report.figures.BreakEven`` and on the sheet, so a reader can redo them by hand.
"""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Alternative, Plan
from planner.report import styles
from planner.report.figures import ALTERNATIVE_LABELS, SAVING_BASES, break_even, saving_of
from planner.report.live import Formula, cell, ref
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, column_of, put, write_note, write_table

SAVING_FIGURES = (
    Column("Saving with this plan", styles.USD, key="saving"),
    Column("Saving (%)", styles.PERCENT, key="share"),
    Column("Saving as a share of", styles.WRAP, width=24, key="base"),
)
"""How much this plan saves against an alternative: here and on the summary sheet alike."""

COLUMNS = (
    Column("Alternative", key="alternative"),
    Column("What it means", styles.WRAP, key="description"),
    Column("Status", key="status"),
    Column("Up-front (as solved)", styles.USD, key="capex"),
    Column("Running costs (as solved)", styles.USD, key="opex"),
    Column("Residual value (as solved)", styles.USD, key="residual"),
    Column("Cost over horizon (as solved)", styles.USD, key="cost"),
    Column("This plan", styles.USD, key="plan"),
    *SAVING_FIGURES,
)

BREAK_EVEN_COLUMNS = (
    Column("Buy versus rent", key="figure"),
    Column("How it is computed", styles.WRAP, key="how"),
    Column("Value", styles.USD, key="value"),
)


def alt_name(alt: Alternative) -> str | None:
    """The defined name of an alternative's cost cell (``alt_all_cloud``); planner's own ids only."""
    return f"alt_{alt.name}" if re.fullmatch(r"[a-z][a-z_]*", alt.name) else None


def feasible(plan: Plan) -> list[Alternative]:
    return [a for a in plan.alternatives if a.total_cost is not None and alt_name(a) is not None]


def up_front(alt: Alternative) -> float:
    """What an alternative pays in month 0; renting everything pays nothing up front."""
    return alt.capex if alt.capex is not None else 0.0


def saving_rows(plan: Plan, *, here: bool = False) -> list[dict[str, Value]]:
    """One row per alternative: its cost, and the plan's saving over it as a formula over ``plan_total``."""
    rows: list[dict[str, Value]] = []
    for alt in plan.alternatives:
        name = alt_name(alt)
        saving = saving_of(plan, alt)
        row: dict[str, Value] = {
            "alternative": ALTERNATIVE_LABELS.get(alt.name, alt.name),
            "status": f"{alt.status}: {alt.reason}" if alt.reason else alt.status,
            "base": SAVING_BASES.get(alt.name, "that alternative's cost"),
        }
        if alt.total_cost is not None and name is not None and saving is not None:
            cost = Formula(name, alt.total_cost)
            row["cost"] = alt.total_cost if here else cost
            row["saving"] = Formula(f"{name}-plan_total", saving)
            row["share"] = Formula(
                f"IF({name}>0,({name}-plan_total)/{name},0)",
                saving / alt.total_cost if alt.total_cost else 0.0,
            )
        rows.append(row)
    return rows


def add_alternatives_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Alternatives")
    widths = Widths()
    rows = saving_rows(plan, here=True)
    for row, alt in zip(rows, plan.alternatives, strict=True):
        row["description"] = alt.description
        if alt.total_cost is not None:
            row["capex"] = up_front(alt)
            row["opex"] = alt.opex if alt.opex is not None else alt.total_cost - up_front(alt)
            row["residual"] = alt.residual_value or 0.0
            row["plan"] = Formula("plan_total", plan.total_cost)
    placed = write_table(ws, "Alternatives", COLUMNS, rows, widths=widths)
    cost_col = column_of(placed, COLUMNS, "cost")
    capex_col = column_of(placed, COLUMNS, "capex")
    for i, alt in enumerate(plan.alternatives, start=1):
        name = alt_name(alt)
        if alt.total_cost is not None and name is not None:
            r = placed.first_row + i
            wb.defined_names[name] = DefinedName(name, attr_text=ref("Alternatives", cost_col, r))
            wb.defined_names[f"{name}_capex"] = DefinedName(
                f"{name}_capex", attr_text=ref("Alternatives", capex_col, r)
            )
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
    value = 3  # the Value column of BREAK_EVEN_COLUMNS
    first = top + 1

    def at(i: int) -> str:
        return cell(value, first + i)

    margin = "alt_all_cloud-plan_energy-plan_rent"
    fixed = "plan_capex-plan_residual+plan_hosting"
    be_rows: list[dict[str, Value]] = [
        {
            "figure": "Up-front purchases (capex)",
            "how": "purchase price of every bought unit",
            "value": Formula("plan_capex", be.capex),
        },
        {
            "figure": "This plan per month",
            "how": "electricity + hosting + the plan's own cloud rent",
            "value": Formula("plan_per_month", be.plan_per_month),
        },
        {
            "figure": "Renting everything per month",
            "how": "all-cloud alternative / horizon months",
            "value": Formula("alt_all_cloud/horizon_months", be.rent_per_month),
        },
        {
            "figure": "Saving per month by buying",
            "how": "renting per month - this plan per month",
            "value": Formula(f"{at(2)}-{at(1)}", be.saving_per_month),
        },
        {
            "figure": "Months to break even",
            "how": "capex / saving per month",
            "value": Formula(f'IF({at(3)}>0,{at(0)}/{at(3)},"never")', be.months),
        },
        {
            "figure": "Renting wins below this utilisation",
            "how": "(capex - residual value + hosting) / (all-cloud cost - electricity - this plan's cloud "
            "cost), as a share of the planned hours",
            "value": Formula(f'IF({margin}>0,({fixed})/({margin}),"never")', be.utilization),
        },
    ]
    placed_be = write_table(ws, "BreakEven", BREAK_EVEN_COLUMNS, be_rows, top=top, widths=widths)
    for i in (2, 3, 4):  # the monthly figures keep their cents for a hand check
        ws.cell(row=placed_be.first_row + i, column=value).style = styles.USD_CENTS
    ws.cell(row=placed_be.first_row + 5, column=value).number_format = '0.0 "months"'
    ws.cell(row=placed_be.first_row + 6, column=value).style = styles.PERCENT
    note = placed_be.last_row + 2
    text = (
        "Alternatives are costed as solved, at the inputs planner ran with; this plan's cost and the savings "
        "follow the inputs on the Assumptions sheet. If the workloads run fewer hours than planned (a lower "
        "utilisation), cloud rent falls with them but purchases do not: below the utilisation above, renting "
        "everything is cheaper."
    )
    write_note(ws, note, 1, 3, text, widths)
    widths.fix(2, 56)
    widths.apply(ws)
    return ws
