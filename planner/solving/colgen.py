"""Large fleets: co-location patterns by column generation, and a lower bound that is a real bound.

Past ``PATTERN_BUDGET`` the co-location patterns cannot be enumerated (multisets of up to eight of a few
hundred workload kinds). Instead the linear relaxation of the exact pattern model (constraints.py) is solved
with the patterns found so far, and for every option a pricing problem finds the one-GPU pattern of most
negative reduced cost

    rc(P) = f * energy(P) - sum_w pi_w * n_w - mu_o,     f = 1 - lambda / months

(pi: demand duals, mu_o <= 0: the option's capacity dual, lambda <= 0: the duals of the limit rows that
count running costs, the monthly budget's). The
energy of a shared GPU is e_o * min(730, sum_w hours_w * n_w), so the most negative reduced cost is the
better of two knapsacks: values pi_w - f * e_o * hours_w (uncapped energy), or values pi_w less
f * e_o * 730 once (capped). Each knapsack (memory <= the GPU's, at most ``MAX_PER_GPU`` replicas, at most
the demand of each workload) is solved exactly by depth-first branch and bound. When no option has a pattern
of negative reduced cost the relaxation is optimal over *all* patterns, so its value bounds every plan from
below (Gilmore and Gomory 1961; the configuration LP of bin packing); the integer program is then solved
over the generated patterns, which makes the plan exact by construction (every pattern was checked to fit).
If the time runs out first, or a knapsack search hits its node limit, the bound is not claimed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

from planner.ilp.data import MAX_PER_GPU, PatternData
from planner.ilp.master import LpMaster
from planner.ilp.solve import LpSolution
from planner.placement.candidates import Candidates
from planner.placement.patterns import Member, add_pattern, month_energy, pattern_counts
from planner.solving.packing import first_fit_decreasing
from planner.units import HOURS_PER_MONTH

NODE_LIMIT = 200_000
"""Most search nodes one knapsack may visit before the pricing is declared inexact."""
MAX_ROUNDS = 200
MAX_ITEMS = 400
"""Most workload kinds one knapsack searches (the densest); past it the pricing is not exact."""
KEEP = 5
"""Patterns kept per knapsack and round: the best and the incumbents just before it (fewer rounds)."""
RC_TOLERANCE = 1e-6
"""Reduced costs above -tolerance x (1 + |objective| / 1e6) count as zero (the LP solver's own tolerance)."""


@dataclass(frozen=True)
class Generated:
    candidates: Candidates
    """The candidates with the generated patterns and no aggregate shared-GPU entries."""
    bound: float | None
    """A lower bound on every plan: the LP bound over all patterns once converged, before that the best
    Lagrangian bound of the rounds; None when no round priced exactly."""
    rounds: int
    patterns: int
    converged: bool = False
    solved: bool = False
    """At least one relaxation solved (an infeasible one leaves the diagnosis to the aggregate model)."""


@dataclass(frozen=True)
class _Item:
    workload: str
    member: Member
    size: int
    hours: float
    demand: int


Choice = tuple[tuple[_Item, int], ...]


def _knapsack(
    items: list[tuple[float, _Item]], capacity: int, max_count: int = MAX_PER_GPU
) -> tuple[float, list[tuple[float, Choice]], bool]:
    """max sum v * n with sum size * n <= capacity, sum n <= max_count, n <= demand, sum n >= 2.

    Items of non-positive value are left out: a pattern holding one only beats the single placements already
    in the relaxation (whose reduced costs are >= 0) if its positive part has two or more replicas. Returns
    (best value, the last ``KEEP`` incumbents with their values, exact)."""
    pos = sorted(((v, it) for v, it in items if v > 0), key=lambda t: (-t[0] / t[1].size, t[1].workload))
    truncated = len(pos) > MAX_ITEMS
    pos = pos[:MAX_ITEMS]  # the search recurses once per item: stay far below Python's recursion limit
    n_items = len(pos)
    best_value = 0.0
    best: list[int] = []
    found: list[tuple[float, list[int]]] = []
    chosen = [0] * n_items
    nodes = 0
    exact = not truncated

    values = [v for v, _ in pos]
    sizes = [it.size for _, it in pos]
    demands = [it.demand for _, it in pos]
    suffix_max = [0.0] * (n_items + 1)
    for j in range(n_items - 1, -1, -1):
        suffix_max[j] = max(values[j], suffix_max[j + 1])

    def bound(i: int, cap: int, cnt: int) -> float:
        """min(fractional knapsack on memory alone, replicas left x best value left): both relax it."""
        by_cnt = cnt * suffix_max[i]
        by_cap = 0.0
        for j in range(i, n_items):
            size = sizes[j]
            take = min(demands[j], cap // size)
            if take < demands[j]:
                by_cap += (take + (cap - take * size) / size) * values[j]
                break
            by_cap += take * values[j]
            cap -= take * size
            if by_cap >= by_cnt:
                break
        return min(by_cap, by_cnt)

    def dfs(i: int, cap: int, cnt: int, value: float, count: int) -> None:
        nonlocal best_value, best, nodes, exact
        nodes += 1
        if nodes > NODE_LIMIT:
            exact = False
            return
        if count >= 2 and value > best_value + 1e-12:
            best_value, best = value, chosen.copy()
            found.append((value, best))
        if i == n_items or cnt == 0 or value + bound(i, cap, cnt) <= best_value + 1e-12:
            return
        v, it = pos[i]
        for n in range(min(it.demand, cnt, cap // it.size), -1, -1):
            chosen[i] = n
            dfs(i + 1, cap - n * it.size, cnt - n, value + n * v, count + n)
        chosen[i] = 0

    dfs(0, capacity, max_count, 0.0, 0)
    top = [(v, tuple((pos[j][1], n) for j, n in enumerate(sel) if n)) for v, sel in found[-KEEP:]]
    return best_value, top, exact


def generate(c: Candidates, *, deadline: float, rel_gap: float = 0.0) -> Generated:
    """Column generation over the co-location patterns of ``c`` (which is in aggregate shared-GPU form).

    Stops when no pattern prices out, at ``deadline``, or once the Lagrangian bound is within ``rel_gap``
    of the relaxation (its tail converges slowly and the integer program's own gap is larger)."""
    patterns: list[PatternData] = list(c.data.patterns)
    members: dict[str, tuple[Member, ...]] = dict(c.members)
    items_on: dict[str, list[_Item]] = {o.id: [] for o in c.data.options}
    for s in c.data.shared:
        if s.pool != "full":
            continue  # one item per workload and option: a pattern prices its own (capped) energy
        m = c.shared_members[s.id]
        items_on[s.option].append(
            _Item(s.workload, m, m.reserved_bytes, c.hours[m.workload], c.data.demand[s.workload])
        )
    energy_rate = {oid: month_energy(c.offers[oid], c.rates) / HOURS_PER_MONTH for oid in items_on}
    seen = {(p.option, p.counts) for p in patterns}
    for oid, items in items_on.items():
        if time.perf_counter() > deadline:
            # Out of time before the first round (1,000 workloads on a loaded machine: this set-up alone
            # took 12 s): no patterns, no bound; the caller goes on without them.
            return Generated(c, None, 0, 0)
        for group in _first_fit(items, c.offers[oid].gpu.vram_bytes):
            counts = pattern_counts(group, c.workload_id)
            if (oid, counts) not in seen:
                seen.add((oid, counts))
                add_pattern(
                    patterns, members, oid, c.offers[oid], group, c.hours, c.workload_id, c.rates, "g"
                )
    # A co-location copy holds two replicas or more: at most half the replicas' worth of copies in any plan.
    # Rate-stated replicas never share a GPU (none of their patterns is priced); their demand is a floor.
    max_copies = sum(n for w, n in c.data.demand.items() if w not in c.data.rate) / 2
    bound: float | None = None
    converged = solved = False
    rounds = 0
    added = 0
    if time.perf_counter() > deadline:
        return Generated(c, None, 0, 0)
    try:
        master = LpMaster(
            c.data.with_patterns(patterns), time_limit_s=max(1.0, deadline - time.perf_counter())
        )
    except ImportError:  # no highspy (CBC only): the caller falls back to the aggregate model
        return Generated(c, None, 0, 0)
    in_master = len(patterns)
    while rounds < MAX_ROUNDS and time.perf_counter() < deadline:
        rounds += 1
        master.add_patterns(patterns[in_master:])
        in_master = len(patterns)
        lp = master.solve()
        if lp.status != "optimal":
            break
        solved = True
        f = 1.0 - lp.running / c.rates.months
        tolerance = RC_TOLERANCE * (1.0 + abs(lp.objective) / 1e6)
        exact = True
        most_negative = 0.0
        new = 0
        cache: dict[tuple[object, ...], list[tuple[float, list[tuple[float, Choice]], bool]]] = {}
        for oid, items in items_on.items():
            if not items:
                continue
            if time.perf_counter() > deadline:
                exact = False  # out of time mid-round: keep what was found, claim no bound
                break
            vram = c.offers[oid].gpu.vram_bytes
            e = energy_rate[oid] * f
            key = (vram, e, tuple(it.workload for it in items))
            if key not in cache:
                cache[key] = [_knapsack([(lp.demand[it.workload] - e * it.hours, it) for it in items], vram)]
                if e > 0:  # on cloud (no energy) both knapsacks are the same
                    best, top, ok = _knapsack([(lp.demand[it.workload], it) for it in items], vram)
                    shift = e * HOURS_PER_MONTH
                    cache[key].append((best - shift, [(v - shift, ch) for v, ch in top], ok))
            gpu_price = _gpu_price(lp, oid, c.data.option_by_id[oid].gpus_per_unit)
            for best, top, ok in cache[key]:
                exact &= ok
                most_negative = min(most_negative, gpu_price - best)
                for value, choice in top:
                    if not choice or gpu_price - value >= -tolerance:
                        continue
                    counts = tuple(sorted((it.workload, n) for it, n in choice))
                    if (oid, counts) in seen:
                        continue  # in the relaxation already: its reduced cost is not negative
                    seen.add((oid, counts))
                    group = tuple(it.member for it, n in choice for _ in range(n))
                    add_pattern(
                        patterns, members, oid, c.offers[oid], group, c.hours, c.workload_id, c.rates, "g"
                    )
                    new += 1
        added += new
        if exact:
            # Lagrangian bound (Farley 1990): no column prices below ``most_negative``, so no plan costs less.
            lagrangian = lp.objective + max_copies * min(0.0, most_negative)
            bound = lagrangian if bound is None else max(bound, lagrangian)
        if new == 0:
            converged = exact
            break
        if bound is not None and lp.objective - bound <= rel_gap * abs(lp.objective):
            break
    exact_c = replace(c, data=c.data.with_patterns(patterns), members=members, shared_members={})
    return Generated(exact_c, bound, rounds, added, converged, solved)


def _first_fit(items: list[_Item], vram: int) -> list[tuple[Member, ...]]:
    """Starting patterns: every sharing replica of the option packed first-fit decreasing (at most
    ``MAX_PER_GPU`` a GPU). Any patterns would do; good ones save rounds."""
    replicas = [it for it in sorted(items, key=lambda it: (-it.size, it.workload)) for _ in range(it.demand)]
    bins = first_fit_decreasing([(it.size, 0.0) for it in replicas], vram)
    return [tuple(replicas[i].member for i in held) for held in bins if len(held) >= 2]


def _gpu_price(lp: LpSolution, oid: str, gpus_per_unit: int) -> float:
    """-mu_o, raised as far as the units column allows: mu_o' = mu_o - rc(units_o) / G keeps every column
    dual feasible (units' reduced cost becomes 0, patterns' only grow) and the dual objective unchanged
    (capacity rows have right-hand side 0). Options the relaxation leaves unused otherwise get mu_o = 0 from
    a degenerate basis and price patterns there as if GPUs were free."""
    reduced = lp.units_reduced_cost.get(oid, 0.0)
    return -lp.capacity[oid] + max(0.0, reduced) / gpus_per_unit
