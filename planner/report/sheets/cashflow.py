"""Cash flow sheet: month by month, what the plan and each alternative have cost so far.

Month 0 pays the purchases; months 1 to ``horizon_months`` pay the running costs (electricity, hosting and
rent, spread evenly, but for a reservation's last months rented on demand, billed in those months); the last
month gets the bought hardware's residual value back. Where demand changes
over time (``Plan.periods``) the up-front and running columns are the plan's own month-by-month figures: each
purchase in the month it is paid (over its price inputs), each period's running cost over its months, over
the inputs it comes from (``_running``: IT energy x PUE x electricity price, IT power x colocation rate,
instance-hours x price). The plan's columns are
formulas over the Summary's figures (so they move with the inputs) and agree with ``Plan.cash_flows``; each
alternative's cumulative spend is as solved, from ``Plan.cash_flows``. Month m's net spend is discounted by
``(1 + discount_rate_per_year)^(m/12)``. Where the plan's discounted cumulative spend first reaches renting
everything's is the payback month (the plan's ``payback_month`` against ``all_cloud``), found here by formula.

Columns are records (``CashColumn``) whose formula is built per row, so a later column is one more record.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.utils import get_column_letter as _letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Alternative, CashFlow, Plan
from planner.report import styles
from planner.report.figures import ALTERNATIVE_LABELS, CENT, break_even, payback_month
from planner.report.flows import cash_flows
from planner.report.live import (
    Formula,
    PriceInput,
    cell,
    close,
    input_values,
    number,
    price_inputs,
    ref,
)
from planner.report.sheets.alternatives import alt_name, feasible
from planner.report.sheets.layout import new_sheet
from planner.report.table import Column, TableRange, Value, Widths, put, write_table


@dataclass(frozen=True)
class Row:
    """What a column's formula may refer to on one row."""

    month: int
    row: int
    col: dict[str, int]

    def at(self, key: str, offset: int = 0) -> str:
        return cell(self.col[key], self.row + offset)


@dataclass(frozen=True)
class CashColumn:
    column: Column
    formula: Callable[[Row], Value]


CHART_HEIGHT_CM = 11
CHART_WIDTH_CM = 26
ROWS_PER_CM = 1 / 0.53
"""Default rows are 15 points = 0.53 cm high."""


