"""Why a scenario has no plan though every workload fits somewhere: which budget or limit binds, by how much.

Re-solves with elastic slack on the budget and limit rows (constraints.py) and reports the slack the cheapest
limit-breaking plan needs. If even that is infeasible, stock or owned-unit limits are what bind.
"""

from __future__ import annotations

import math

from planner.errors import InfeasibleError
from planner.ilp.solve import solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario

# (what, unit, whether the slack is money in the scenario's currency, scale to the unit). Budgets are set in
# USD (converted to the currency for the solve), so their shortfall is said in USD too.
_LIMITS = {
    "capex": ("capex budget (budgets.capex_usd)", "USD", True, 1.0),
    "monthly": ("monthly budget (budgets.monthly_usd)", "USD/month", True, 1.0),
    "power": ("power limit (limits.power_kw)", "kW", False, 1e-3),
    "rack": ("rack space (limits.rack_units)", "U", False, 1.0),
}


def explain_limits(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> InfeasibleError:
    sol = solve_problem(c.data, solver=solver, time_limit_s=time_limit_s, elastic=True)
    over = [(name, value) for name, value in sorted(sol.slack.items()) if value > 1e-6]
    if sol.status in ("optimal", "feasible") and over:
        parts = []
        for name, value in over:
            label, unit, money, scale = _LIMITS[name]
            short = value / c.rates.fx if money else value * scale
            # Rounded up: raising the limit by the figure shown must be enough (37.57 left it 0.004 short).
            shown = max(math.ceil(short * 100 - 1e-6) / 100, 0.01)
            parts.append(f"the {label} is short by {shown:,.2f} {unit}")
        return InfeasibleError(
            "no plan fits the limits: " + "; ".join(parts) + " (raise it, or allow other hardware)"
        )
    return InfeasibleError(
        "no plan fits the stock limits (limits.stock) or owned inventory with the hardware allowed; "
        "raise the stock or allow other hardware (hardware.bought / hardware.cloud)"
    )
