"""Cloud sheet: every rented instance with its provider, region, pricing, hours and cost.

On-demand and spot are paid per hour used (the workloads' hours per month); reserved terms are paid for every
hour of each started term, so their hours per month are 730 and a horizon that ends inside a term pays all of
it. Prices are formulas over the Assumptions sheet's price inputs and exchange rate.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan, PlanUnit
from planner.report import styles
from planner.report.figures import chosen_mix, unit_label, workloads_by_unit
from planner.report.live import CostFormulas, Formula, cell, column_sum, ref
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import Column, Value, Widths, format_dates, write_table, write_total_row

PRICING_LABELS = {
    "purchase": "Purchase",
    "on_demand": "On demand",
    "spot": "Spot",
    "reserved_1y": "Reserved 1 year",
    "reserved_3y": "Reserved 3 years",
}

COLUMNS = (
    Column("Unit", key="unit"),
    Column("Item", key="label"),
    Column("Instance", key="instance"),
    Column("Region", key="region"),
    Column("GPUs", styles.INTEGER, key="gpus"),
    Column("Pricing", key="pricing"),
    Column("Price per hour", styles.USD_RATE, key="price"),
    Column("Hours per month", styles.INTEGER, key="hours"),
    Column("Per month", styles.USD_CENTS, key="per_month"),
    Column("Over horizon", styles.USD, key="cost"),
    Column("Workloads", styles.WRAP, width=28, key="workloads"),
    Column("Price source", styles.WRAP, width=30, key="source"),
    Column("Price as of", key="as_of"),
)

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
    return [c.id for c in COLUMNS].index("cost") + 1


def pricing_column() -> int:
    return [c.id for c in COLUMNS].index("pricing") + 1


def add_cloud_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Cloud")
    model = CostFormulas(plan)
    on_unit = workloads_by_unit(plan)
    col = {c.id: i + 1 for i, c in enumerate(COLUMNS)}
    cloud = cloud_units(plan)
    rows: list[dict[str, Value]] = []
    for i, u in enumerate(cloud):
        r = 2 + i
        rows.append(
            {
                "unit": u.id,
                "label": unit_label(u),
                "instance": u.option_name or u.option,
                "region": u.region,
                "gpus": u.gpus,
                "pricing": PRICING_LABELS.get(u.pricing, u.pricing),
                "price": model.unit_price(u),
                "hours": u.hours_per_month,
                "per_month": Formula(
                    f"{cell(col['price'], r)}*{cell(col['hours'], r)}", u.unit_price * u.hours_per_month
                ),
                "cost": model.rent([u], cell(col["per_month"], r)),
                "workloads": ", ".join(on_unit.get(u.id, ())),
                "source": u.price_source,
                "as_of": u.price_date,
            }
        )
    widths = Widths()
    placed = write_table(ws, "Cloud", COLUMNS, rows, widths=widths)
    format_dates(ws, placed, COLUMNS)
    last = placed.first_row + len(rows)
    totals: dict[str, Value] = {
        "per_month": Formula(
            column_sum(None, col["per_month"], 2, last), sum(u.unit_price * u.hours_per_month for u in cloud)
        ),
        "cost": Formula(column_sum(None, col["cost"], 2, last), sum(u.cost for u in cloud)),
    }
    total_row = write_total_row(ws, placed, COLUMNS, totals)
    for key, name in PLAN_NAMES.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref("Cloud", col[key], total_row))
    if not rows:
        ws.cell(row=total_row + 2, column=1, value="The plan rents no cloud instances.")
    fit_pages(ws, widths.apply(ws))
    return ws
