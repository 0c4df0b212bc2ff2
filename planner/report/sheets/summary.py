"""Summary sheet: the decision on the first page a finance reader reads.

Total, up-front and monthly cost, the payback month and break-even utilisation against renting everything,
each budget and limit against what the plan uses, the oldest price relied on, the saving against each
alternative with its base named, then the chosen mix. Every cost is a formula over the Hardware and Cloud
sheets, which are formulas over the Assumptions sheet's inputs: changing an input costs this plan again; the
mix itself stays as solved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import (
    SIMPLE_PAYBACK,
    BreakEven,
    MixLine,
    break_even,
    chosen_mix,
    held_whole_horizon,
    mix_per_month_note,
    mix_total_per_month,
    most_held_at_once,
    payback_month,
    reading,
)
from planner.report.flows import plan_npv
from planner.report.live import CostFormulas, Formula, column_sum, input_values, ref
from planner.report.sheets import alternatives, cloud, hardware
from planner.report.sheets.layout import new_sheet
from planner.report.table import (
    Column,
    Value,
    Widths,
    column_of,
    put,
    rows_of,
    write_note,
    write_table,
    write_total_row,
)

REOPTIMISE = (
    "Change inputs (yellow cells on the Assumptions sheet) to cost this plan; "
    "run planner again to re-optimise."
)

KEY_COLUMNS = (
    Column("Figure", key="figure"),
    Column("Value", styles.USD, key="value", width=14),
    Column("Basis", styles.WRAP, width=40, key="basis"),
)
"""The Summary's tables share one grid: a label (A), a figure (B), wrapped text (C), then figures."""

KEY_STYLES = {"Running costs per month": styles.USD_CENTS}
"""Key figures whose cents matter for a hand check (641.825 x 36 = 23,105.70)."""

KEY_FORMATS = {
    "Payback month against renting": '"month "0',
    "Simple payback against renting (months)": '0.0 "months"',
    "Break-even utilisation": "0.0%",
    "Oldest price relied on": "yyyy-mm-dd",
    "Planning horizon (months)": '0 "months"',
}
"""Number formats of the key figures that are not money."""

LIMIT_COLUMNS = (
    Column("Budget or limit", key="limit"),
    Column("Allowed", styles.NUMBER, key="allowed"),
    Column("Unit", styles.WRAP, key="unit"),
    Column("Used by the plan", styles.NUMBER, key="used"),
    Column("Share used", styles.PERCENT, key="share"),
)

SAVING_COLUMNS: tuple[Column[alternatives.Compared], ...] = (
    alternatives.ALTERNATIVE,
    Column("Cost over horizon", styles.USD, key="cost", value=lambda c: c.cost),
    Column("Status", styles.WRAP, key="status", value=lambda c: c.status),
    *alternatives.SAVING_FIGURES,
)


@dataclass(frozen=True)
class Chosen:
    """A line of the chosen mix with the formulas that price it from its Hardware row or Cloud units."""

    line: MixLine
    capex: Formula
    cost: Formula
    residual: str

    months_cell: str = ""
    """The cell of this line's "Months held" (set once the table's place is known); empty: the horizon."""

    @property
    def per_month(self) -> Formula:
        """The bill per month while held: running costs over the months the units are held, not spread over
        the horizon (a unit rented months 4-36 bills its monthly rent, not 33/36 of it)."""
        running = f"{self.cost.text}-{self.capex.text}+{self.residual}"
        return Formula(f"({running})/{self.months_cell or 'horizon_months'}", self.line.per_month)


MIX_COLUMNS: tuple[Column[Chosen], ...] = (
    Column("Action", value=lambda c: c.line.action),
    Column("Units", styles.INTEGER, key="units", value=lambda c: c.line.count),
    Column("Item", styles.WRAP, value=lambda c: c.line.label),
    Column("Hours per month, per unit", styles.INTEGER, value=lambda c: c.line.hours_per_month),
    Column("Months held", styles.TEXT, value=lambda c: c.line.months),
    Column(
        "Months held, per unit (average)", styles.NUMBER, key="months", value=lambda c: c.line.months_held
    ),
    Column("Up-front, all units", styles.USD, key="capex", value=lambda c: c.capex),
    Column("Per month while held, all units", styles.USD_CENTS, key="per_month", value=lambda c: c.per_month),
    Column("Over horizon, all units", styles.USD, key="cost", value=lambda c: c.cost),
    Column("GPUs per unit", styles.INTEGER, value=lambda c: c.line.gpus_per_unit),
    Column("GPU", styles.WRAP, width=20, value=lambda c: c.line.gpu),
    Column("Workloads", styles.WRAP, width=30, value=lambda c: ", ".join(c.line.workloads)),
)

