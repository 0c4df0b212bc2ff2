"""The workbook as a live model (stage 7, reports): its named inputs and the cost formulas over them.

Every cost of the chosen mix is a formula over input cells a reader may change: the electricity price, PUE,
colocation rate, exchange rate and horizon (Excel defined names such as ``usd_per_kwh``) and each price the
plan uses (``price_1``, ``price_2``, ...). The mix itself (how many units of what, each unit's busy hours and
IT energy) stays as solved: changing an input costs this plan; only running planner again re-optimises it.

The cost model the formulas restate (the same one the optimizer priced, so they evaluate to its figures):

    capex    = units x price (USD) x usd_to_currency                                     (bought units)
    residual = capex x residual_share                 (bought units: a credit at the horizon's end)
    energy   = IT kWh per month x pue x usd_per_kwh x usd_to_currency x horizon_months   (bought, owned)
    hosting  = IT kW x colocation_usd_per_kw_month x usd_to_currency x horizon_months    (bought, owned)
    rent     = price per hour (USD) x usd_to_currency x hours per month x billed months  (cloud)
    total    = capex - residual + energy + hosting + rent

``residual_share`` is the share of the price the plan credited (straight line over the useful life, or the
scenario's resale share) for the horizon it was solved for: changing ``horizon_months`` does not re-derive it.
Desk-side machines (desktops, workstations) pay no hosting. A unit's IT kWh per month and a rented unit's
hours per month are the plan's (idle power of always-on machines, replicas sharing a GPU adding their hours,
spot's extra hours for lost work included), so the formulas keep every hour the optimizer counted.

billed months are the horizon for on-demand and spot, and whole reservation terms for reserved instances
(``CEILING(horizon_months / term) x term``); where demand changes over time (``Plan.periods``) they are the
months the units are rented (a figure for units rented over different months is written as solved), and a
hosting figure's months are those its units are hosted (``CostFormulas._hosted_months``). A
unit's IT kWh per month is what the plan priced divided by the
rates it priced it at, so it keeps every busy hour, idle and base load the optimizer counted. A figure the
formula would not restate is written as the value planner priced ("as solved").

Formulas are built here, from planner's own names and cell references and numbers it computed; no text from
a scenario (a workload or offer name) ever enters one, and ``check_formula`` refuses any token outside that
vocabulary before a formula reaches a cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl.utils import get_column_letter

from planner.plan import TERM_MONTHS, Plan, PlanUnit
from planner.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class Formula:
    """A cell formula (without the leading ``=``) and the figure planner computed for it.

    ``value`` is what the formula evaluates to with the inputs as written: the tests recalculate the workbook
    and compare, and column widths are sized from it.
    """

    text: str
    value: float | None


@dataclass(frozen=True)
class Input:
    """One named input cell of the Assumptions sheet."""

    key: str
    """The Excel defined name, also the ``Assumption.key`` it is read from."""
    label: str
    unit: str
    """Unit shown beside the value; ``{currency}`` is replaced by the plan's currency."""
    number_format: str


INPUTS: tuple[Input, ...] = (
    Input("usd_per_kwh", "Electricity price", "USD/kWh", "0.0000"),
    Input("pue", "PUE (facility power / IT power)", "ratio", "0.00"),
    Input("colocation_usd_per_kw_month", "Colocation", "USD per kW-month of IT power", "#,##0.00"),
    Input("usd_to_currency", "Exchange rate", "{currency} per USD", "0.0000"),
    Input("horizon_months", "Planning horizon", "months", "0"),
    Input("residual_share", "Residual value at the horizon's end", "share of the purchase price", "0.0%"),
    Input("discount_rate_per_year", "Discount rate", "per year", "0.00%"),
    Input("budget_capex_usd", "Capex budget", "USD", "#,##0"),
    Input("budget_monthly_usd", "Monthly budget (running costs)", "USD per month", "#,##0"),
    Input("limit_power_kw", "Power limit (IT load)", "kW", "#,##0.0##"),
    Input("limit_rack_units", "Rack space limit", "rack units", "0"),
)
"""The inputs the formulas read, in the order the Assumptions sheet lists them; the budgets and limits only
where the scenario sets them."""


