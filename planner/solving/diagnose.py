"""Why a scenario has no plan though every workload fits somewhere: which budget or limit binds, by how much.

Re-solves with elastic slack on the budget and limit rows (``ilp.limits``; each row names its scenario field
and unit) and reports the slack the cheapest limit-breaking plan needs. If even that is infeasible, stock or
owned-unit limits are what bind.
"""

from __future__ import annotations

import math

from planner.errors import InfeasibleError
from planner.ilp.data import ProblemData
from planner.ilp.limits import LimitRow
from planner.ilp.solve import solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario


def explain_limits(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> InfeasibleError:
    short = shortfall(c.data, solver=solver, time_limit_s=time_limit_s)
    if short:
        return InfeasibleError("no plan fits the limits: " + short + " (raise it, or allow other hardware)")
    return InfeasibleError(
        "no plan fits the stock limits (limits.stock) or owned inventory with the hardware allowed; "
        "raise the stock or allow other hardware (hardware.bought / hardware.cloud)"
    )


def shortfall(data: ProblemData, *, solver: str, time_limit_s: float) -> str:
    """Which budgets and limits the cheapest limit-breaking plan of ``data`` breaks, and by how much ("the
    capex budget (budgets.capex_usd) is short by 25,000.00 USD"); empty where slack does not help (stock,
    owned counts) or the elastic program finds nothing in time."""
    sol = solve_problem(data, solver=solver, time_limit_s=time_limit_s, elastic=True)
    over = [(name, value) for name, value in sorted(sol.slack.items()) if value > 1e-6]
    if sol.status not in ("optimal", "feasible") or not over:
        return ""
    rows = {row.name: row for row in data.limits}
    return "; ".join(short_by(rows[name], value) for name, value in over)


def short_by(row: LimitRow, value: float) -> str:
    """``value`` over ``row``, in the unit the scenario states it (USD, kW), rounded up: raising the limit by
    the figure shown must be enough."""
    shown = max(math.ceil(value / row.per_user_unit * 100 - 1e-6) / 100, 0.01)
    return f"the {row.what} ({row.label}) is short by {shown:,.2f} {row.unit}"
