"""How far the aggregate relaxation's bound moves: Gilmore-Gomory pool rows and reduced-cost fixing.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/relaxation_bound.py --size 200 --rounds 8 --mip-seconds 45
    .venv/bin/python benchmarks/relaxation_bound.py --size 200 --rounds 0 --fix-margin 0.0084 --mip-seconds 60
    .venv/bin/python benchmarks/relaxation_bound.py --size 200 --rounds 3 --mip-seconds 300 --mip-rounds 3
    .venv/bin/python benchmarks/relaxation_bound.py --rounds 0 --mip-seconds 45 --heuristic-effort 0
    .venv/bin/python benchmarks/relaxation_bound.py --size 200 --rounds 0 --mip-seconds 60 --integer units

Builds the aggregate relaxation of a benchmark fleet (benchmarks/fleets.py; ilp/constraints.py, "large
fleets") and prints, for ``--rounds`` rounds, its linear relaxation's optimum and the pools' Gilmore-Gomory
rows it violates (planner/solving/poolbound.py: valid for every packing, so every figure is a lower bound);
then, with ``--mip-seconds``, HiGHS's dual bound on the integer relaxation with the rows found, and with
``--mip-rounds K`` K more rounds that separate the rows on its integer solution and solve again.
``--heuristic-effort`` sets HiGHS's ``mip_heuristic_effort`` (the pipeline's is
``planner.ilp.solve.HIGHS_HEURISTIC_EFFORT``); ``--integer units`` keeps only the units integer (patterns and
shared replicas continuous) and ``--integer pools`` the units and the pools' GPUs: weaker relaxations, so
their bounds bound every plan too (the objective printed then rounds the continuous columns: no plan).

``--fix-margin M`` solves the integer relaxation without the columns whose reduced cost in the linear
relaxation is at least M x its optimum instead (reduced-cost fixing, Nemhauser and Wolsey 1988): with y
the linear relaxation's optimal duals, every point x of the relaxation costs c x = y b + sum_j d_j x_j >= LP
+ sum_j d_j (x_j - bound_j), every term >= 0, so a point that uses a dropped column costs at least LP + M LP,
and one that does not is a point of the reduced relaxation: every plan costs at least min(LP + M LP, the
reduced relaxation's bound). HiGHS's reduced costs hold to its tolerance (1e-7 per column).
"""

from __future__ import annotations

import argparse
import dataclasses
import time

import pulp
from fleets import fleet_scenario

import planner.ilp.solve as ilp_solve
from planner.catalog.load import load_catalog
from planner.ilp.constraints import Model
from planner.ilp.data import ProblemData
from planner.ilp.solve import LpSolution, Solution, build_model, solve_lp, solve_problem
from planner.placement.candidates import build_candidates, without_dominated
from planner.placement.merge import merge_equivalent
from planner.solving.poolbound import separate


def fixed(data: ProblemData, margin: float) -> tuple[ProblemData, float, float]:
    """(the relaxation without the columns of reduced cost >= margin x LP, LP, LP + margin x LP)."""
    m = build_model(data)
    for v in m.prob.variables():
        v.cat = pulp.LpContinuous
    m.prob.solve(pulp.HiGHS(msg=False, threads=1, random_seed=0))
    lp = float(pulp.value(m.prob.objective))
    step = margin * lp

    def dropped(variables: dict[str, pulp.LpVariable]) -> set[str]:
        return {key for key, v in variables.items() if float(v.dj or 0.0) >= step}

    options, patterns, shared = dropped(m.units), dropped(m.use), dropped(m.share)
    kept = data.restricted({o.id for o in data.options if o.id not in options})
    reduced = dataclasses.replace(
        kept,
        patterns=tuple(p for p in kept.patterns if p.id not in patterns),
        shared=tuple(s for s in kept.shared if s.id not in shared),
    )
    return reduced, lp, lp + step