LIMITS = (
    ("budget_capex_usd", "Capex budget", "plan_capex", "capex", True),
    ("budget_monthly_usd", "Monthly budget (running costs)", "plan_per_month", "per month", True),
    ("limit_power_kw", "Power limit (IT load)", "plan_it_kw", "kW", False),
    ("limit_rack_units", "Rack space limit", "plan_rack_units", "rack units", False),
)
"""(input name, label, the plan's figure, unit, in money): the scenario's budgets and limits as the plan meets
them. Budgets are in USD and converted at the exchange rate."""


SIMPLE_SAVING = "alt_all_cloud/horizon_months-plan_per_month"
"""What buying saves per month against renting everything (the Alternatives sheet's saving per month)."""

BREAK_EVEN_FIXED = "plan_capex-plan_residual+plan_hosting"
"""What buying costs whatever the hours: purchases less their residual value, and hosting."""


def _break_even_value(be: BreakEven, expression: str, figure: float | None) -> Value:
    """A buy-versus-rent figure as a formula, "never" where renting never costs more, or why it is not
    computed (the simple payback and the break-even utilisation alike)."""
    if not be.available:
        return f"not computed: {be.reason}"
    return "never" if figure is None else Formula(expression, figure)


def key_rows(plan: Plan) -> list[dict[str, Value]]:
    """The headline figures with what each is based on."""
    horizon = max(plan.horizon_months, 1)
    be = break_even(plan)
    payback: Value = (
        Formula("payback_month", payback_month(plan)) if be.available else f"not computed: {be.reason}"
    )
    simple = _break_even_value(be, f"plan_capex/({SIMPLE_SAVING})", be.months)
    utilisation = _break_even_value(
        be, f"({BREAK_EVEN_FIXED})/(alt_all_cloud-plan_energy-plan_rent)", be.utilization
    )
    dates = [u.price_date for u in plan.units if u.price_date is not None]
    return [
        {
            "figure": "Total cost over the horizon",
            "value": Formula("plan_capex-plan_residual+plan_energy+plan_hosting+plan_rent", plan.total_cost),
            "basis": "up-front purchases - their residual value at the end + running costs over "
            "horizon_months (Assumptions)",
        },
        {
            "figure": "Up-front purchases (capex)",
            "value": Formula("plan_capex", plan.capex),
            "basis": "paid in month 0 (Hardware)"
            if held_whole_horizon(plan)
            else "paid as each unit is bought, before the month it starts (Hardware, Cash flow)",
        },
        {
            "figure": "Running costs per month",
            "value": Formula("(plan_energy+plan_hosting+plan_rent)/horizon_months", plan.opex / horizon),
            "basis": "electricity and hosting of local hardware, cloud rent (Hardware, Cloud)",
        },
        {
            "figure": "Running costs over the horizon (opex)",
            "value": Formula("plan_energy+plan_hosting+plan_rent", plan.opex),
            "basis": "running costs per month x horizon_months",
        },
        {
            "figure": "Residual value at the end (credit)",
            "value": Formula("plan_residual", plan.residual_value),
            "basis": "what the bought hardware is still worth in month horizon_months: purchases x "
            "residual_share (Hardware, Assumptions)",
        },
        {
            "figure": "Net present value",
            "value": Formula("plan_npv", plan_npv(plan)),
            "basis": "each month's net spend discounted at discount_rate_per_year (Cash flow)",
        },
        {
            "figure": "Payback month against renting",
            "value": payback,
            "basis": "first whole month in which this plan's cumulative cost, discounted at "
            "discount_rate_per_year, is no more than renting everything's (Cash flow); the simple payback "
            "below counts part months and does not discount, so it reads earlier",
        },
        {
            "figure": "Simple payback against renting (months)",
            "value": simple,
            "basis": f"{SIMPLE_PAYBACK}: capex / (all-cloud cost / horizon_months - running costs per "
            "month) (Alternatives)",
        },
        {
            "figure": "Break-even utilisation",
            "value": utilisation,
            "basis": "renting everything is cheaper below this share of the planned hours: "
            "(capex - residual value + hosting) / (all-cloud cost - electricity - this plan's cloud rent)",
        },
        {
            "figure": "Oldest price relied on",
            "value": min(dates) if dates else "no dated prices",
            # what the terminal, the Markdown and the page say: which price, past the limit a warning, and
            # the prices nobody dated (the date alone read as every price dated and current)
            "basis": f"the oldest source date among the prices the plan uses (Assumptions). "
            f"{plan.oldest_price().sentence()}",
        },
        {
            "figure": "Planning horizon (months)",
            "value": Formula("horizon_months", float(plan.horizon_months)),
            "basis": "input horizon_months (Assumptions)",
        },
    ]


