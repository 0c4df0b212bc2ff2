"""Exact presolve of the integer program: drop options another option dominates (no pulp).

The rule is ``ilp.dominance``'s; what presolve adds is what runs on an option, read from the program itself:

- every placement pattern of B (GPU count and replicas held) exists on A at no higher cost, and no higher
  running cost where a limit row counts running costs (the monthly budget);
- where B offers shared GPUs (large fleets), A's GPUs hold at least as much memory and A shares every workload
  B does, in the same pools, at no higher cost per replica and per shared GPU. (A's larger GPUs make its
  memory and count rows no tighter: the count rows only count replicas above a fraction of the GPU.)

Pruning reads only the numbers of the program, never names, so it is also exact for the restricted programs
of the alternatives and for the elastic re-solve (its slack rows have the same coefficients). It generalizes
the pruning in ``placement`` (fewest GPUs per replica; offers another offer beats) to bought and owned
hardware and to every program solved, alternatives included.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.ilp.data import OptionData, ProblemData
from planner.ilp.dominance import Standing, all_no_dearer, undominated


@dataclass(frozen=True)
class _Signature:
    patterns: dict[tuple[int, tuple[tuple[str, int], ...]], tuple[float, ...]]
    """(GPUs, replicas held) -> the cheapest (cost, running cost if counted) of such a pattern."""
    shared: dict[tuple[str, str], tuple[float, ...]]
    """(workload, pool) -> (reserved GiB, cost, running cost if counted) of one shared replica."""
    shared_gpu: tuple[float, ...]
    """(cost, running cost if counted) of one "full" shared GPU."""


def _signature(data: ProblemData, option: OptionData, running: bool) -> _Signature:
    patterns: dict[tuple[int, tuple[tuple[str, int], ...]], tuple[float, ...]] = {}
    for p in data.patterns_on[option.id]:
        key = (p.gpus, p.counts)
        value = (p.cost, p.monthly_cost) if running else (p.cost,)
        # A rate-stated replica's requests/s as a cost negated: A stands in for B only serving as much.
        value = (*value, -data.served.get(p.id, 0.0))
        if key not in patterns or value < patterns[key]:
            patterns[key] = value
    shared: dict[tuple[str, str], tuple[float, ...]] = {}
    for s in data.shared_on[option.id]:
        shared[(s.workload, s.pool)] = (s.reserved_gib, s.cost, *((s.monthly_cost,) if running else ()))
    gpu = (option.shared_gpu_cost, option.shared_gpu_monthly) if running else (option.shared_gpu_cost,)
    return _Signature(patterns, shared, gpu)


def _holds(a: OptionData, b: OptionData, sig_a: _Signature, sig_b: _Signature) -> bool:
    """Whatever runs on ``b`` runs on ``a`` at no higher cost (module docstring)."""
    if len(sig_b.patterns) > len(sig_a.patterns) or not sig_b.patterns.keys() <= sig_a.patterns.keys():
        return False
    if sig_b.shared and (
        a.gpu_memory_gib < b.gpu_memory_gib
        or not sig_b.shared.keys() <= sig_a.shared.keys()
        or not all_no_dearer(sig_a.shared_gpu, sig_b.shared_gpu)
    ):
        return False
    if not all(all_no_dearer(sig_a.patterns[key], value) for key, value in sig_b.patterns.items()):
        return False
    return all(all_no_dearer(sig_a.shared[key], value) for key, value in sig_b.shared.items())


def standing(data: ProblemData, option: OptionData) -> Standing:
    """One unit of ``option`` on the objective and on every limit row of ``data``."""
    costs = (option.fixed_cost, *(row.coefficient(option.id) for row in data.limits))
    return Standing(option.gpus_per_unit, option.max_units is not None, costs)


def undominated_options(data: ProblemData) -> tuple[str, ...]:
    """Ids of the options no kept option dominates, in the program's order."""
    running = any(row.running for row in data.limits)
    signatures = {o.id: _signature(data, o, running) for o in data.options}
    order = {o.id: i for i, o in enumerate(data.options)}
    kept = undominated(
        data.options,
        standing=lambda o: standing(data, o),
        holds=lambda a, b: _holds(a, b, signatures[a.id], signatures[b.id]),
        # A dominator is never dearer, so sorting by fixed cost puts it first; among equals the option with
        # more patterns (a superset) goes first, then the program's order, so the choice is deterministic.
        order=lambda o: (o.fixed_cost, -len(signatures[o.id].patterns), order[o.id]),
    )
    return tuple(o.id for o in kept)


def presolve(data: ProblemData) -> ProblemData:
    """``data`` without dominated options (and their patterns); ``data`` itself when nothing is dominated."""
    keep = undominated_options(data)
    if len(keep) == len(data.options):
        return data
    return data.restricted(set(keep))
