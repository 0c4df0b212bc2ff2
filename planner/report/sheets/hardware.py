"""Hardware sheet: the bill of materials for bought units, and the owned units the plan uses.

One row per line of the chosen mix on local hardware (an option, bought or owned, at one duty cycle). Every
cost is a formula over the Assumptions sheet's inputs: capex from the price, energy from the IT energy per
month the plan's busy hours draw (PUE, electricity price), hosting from the IT power (colocation per
kW-month), all over ``horizon_months``. The row's "Total over horizon" is what those units cost from purchase
to the end of the plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan, PlanUnit
from planner.report import styles
from planner.report.figures import MixLine, chosen_mix
from planner.report.live import CostFormulas, Formula, cell, column_sum, ref
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import (
    UNDATED,
    Column,
    Value,
    Widths,
    format_dates,
    rows_of,
    write_table,
    write_total_row,
)


@dataclass(frozen=True)
class Local:
    """A local line's row on the sheet: its units (bought or owned, at one duty cycle), the row they are on,
    and what prices them."""

    line: MixLine
    units: tuple[PlanUnit, ...]
    row: int
    model: CostFormulas

    @property
    def first(self) -> PlanUnit:
        return self.units[0]

    def at(self, key: str) -> str:
        """The cell of column ``key`` in this line's row (formulas refer to the row's own figures)."""
        return cell(column(key), self.row)

    @property
    def unit_price(self) -> Formula | None:
        """The purchase price as a formula over the inputs; owned units have none."""
        return self.model.unit_price(self.first) if self.first.kind == "bought" else None

    @property
    def capex(self) -> Formula:
        if self.unit_price is None:
            return Formula("0", 0.0)
        return Formula(f"{self.at('units')}*{self.at('unit_price')}", self.line.capex)

    @property
    def energy(self) -> Formula:
        return self.model.energy(self.units, self.at("kwh"))

    @property
    def hosting(self) -> Formula:
        return self.model.hosting(self.units, self.at("kw"))

    @property
    def total(self) -> Formula:
        paid = "+".join(self.at(k) for k in ("capex", "energy", "hosting"))
        return Formula(f"{paid}-{self.at('residual')}", sum(x.cost for x in self.units))

    @property
    def notes(self) -> str:
        notes = [self.model.hosting_note(self.units)]
        notes += [
            f"{k} as solved" for k, f in (("energy", self.energy), ("hosting", self.hosting)) if _fixed(f)
        ]
        return "; ".join(n for n in notes if n)


COLUMNS: tuple[Column[Local], ...] = (
    Column("Item", styles.WRAP, width=28, value=lambda x: x.line.label),
    Column("Bought or owned", value=lambda x: "Bought" if x.first.kind == "bought" else "Owned"),
    Column("GPU", styles.WRAP, width=18, value=lambda x: x.first.gpu),
    Column("GPUs per unit", styles.INTEGER, value=lambda x: x.first.gpus),
    Column("Units", styles.INTEGER, key="units", value=lambda x: len(x.units)),
    Column("Busy hours per month, per unit", styles.INTEGER, value=lambda x: x.line.hours_per_month),
    Column("Unit price", styles.USD, key="unit_price", value=lambda x: x.unit_price),
    Column("Capex", styles.USD, key="capex", value=lambda x: x.capex),
    Column("Power per unit (W)", styles.INTEGER, value=lambda x: x.first.power_w),
    Column(
        "IT power, all units (kW)",
        styles.NUMBER,
        key="kw",
        value=lambda x: sum(u.power_w for u in x.units) / 1000,
    ),
    Column(
        "Rack units", styles.INTEGER, key="rack_units", value=lambda x: sum(u.rack_units for u in x.units)
    ),
    Column(
        "IT energy per month, all units (kWh)",
        styles.NUMBER,
        key="kwh",
        value=lambda x: x.model.it_kwh_per_month(x.units),
    ),
    Column("Energy over horizon", styles.USD, key="energy", value=lambda x: x.energy),
    Column("Hosting over horizon", styles.USD, key="hosting", value=lambda x: x.hosting),
    Column(
        "Residual value at the end",
        styles.USD,
        key="residual",
        value=lambda x: x.model.residual(x.units, x.at("capex")),
    ),
    Column("Total over horizon", styles.USD, key="total", value=lambda x: x.total),
    Column("Notes", styles.WRAP, width=22, value=lambda x: x.notes),
    Column("Price source", styles.WRAP, width=26, value=lambda x: x.first.price_source),
    Column(
        "Price as of",
        key="as_of",
        value=lambda x: (
            x.first.price_date or (None if x.first.kind == "owned" else UNDATED)
        ),  # owned: no price
    ),
)


def column(key: str) -> int:
    """The sheet column of the column whose id is ``key`` (the table starts in column A)."""
    return [c.id for c in COLUMNS].index(key) + 1


PLAN_NAMES = {
    "capex": "plan_capex",
    "energy": "plan_energy",
    "hosting": "plan_hosting",
    "residual": "plan_residual",
    "kw": "plan_it_kw",
    "rack_units": "plan_rack_units",
}
"""Defined names of this sheet's totals, read by the Summary, the Cash flow and the Alternatives."""