@dataclass(frozen=True)
class InputValue:
    input: Input
    number: float
    source: str
    as_of: dt.date | None


@dataclass(frozen=True)
class PriceInput:
    """One price the plan's units use: an input cell named ``name`` holding the price in USD."""

    name: str
    option: str
    option_name: str
    pricing: str
    kind: str
    usd: float
    source: str
    as_of: dt.date | None

    @property
    def unit(self) -> str:
        return "USD per unit" if self.kind == "bought" else "USD per instance-hour"


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def input_values(plan: Plan) -> dict[str, InputValue]:
    """The inputs as the plan used them. The horizon and exchange rate are always known (from the plan); the
    energy rates only where the plan states them as numbers (an older plan without them is costed as
    fixed values)."""
    found = {a.key: a for a in plan.assumptions if a.key and a.number is not None}
    known = {i.key: i for i in INPUTS}
    out: dict[str, InputValue] = {}
    for key, spec in known.items():
        a = found.get(key)
        if a is not None and a.number is not None:
            out[key] = InputValue(spec, float(a.number), a.source, _date(a.as_of))
    if "horizon_months" not in out:
        out["horizon_months"] = InputValue(known["horizon_months"], plan.horizon_months, "scenario", None)
    if "usd_to_currency" not in out:
        out["usd_to_currency"] = InputValue(known["usd_to_currency"], 1.0, "scenario usd_to_currency", None)
    share = residual_share(plan)
    if "residual_share" not in out and share is not None:
        source = next((a.source for a in plan.assumptions if a.name == "residual value"), "")
        out["residual_share"] = InputValue(
            known["residual_share"], share, source or "as solved: residual value / purchase price", None
        )
    if "discount_rate_per_year" not in out:
        rate = plan.discount_rate_per_year
        source = "scenario finance.discount_rate_per_year"
        out["discount_rate_per_year"] = InputValue(known["discount_rate_per_year"], rate, source, None)
    return {i.key: out[i.key] for i in INPUTS if i.key in out}


def residual_share(plan: Plan) -> float | None:
    """The share of a purchase price the plan credits back at the horizon's end: one rate for every bought
    unit (``finance``), read back from the units; None where nothing is bought or the units disagree (then
    the residual values are written as solved)."""
    shares = [u.residual_value / u.capex for u in plan.units if u.kind == "bought" and u.capex > 0]
    if not shares or max(shares) - min(shares) > 1e-12:
        return None
    return shares[0]


def close(a: float, b: float) -> bool:
    """A formula's figure restates the plan's (to far below a cent)."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def price_inputs(plan: Plan) -> dict[tuple[str, str], PriceInput]:
    """(option, pricing) -> its price input, numbered in plan order; owned units have no price."""
    fx = input_values(plan)["usd_to_currency"].number
    out: dict[tuple[str, str], PriceInput] = {}
    for u in plan.units:
        if u.kind == "owned" or (u.option, u.pricing) in out:
            continue
        out[(u.option, u.pricing)] = PriceInput(
            name=f"price_{len(out) + 1}",
            option=u.option,
            option_name=u.option_name or u.option,
            pricing=u.pricing,
            kind=u.kind,
            usd=u.unit_price / fx,
            source=u.price_source,
            as_of=u.price_date,
        )
    return out


def number(x: float) -> str:
    """A literal for a formula: the shortest text that reads back as the same float."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


