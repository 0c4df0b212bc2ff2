"""Large fleets, long passes: the aggregate relaxation's search tree, again, on the core steps 2-4 leave idle.

After a long first pass (``large.MIN_FILL_S`` or more: a 60 s run's 24 s) the plan's steps (column
generation, the exact program, pricing on the plan's own units) run on one core, and the second core is idle
for the rest of the run. The relaxation's bound at the pass's end is where HiGHS's search happened to be
then, and a few more seconds of its tree raise it: on the 200-workload benchmark fleet the relaxation alone
proved 2,396,370 USD after 25 s and 2,405,502-2,405,990 after 55-90 s (docs/benchmarks.md, "The
relaxation's tree on the second core"). So once the pass ends, ``search_tree`` starts HiGHS's integer search
on the relaxation again in a thread (``solving.rootbound.RootBound``, its heuristics off: only the bound is
asked of it), from the linear relaxation's model built in that thread, with the cheapest point of the
relaxation the pass found as its cutoff, until the steps end; ``RootBound.stop`` then returns the bound. It
runs at the lowest priority (``RootBound``'s ``nice``): on a loaded machine the plan's steps keep their core,
as they did before it (sharing the cores at normal priority cost the exact program its optimum under load:
docs/benchmarks.md, "The relaxation's bound to the end of the run").

Why the figure bounds every plan: the program searched is the aggregate relaxation over every option with
the patterns' copy bounds dropped (``solve_lp(keep_model=True)``), a relaxation of every plan's program
(solving.rootbound); HiGHS's dual bound with a cutoff U says that every point costing less than U costs at
least that bound, so every point, and so every plan, costs at least the lower of the two, which is what the
search returns. The cutoff needs no proof of its own: any U keeps that minimum a bound, and one at or above
the relaxation's optimum (the cost of a point of the relaxation: the pass's plans of the whole, the
restricted or the roomier relaxation, each a point of the whole one) loses nothing. Tested against the
exhaustive oracle in tests/solving/test_treebound.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from typing import Any

from planner.ilp.data import ProblemData
from planner.ilp.solve import Solution, solve_lp
from planner.solving.rootbound import RootBound

MIN_SEARCH_S = 10.0
"""The search starts only with at least this long before the steps end: its model and its root take a few
seconds before the tree proves anything above the pass's bound (200 workloads: 2,396,626 USD for 21 s, then
2,405,424; 1,000 workloads: above the pass's 10,990,011 after 15 s)."""
SEARCH_SOLVERS = ("highs",)
"""Solvers after whose long pass the tree is searched: the search is HiGHS's, on the model HiGHS holds
(CBC runs are left as they were)."""


def search_tree(data: ProblemData, points: Iterable[Solution], until: float) -> RootBound | None:
    """HiGHS's search of the relaxation ``data`` until ``until``, in a thread (module docstring), with the
    cheapest of ``points`` (solutions of the relaxation, or of a part of it; others are skipped) as its
    cutoff; None where less than ``MIN_SEARCH_S`` is left."""
    if until - time.perf_counter() < MIN_SEARCH_S:
        return None
    costs = [p.objective for p in points if p.status in ("optimal", "feasible") and p.solver != "lp"]
    cutoff = min((c for c in costs if math.isfinite(c)), default=math.inf)

    def model() -> Any:
        """The linear relaxation's model, made integer again (``solve_lp(keep_model=True)``), or None."""
        lp = solve_lp(data, time_limit_s=max(until - time.perf_counter(), 0.01), keep_model=True)
        return lp.mip if lp.status == "optimal" else None

    return RootBound(model, until, nodes=None, cutoff=cutoff, nice=True)
