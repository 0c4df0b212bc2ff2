"""Cloud sheet: every rented instance with its provider, region, pricing, hours and cost.

On-demand and spot are paid per hour used (the workloads' hours per month); reserved terms are paid for every
hour of each started term, so their hours per month are 730 and a horizon that ends inside a term pays all of
it, unless renting its last months on demand all day costs less (a Months on demand column then says how
many). Prices are formulas over the Assumptions sheet's price inputs and exchange rate.
"""

from __future__ import annotations

from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import TERM_MONTHS, Plan, PlanUnit
from planner.report import styles
from planner.report.figures import chosen_mix, unit_label, workloads_by_unit
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

PRICING_LABELS = {
    "purchase": "Purchase",
    "on_demand": "On demand",
    "spot": "Spot",
    "reserved_1y": "Reserved 1 year",
    "reserved_3y": "Reserved 3 years",
}


@dataclass(frozen=True)
class Rented:
    """A rented unit's row on the sheet: the unit, the row it is on, what prices it, the workloads on it."""

    unit: PlanUnit
    row: int
    model: CostFormulas
    workloads: str

    def at(self, key: str) -> str:
        """The cell of column ``key`` in this unit's row (formulas refer to the row's own figures)."""
        return cell(column(key), self.row)


def _per_month(x: Rented) -> Formula:
    return Formula(f"{x.at('price')}*{x.at('hours')}", x.unit.unit_price * x.unit.hours_per_month)


COLUMNS: tuple[Column[Rented], ...] = (
    Column("Unit", value=lambda x: x.unit.id),
    Column("Item", value=lambda x: unit_label(x.unit)),
    Column("Instance", value=lambda x: x.unit.option_name or x.unit.option),
    Column("Region", value=lambda x: x.unit.region),
    Column("GPUs", styles.INTEGER, value=lambda x: x.unit.gpus),
    Column("Pricing", key="pricing", value=lambda x: PRICING_LABELS.get(x.unit.pricing, x.unit.pricing)),
    Column("Price per hour", styles.USD_RATE, key="price", value=lambda x: x.model.unit_price(x.unit)),
    Column("Hours per month", styles.INTEGER, key="hours", value=lambda x: x.unit.hours_per_month),
    Column("Per month", styles.USD_CENTS, key="per_month", value=_per_month),
    Column("Over horizon", styles.USD, key="cost", value=lambda x: x.model.rent([x.unit], x.at("per_month"))),
    Column("Workloads", styles.WRAP, width=28, value=lambda x: x.workloads),
    Column("Price source", styles.WRAP, width=30, value=lambda x: x.unit.price_source),
    Column("Price as of", key="as_of", value=lambda x: x.unit.price_date or UNDATED),
)


ON_DEMAND_MONTHS: Column[Rented] = Column(
    "Months on demand",
    styles.INTEGER,
    key="on_demand",
    value=lambda x: x.unit.on_demand_months if x.unit.pricing in TERM_MONTHS else None,
)
"""A reservation's last months past its whole terms, rented on demand all day where that is cheaper than
one more term (Over horizon prices them at the on-demand price); the last column, and only on a sheet with
such a unit, so that a page without one keeps its width."""


def columns(plan: Plan) -> tuple[Column[Rented], ...]:
    """The sheet's columns: ``COLUMNS``, and ``ON_DEMAND_MONTHS`` where a reserved unit has such months."""
    return COLUMNS + ((ON_DEMAND_MONTHS,) if any(u.on_demand_months for u in plan.units) else ())


def column(key: str) -> int:
    """The sheet column of the column whose id is ``key`` (the table starts in column A)."""
    return [c.id for c in COLUMNS].index(key) + 1


PLAN_NAMES = {"cost": "plan_rent"}
"""Defined names of this sheet's totals."""


def cloud_units(plan: Plan) -> list[PlanUnit]:
    """The rented units in the chosen mix's order, so each line of the mix is a block of adjacent rows (the
    Summary sums it as a range: a sum of one reference per unit would pass Excel's 8,192-character limit on
    a formula for a few hundred units)."""
    by_id = {u.id: u for u in plan.units}
    return [by_id[i] for line in chosen_mix(plan) if line.kind == "cloud" for i in line.unit_ids]


def unit_rows(plan: Plan) -> dict[str, int]:
    """Unit id -> its row on this sheet."""
    return {u.id: 2 + i for i, u in enumerate(cloud_units(plan))}


def cost_column() -> int:
    """The sheet column of the units' cost over the horizon."""
    return column("cost")


def pricing_column() -> int:
    return column("pricing")


def add_cloud_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Cloud")
    model = CostFormulas(plan)
    on_unit = workloads_by_unit(plan)
    cloud = cloud_units(plan)
    rented = [Rented(u, 2 + i, model, ", ".join(on_unit.get(u.id, ()))) for i, u in enumerate(cloud)]
    widths = Widths()
    shown = columns(plan)
    placed = write_table(ws, "Cloud", shown, rows_of(shown, rented), widths=widths)
    format_dates(ws, placed, shown)
    last = placed.first_row + len(rented)
    totals: dict[str, Value] = {
        "per_month": Formula(
            column_sum(None, column("per_month"), 2, last),
            sum(u.unit_price * u.hours_per_month for u in cloud),
        ),
        "cost": Formula(column_sum(None, column("cost"), 2, last), sum(u.cost for u in cloud)),
    }
    total_row = write_total_row(ws, placed, shown, totals)
    for key, name in PLAN_NAMES.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref("Cloud", column(key), total_row))
    if not rented:
        ws.cell(row=total_row + 2, column=1, value="The plan rents no cloud instances.")
    fit_pages(ws, widths.apply(ws))
    return ws