def limit_rows(plan: Plan) -> list[dict[str, Value]]:
    inputs = {a.key: a.number for a in plan.assumptions if a.key and a.number is not None}
    fx = input_values(plan)["usd_to_currency"].number
    used_values = {
        "plan_capex": plan.capex,
        "plan_per_month": plan.opex / max(plan.horizon_months, 1),
        "plan_it_kw": most_held_at_once(plan, lambda u: u.power_w) / 1000,
        "plan_rack_units": most_held_at_once(plan, lambda u: float(u.rack_units)),
    }
    # The Hardware sheet's totals add every unit up; where units come and go over the horizon the limit is
    # met by the most held in one month, written as solved.
    live = held_whole_horizon(plan)
    rows: list[dict[str, Value]] = []
    for key, label, used, unit, money in LIMITS:
        bound = inputs.get(key)
        if bound is None:
            continue
        allowed = Formula(f"{key}*usd_to_currency" if money else key, bound * fx if money else bound)
        figure = used if live or used in ("plan_capex", "plan_per_month") else repr(used_values[used])
        rows.append(
            {
                "limit": label,
                "allowed": allowed,
                "used": Formula(figure, used_values[used]),
                "share": Formula(
                    f"IF({allowed.text}>0,{figure}/({allowed.text}),0)",
                    used_values[used] / allowed.value if allowed.value else 0.0,
                ),
                "unit": f"{plan.currency}, {unit}" if money else unit,
            }
        )
    return rows


