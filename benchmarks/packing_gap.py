"""Where a large fleet's plan loses to its bound: the aggregate relaxation's pools against real packings.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/packing_gap.py --size 200 --time-limit 130
    .venv/bin/python benchmarks/packing_gap.py --size 200 --time-limit 60 --restricted --ccm --pool-seconds 20

Solves the aggregate relaxation (planner/ilp/constraints.py, "large fleets") of a benchmark fleet
(benchmarks/fleets.py) for ``--time-limit`` seconds and prints, for every pool of shared GPUs in its solution:
the GPUs it counted, the replicas and their memory as a share of those GPUs, the pool's own Gilmore-Gomory
bound, and the GPUs first-fit decreasing and minimum bin slack pack the replicas on. Then the relaxation's
cost and bound, and its solution packed for real (solving.repack) with the units the packing adds.
``--restricted`` solves the relaxation over the options its linear relaxation uses instead (the large-fleet
strategy's second core; its bound is then no bound), ``--ccm`` adds the ccm rows of constraints.py, ``--fill
0.995`` lets every GPU's memory fill to that share only (the second core's room to pack; no bound either).

The Gilmore-Gomory bound is the linear program "fewest GPUs, as fractions of packings, that hold these
replicas", solved by column generation over packings of one GPU (memory, at most 8 replicas, a month of hours
on a "part" GPU); stopped early it still bounds (Farley: the program's value over the largest reduced price).
No packing of the pool's replicas fits on fewer GPUs than it, rounded up; a pool whose bound exceeds its GPU
count holds more than any real GPUs can, whatever the packer.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import time

import pulp
from fleets import fleet_scenario

from planner.catalog.load import load_catalog
from planner.ilp.data import MAX_PER_GPU, POOLS, pool_key
from planner.ilp.incumbent import evaluate
from planner.ilp.solve import solve_lp, solve_problem
from planner.placement.candidates import build_candidates, without_dominated
from planner.placement.merge import merge_equivalent
from planner.solving.large import _support
from planner.solving.packing import first_fit_decreasing, minimum_bin_slack
from planner.solving.repack import repack
from planner.units import HOURS_PER_MONTH

PRICE_NODES = 300_000
"""Most nodes of one pricing search; a search cut short ends the pool's column generation."""


