"""Energy, hosting and finance rates of a plan: the scenario's figures where it gives them, else the
catalog's or the cited defaults here (stage 3, before any offer is priced). Electricity over the horizon is
priced here, in the scenario's currency."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

from planner.catalog.schema import Catalog, GpuSpec
from planner.errors import ScenarioError
from planner.scenario.schema import DEFAULT_LIFE_MONTHS, Scenario
from planner.units import HOURS_PER_MONTH

KWH_PER_WH = 1e-3
DESK_SIDE = frozenset({"desktop", "workstation"})
"""System types that stand by a desk, not in a rack: no colocation fee whatever the scenario's hosting."""
IDLE_SHARE_OF_TDP: Mapping[str, float] = {"datacenter": 0.12, "workstation": 0.08, "consumer": 0.08}
"""Power a GPU draws while its machine is on and it computes nothing (a model loaded), as a share of TDP, per
card segment. Data centre (HBM): an H200 SXM measured 80.3 W idle against 700 W TDP (Serial Alice GPU
Energy Benchmark, June 2026), and a CUDA context lifts HBM cards 26-50 W above bare idle (arXiv 2605.23918,
2026). Desk cards (GDDR): 13.3-17.4 W bare idle for a 215-225 W GeForce RTX 2080 (Tom's Hardware, 11 Oct
2018), rounded up for the loaded context. Sources and dates are in docs/optimizer.md."""
IDLE_SOURCE = (
    "docs/optimizer.md, idle power (H200 80.3 W of 700 W, Serial Alice 2026; RTX 2080, Tom's Hardware 2018)"
)


@dataclass(frozen=True)
class CostRates:
    """Energy and hosting figures the plan used, resolved from the scenario and the catalog."""

    usd_per_kwh: float
    usd_per_kwh_source: str
    pue: float
    pue_source: str
    colocation_usd_per_kw_month: float
    colocation_source: str
    gpu_utilisation: float
    always_on: bool
    """Base power of local machines drawn all month (True) or only while their GPUs are busy (False)."""
    months: int
    fx: float
    """Scenario currency per USD."""
    as_of: dt.date | None
    usd_per_kwh_as_of: str = ""
    """The electricity price's source date (ISO), ``unknown`` for a catalog figure without one, empty for a
    figure the scenario gives (no source to date); likewise ``pue_as_of`` and ``colocation_as_of``."""
    pue_as_of: str = ""
    colocation_as_of: str = ""
    residual_share: float = 0.0
    """Share of a purchase price still worth having at the horizon's end (``finance``)."""
    residual_source: str = ""
    spot_overhead: float = 0.0
    """Extra hours paid on spot per hour of interruptible work."""
    idle_share_of_tdp: float | None = None
    """The scenario's idle draw as a share of TDP; None takes ``IDLE_SHARE_OF_TDP`` by card segment."""

    def idle_w(self, gpu: GpuSpec) -> float:
        """What one GPU draws while its machine is on and it computes nothing, watts."""
        share = IDLE_SHARE_OF_TDP[gpu.segment] if self.idle_share_of_tdp is None else self.idle_share_of_tdp
        return gpu.tdp_w * share


