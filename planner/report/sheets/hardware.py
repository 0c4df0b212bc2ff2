"""Hardware sheet: the bill of materials for bought units, and the owned units the plan uses.

Energy follows each unit's duty cycle (busy hours per month) and includes PUE; hosting is colocation per
kW-month where the scenario has it. Both are over the whole horizon, so "Total over horizon" is what the
unit costs the team from purchase to the end of the plan.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan, PlanUnit
from planner.report import styles
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import Column, Value, Widths, write_table, write_total_row

COLUMNS = (
    Column("Item"),
    Column("Bought or owned"),
    Column("Offer id"),
    Column("GPU"),
    Column("GPUs per unit", styles.INTEGER),
    Column("Units", styles.INTEGER),
    Column("Unit price", styles.USD),
    Column("Capex", styles.USD),
    Column("Power per unit (W)", styles.INTEGER),
    Column("Power, all units (kW)", styles.NUMBER),
    Column("Rack units", styles.INTEGER),
    Column("Busy hours per month", styles.INTEGER),
    Column("Energy over horizon", styles.USD),
    Column("Hosting over horizon", styles.USD),
    Column("Total over horizon", styles.USD),
    Column("Price source", styles.WRAP, width=30),
    Column("Price as of"),
)


def local_groups(plan: Plan) -> list[list[PlanUnit]]:
    """Bought and owned units grouped by (option, kind), bought first, in plan order."""
    groups: dict[tuple[str, str], list[PlanUnit]] = {}
    for unit in plan.units:
        if unit.kind != "cloud":
            groups.setdefault((unit.kind, unit.option), []).append(unit)
    return [groups[key] for key in sorted(groups, key=lambda k: (k[0] != "bought",))]


def add_hardware_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Hardware")
    rows: list[list[Value]] = []
    for units in local_groups(plan):
        u = units[0]
        n = len(units)
        rows.append(
            [
                u.option_name or u.option,
                "Bought" if u.kind == "bought" else "Owned",
                u.option,
                u.gpu,
                u.gpus,
                n,
                u.unit_price if u.kind == "bought" else 0.0,
                sum(x.capex for x in units),
                u.power_w,
                u.power_w * n / 1000,
                u.rack_units * n,
                u.hours_per_month,
                sum(x.energy_cost for x in units),
                sum(x.hosting_cost for x in units),
                sum(x.cost for x in units),
                u.price_source,
                u.price_date.isoformat() if u.price_date else "",
            ]
        )
    widths = Widths()
    placed = write_table(ws, "Hardware", COLUMNS, rows, widths=widths)
    local = [u for u in plan.units if u.kind != "cloud"]
    total: list[Value] = [None] * len(COLUMNS)
    total[0] = "Total"
    total[5] = len(local)
    total[7] = sum(u.capex for u in local)
    total[9] = sum(u.power_w for u in local) / 1000
    total[10] = sum(u.rack_units for u in local)
    total[12] = sum(u.energy_cost for u in local)
    total[13] = sum(u.hosting_cost for u in local)
    total[14] = sum(u.cost for u in local)
    write_total_row(ws, placed.last_row + 1, 1, total, money_cols=[7, 12, 13, 14])
    ws.cell(row=placed.last_row + 1, column=10).number_format = "#,##0.0"
    if not rows:
        ws.cell(
            row=placed.last_row + 3, column=1, value="The plan buys no hardware and uses no owned hardware."
        )
    fit_pages(ws, widths.apply(ws))
    return ws