class CostFormulas:
    """Formulas for the cost of a group of units of one option and pricing, over the named inputs.

    Where the plan lacks an energy rate as a number the energy and hosting figures are written as values,
    so an older plan still gives a correct (if not live) workbook.
    """

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.inputs = input_values(plan)
        self.prices = price_inputs(plan)
        self.live_energy = all(k in self.inputs for k in ("usd_per_kwh", "pue"))
        self.live_hosting = "colocation_usd_per_kw_month" in self.inputs

    def _rate(self, key: str) -> float:
        return self.inputs[key].number

    def it_kwh_per_month(self, units: Iterable[PlanUnit]) -> float:
        """IT energy per month the plan priced for these units (before PUE)."""
        per_kwh = (
            (
                self._rate("pue")
                * self._rate("usd_per_kwh")
                * self._rate("usd_to_currency")
                * self._rate("horizon_months")
            )
            if self.live_energy
            else 0.0
        )
        energy = sum(u.energy_cost for u in units)
        return energy / per_kwh if per_kwh > 0 else 0.0

    def energy(self, units: Sequence[PlanUnit], kwh_cell: str) -> Formula:
        """Electricity over the horizon of local units whose IT kWh per month is in ``kwh_cell``."""
        value = sum(u.energy_cost for u in units)
        if units[0].kind == "cloud":
            return Formula("0", 0.0)
        if not self.live_energy or (self.it_kwh_per_month(units) == 0 and value != 0):
            return Formula(number(value), value)
        return Formula(f"{kwh_cell}*pue*usd_per_kwh*usd_to_currency*horizon_months", value)

    def hosting(self, units: Sequence[PlanUnit], kw_cell: str) -> Formula:
        """Colocation over the horizon of local units whose IT power (kW) is in ``kw_cell``. Desk-side
        machines (desktops, workstations) pay none whatever the hosting; a figure the formula would not
        restate is written as solved."""
        value = sum(u.hosting_cost for u in units)
        if units[0].kind == "cloud":
            return Formula("0", 0.0)
        formula = (
            sum(u.power_w for u in units)
            / 1000
            * self._rate("colocation_usd_per_kw_month")
            * self._rate("usd_to_currency")
            * self._rate("horizon_months")
            if self.live_hosting
            else None
        )
        if formula is not None and close(formula, value):
            return Formula(f"{kw_cell}*colocation_usd_per_kw_month*usd_to_currency*horizon_months", value)
        held = self._hosted_months(units)
        if held is None:
            return Formula(number(value), value)
        return Formula(f"{kw_cell}*colocation_usd_per_kw_month*usd_to_currency*{number(held)}", value)

    def _hosted_months(self, units: Sequence[PlanUnit]) -> float | None:
        """Over demand periods, the months the units are hosted (weighted by IT power where they differ: a
        server owned for months 1-3 beside one hosted all 36): their hosting over IT kW x the colocation rate,
        so that a colocation rate changed on the Assumptions sheet moves it (it was as solved). None where
        that is not a plain count of months (desk-side machines pay none; no rate to divide by)."""
        value = sum(u.hosting_cost for u in units)
        kw = sum(u.power_w for u in units) / 1000
        if not self.plan.periods or not self.live_hosting or value <= 0 or kw <= 0:
            return None
        per_month = kw * self._rate("colocation_usd_per_kw_month") * self._rate("usd_to_currency")
        if per_month <= 0:
            return None
        held = float(f"{value / per_month:.12g}")
        return held if close(held * per_month, value) else None

    def hosting_note(self, units: Sequence[PlanUnit]) -> str:
        """Why a line's hosting is not ``IT kW x colocation``: desk-side machines pay none."""
        if units[0].kind == "cloud" or not self.live_hosting:
            return ""
        if self._rate("colocation_usd_per_kw_month") > 0 and all(u.hosting_cost == 0 for u in units):
            return "desk-side: no colocation"
        return ""

    def residual(self, units: Sequence[PlanUnit], capex_cell: str) -> Formula:
        """The value bought units still have at the horizon's end (a credit), over the ``residual_share``
        input; owned units have none. Where bought units keep different shares (demand over time: a unit
        bought in a later month is held fewer months), the line's own share of its capex, so that the
        credit still follows a price changed on the Assumptions sheet (it stayed as solved while the capex
        moved)."""
        value = sum(u.residual_value for u in units)
        if units[0].kind != "bought":
            return Formula(number(value), value) if value else Formula("0", 0.0)
        if "residual_share" in self.inputs:
            return Formula(f"{capex_cell}*residual_share", value)
        capex = sum(u.capex for u in units)
        if capex <= 0 or not value:
            return Formula(number(value), value) if value else Formula("0", 0.0)
        return Formula(f"{capex_cell}*{number(value / capex)}", value)

    def unit_price(self, unit: PlanUnit) -> Formula:
        """The price of one unit (bought) or instance-hour (cloud) in the plan's currency."""
        if unit.kind == "owned":
            return Formula("0", 0.0)
        return Formula(f"{self.prices[(unit.option, unit.pricing)].name}*usd_to_currency", unit.unit_price)

    def rent(self, units: Sequence[PlanUnit], per_month_cell: str) -> Formula:
        """Rent over the horizon of cloud units whose rent per month is in ``per_month_cell``; reserved
        terms are billed whole, but for a reservation's months past its last whole term rented on demand
        (``PlanUnit.on_demand_months``), at the on-demand price all day."""
        first = units[0]
        if first.kind != "cloud":
            return Formula("0", 0.0)
        term = TERM_MONTHS.get(first.pricing)
        value = sum(u.cost for u in units)
        held = {(u.end_month or self.plan.horizon_months) - u.start_month + 1 for u in units}
        if self.plan.periods and len(held) > 1:  # demand over time: rented for different months, as solved
            return Formula(number(value), value)
        span = "horizon_months" if not self.plan.periods else number(held.pop())
        tails = {u.on_demand_months for u in units}
        if len(tails) > 1:
            return Formula(number(value), value)
        tail = tails.pop()
        if term and tail:  # the reservation's terms, then its last months on demand all day
            od = f"{number(first.on_demand_price)}*{number(HOURS_PER_MONTH)}*{tail}"
            return Formula(f"{per_month_cell}*({span}-{tail})+{od}*{len(units)}", value)
        months = f"CEILING({span}/{term},1)*{term}" if term else span
        return Formula(f"{per_month_cell}*{months}", value)


