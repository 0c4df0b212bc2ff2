"""Large fleets: Gilmore-Gomory rows per pool of shared GPUs, a higher lower bound that stays a bound.

The aggregate relaxation (ilp/constraints.py) counts a pool's shared GPUs by sums: memory, replicas, the dual
feasible functions u_k. Its solutions fill pools to the byte, which no real packing holds (200-workload
benchmark fleet, the restricted relaxation's optimum: pools of 73, 27, 13 and 3 GPUs whose replicas need at
least 75, 28, 14 and 4, their Gilmore-Gomory bounds being 74.15, 27.75, 13.35 and 3.25). The
strongest row of the same homogeneous form is the pool's configuration program (Gilmore and Gomory 1961):

    GG(x) = min sum_p lambda_p   s.t.  sum_p p_s lambda_p >= x_s,  lambda >= 0

over the packings p of one GPU of the pool (memory, at most ``MAX_PER_GPU`` replicas, on a "part" GPU at most
a month of hours, at most ``demand[w]`` replicas of a workload). By LP duality GG(x) = max a . x over the
a >= 0 with a . p <= 1 for every packing p, so each such a gives the row

    gg__o_q    sum_s a_s * share[o, q, s] <= shared_gpus[o, q]

Why every real plan satisfies it (so the relaxation with these rows still bounds every plan from below):
every GPU of the pool in a real plan holds one packing p, whose weight a . p is at most 1; summed over the
pool's GPUs, the replicas' weight is at most the GPUs' count. Entries the row does not name weigh 0 (a >= 0:
dropping items from a packing leaves a packing, so a . p only counts the named ones). The row never asks
a . p <= 1 of the column generation's own packings only: ``best_gpu`` searches every packing of one GPU
exactly and the row is divided by the heaviest it finds (Farley 1990); where the search stops at its node
limit, by its own upper bound instead, which is never below the heaviest packing.

``separate`` prices the pools of a solution of the relaxation's linear relaxation and returns the rows it
violates; ``strengthen`` adds them and re-solves until none is violated or its time is out. The linear
relaxation's optimum with the rows is a lower bound on every plan (the rows are valid and every variable
relaxed), and so is the integer relaxation's dual bound with them.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Any

from planner.ilp.data import MAX_PER_GPU, PoolRow, ProblemData, SharedData, pool_key, split_pool_key
from planner.ilp.solve import LpSolution, _silence_highs_banner, solve_lp
from planner.units import GIB, HOURS_PER_MONTH

NODE_LIMIT = 100_000
"""Most search nodes of one pricing of one GPU; past it the search's own upper bound prices the row."""
MAX_ROUNDS = 400
"""Most column generation rounds per pool and separation (the caller's time limit ends it sooner): the
200-workload fleet's largest pool, 208 replicas, converged after 140 packings; stopped at 60 it
asked fewer GPUs than the pool had and the row was not added."""
VIOLATION = 1e-3
"""A row is added where it asks this many GPUs more of its pool than the linear relaxation gave it."""


@dataclass(frozen=True)
class Item:
    """One kind of replica in a pool: bytes reserved, hours per month it computes (0 where no hours row
    binds) and how many one GPU may hold (its workload's demand, and ``MAX_PER_GPU``)."""

    size: int
    hours: float
    most: int


