"""The integer program's objective: total cost over the planning horizon (constraints.py states the model)."""

from __future__ import annotations

from planner.ilp.constraints import Model
from planner.ilp.data import split_pool_key
from planner.ilp.lp import pulp

ELASTIC_PENALTY = 1e6
"""Cost per unit of slack (dollar, watt or rack unit) in the elastic re-solve; large enough that any
feasible plan wins over breaking a limit."""


def set_objective(m: Model) -> None:
    """min sum_o fixed_cost[o] * units[o] + sum_p cost[p] * use[p] + sum cost[o, q, w] * share[o, q, w]
    + sum_o shared_gpu_cost[o] * shared_gpus[o, full] (+ penalty * slack when elastic)."""
    terms = [(m.units[o.id], o.fixed_cost) for o in m.data.options]
    terms += [(m.use[p.id], p.cost) for p in m.data.patterns]
    terms += [(m.share[s.id], s.cost) for s in m.data.shared]
    terms += [(v, shared_gpu_cost(m, key)) for key, v in m.shared_gpus.items()]
    terms += [(s, ELASTIC_PENALTY) for s in m.slack.values()]
    m.prob.setObjective(pulp.LpAffineExpression(terms))


def shared_gpu_cost(m: Model, key: str) -> float:
    """Energy of one shared GPU of pool ``key`` (``{option}_{pool}``): a month's on "full", 0 on "part"
    (whose replicas pay their own hours)."""
    option, pool = split_pool_key(key)
    return m.data.option_by_id[option].shared_gpu_cost if pool == "full" else 0.0
