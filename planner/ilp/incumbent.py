"""A plan without the solver: for when the solver stops before it finds one (no pulp).

A solver that runs out of time with no incumbent says nothing about feasibility, and reporting "infeasible"
(exit 3) for a fleet that has plans is wrong. Two plans are always at hand on the pattern model:

- ``start``: a plan the caller already knows (large fleets: the relaxation's shared GPUs packed for real);
- ``cheapest_alone``: every replica alone on the option where one copy of its cheapest single-replica pattern
  costs least per replica (its GPUs' share of the unit's fixed cost plus the pattern's energy).

``evaluate`` checks either against every row of the program (demand, capacity, stock, budgets, limits) and
prices it with the program's own objective, so what it returns is a feasible point of the same program the
solver was given, and the pipeline's verifier re-checks the plan built from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from planner.ilp.data import ProblemData
from planner.ilp.limits import within

Point = tuple[float, dict[str, int], dict[str, int]]
"""(objective, units by option id, use by pattern id)."""


def evaluate(data: ProblemData, values: Mapping[str, float]) -> Point | None:
    """(objective, units, use) of ``values`` (option and pattern ids -> counts) if they satisfy every row of
    ``data``'s pattern model, else None. Shared (aggregate) entries are not part of a plan and must be 0."""
    units = {o.id: round(values.get(o.id, 0)) for o in data.options}
    use = {p.id: round(values.get(p.id, 0)) for p in data.patterns}
    if any(v < 0 for v in (*units.values(), *use.values())):
        return None
    for w in data.workloads:
        count = sum(n * use[p.id] for p, n in data.patterns_with[w])
        if w in data.rate:
            served = sum(data.served[p.id] * n * use[p.id] for p, n in data.patterns_with[w])
            if count < data.demand[w] or served < data.rate[w] * (1 - 1e-9):
                return None
        elif count != data.demand[w]:
            return None
    objective = 0.0
    for o in data.options:
        n = units[o.id]
        if o.max_units is not None and n > o.max_units:
            return None
        if sum(p.gpus * use[p.id] for p in data.patterns_on[o.id]) > o.gpus_per_unit * n:
            return None
        objective += o.fixed_cost * n
    if not spread_holds(data, units, use) or any(units[a] > units[b] for a, b in data.links):
        return None
    for p in data.patterns:
        objective += p.cost * use[p.id]
    for row in data.limits:
        total = sum(row.coefficient(o.id) * units[o.id] for o in data.options)
        if row.running:
            total += sum(p.monthly_cost * use[p.id] for p in data.patterns)
        if not within(total, row):
            return None
    return objective, units, use


def bought(units: Mapping[str, int]) -> dict[str, int]:
    """The options a plan buys or rents units of, with their counts: a plan's units list every option of its
    program, most at 0, and the steps that work on the plan's own options (the large-fleet strategy's column
    generation within the support, its improvement rounds capped at the plan's units) need only these."""
    return {option: count for option, count in units.items() if count}


def spread_holds(data: ProblemData, units: dict[str, int], use: dict[str, int]) -> bool:
    """The spread rows (constraints.add_spread_constraints, ``ProblemData.spread_rows``) at integer values,
    for the incumbent check: a plan it accepts is one the program accepts."""
    return all(
        sum(n * use.get(p, 0) for p, n in terms) <= units.get(option, 0)
        for _, option, terms in data.spread_rows
    )


def cheapest_alone(data: ProblemData) -> dict[str, float]:
    """Every replica alone on its cheapest option (module docstring), units rounded up per option."""
    values: dict[str, float] = {}
    gpus_on: dict[str, int] = {}
    for w in data.workloads:
        best: tuple[float, str] | None = None
        for p, _ in data.patterns_with[w]:
            if p.counts != ((w, 1),):
                continue
            o = data.option_by_id[p.option]
            if o.max_units is not None:
                continue  # stock and owned counts could run out: leave them to the solver
            per_replica = o.fixed_cost * p.gpus / o.gpus_per_unit + p.cost
            alone = per_replica * data.most_replicas(w, p.id)  # a rate asks more replicas of slower options
            if best is None or (alone, p.id) < best:
                best = (alone, p.id)
        if best is None:
            return {}
        pattern = data.pattern_by_id[best[1]]
        replicas = data.most_replicas(w, pattern.id)
        values[pattern.id] = values.get(pattern.id, 0) + replicas
        gpus_on[pattern.option] = gpus_on.get(pattern.option, 0) + pattern.gpus * replicas
    for option, gpus in gpus_on.items():
        values[option] = math.ceil(gpus / data.option_by_id[option].gpus_per_unit)
    return values
