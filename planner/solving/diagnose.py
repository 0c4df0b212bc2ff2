"""Why a scenario has no plan though every workload fits somewhere: which budget or limit binds, by how much.

Re-solves with elastic slack on the budget and limit rows (``ilp.limits``; each row names its scenario field
and unit) and reports the slack the cheapest limit-breaking plan needs. If even that is infeasible, stock or
owned-unit limits are what bind.
"""

from __future__ import annotations

import math

from planner.errors import InfeasibleError
from planner.ilp.solve import solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario


def explain_limits(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> InfeasibleError:
    sol = solve_problem(c.data, solver=solver, time_limit_s=time_limit_s, elastic=True)
    over = [(name, value) for name, value in sorted(sol.slack.items()) if value > 1e-6]
    if sol.status in ("optimal", "feasible") and over:
        rows = {row.name: row for row in c.data.limits}
        parts = []
        for name, value in over:
            row = rows[name]
            short = value / row.per_user_unit  # in the unit the scenario states it: USD, kW
            # Rounded up: raising the limit by the figure shown must be enough.
            shown = max(math.ceil(short * 100 - 1e-6) / 100, 0.01)
            parts.append(f"the {row.what} ({row.label}) is short by {shown:,.2f} {row.unit}")
        return InfeasibleError(
            "no plan fits the limits: " + "; ".join(parts) + " (raise it, or allow other hardware)"
        )
    return InfeasibleError(
        "no plan fits the stock limits (limits.stock) or owned inventory with the hardware allowed; "
        "raise the stock or allow other hardware (hardware.bought / hardware.cloud)"
    )