def resolve_rates(scenario: Scenario, catalog: Catalog) -> CostRates:
    energy, defaults = scenario.energy, catalog.energy
    price_as_of = pue_as_of = colo_as_of = ""
    if energy.usd_per_kwh is not None:
        price, price_source = energy.usd_per_kwh, "scenario energy.usd_per_kwh"
    else:
        region = energy.region or defaults.default_region
        match = [e for e in defaults.electricity if e.region == region]
        if not match:
            known = ", ".join(e.region for e in defaults.electricity)
            raise ScenarioError(f"energy.region: unknown electricity region {region!r} (known: {known})")
        price, price_source = match[0].usd_per_kwh, f"{match[0].source} ({region})"
        price_as_of = _source_date(match[0].as_of)
    office = energy.hosting == "office"
    if energy.pue is not None:
        pue, pue_source = energy.pue, "scenario energy.pue"
    elif office:
        pue, pue_source = 1.0, "office: no cooling overhead counted"
    else:
        pue, pue_source = defaults.pue, defaults.pue_source
        pue_as_of = _source_date(defaults.pue_as_of)
    if office:
        colo, colo_source = 0.0, "office: no hosting fee"
    elif energy.colocation_usd_per_kw_month is not None:
        colo, colo_source = energy.colocation_usd_per_kw_month, "scenario energy.colocation_usd_per_kw_month"
    else:
        colo, colo_source = defaults.colocation_usd_per_kw_month, defaults.colocation_source
        colo_as_of = _source_date(defaults.colocation_as_of)
    share, share_source = _residual(scenario)
    return CostRates(
        usd_per_kwh=price,
        usd_per_kwh_source=price_source,
        pue=pue,
        pue_source=pue_source,
        colocation_usd_per_kw_month=colo,
        colocation_source=colo_source,
        gpu_utilisation=energy.gpu_utilisation,
        always_on=energy.always_on if energy.always_on is not None else not office,
        months=scenario.horizon_months,
        fx=scenario.usd_to_currency,
        as_of=defaults.as_of,
        usd_per_kwh_as_of=price_as_of,
        pue_as_of=pue_as_of,
        colocation_as_of=colo_as_of,
        residual_share=share,
        residual_source=share_source,
        spot_overhead=scenario.hardware.spot_overhead,
        idle_share_of_tdp=energy.gpu_idle_share_of_tdp,
    )


def _source_date(date: dt.date | None) -> str:
    """A catalog figure's source date as the reports state it: ISO, or ``unknown`` where none is recorded
    (not the catalog's compile date, which says nothing of the figure's age)."""
    return date.isoformat() if date else "unknown"


def _residual(scenario: Scenario) -> tuple[float, str]:
    """The share of a purchase price left at the horizon's end, and where it comes from."""
    finance, months = scenario.finance, scenario.horizon_months
    if finance.resale_share is not None:
        return finance.resale_share, "scenario finance.resale_share"
    if finance.useful_life_months is None:
        return 0.0, "finance.useful_life_months: none (no residual value)"
    life = finance.useful_life_months
    source = f"straight line over finance.useful_life_months = {life}"
    if life == DEFAULT_LIFE_MONTHS:
        source += " (default: computers are 5-year property under MACRS, IRS Publication 946)"
    return residual_share(scenario, months), source


def residual_share(scenario: Scenario, held_months: int) -> float:
    """What a machine held ``held_months`` is still worth at the horizon's end, as a share of its price:
    the scenario's resale share, else straight line over the useful life (none without one)."""
    finance = scenario.finance
    if finance.resale_share is not None:
        return finance.resale_share
    if finance.useful_life_months is None:
        return 0.0
    return max(0.0, 1 - held_months / finance.useful_life_months)


def on_demand_months(per_hour: float, months: int, term_months: int, on_demand_per_hour: float | None) -> int:
    """Months past a reservation's last whole term rented on demand instead of one more term: where at least
    one whole term is held and the on-demand hours of the months left cost less than a term. An 18-month plan
    on a 1-year reservation paid 24 months for 18; a platform team reserves the first year and runs the last
    6 months on demand. A unit held less than one term keeps its reservation (it would be an on-demand unit
    under another name)."""
    whole, rest = divmod(months, term_months)
    if on_demand_per_hour is None or whole < 1 or rest == 0:
        return 0
    return rest if on_demand_per_hour * rest < per_hour * term_months else 0


def reserved_rent(
    per_hour: float, months: int, term_months: int, on_demand_per_hour: float | None = None
) -> float:
    """A reservation's rent over ``months``: every hour of each term started in them is paid, except the
    months past the last whole term that ``on_demand_months`` rents on demand (all day) where cheaper."""
    tail = on_demand_months(per_hour, months, term_months, on_demand_per_hour)
    if tail:
        assert on_demand_per_hour is not None
        return HOURS_PER_MONTH * (per_hour * (months - tail) + on_demand_per_hour * tail)
    return per_hour * HOURS_PER_MONTH * math.ceil(months / term_months) * term_months


def energy_cost(watts: float, hours_per_month: float, rates: CostRates) -> float:
    """Electricity over the horizon for a steady draw, PUE included, in the scenario currency."""
    kwh = watts * KWH_PER_WH * hours_per_month * rates.months * rates.pue
    return kwh * rates.usd_per_kwh * rates.fx
