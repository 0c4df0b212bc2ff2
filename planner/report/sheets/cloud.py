"""Cloud sheet: every rented instance with its provider, region, pricing, hours and cost.

On-demand and spot are paid per hour used (the workloads' hours per month); reserved terms are paid for every
hour of the term, so their hours per month are 730.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import workloads_by_unit
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import Column, Value, Widths, write_table, write_total_row

PRICING_LABELS = {
    "purchase": "Purchase",
    "on_demand": "On demand",
    "spot": "Spot",
    "reserved_1y": "Reserved 1 year",
    "reserved_3y": "Reserved 3 years",
}

COLUMNS = (
    Column("Unit"),
    Column("Instance"),
    Column("Provider"),
    Column("Region"),
    Column("GPU"),
    Column("GPUs", styles.INTEGER),
    Column("Pricing"),
    Column("Price per hour", styles.USD_RATE),
    Column("Hours per month", styles.INTEGER),
    Column("Per month", styles.USD),
    Column("Over horizon", styles.USD),
    Column("Workloads"),
    Column("Price source", styles.WRAP, width=30),
    Column("Price as of"),
)


def add_cloud_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Cloud")
    on_unit = workloads_by_unit(plan)
    cloud = [u for u in plan.units if u.kind == "cloud"]
    rows: list[list[Value]] = [
        [
            u.id,
            u.option_name or u.option,
            u.provider,
            u.region,
            u.gpu,
            u.gpus,
            PRICING_LABELS.get(u.pricing, u.pricing),
            u.unit_price,
            u.hours_per_month,
            u.opex_per_month,
            u.cost,
            ", ".join(on_unit.get(u.id, ())),
            u.price_source,
            u.price_date.isoformat() if u.price_date else "",
        ]
        for u in cloud
    ]
    widths = Widths()
    placed = write_table(ws, "Cloud", COLUMNS, rows, widths=widths)
    total: list[Value] = [None] * len(COLUMNS)
    total[0] = "Total"
    total[9] = sum(u.opex_per_month for u in cloud)
    total[10] = sum(u.cost for u in cloud)
    write_total_row(ws, placed.last_row + 1, 1, total, money_cols=[9, 10])
    if not rows:
        ws.cell(row=placed.last_row + 3, column=1, value="The plan rents no cloud instances.")
    fit_pages(ws, widths.apply(ws))
    return ws