def add_summary_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Summary", freeze=None, landscape=True)
    widths = Widths()
    put(ws.cell(row=1, column=1), f"LLM hardware plan: {plan.scenario}", styles.TITLE)
    ws.row_dimensions[1].height = 24
    put(
        ws.cell(row=2, column=1),
        f"Money in {plan.currency}; memory in GiB (2^30 bytes). Made by planner {plan.planner_version}. "
        "Sources of every price are on the Assumptions sheet.",
        styles.SUBTITLE,
    )
    put(ws.cell(row=3, column=1), REOPTIMISE, styles.LABEL)

    rows = key_rows(plan)
    keys = write_table(ws, "KeyFigures", KEY_COLUMNS, rows, top=5, widths=widths)
    value_col = column_of(keys, KEY_COLUMNS, "value")
    for i, figure in enumerate(rows, start=1):
        cell = ws.cell(row=keys.first_row + i, column=value_col)
        if isinstance(figure["value"], str):
            cell.style = styles.WRAP
        elif str(figure["figure"]) in KEY_STYLES:
            cell.style = KEY_STYLES[str(figure["figure"])]
        elif str(figure["figure"]) in KEY_FORMATS:
            cell.number_format = KEY_FORMATS[str(figure["figure"])]
    for i, name in ((1, "plan_total"), (3, "plan_per_month")):
        wb.defined_names[name] = DefinedName(name, attr_text=ref("Summary", value_col, keys.first_row + i))
    widths.see(value_col, 14)

    row = keys.last_row + 2
    put(ws.cell(row=row, column=1), "Budgets and limits against what the plan uses", styles.LABEL)
    limits = limit_rows(plan) or [{"limit": "(the scenario sets no budgets or limits)"}]
    placed_limits = write_table(ws, "Limits", LIMIT_COLUMNS, limits, top=row + 1, widths=widths)
    for i, lim in enumerate(limits, start=1):
        unit = str(lim.get("unit", ""))
        for key in ("allowed", "used"):
            cell = ws.cell(
                row=placed_limits.first_row + i, column=column_of(placed_limits, LIMIT_COLUMNS, key)
            )
            if unit.startswith(f"{plan.currency},"):
                cell.style = styles.USD
            elif unit == "rack units":
                cell.style = styles.INTEGER

    row = placed_limits.last_row + 2
    put(ws.cell(row=row, column=1), "Saving against each alternative", styles.LABEL)
    compared = [alternatives.Compared(alt, plan) for alt in plan.alternatives]
    nothing: dict[str, Value] = {"alternative": "(no alternatives were solved)"}
    savings = rows_of(SAVING_COLUMNS, compared)
    placed_savings = write_table(
        ws, "Savings", SAVING_COLUMNS, savings or [nothing], top=row + 1, widths=widths
    )

    row = placed_savings.last_row + 2
    put(ws.cell(row=row, column=1), "The chosen mix", styles.LABEL)
    months_col = [c.id for c in MIX_COLUMNS].index("months") + 1
    lines = [
        replace(c, months_cell=f"${get_column_letter(months_col)}${row + 2 + i}")
        for i, c in enumerate(chosen(plan))
    ]
    mix = write_table(ws, "ChosenMix", MIX_COLUMNS, rows_of(MIX_COLUMNS, lines), top=row + 1, widths=widths)
    last = mix.last_row
    totals: dict[str, Value] = {
        key: Formula(column_sum(None, column_of(mix, MIX_COLUMNS, key), mix.first_row + 1, last), value)
        for key, value in (
            ("units", float(len(plan.units))),
            ("capex", plan.capex),
            ("cost", plan.total_cost),
        )
    }
    # Over periods the lines' bills while held do not add up to the plan's per month: the Total is running
    # costs averaged over the horizon (each line's per month x months held, summed, over horizon_months).
    totals["per_month"] = (
        Formula("(plan_energy+plan_hosting+plan_rent)/horizon_months", mix_total_per_month(plan))
        if plan.periods
        else Formula(
            column_sum(None, column_of(mix, MIX_COLUMNS, "per_month"), mix.first_row + 1, last),
            mix_total_per_month(plan),
        )
    )
    total_row = write_total_row(ws, mix, MIX_COLUMNS, totals)

    row = total_row + 2
    if note := mix_per_month_note(plan):
        write_note(ws, row, 1, len(MIX_COLUMNS), note, widths, styles.WRAP)
        row += 2
    put(ws.cell(row=row, column=1), "In plain words (as solved)", styles.LABEL)
    write_note(ws, row + 1, 1, len(MIX_COLUMNS), reading(plan), widths, styles.WRAP)
    widths.apply(ws)
    return ws


def chosen(plan: Plan) -> list[Chosen]:
    """The chosen mix; each cost refers to the Hardware row or Cloud units that price it."""
    hw_rows = hardware.line_rows(plan)
    cloud_rows = cloud.unit_rows(plan)
    out: list[Chosen] = []
    for line in chosen_mix(plan):
        if line.kind == "cloud":
            rows_of_line = [cloud_rows[u] for u in line.unit_ids]
            cost = column_sum("Cloud", cloud.column("cost"), min(rows_of_line), max(rows_of_line))
            out.append(Chosen(line, Formula("0", 0.0), Formula(cost, line.cost), "0"))
        else:
            r = hw_rows[line.unit_ids]
            out.append(
                Chosen(
                    line,
                    Formula(ref("Hardware", hardware.column("capex"), r), line.capex),
                    Formula(ref("Hardware", hardware.column("total"), r), line.cost),
                    ref("Hardware", hardware.column("residual"), r),
                )
            )
    return out


__all__ = ["CostFormulas", "add_summary_sheet"]
