"""Why a scenario has no plan though every workload fits somewhere: which budget or limit binds, by how much.

Re-solves with elastic slack on the budget and limit rows (constraints.py) and reports the slack the cheapest
limit-breaking plan needs. If even that is infeasible, stock or owned-unit limits are what bind.
"""

from __future__ import annotations

from planner.errors import InfeasibleError
from planner.ilp.solve import solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario

_LIMITS = {
    "capex": ("capex budget (budgets.capex_usd)", "{cur}", 1.0),
    "monthly": ("monthly budget (budgets.monthly_usd)", "{cur}/month", 1.0),
    "power": ("power limit (limits.power_kw)", "kW", 1e-3),
    "rack": ("rack space (limits.rack_units)", "U", 1.0),
}


def explain_limits(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> InfeasibleError:
    sol = solve_problem(c.data, solver=solver, time_limit_s=time_limit_s, elastic=True)
    over = [(name, value) for name, value in sorted(sol.slack.items()) if value > 1e-6]
    if sol.status in ("optimal", "feasible") and over:
        parts = []
        for name, value in over:
            label, unit, scale = _LIMITS[name]
            parts.append(f"the {label} is short by {value * scale:,.2f} {unit.format(cur=scenario.currency)}")
        return InfeasibleError(
            "no plan fits the limits: " + "; ".join(parts) + " (raise it, or allow other hardware)"
        )
    return InfeasibleError(
        "no plan fits the stock limits (limits.stock) or owned inventory with the hardware allowed; "
        "raise the stock or allow other hardware (hardware.bought / hardware.cloud)"
    )
