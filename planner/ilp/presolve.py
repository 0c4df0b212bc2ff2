"""Exact presolve of the integer program: drop options another option beats on every count (no pulp).

Option A dominates option B when a unit of A can stand in for a unit of B in any plan without raising the cost
or breaking a limit:

- the same GPUs per unit, and A has no unit limit (stock or owned count), so there is always another A;
- A costs no more on every term the program counts per unit: fixed cost, capex, monthly cost, power and rack
  units;
- every placement pattern of B (GPU count and replicas held) exists on A at no higher cost or monthly cost;
- where B offers shared GPUs (large fleets), A's GPUs hold at least as much memory and A shares every workload
  B does, in the same pools, at no higher cost per replica and per shared GPU. (A's larger GPUs make its
  memory and count rows no tighter: the count rows only count replicas above a fraction of the GPU.)

Replacing every unit of B by a unit of A, pattern for pattern, keeps a plan feasible and never costs more, so
the optimum of the reduced program equals that of the full one; ties keep the first option in a fixed order,
so results stay deterministic. Dominance is transitive, so comparing each option only with the options kept
before it is enough. Pruning reads only the numbers of the program, never names, so it is also exact for the
restricted programs of the alternatives and for the elastic re-solve (its slack rows have the same
coefficients).

This generalizes the pruning in ``placement`` (fewest GPUs per replica; cloud offers beaten by another cloud
offer) to bought and owned hardware and to every program solved, alternatives included. On the synthetic
fleets of ``benchmarks/solver_scale.py``, after that pruning, it removes a further 7 to 20 % of the options.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from planner.ilp.data import OptionData, ProblemData

TOL = 1e-9
"""Relative tolerance on costs: equal within rounding counts as no more expensive."""


@dataclass(frozen=True)
class _Signature:
    patterns: dict[tuple[int, tuple[tuple[str, int], ...]], tuple[float, float]]
    """(GPUs, replicas held) -> cheapest (cost, monthly cost) of such a pattern on the option."""
    shared: dict[tuple[str, str], tuple[float, float, float]]
    """(workload, pool) -> (reserved GiB, cost, monthly cost) of one shared replica on the option."""


def _le(a: float, b: float) -> bool:
    return a <= b + TOL * max(1.0, abs(b))


def _signature(data: ProblemData, option: str) -> _Signature:
    patterns: dict[tuple[int, tuple[tuple[str, int], ...]], tuple[float, float]] = {}
    for p in data.patterns_on[option]:
        key = (p.gpus, p.counts)
        value = (p.cost, p.monthly_cost)
        if key not in patterns or value < patterns[key]:
            patterns[key] = value
    shared = {(s.workload, s.pool): (s.reserved_gib, s.cost, s.monthly_cost) for s in data.shared_on[option]}
    return _Signature(patterns, shared)


def dominates(a: OptionData, b: OptionData, sig_a: _Signature, sig_b: _Signature) -> bool:
    """Whether a unit of ``a`` can replace one of ``b`` in every plan at no higher cost (module docstring)."""
    if a.max_units is not None or a.gpus_per_unit != b.gpus_per_unit:
        return False
    per_unit = (
        (a.fixed_cost, b.fixed_cost),
        (a.capex, b.capex),
        (a.monthly_cost, b.monthly_cost),
        (a.power_w, b.power_w),
        (float(a.rack_units), float(b.rack_units)),
    )
    if not all(_le(x, y) for x, y in per_unit):
        return False
    if len(sig_b.patterns) > len(sig_a.patterns) or not sig_b.patterns.keys() <= sig_a.patterns.keys():
        return False
    if sig_b.shared and (
        a.gpu_memory_gib < b.gpu_memory_gib
        or not sig_b.shared.keys() <= sig_a.shared.keys()
        or not _le(a.shared_gpu_cost, b.shared_gpu_cost)
        or not _le(a.shared_gpu_monthly, b.shared_gpu_monthly)
    ):
        return False
    for key, (cost, monthly) in sig_b.patterns.items():
        cost_a, monthly_a = sig_a.patterns[key]
        if not (_le(cost_a, cost) and _le(monthly_a, monthly)):
            return False
    for entry, (reserved, cost, monthly) in sig_b.shared.items():
        reserved_a, cost_a, monthly_a = sig_a.shared[entry]
        if not (_le(reserved_a, reserved) and _le(cost_a, cost) and _le(monthly_a, monthly)):
            return False
    return True


def undominated_options(data: ProblemData) -> tuple[str, ...]:
    """Ids of the options no kept option dominates, in the program's order."""
    signatures = {o.id: _signature(data, o.id) for o in data.options}
    by_size: dict[int, list[OptionData]] = defaultdict(list)
    for o in data.options:
        by_size[o.gpus_per_unit].append(o)
    order = {o.id: i for i, o in enumerate(data.options)}
    keep: set[str] = set()
    for group in by_size.values():
        # A dominator is never dearer, so sorting by fixed cost puts it first; among equals the option with
        # more patterns (a superset) goes first, then the program's order, so the choice is deterministic.
        group.sort(key=lambda o: (o.fixed_cost, -len(signatures[o.id].patterns), order[o.id]))
        kept: list[OptionData] = []
        for b in group:
            if not any(dominates(a, b, signatures[a.id], signatures[b.id]) for a in kept):
                kept.append(b)
        keep.update(o.id for o in kept)
    return tuple(o.id for o in data.options if o.id in keep)


def presolve(data: ProblemData) -> ProblemData:
    """``data`` without dominated options (and their patterns); ``data`` itself when nothing is dominated."""
    keep = undominated_options(data)
    if len(keep) == len(data.options):
        return data
    return data.restricted(set(keep))