def columns(plan: Plan) -> list[CashColumn]:
    """Month; the plan's up-front, running, residual, net, cumulative and discounted cumulative cost (live);
    each feasible alternative's cumulative cost (as solved, ``Plan.cash_flows``); and whether the plan has
    paid back against renting everything. Every money column in cents: with whole dollars beside cents a
    row read "11,148 + 0.00 - 0 = 11,148.00" and the cumulative column drifted a dollar from the nets above
    it."""
    flow = cash_flows(plan)["plan"].months
    within = "AND({m}>=1,{m}<=horizon_months)"

    prices = price_inputs(plan)
    fx = input_values(plan)["usd_to_currency"].number

    # A reservation's last months rented on demand (``PlanUnit.on_demand_months``) are billed in those months
    # at the on-demand price: each month then differs from the even share by what ``Plan.cash_flows`` says.
    tails = any(u.on_demand_months for u in plan.units)
    even = plan.opex / max(plan.horizon_months, 1)

    def up_front(r: Row) -> Value:
        if plan.periods:  # demand over time: each purchase in its month, at its price input
            return _purchases(plan, prices, fx, r.month, flow[r.month].up_front)
        return Formula(f"IF({r.at('month')}=0,plan_capex,0)", flow[r.month].up_front)

    def running(r: Row) -> Value:
        if plan.periods:  # each period's running cost over its months, over its inputs
            return _running(plan, prices, r.month, flow[r.month].running)
        shift = flow[r.month].running - even if tails and r.month > 0 else 0.0
        sign = "+" if shift >= 0 else "-"
        month = f"plan_per_month{sign}{number(abs(shift))}" if abs(shift) > 1e-9 else "plan_per_month"
        return Formula(f"IF({within.format(m=r.at('month'))},{month},0)", flow[r.month].running)

    out = [
        CashColumn(Column("Month", styles.INTEGER, key="month"), lambda r: r.month),
        CashColumn(Column("Up-front, this plan", styles.USD_CENTS, key="upfront"), up_front),
        CashColumn(Column("Running, this plan", styles.USD_CENTS, key="running"), running),
        CashColumn(
            Column("Residual value back, this plan", styles.USD_CENTS, key="residual"),
            lambda r: Formula(f"IF({r.at('month')}=horizon_months,plan_residual,0)", flow[r.month].residual),
        ),
        CashColumn(
            Column("Net, this plan", styles.USD_CENTS, key="net"),
            lambda r: Formula(f"{r.at('upfront')}+{r.at('running')}-{r.at('residual')}", flow[r.month].net),
        ),
        CashColumn(
            Column("Cumulative, this plan", styles.USD_CENTS, key="plan"),
            lambda r: Formula(
                r.at("net") + ("" if r.month == 0 else f"+{r.at('plan', -1)}"), flow[r.month].cumulative
            ),
        ),
        CashColumn(
            Column("Discounted cumulative, this plan", styles.USD_CENTS, key="plan_disc"),
            lambda r: Formula(
                f"{r.at('net')}/POWER(1+discount_rate_per_year,{r.at('month')}/12)"
                + ("" if r.month == 0 else f"+{r.at('plan_disc', -1)}"),
                flow[r.month].discounted_cumulative,
            ),
        ),
    ]
    flows = cash_flows(plan)
    discounted = plan.discount_rate_per_year != 0
    for alt in feasible(plan):
        if alt.name in flows:
            out.extend(_alternative_columns(alt, flows[alt.name], discounted))
    if _has_payback(plan):
        against = "alt_all_cloud_disc" if discounted else "alt_all_cloud"

        def paid_back(r: Row) -> Formula:
            """No while the plan has spent more; yes once it has caught up after spending more; even before
            it has ever spent more (over periods, the months before a later purchase)."""
            before = '"even"' if r.month == 0 else f'IF({r.at("paid_back", -1)}="even","even","yes")'
            return Formula(f'IF({r.at("plan_disc")}<={r.at(against)}+{CENT / 2},{before},"no")', None)

        out.append(CashColumn(Column("Paid back against renting everything", key="paid_back"), paid_back))
    return out


def _alternative_columns(alt: Alternative, flow: CashFlow, discounted: bool) -> list[CashColumn]:
    """An alternative's cumulative spend month by month, as solved (its own mix at the inputs planner ran
    with); discounted too where the plan discounts."""
    name = alt_name(alt)
    assert name is not None
    label = ALTERNATIVE_LABELS.get(alt.name, alt.name)
    out = [
        CashColumn(
            Column(f"Cumulative, {label}", styles.USD_CENTS, key=name),
            lambda r: flow.months[r.month].cumulative,
        )
    ]
    if discounted:
        out.append(
            CashColumn(
                Column(f"Discounted cumulative, {label}", styles.USD_CENTS, key=f"{name}_disc"),
                lambda r: flow.months[r.month].discounted_cumulative,
            )
        )
    return out


def _has_payback(plan: Plan) -> bool:
    be = break_even(plan)
    return be.available and any(alt_name(a) == "alt_all_cloud" for a in feasible(plan))


def _formula_payback(plan: Plan) -> int | None:
    """The month the sheet's formula finds (half a cent of tolerance) from the plan's figures."""
    flows = cash_flows(plan)
    cloud = flows.get("all_cloud")
    if cloud is None:
        return None
    pairs = list(zip(flows["plan"].months, cloud.months, strict=True))
    flags = [p.discounted_cumulative <= o.discounted_cumulative + CENT / 2 for p, o in pairs]
    ahead = next((k for k, caught_up in enumerate(flags) if not caught_up), None)
    if ahead is None:
        return 0
    return next((pairs[k][0].month for k in range(ahead, len(pairs)) if flags[k]), None)


