"""Alternatives sheet: the simpler plans solved beside the optimum, the saving over each, and buy-vs-rent.

An alternative's cost (up front, running, residual value, total) is as solved (its own mix, priced at the
inputs planner ran with), and so is its status with the reason where it is infeasible (which budget binds, by
how much); the plan's cost and the savings are formulas, so they move when an input changes. The break-even
compares the plan with renting everything (the ``all_cloud`` alternative); the formulas are in
``planner.report.figures.BreakEven`` and on the sheet, so a reader can redo them by hand.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Alternative, Plan
from planner.report import styles
from planner.report.figures import (
    ALTERNATIVE_LABELS,
    SAVING_BASES,
    SIMPLE_PAYBACK,
    break_even,
    saving_of,
)
from planner.report.live import Formula, cell, ref
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, column_of, put, rows_of, write_note, write_table

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


@dataclass(frozen=True)
class Compared:
    """An alternative beside this plan: its figures as solved, and the plan's saving over it as formulas over
    ``plan_total`` (so they move when an input changes)."""

    alt: Alternative
    plan: Plan
    here: bool = False
    """On the Alternatives sheet, whose cell the name ``alt_<name>`` points at: its cost as solved there."""

    @property
    def name(self) -> str | None:
        """The defined name of its cost, where it was solved (no saving without one)."""
        name = alt_name(self.alt)
        return (
            name if self.alt.total_cost is not None and saving_of(self.plan, self.alt) is not None else None
        )

    @property
    def status(self) -> str:
        return f"{self.alt.status}: {self.alt.reason}" if self.alt.reason else self.alt.status

    def solved(self, figure: float | None) -> float | None:
        """A figure as solved, where the alternative was (0 for one it does not have)."""
        return None if self.alt.total_cost is None else figure or 0.0

    @property
    def cost(self) -> Value:
        if self.name is None or self.alt.total_cost is None:
            return None
        return self.alt.total_cost if self.here else Formula(self.name, self.alt.total_cost)

    @property
    def saving(self) -> Formula | None:
        saving = saving_of(self.plan, self.alt)
        return None if self.name is None or saving is None else Formula(f"{self.name}-plan_total", saving)

    @property
    def share(self) -> Formula | None:
        name, total, saving = self.name, self.alt.total_cost, saving_of(self.plan, self.alt)
        if name is None or total is None or saving is None:
            return None
        return Formula(f"IF({name}>0,({name}-plan_total)/{name},0)", saving / total if total else 0.0)


SAVING_FIGURES: tuple[Column[Compared], ...] = (
    Column("Saving with this plan", styles.USD, key="saving", value=lambda c: c.saving),
    Column("Saving (%)", styles.PERCENT, key="share", value=lambda c: c.share),
    Column(
        "Saving as a share of",
        styles.WRAP,
        width=24,
        key="base",
        value=lambda c: SAVING_BASES.get(c.alt.name, "that alternative's cost"),
    ),
)
"""How much this plan saves against an alternative: here and on the summary sheet alike."""

ALTERNATIVE = Column[Compared]("Alternative", key="alternative", value=lambda c: label(c.alt))
"""The alternative's readable name: the first column here and on the summary sheet."""

COLUMNS: tuple[Column[Compared], ...] = (
    ALTERNATIVE,
    Column("What it means", styles.WRAP, value=lambda c: c.alt.description),
    Column("Status", styles.WRAP, width=48, value=lambda c: c.status),  # a reason reads in full
    Column("Up-front (as solved)", styles.USD, key="capex", value=lambda c: c.solved(up_front(c.alt))),
    Column("Running costs (as solved)", styles.USD, value=lambda c: c.solved(running(c.alt))),
    Column("Residual value (as solved)", styles.USD, value=lambda c: c.solved(c.alt.residual_value)),
    Column("Cost over horizon (as solved)", styles.USD, key="cost", value=lambda c: c.cost),
    Column(
        "This plan",
        styles.USD,
        value=lambda c: None if c.alt.total_cost is None else Formula("plan_total", c.plan.total_cost),
    ),
    *SAVING_FIGURES,
)


def label(alt: Alternative) -> str:
    return ALTERNATIVE_LABELS.get(alt.name, alt.name)


def running(alt: Alternative) -> float | None:
    """What an alternative pays after month 0: its running costs, or its total less the purchases."""
    if alt.total_cost is None:
        return None
    return alt.opex if alt.opex is not None else alt.total_cost - up_front(alt)


def add_alternatives_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Alternatives")
    widths = Widths()
    rows = rows_of(COLUMNS, [Compared(alt, plan, here=True) for alt in plan.alternatives])
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
            "how": f"capex / saving per month ({SIMPLE_PAYBACK}; the Cash flow sheet's payback month is "
            "the first whole month, discounted)",
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