IDLE_COLUMNS = (
    Column("Owned, left unused", styles.WRAP, width=28, key="item"),
    Column("Units", styles.INTEGER, key="units"),
    Column("GPU", styles.WRAP, width=18, key="gpu"),
    Column("GPUs per unit", styles.INTEGER, key="gpus"),
    Column("Still costs per month (as solved)", styles.USD_CENTS, key="per_month"),
    Column("Still costs over horizon (as solved)", styles.USD, key="cost"),
)
"""Owned machines the plan leaves unused: not in its total, but they still pay hosting (and base and idle
power where machines are always on) while they stay in place."""


def _fixed(formula: Formula) -> bool:
    """A figure written as solved (a number, not a formula over the inputs)."""
    return formula.text != "0" and re.fullmatch(r"[0-9.e+-]+", formula.text) is not None


def local_lines(plan: Plan) -> list[MixLine]:
    """The chosen mix's bought and owned lines, in the Summary's order."""
    return [line for line in chosen_mix(plan) if line.kind != "cloud"]


def line_rows(plan: Plan) -> dict[tuple[str, ...], int]:
    """A local line's unit ids -> its row on this sheet (the Summary's chosen mix refers to them)."""
    return {line.unit_ids: 2 + i for i, line in enumerate(local_lines(plan))}


def add_hardware_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Hardware")
    model = CostFormulas(plan)
    by_id = {u.id: u for u in plan.units}
    local_rows = [
        Local(line, tuple(by_id[x] for x in line.unit_ids), 2 + i, model)
        for i, line in enumerate(local_lines(plan))
    ]
    widths = Widths()
    placed = write_table(ws, "Hardware", COLUMNS, rows_of(COLUMNS, local_rows), widths=widths)
    format_dates(ws, placed, COLUMNS)
    local = [u for u in plan.units if u.kind != "cloud"]
    last = placed.first_row + len(local_rows)
    totals: dict[str, Value] = {"units": Formula(column_sum(None, column("units"), 2, last), len(local))}
    figures = {
        "capex": sum(u.capex for u in local),
        "kw": sum(u.power_w for u in local) / 1000,
        "rack_units": float(sum(u.rack_units for u in local)),
        "kwh": model.it_kwh_per_month(local),
        "energy": sum(u.energy_cost for u in local),
        "hosting": sum(u.hosting_cost for u in local),
        "residual": sum(u.residual_value for u in local),
        "total": sum(u.cost for u in local),
    }
    for key, value in figures.items():
        totals[key] = Formula(column_sum(None, column(key), 2, last), value)
    total_row = write_total_row(ws, placed, COLUMNS, totals)
    for key, name in PLAN_NAMES.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref("Hardware", column(key), total_row))
    below = total_row + 2
    if not local_rows:
        ws.cell(row=below, column=1, value="The plan buys no hardware and uses no owned hardware.")
        below += 2
    if plan.idle_owned:
        idle: list[dict[str, Value]] = [
            {
                "item": i.name,
                "units": i.count,
                "gpu": i.gpu,
                "gpus": i.gpus_per_unit,
                "per_month": i.still_costs_per_month,
                "cost": i.still_costs,
            }
            for i in plan.idle_owned
        ]
        write_table(ws, "IdleOwned", IDLE_COLUMNS, idle, top=below, widths=widths)
    fit_pages(ws, widths.apply(ws))
    return ws