def _purchases(
    plan: Plan, prices: dict[tuple[str, str], PriceInput], fx: float, month: int, value: float
) -> Value:
    """Month ``month``'s purchases over demand periods: the units bought for month ``month + 1``, each at its
    price input (``2*price_3*usd_to_currency``), so that a price changed on the Assumptions sheet moves the
    month it is paid in as it moves the Summary's capex and residual value (the column was as solved, and
    the net present value then disagreed with the total). A month whose figure the prices do not restate
    keeps the value."""
    bought = Counter(
        (u.option, u.pricing) for u in plan.units if u.kind == "bought" and (u.start_month or 1) - 1 == month
    )
    if not bought or any(key not in prices for key in bought):
        return value
    terms = sorted((prices[key].name, n, prices[key].usd) for key, n in bought.items())
    if not close(sum(n * usd for _, n, usd in terms) * fx, value):
        return value
    return Formula("+".join(f"{n}*{name}*usd_to_currency" for name, n, _ in terms), value)


def _running(plan: Plan, prices: dict[tuple[str, str], PriceInput], month: int, value: float) -> Value:
    """Month ``month``'s running cost over demand periods as a formula over the inputs it comes from: the
    period's IT energy per month x ``pue`` x ``usd_per_kwh``, its hosted IT power x
    ``colocation_usd_per_kw_month``, and each price's instance-hours per month x its price input, all x
    ``usd_to_currency``, so that an electricity, colocation or rental price changed on the Assumptions sheet
    moves the months it is paid in (the column was as solved while purchases moved). The quantities are the
    plan's figures divided by the rates it priced them at (``live`` does the same for the Hardware sheet's
    IT energy). A figure the inputs do not restate (a rate of zero, a unit without a price input) is the
    value."""
    period = next((p for p in plan.periods if p.start_month <= month <= p.end_month), None)
    if period is None or value == 0:
        return value
    inputs = input_values(plan)
    rate = {key: v.number for key, v in inputs.items()}
    fx = rate["usd_to_currency"]
    months = period.end_month - period.start_month + 1
    terms: list[tuple[float, str, float]] = []  # (quantity per month, the inputs it is times, their value)
    for amount, names, per_unit in (
        (period.energy, "pue*usd_per_kwh", rate.get("pue", 0.0) * rate.get("usd_per_kwh", 0.0)),
        (period.hosting, "colocation_usd_per_kw_month", rate.get("colocation_usd_per_kw_month", 0.0)),
    ):
        if amount == 0:
            continue
        if per_unit <= 0:
            return value
        terms.append((amount / months / (per_unit * fx), names, per_unit))
    by_unit = {u.id: u for u in plan.units}
    hours: dict[str, tuple[float, float]] = {}  # price input -> instance-hours per month, its USD price
    for uid, rent in period.rent.items():
        u = by_unit.get(uid)
        price = None if u is None else prices.get((u.option, u.pricing))
        if price is None or price.usd <= 0:
            return value
        before = hours.get(price.name, (0.0, price.usd))[0]
        hours[price.name] = (before + rent / months / (price.usd * fx), price.usd)
    terms += [(h, name, usd) for name, (h, usd) in sorted(hours.items())]
    if not terms or not close(sum(q * per_unit * fx for q, _, per_unit in terms), value):
        return value
    return Formula("+".join(f"{_quantity(q)}*{names}*usd_to_currency" for q, names, _ in terms), value)


def _quantity(x: float) -> str:
    """A quantity in a formula to twelve significant figures (a kWh figure divided back out of a cost reads
    26280 rather than 26280.000000000004); well within ``live.close``."""
    return number(float(f"{x:.12g}"))


