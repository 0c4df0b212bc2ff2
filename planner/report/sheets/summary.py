"""Summary sheet: the page a finance reader reads first.

Headline figures, the plan in plain words, the chosen mix (what to buy, what to rent, how many) and the saving
against each alternative. Every figure is also in the JSON report under the same meaning.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import ALTERNATIVE_LABELS, chosen_mix, reading, saving_of
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, Value, Widths, put, write_note, write_table, write_total_row

KEY_COLUMNS = (Column("Figure"), Column("Value"))

MIX_COLUMNS = (
    Column("Action"),
    Column("Item"),
    Column("Units", styles.INTEGER),
    Column("Hours per month", styles.INTEGER),
    Column("Up-front", styles.USD),
    Column("Per month", styles.USD),
    Column("Over horizon", styles.USD),
    Column("GPUs per unit", styles.INTEGER),
    Column("GPU", styles.WRAP, width=26),
    Column("Workloads", styles.WRAP, width=34),
)
"""Figures first, so the saving table below (money in columns C-E) shares column widths with them."""

SAVING_COLUMNS = (
    Column("Alternative"),
    Column("Status"),
    Column("Cost over horizon", styles.USD),
    Column("Saving with this plan", styles.USD),
    Column("Saving (%)", styles.PERCENT),
)


def key_figures(plan: Plan) -> list[tuple[str, Value, str]]:
    """(label, value, named style) of the headline figures."""
    horizon = max(plan.horizon_months, 1)
    return [
        ("Scenario", plan.scenario, styles.TEXT),
        ("Planning horizon (months)", plan.horizon_months, styles.INTEGER),
        ("Total cost over the horizon", plan.total_cost, styles.USD),
        ("Up-front purchases (capex)", plan.capex, styles.USD),
        ("Running costs over the horizon (opex)", plan.opex, styles.USD),
        ("Running costs per month", plan.opex_per_month or plan.opex / horizon, styles.USD),
        ("Average cost per month (total / horizon)", plan.total_cost / horizon, styles.USD),
        ("Solver status", plan.status, styles.TEXT),
        ("Optimality gap", plan.gap, styles.PERCENT),
        ("Best bound on the cost", plan.best_bound, styles.USD),
    ]


def add_summary_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Summary", freeze="A3", landscape=True)
    widths = Widths()
    put(ws.cell(row=1, column=1), f"LLM hardware plan: {plan.scenario}", styles.TITLE)
    ws.row_dimensions[1].height = 24
    put(
        ws.cell(row=2, column=1),
        f"Money in {plan.currency}; memory in GiB (2^30 bytes). Made by planner {plan.planner_version}. "
        "Sources of every price are on the Assumptions sheet.",
        styles.SUBTITLE,
    )

    figures = key_figures(plan)
    keys = write_table(
        ws, "KeyFigures", KEY_COLUMNS, [[label, value] for label, value, _ in figures], top=4, widths=widths
    )
    for i, (_, _, style) in enumerate(figures, start=1):
        ws.cell(row=keys.first_row + i, column=2).style = style
    widths.see(2, 14)

    row = keys.last_row + 2
    put(ws.cell(row=row, column=1), "In plain words", styles.LABEL)
    write_note(ws, row + 1, 1, len(MIX_COLUMNS), reading(plan), widths, styles.WRAP)
    row += 3
    put(ws.cell(row=row, column=1), "The chosen mix", styles.LABEL)
    lines = chosen_mix(plan)
    mix_rows: list[list[Value]] = [
        [
            line.action,
            line.option_name,
            line.count,
            line.hours_per_month,
            line.capex,
            line.per_month,
            line.cost,
            line.gpus_per_unit,
            line.gpu,
            ", ".join(line.workloads),
        ]
        for line in lines
    ]
    mix = write_table(ws, "ChosenMix", MIX_COLUMNS, mix_rows, top=row + 1, widths=widths)
    total: list[Value] = [None] * len(MIX_COLUMNS)
    total[0] = "Total"
    total[2] = sum(line.count for line in lines)
    total[4] = sum(line.capex for line in lines)
    total[5] = sum(line.per_month for line in lines)
    total[6] = sum(line.cost for line in lines)
    write_total_row(ws, mix.last_row + 1, 1, total, money_cols=[4, 5, 6])

    row = mix.last_row + 3
    put(ws.cell(row=row, column=1), "Saving against each alternative", styles.LABEL)
    saving_rows: list[list[Value]] = []
    for alt in plan.alternatives:
        saving = saving_of(plan, alt)
        saving_rows.append(
            [
                ALTERNATIVE_LABELS.get(alt.name, alt.name),
                alt.status,
                alt.total_cost,
                saving,
                saving / alt.total_cost if saving is not None and alt.total_cost else None,
            ]
        )
    if not saving_rows:
        saving_rows.append(["(no alternatives were solved)", "", None, None, None])
    write_table(ws, "Savings", SAVING_COLUMNS, saving_rows, top=row + 1, widths=widths)
    widths.apply(ws)
    return ws