def best_packing(
    values: list[float],
    sizes: list[int],
    hours: list[float],
    counts: list[int],
    memory: int,
    max_hours: float,
) -> tuple[float, list[int] | None, bool]:
    """The packing of one GPU of the highest value: (value, replicas per type, searched to the end)."""
    order = sorted((i for i, v in enumerate(values) if v > 1e-12), key=lambda i: -values[i] / sizes[i])
    best_value, best = 0.0, None
    taken = [0] * len(values)
    nodes = 0

    def bound(k: int, room: int, slots: int) -> float:
        """min(fractional knapsack by memory, slots x best value left): both relax the rest."""
        by_memory = 0.0
        for i in order[k:]:
            n = min(counts[i], room // sizes[i])
            by_memory += n * values[i]
            room -= n * sizes[i]
            if n < counts[i]:
                by_memory += min(1.0, room / sizes[i]) * values[i]
                break
        return min(by_memory, slots * max(values[i] for i in order[k:]))

    def search(k: int, room: int, slots: int, busy: float, value: float) -> bool:
        """False once the node limit is spent."""
        nonlocal best_value, best, nodes
        nodes += 1
        if nodes > PRICE_NODES:
            return False
        if value > best_value + 1e-12:
            best_value, best = value, taken.copy()
        if k == len(order) or slots == 0 or value + bound(k, room, slots) <= best_value + 1e-12:
            return True
        i = order[k]
        most = min(counts[i], slots, room // sizes[i])
        if hours[i] > 0:
            most = min(most, int((max_hours - busy + 1e-9) // hours[i]))
        for n in range(most, -1, -1):
            taken[i] = n
            if not search(k + 1, room - n * sizes[i], slots - n, busy + n * hours[i], value + n * values[i]):
                return False
        taken[i] = 0
        return True

    complete = search(0, memory, MAX_PER_GPU, 0.0, 0.0)
    return best_value, best, complete


def gilmore_gomory(
    sizes: list[int], hours: list[float], counts: list[int], memory: int, max_hours: float, seconds: float
) -> tuple[float, bool]:
    """The pool's Gilmore-Gomory bound (GPUs) and whether column generation converged within ``seconds``."""
    start = time.perf_counter()
    items = sorted(
        ((sizes[i], hours[i], i) for i in range(len(sizes)) for _ in range(counts[i])), reverse=True
    )
    packings: list[list[int]] = []
    for gpu in first_fit_decreasing([(s, h) for s, h, _ in items], memory, max_hours):
        held = [0] * len(sizes)
        for j in gpu:
            held[items[j][2]] += 1
        packings.append(held)
    bound = 0.0
    while True:
        lp = pulp.LpProblem("gilmore_gomory", pulp.LpMinimize)
        x = [lp.add_variable(f"x{j}", lowBound=0) for j in range(len(packings))]
        lp += pulp.lpSum(x)
        for i, n in enumerate(counts):
            lp += pulp.lpSum(p[i] * x[j] for j, p in enumerate(packings) if p[i]) >= n, f"d{i}"
        lp.solve(pulp.HiGHS(msg=False))
        value = float(pulp.value(lp.objective))
        rows = {row.name: row for row in lp.constraints()}
        duals = [max(0.0, float(rows[f"d{i}"].pi or 0.0)) for i in range(len(counts))]
        price, packing, complete = best_packing(duals, sizes, hours, counts, memory, max_hours)
        if not complete:
            return bound, False
        bound = max(bound, value / max(price, 1.0))
        if price <= 1 + 1e-7 or packing is None or packing in packings:
            return bound, True
        if time.perf_counter() - start > seconds:
            return bound, False
        packings.append(packing)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=200, help="workloads in the fleet (default 200)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-limit", type=float, default=130.0, help="seconds for the relaxation (130)")
    parser.add_argument("--pool-seconds", type=float, default=120.0, help="column generation per pool (120)")
    parser.add_argument(
        "--restricted", action="store_true", help="the relaxation over the options its LP uses (not a bound)"
    )
    parser.add_argument("--ccm", action="store_true", help="with the ccm rows of constraints.py")
    parser.add_argument(
        "--fill",
        type=float,
        default=1.0,
        help="share of each GPU's memory the relaxation may fill (large.PACKING_FILL; below 1, no bound)",
    )
    args = parser.parse_args()

    merged = merge_equivalent(fleet_scenario(args.size, args.seed))
    c = without_dominated(build_candidates(merged.scenario, load_catalog(())))
    data = c.data
    lower = None
    if args.restricted:
        # What the large-fleet strategy's second core solves (solving.large): the relaxation over the options
        # its linear relaxation uses.
        lp = solve_lp(c.data, time_limit_s=args.time_limit)
        data = c.data.restricted(_support(c.data, lp))
        lower = lp.objective
        print(f"linear relaxation {lp.objective:,.0f} USD (a bound), {len(data.options)} options used")
    data = dataclasses.replace(data, packing_cuts=args.ccm)
    if args.fill < 1.0:
        data = data.with_gpu_fill(args.fill)
    began = time.perf_counter()
    relaxed = solve_problem(data, time_limit_s=args.time_limit, mip_gap=1e-4)
    print(
        f"{args.size} workloads ({len(c.data.workloads)} after merging), relaxation {relaxed.status} in "
        f"{time.perf_counter() - began:.1f} s: {relaxed.objective:,.0f} USD, "
        f"bound {relaxed.best_bound:,.0f}\n"
    )
    print(
        f"{'option':8} {'pool':4} {'GPU':22} {'GPUs':>4} {'repl':>5} {'memory':>7} {'GG bound':>9} "
        f"{'FFD':>4} {'MBS':>4}"
    )
    for oid, offer in c.offers.items():
        for pool in POOLS:
            entries = [s for s in c.data.shared_on.get(oid, ()) if s.pool == pool and relaxed.share.get(s.id)]
            if not entries:
                continue
            gpus = relaxed.shared_gpus.get(pool_key(oid, pool), 0)
            memory = offer.gpu.vram_bytes
            max_hours = HOURS_PER_MONTH if pool == "part" else math.inf
            sizes = [c.shared_members[s.id].reserved_bytes for s in entries]
            hours = [s.hours if pool == "part" else 0.0 for s in entries]
            counts = [relaxed.share[s.id] for s in entries]
            items = sorted(
                ((s, h) for s, h, n in zip(sizes, hours, counts, strict=True) for _ in range(n)), reverse=True
            )
            bound, converged = gilmore_gomory(sizes, hours, counts, memory, max_hours, args.pool_seconds)
            fill = sum(s for s, _ in items) / (gpus * memory) if gpus else math.inf
            print(
                f"{oid:8} {pool:4} {offer.gpu.name[:22]:22} {gpus:4d} {len(items):5d} {fill:7.2%} "
                f"{bound:8.3f}{' ' if converged else '+'} "
                f"{len(first_fit_decreasing(items, memory, max_hours)):4d} "
                f"{len(minimum_bin_slack(items, memory, max_hours)):4d}"
            )
    exact, start = repack(c, relaxed)
    point = evaluate(exact.data, start)
    assert point is not None, "the packed relaxation is a plan of the exact program"
    cost, units, _ = point
    lower = relaxed.best_bound if lower is None else lower
    print(f"\npacked for real: {cost:,.0f} USD, {(cost - lower) / cost:.2%} above the bound ({lower:,.0f})")
    for o in c.data.options:
        before, after = relaxed.units.get(o.id, 0), units.get(o.id, 0)
        if before != after:
            print(
                f"  {o.id} {o.label}: units {before} -> {after} ({(after - before) * o.fixed_cost:+,.0f} USD)"
            )
    print("GG bound: '+' where column generation stopped early (the bound still holds, Farley)")


if __name__ == "__main__":
    main()
