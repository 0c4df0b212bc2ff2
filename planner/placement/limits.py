"""The budgets and limits a scenario may set, one definition each (stage 3): the scenario field, the bound in
the program's units, and what one unit of an offer counts against it.

``LIMITS`` is the registry. Everything downstream reads the rows it gives, never a field name: the program
(``ilp.constraints``), column generation's master (``ilp.master``), the incumbent check (``ilp.incumbent``),
the dominance rule (``ilp.dominance``, which the offers' pruning and presolve share), the infeasibility
diagnosis (``solve.diagnose``) and the verifier (``check.verify``). Adding a limit is one definition here, its
scenario field and its tests (docs/optimizer.md walks through one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from planner.ilp.limits import LimitRow
from planner.placement.offers import Offer
from planner.plan import Plan, PlanUnit
from planner.scenario.schema import Scenario


@dataclass(frozen=True)
class Limit:
    """A limit row before the options have ids: what one unit of an ``Offer`` counts against it."""

    name: str
    label: str
    what: str
    unit: str
    bound: float
    """In the program's units: the scenario's currency, watts, rack units, GPUs."""
    per_user_unit: float
    per_unit: Callable[[Offer], float]
    """What one unit of an offer counts against the row (the program's coefficient)."""
    used: Callable[[Plan], float]
    """What a finished plan uses of it, computed from the plan alone (the verifier's independent check)."""
    running: bool = False

    def row(self, offers: Mapping[str, Offer]) -> LimitRow:
        """The row over the options ``offers`` (option id -> offer)."""
        return LimitRow(
            name=self.name,
            bound=self.bound,
            per_unit={oid: self.per_unit(offer) for oid, offer in offers.items()},
            running=self.running,
            label=self.label,
            what=self.what,
            unit=self.unit,
            per_user_unit=self.per_user_unit,
        )


def _capex_budget(scenario: Scenario) -> list[Limit]:
    """Purchases paid up front, within ``budgets.capex_usd`` (set in USD, converted to the currency)."""
    usd, fx = scenario.budgets.capex_usd, scenario.usd_to_currency
    if usd is None:
        return []
    return [Limit("capex", "budgets.capex_usd", "capex budget", "USD", usd * fx, fx, _capex, _summed(_capex))]


def _monthly_budget(scenario: Scenario) -> list[Limit]:
    """Average running spend per month (energy, hosting, rent; not purchases), within ``budgets.monthly_usd``.
    A unit counts its fixed running cost; what it holds counts its energy (the row's running costs)."""
    usd, fx, months = scenario.budgets.monthly_usd, scenario.usd_to_currency, scenario.horizon_months
    if usd is None:
        return []

    def per_unit(offer: Offer) -> float:
        return (offer.fixed_cost - offer.capex) / months

    def used(plan: Plan) -> float:
        return plan.opex_per_month

    label, what, unit = "budgets.monthly_usd", "monthly budget", "USD/month"
    return [Limit("monthly", label, what, unit, usd * fx, fx, per_unit, used, running=True)]


def _power_limit(scenario: Scenario) -> list[Limit]:
    """Peak IT power of local hardware (GPUs at TDP and base) within ``limits.power_kw``; cloud draws none."""
    kw = scenario.limits.power_kw
    if kw is None:
        return []
    return [
        Limit("power", "limits.power_kw", "power limit", "kW", kw * 1000, 1000.0, _power_w, _summed(_power_w))
    ]


def _rack_limit(scenario: Scenario) -> list[Limit]:
    """Rack space of local hardware, within ``limits.rack_units``; cloud takes none."""
    units = scenario.limits.rack_units
    if units is None:
        return []
    return [
        Limit(
            "rack",
            "limits.rack_units",
            "rack space",
            "U",
            float(units),
            1.0,
            _rack_units,
            _summed(_rack_units),
        )
    ]


def _provider_quotas(scenario: Scenario) -> list[Limit]:
    """Cloud GPUs rented from one provider at once, within its quota (``limits.max_gpus_per_provider``), every
    pricing counted: a provider grants a GPU quota per account, whatever the instance is billed by."""
    out = []
    for index, (provider, gpus) in enumerate(sorted(scenario.limits.max_gpus_per_provider.items())):

        def rented(unit: Offer | PlanUnit, provider: str = provider) -> float:
            return float(unit.gpus) if unit.kind == "cloud" and unit.provider == provider else 0.0

        label, what = f"limits.max_gpus_per_provider.{provider}", f"GPU quota of {provider}"
        out.append(
            Limit(
                f"provider_gpus_{index + 1}", label, what, "GPUs", float(gpus), 1.0, rented, _summed(rented)
            )
        )
    return out


# What one unit counts, the same for an offer (the program's coefficient) and a plan's unit (the verifier's).
def _capex(unit: Offer | PlanUnit) -> float:
    return unit.capex


def _power_w(unit: Offer | PlanUnit) -> float:
    return unit.power_w


def _rack_units(unit: Offer | PlanUnit) -> float:
    return float(unit.rack_units)


def _summed(per_unit: Callable[[Offer | PlanUnit], float]) -> Callable[[Plan], float]:
    """What a plan uses of a row whose units count ``per_unit`` each."""

    def used(plan: Plan) -> float:
        return sum(per_unit(u) for u in plan.units)

    return used


LIMITS: tuple[Callable[[Scenario], list[Limit]], ...] = (
    _capex_budget,
    _monthly_budget,
    _power_limit,
    _rack_limit,
    _provider_quotas,
)
"""Every budget and limit a scenario may set, in the order the program states their rows."""


def scenario_limits(scenario: Scenario) -> tuple[Limit, ...]:
    """The rows the scenario sets (a budget or limit it leaves out has none)."""
    return tuple(limit for define in LIMITS for limit in define(scenario))


def unit_costs(offer: Offer, limits: tuple[Limit, ...]) -> tuple[float, ...]:
    """One unit of ``offer`` on the objective and on every row: what the dominance rule compares."""
    return (offer.fixed_cost, *(limit.per_unit(offer) for limit in limits))
