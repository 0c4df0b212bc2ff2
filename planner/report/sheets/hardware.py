"""Hardware sheet: the bill of materials for bought units, and the owned units the plan uses.

One row per line of the chosen mix on local hardware (an option, bought or owned, at one duty cycle). Every
cost is a formula over the Assumptions sheet's inputs: capex from the price, energy from the IT energy per
month the plan's busy hours draw (PUE, electricity price), hosting from the IT power (colocation per
kW-month), all over ``horizon_months``. The row's "Total over horizon" is what those units cost from purchase
to the end of the plan.
"""

from __future__ import annotations

import re

from openpyxl import Workbook
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import MixLine, chosen_mix
from planner.report.live import CostFormulas, Formula, cell, column_sum, ref
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import Column, Value, Widths, format_dates, write_table, write_total_row

COLUMNS = (
    Column("Item", styles.WRAP, width=28, key="item"),
    Column("Bought or owned", key="kind"),
    Column("GPU", styles.WRAP, width=18, key="gpu"),
    Column("GPUs per unit", styles.INTEGER, key="gpus"),
    Column("Units", styles.INTEGER, key="units"),
    Column("Busy hours per month, per unit", styles.INTEGER, key="hours"),
    Column("Unit price", styles.USD, key="unit_price"),
    Column("Capex", styles.USD, key="capex"),
    Column("Power per unit (W)", styles.INTEGER, key="power_w"),
    Column("IT power, all units (kW)", styles.NUMBER, key="kw"),
    Column("Rack units", styles.INTEGER, key="rack_units"),
    Column("IT energy per month, all units (kWh)", styles.NUMBER, key="kwh"),
    Column("Energy over horizon", styles.USD, key="energy"),
    Column("Hosting over horizon", styles.USD, key="hosting"),
    Column("Residual value at the end", styles.USD, key="residual"),
    Column("Total over horizon", styles.USD, key="total"),
    Column("Notes", styles.WRAP, width=22, key="notes"),
    Column("Price source", styles.WRAP, width=26, key="source"),
    Column("Price as of", key="as_of"),
)

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
    col = {c.id: i + 1 for i, c in enumerate(COLUMNS)}
    rows: list[dict[str, Value]] = []
    lines = local_lines(plan)
    for i, line in enumerate(lines):
        r = 2 + i
        units = [by_id[x] for x in line.unit_ids]
        u = units[0]
        unit_price = model.unit_price(u) if u.kind == "bought" else None
        energy = model.energy(units, cell(col["kwh"], r))
        hosting = model.hosting(units, cell(col["kw"], r))
        residual = model.residual(units, cell(col["capex"], r))
        notes = [model.hosting_note(units)]
        notes += [f"{k} as solved" for k, f in (("energy", energy), ("hosting", hosting)) if _fixed(f)]
        rows.append(
            {
                "item": line.label,
                "kind": "Bought" if u.kind == "bought" else "Owned",
                "gpu": u.gpu,
                "gpus": u.gpus,
                "units": len(units),
                "hours": line.hours_per_month,
                "unit_price": unit_price,
                "capex": Formula(f"{cell(col['units'], r)}*{cell(col['unit_price'], r)}", line.capex)
                if unit_price
                else Formula("0", 0.0),
                "power_w": u.power_w,
                "kw": sum(x.power_w for x in units) / 1000,
                "rack_units": sum(x.rack_units for x in units),
                "kwh": model.it_kwh_per_month(units),
                "energy": energy,
                "hosting": hosting,
                "residual": residual,
                "total": Formula(
                    "+".join(cell(col[k], r) for k in ("capex", "energy", "hosting"))
                    + f"-{cell(col['residual'], r)}",
                    sum(x.cost for x in units),
                ),
                "notes": "; ".join(n for n in notes if n),
                "source": u.price_source,
                "as_of": u.price_date,
            }
        )
    widths = Widths()
    placed = write_table(ws, "Hardware", COLUMNS, rows, widths=widths)
    format_dates(ws, placed, COLUMNS)
    local = [u for u in plan.units if u.kind != "cloud"]
    last = placed.first_row + len(rows)
    totals: dict[str, Value] = {"units": Formula(column_sum(None, col["units"], 2, last), len(local))}
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
        totals[key] = Formula(column_sum(None, col[key], 2, last), value)
    total_row = write_total_row(ws, placed, COLUMNS, totals)
    for key, name in PLAN_NAMES.items():
        wb.defined_names[name] = DefinedName(name, attr_text=ref("Hardware", col[key], total_row))
    below = total_row + 2
    if not rows:
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