def ref(sheet: str, col: int, row: int) -> str:
    """An absolute reference to a cell of one of planner's own sheets, e.g. ``'Cash flow'!$C$5``."""
    quoted = f"'{sheet}'" if not re.fullmatch(r"[A-Za-z]+", sheet) else sheet
    return f"{quoted}!${get_column_letter(col)}${row}"


FUNCTIONS = frozenset({"SUM", "SUMIF", "IF", "IFERROR", "INDEX", "MATCH", "CEILING", "AND", "POWER"})
"""The only spreadsheet functions planner writes."""

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<ref>(?:(?P<sheet>'[A-Za-z ]+'|[A-Za-z]+)!)?\$?[A-Z]{1,3}\$?[0-9]+(?::\$?[A-Z]{1,3}\$?[0-9]+)?)
      | (?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<text>"[A-Za-z0-9 ]{0,20}")
      | (?P<op><=|>=|<>|[-+*/(),<>=&])
    )""",
    re.VERBOSE,
)


def check_formula(text: str, names: Iterable[str], sheets: Iterable[str]) -> None:
    """Raise ValueError unless ``text`` uses only planner's vocabulary: its defined ``names``, its own sheets'
    cell references, numbers, a few functions and operators, and short text constants of letters, digits
    and spaces (planner's labels, such as "On demand"; no quote, bracket or sheet name can hide in one)."""
    allowed = set(names)
    own_sheets = set(sheets)
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise ValueError(f"formula {text!r}: unexpected text at {pos}")
        sheet = m.group("sheet")
        if sheet is not None and sheet.strip("'") not in own_sheets:
            raise ValueError(f"formula {text!r}: unknown sheet {sheet}")
        name = m.group("name")
        if name is not None and name not in allowed and name.upper() not in FUNCTIONS:
            raise ValueError(f"formula {text!r}: unknown name {name}")
        pos = m.end()


def cell(col: int, row: int) -> str:
    """A reference to a cell on the same sheet, e.g. ``H2``."""
    return f"{get_column_letter(col)}{row}"


def span(sheet: str | None, col: int, first_row: int, last_row: int) -> str:
    """An absolute range of one column, e.g. ``Cloud!$J$2:$J$9`` (no sheet: on the same sheet)."""
    letter = get_column_letter(col)
    prefix = ref(sheet, col, first_row).split("!")[0] + "!" if sheet else ""
    return f"{prefix}${letter}${first_row}:${letter}${last_row}"


def column_sum(sheet: str | None, col: int, first_row: int, last_row: int) -> str:
    """``SUM`` over rows of one column (``0`` for an empty range)."""
    if last_row < first_row:
        return "0"
    return f"SUM({span(sheet, col, first_row, last_row)})"
