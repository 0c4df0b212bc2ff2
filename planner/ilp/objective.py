"""The integer program's objective: total cost over the planning horizon (constraints.py states the model)."""

from __future__ import annotations

import pulp

from planner.ilp.constraints import Model

ELASTIC_PENALTY = 1e6
"""Cost per unit of slack (dollar, watt or rack unit) in the elastic re-solve; large enough that any
feasible plan wins over breaking a limit."""


def set_objective(m: Model) -> None:
    """min sum_o fixed_cost[o] * units[o] + sum_p cost[p] * use[p] + sum_{o,w} cost[o, w] * share[o, w]
    (+ penalty * slack when elastic)."""
    terms = [(m.units[o.id], o.fixed_cost) for o in m.data.options]
    terms += [(m.use[p.id], p.cost) for p in m.data.patterns]
    terms += [(m.share[s.id], s.cost) for s in m.data.shared]
    terms += [(s, ELASTIC_PENALTY) for s in m.slack.values()]
    m.prob.setObjective(pulp.LpAffineExpression(terms))