def add_cashflow_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Cash flow", freeze=None)
    widths = Widths()
    put(ws.cell(row=1, column=1), "Cash flow: cumulative cost, this plan and each alternative", styles.TITLE)
    timing = (
        "Demand changes over time: a unit bought for month s is paid in month s - 1 (month 0 is when month 1 "
        "begins), at its price on the Assumptions sheet, and each period pays its own running costs (rent "
        "only in the months it runs): its IT energy, hosted IT power and instance-hours a month at the "
        "Assumptions sheet's rates"
        if plan.periods
        else "Month 0 pays the purchases; each month after pays the running costs (electricity, hosting, "
        "rent)"
    )
    put(
        ws.cell(row=2, column=1),
        f"Money in {plan.currency}. {timing}; the last month gets the residual value back. Discounted at "
        "discount_rate_per_year. Alternatives as solved.",
        styles.SUBTITLE,
    )
    cols = columns(plan)
    chart_rows = math.ceil(CHART_HEIGHT_CM * ROWS_PER_CM) + 1
    top = 5 + chart_rows + 1
    index = {c.column.id: i + 1 for i, c in enumerate(cols)}
    rows: list[dict[str, Value]] = []
    for month in range(plan.horizon_months + 1):
        r = Row(month=month, row=top + 1 + month, col=index)
        rows.append({c.column.id: c.formula(r) for c in cols})
    placed = write_table(ws, "CashFlow", [c.column for c in cols], rows, top=top, widths=widths)
    month_col = index["month"]
    put(ws.cell(row=3, column=1), "Buying pays back in", styles.LABEL)
    payback = payback_month(plan)
    if "paid_back" in index and _formula_payback(plan) == payback:
        months = _span(month_col, placed)
        flags = _span(index["paid_back"], placed)
        last = cell(index["paid_back"], placed.last_row)  # "even" only where the plan never spent more
        put(
            ws.cell(row=3, column=4),
            Formula(
                f'IFERROR(INDEX({months},MATCH("yes",{flags},0)),IF({last}="even",0,"never"))',
                payback,
            ),
            styles.INTEGER,
        )
    elif "paid_back" in index:
        put(ws.cell(row=3, column=4), payback if payback is not None else "never", styles.INTEGER)
        put(ws.cell(row=3, column=5), "(as solved)", styles.TEXT)
    else:
        put(ws.cell(row=3, column=4), f"not computed: {break_even(plan).reason}", styles.TEXT)
    ws.cell(row=3, column=4).number_format = '"month "0'
    wb.defined_names["payback_month"] = DefinedName("payback_month", attr_text=ref("Cash flow", 4, 3))
    npv = ref("Cash flow", index["plan_disc"], placed.last_row)
    wb.defined_names["plan_npv"] = DefinedName("plan_npv", attr_text=npv)
    ws.add_chart(_chart(ws, placed, cols), "A5")
    ws.row_breaks.append(Break(id=top - 1))
    ws.print_title_rows = f"{top}:{top}"
    widths.apply(ws)
    return ws


def _span(col: int, placed: TableRange) -> str:
    """The data rows of one column of the table, absolute (``$A$29:$A$65``)."""
    letter = _letter(col)
    return f"${letter}${placed.first_row + 1}:${letter}${placed.last_row}"


def _chart(ws: Worksheet, placed: TableRange, cols: list[CashColumn]) -> LineChart:
    chart = LineChart()
    chart.title = "Cumulative cost by month: where the curves cross, buying has paid back"
    chart.y_axis.title = "Cumulative cost"
    chart.x_axis.title = "Month"
    curves = [
        i + 1
        for i, c in enumerate(cols)
        if c.column.id == "plan" or (c.column.id.startswith("alt_") and not c.column.id.endswith("_disc"))
    ]
    for col in curves:
        data = Reference(ws, min_col=col, min_row=placed.first_row, max_row=placed.last_row)
        chart.add_data(data, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=placed.first_row + 1, max_row=placed.last_row))
    chart.y_axis.numFmt = "#,##0"
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    if chart.legend is not None:
        chart.legend.position = "b"
    for series in chart.series:
        series.smooth = False
    return chart
