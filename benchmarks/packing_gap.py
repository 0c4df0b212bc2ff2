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

from fleets import fleet_scenario

from planner.catalog.load import load_catalog
from planner.ilp.data import MAX_PER_GPU, POOLS, pool_key
from planner.ilp.incumbent import evaluate
from planner.ilp.solve import solve_lp, solve_problem
from planner.placement.candidates import build_candidates, without_dominated
from planner.placement.merge import merge_equivalent
from planner.solving.large import _support
from planner.solving.packing import first_fit_decreasing, minimum_bin_slack
from planner.solving.poolbound import Item, pool_row
from planner.solving.repack import repack
from planner.units import HOURS_PER_MONTH


def gilmore_gomory(
    sizes: list[int], hours: list[float], counts: list[int], memory: int, max_hours: float, seconds: float
) -> tuple[float, bool]:
    """The pool's Gilmore-Gomory bound (GPUs) and whether column generation converged within ``seconds``:
    the row ``planner.solving.poolbound.pool_row`` builds on the pool's replicas asks exactly that many."""
    items = [Item(size, h, min(MAX_PER_GPU, n)) for size, h, n in zip(sizes, hours, counts, strict=True)]
    _, bound, converged = pool_row(
        [float(n) for n in counts], items, memory, max_hours, time.perf_counter() + seconds
    )
    return bound, converged


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
