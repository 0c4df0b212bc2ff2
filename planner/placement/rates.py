"""Energy and hosting rates of a plan: the scenario's figures where it gives them, else the catalog's
(stage 3, before any offer is priced). Electricity over the horizon is priced here, in the scenario's
currency."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from planner.catalog.schema import Catalog
from planner.errors import ScenarioError
from planner.scenario.schema import Scenario


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


def resolve_rates(scenario: Scenario, catalog: Catalog) -> CostRates:
    energy, defaults = scenario.energy, catalog.energy
    if energy.usd_per_kwh is not None:
        price, price_source = energy.usd_per_kwh, "scenario energy.usd_per_kwh"
    else:
        region = energy.region or defaults.default_region
        match = [e for e in defaults.electricity if e.region == region]
        if not match:
            known = ", ".join(e.region for e in defaults.electricity)
            raise ScenarioError(f"energy.region: unknown electricity region {region!r} (known: {known})")
        price, price_source = match[0].usd_per_kwh, f"{match[0].source} ({region})"
    office = energy.hosting == "office"
    if energy.pue is not None:
        pue, pue_source = energy.pue, "scenario energy.pue"
    elif office:
        pue, pue_source = 1.0, "office: no cooling overhead counted"
    else:
        pue, pue_source = defaults.pue, defaults.pue_source
    if office:
        colo, colo_source = 0.0, "office: no hosting fee"
    elif energy.colocation_usd_per_kw_month is not None:
        colo, colo_source = energy.colocation_usd_per_kw_month, "scenario energy.colocation_usd_per_kw_month"
    else:
        colo, colo_source = defaults.colocation_usd_per_kw_month, defaults.colocation_source
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
    )


KWH_PER_WH = 1e-3


def energy_cost(watts: float, hours_per_month: float, rates: CostRates) -> float:
    """Electricity over the horizon for a steady draw, PUE included, in the scenario currency."""
    kwh = watts * KWH_PER_WH * hours_per_month * rates.months * rates.pue
    return kwh * rates.usd_per_kwh * rates.fx