def best_gpu(
    values: list[float], items: list[Item], memory: int, max_hours: float, node_limit: int = NODE_LIMIT
) -> tuple[float, tuple[int, ...], bool]:
    """The heaviest packing of one GPU: max sum v_i n_i over n_i <= most_i, sum size_i n_i <= memory,
    sum n_i <= ``MAX_PER_GPU``, sum hours_i n_i <= max_hours. Returns (weight, the packing's counts, exact);
    where the depth-first search stops at ``node_limit`` the weight is its upper bound at the root (the
    fractional knapsack by memory, or the slots times the heaviest item), never below the true maximum."""
    order = sorted((i for i, v in enumerate(values) if v > 0), key=lambda i: -values[i] / items[i].size)
    best_value, best = 0.0, [0] * len(values)
    taken = [0] * len(values)
    nodes = 0

    def bound(k: int, room: int, slots: int) -> float:
        """min(fractional knapsack by memory, slots x heaviest item left): each relaxes the rest."""
        by_memory = 0.0
        for i in order[k:]:
            n = min(items[i].most, room // items[i].size)
            by_memory += n * values[i]
            room -= n * items[i].size
            if n < items[i].most:
                by_memory += min(1.0, room / items[i].size) * values[i]
                break
        heaviest = max((values[i] for i in order[k:]), default=0.0)
        return min(by_memory, slots * heaviest)

    def search(k: int, room: int, slots: int, busy: float, value: float) -> bool:
        """False once the node limit is spent."""
        nonlocal best_value, best, nodes
        nodes += 1
        if nodes > node_limit:
            return False
        if value > best_value:
            best_value, best = value, taken.copy()
        if k == len(order) or slots == 0 or value + bound(k, room, slots) <= best_value * (1 + 1e-12):
            return True
        i = order[k]
        item = items[i]
        most = min(item.most, slots, room // item.size)
        if item.hours > 0 and math.isfinite(max_hours):
            most = min(most, int((max_hours - busy + 1e-9) // item.hours))
        for n in range(most, -1, -1):
            taken[i] = n
            if not search(
                k + 1, room - n * item.size, slots - n, busy + n * item.hours, value + n * values[i]
            ):
                taken[i] = 0
                return False
        taken[i] = 0
        return True

    if search(0, memory, MAX_PER_GPU, 0.0, 0.0):
        return best_value, tuple(best), True
    return max(best_value, bound(0, memory, MAX_PER_GPU)), tuple(best), False


def pool_row(
    amounts: list[float], items: list[Item], memory: int, max_hours: float, until: float
) -> tuple[list[float], float, bool]:
    """The Gilmore-Gomory row of one pool's content ``amounts`` (replicas of each item, fractions allowed):
    weights a >= 0 with a . p <= 1 for every packing p of one GPU, a . amounts (the GPUs the row asks, the
    pool's Gilmore-Gomory bound once converged) and whether column generation converged. Column generation
    over packings (highspy); stopped at ``until`` or ``MAX_ROUNDS``, or where a pricing search stopped at its
    node limit, the best duals divided by the heaviest packing still hold (Farley 1990)."""
    import highspy

    _silence_highs_banner()
    h: Any = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    inf = highspy.kHighsInf
    for amount in amounts:
        h.addRow(amount, inf, 0, [], [])
    seen: set[tuple[int, ...]] = set()

    def add(packing: tuple[int, ...]) -> None:
        seen.add(packing)
        index = [i for i, n in enumerate(packing) if n]
        h.addCol(1.0, 0.0, inf, len(index), index, [float(packing[i]) for i in index])

    for i, item in enumerate(items):
        # Each kind alone, as many as one GPU holds: a start that covers every row.
        most = min(item.most, MAX_PER_GPU, memory // item.size)
        if item.hours > 0 and math.isfinite(max_hours):
            most = min(most, int((max_hours + 1e-9) // item.hours))
        add(tuple(max(most, 1) if j == i else 0 for j in range(len(items))))
    best: tuple[list[float], float] = ([0.0] * len(items), 0.0)
    for _ in range(MAX_ROUNDS):
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            break
        duals = [max(0.0, d) for d in h.getSolution().row_dual]
        weight, packing, exact = best_gpu(duals, items, memory, max_hours)
        if weight <= 0:
            break
        scaled = [d / (weight * (1 + 1e-9)) for d in duals]
        asked = sum(a * x for a, x in zip(scaled, amounts, strict=True))
        if asked > best[1]:
            best = (scaled, asked)
        if exact and weight <= 1 + 1e-9:
            return (*best, True)
        if not exact or packing in seen or time.perf_counter() > until:
            break
        add(packing)
    return (*best, False)


def _pool_items(data: ProblemData, key: str, entries: list[SharedData]) -> tuple[list[Item], int, float]:
    option, pool = split_pool_key(key)
    # Bytes rounded the safe way (replicas down, the GPU up): more packings pass, so a row stays valid even
    # where GiB as a float loses a byte.
    memory = math.ceil(data.option_by_id[option].gpu_memory_gib * GIB)
    max_hours = HOURS_PER_MONTH if pool == "part" else math.inf
    items = [
        Item(
            max(1, math.floor(s.reserved_gib * GIB)),
            s.hours if pool == "part" else 0.0,
            min(MAX_PER_GPU, data.demand[s.workload]),
        )
        for s in entries
    ]
    return items, memory, max_hours


def separate(data: ProblemData, lp: LpSolution, until: float) -> list[PoolRow]:
    """The Gilmore-Gomory rows (``pool_row``) that the linear relaxation's solution ``lp`` violates by more
    than ``VIOLATION``, one per pool at most, pools by the replicas they hold (most first)."""
    by_pool: dict[str, list[SharedData]] = {}
    for s in data.shared:
        if lp.share.get(s.id, 0.0) > 1e-9:
            by_pool.setdefault(pool_key(s.option, s.pool), []).append(s)
    rows: list[PoolRow] = []
    for key, entries in sorted(by_pool.items(), key=lambda kv: -sum(lp.share[s.id] for s in kv[1])):
        if time.perf_counter() > until:
            break
        items, memory, max_hours = _pool_items(data, key, entries)
        amounts = [lp.share[s.id] for s in entries]
        weights, asked, _ = pool_row(amounts, items, memory, max_hours, until)
        if asked > lp.shared_gpus.get(key, 0.0) + VIOLATION:
            rows.append(PoolRow(key, tuple((s.id, w) for s, w in zip(entries, weights, strict=True) if w)))
    return rows


@dataclass(frozen=True)
class Strengthened:
    """The relaxation with the rows found, its linear relaxation's optimum with them (a lower bound on every
    plan; 0 where no linear relaxation solved) and the separation rounds it took."""

    data: ProblemData
    bound: float
    rounds: int
    lp: LpSolution | None


def strengthen(data: ProblemData, *, until: float, max_rounds: int = 20) -> Strengthened:
    """Separate and re-solve the linear relaxation until no pool row is violated, ``max_rounds`` or
    ``until``; every row found stays in the returned data (they hold for every plan)."""
    bound = 0.0
    rounds = 0
    last: LpSolution | None = None
    while rounds < max_rounds:
        left = until - time.perf_counter()
        if left <= 0:
            break
        lp = solve_lp(data, time_limit_s=left)
        if lp.status != "optimal":
            break
        last = lp
        bound = max(bound, lp.objective)
        rounds += 1
        rows = separate(data, lp, until)
        if not rows:
            break
        data = replace(data, pool_rows=(*data.pool_rows, *rows))
    return Strengthened(data, bound, rounds, last)