def continuous(keep: str) -> None:
    """Every program built from here on has only the units (``keep`` "units") or the units and the pools'
    GPUs ("pools") integer."""
    build = ilp_solve.build_model

    def relaxed(data: ProblemData, **kwargs: bool) -> Model:
        m = build(data, **kwargs)
        columns = [*m.use.values(), *m.share.values()]
        if keep == "units":
            columns += m.shared_gpus.values()
        for v in columns:
            v.cat = pulp.LpContinuous
        return m

    ilp_solve.build_model = relaxed


def as_point(solution: Solution) -> LpSolution:
    """An integer solution in the form ``separate`` reads."""
    return LpSolution(
        "optimal",
        solution.objective,
        share={k: float(v) for k, v in solution.share.items()},
        shared_gpus={k: float(v) for k, v in solution.shared_gpus.items()},
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=200, help="workloads in the fleet (default 200)")
    parser.add_argument("--rounds", type=int, default=8, help="separation rounds (default 8)")
    parser.add_argument("--mip-seconds", type=float, default=0.0, help="integer relaxation after (0: none)")
    parser.add_argument("--fix-margin", type=float, default=0.0, help="reduced-cost fixing margin (0: none)")
    parser.add_argument("--mip-rounds", type=int, default=0, help="rounds on the integer solution (0)")
    parser.add_argument("--heuristic-effort", type=float, default=None, help="HiGHS mip_heuristic_effort")
    parser.add_argument("--integer", choices=("all", "units", "pools"), default="all")
    args = parser.parse_args()
    if args.heuristic_effort is not None:
        ilp_solve.HIGHS_HEURISTIC_EFFORT = args.heuristic_effort
    if args.integer != "all":
        continuous(args.integer)

    merged = merge_equivalent(fleet_scenario(args.size, 0))
    data = without_dominated(build_candidates(merged.scenario, load_catalog(()))).data
    began = time.perf_counter()
    for r in range(args.rounds):
        t = time.perf_counter()
        lp = solve_lp(data, time_limit_s=300)
        solved = time.perf_counter()
        rows = separate(data, lp, time.perf_counter() + 120)
        print(
            f"round {r}: linear relaxation {lp.objective:,.0f} USD ({solved - t:.1f} s) with "
            f"{len(data.pool_rows)} rows; {len(rows)} violated ({time.perf_counter() - solved:.1f} s)",
            flush=True,
        )
        if not rows:
            break
        data = dataclasses.replace(data, pool_rows=(*data.pool_rows, *rows))
    print(f"separation {time.perf_counter() - began:.1f} s, {len(data.pool_rows)} rows", flush=True)
    floor = None
    if args.fix_margin > 0:
        t = time.perf_counter()
        columns = len(data.patterns) + len(data.shared)
        data, lp_value, floor = fixed(data, args.fix_margin)
        print(
            f"fixing: linear relaxation {lp_value:,.0f}, floor {floor:,.0f}; columns {columns} -> "
            f"{len(data.patterns) + len(data.shared)} ({time.perf_counter() - t:.1f} s)"
        )
    for r in range(1 + args.mip_rounds if args.mip_seconds > 0 else 0):
        t = time.perf_counter()
        sol = solve_problem(data, time_limit_s=args.mip_seconds, mip_gap=1e-5)
        bound = sol.best_bound if floor is None else min(floor, sol.best_bound)
        print(
            f"integer relaxation with {len(data.pool_rows)} rows: {sol.status}, {sol.objective:,.0f} USD, "
            f"HiGHS's dual bound {sol.best_bound:,.0f} in {time.perf_counter() - t:.1f} s; bound on every "
            f"plan {bound:,.0f}",
            flush=True,
        )
        if r == args.mip_rounds or sol.status not in ("optimal", "feasible"):
            break
        rows = separate(data, as_point(sol), time.perf_counter() + 120)
        for row in rows:
            print(f"  {row.pool}: {sol.shared_gpus.get(row.pool)} GPUs, the row asks more", flush=True)
        if not rows:
            break
        data = dataclasses.replace(data, pool_rows=(*data.pool_rows, *rows))


if __name__ == "__main__":
    main()
