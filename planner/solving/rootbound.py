"""Large fleets, short runs: the aggregate relaxation's root bound, on the model its linear relaxation built.

A short first pass (under ``large.MIN_FILL_S``: 200 workloads at 10 s) runs on one core: the linear
relaxation, its rounded plan packed, the restricted relaxation. Its bound was the linear relaxation's, since
the whole relaxation as an integer program gave no bound in a few seconds: building its PuLP model a second
time beside the pass held the pass up (docs/benchmarks.md, "Where the gap lies in each run"). Yet HiGHS's
dual bound on that program passes the linear relaxation's within a second or two of its own time, at its
root node's cuts (figures: docs/benchmarks.md, "The figures behind the tuned constants"). ``RootBound``
takes the model HiGHS already holds from the linear relaxation (``solve_lp(keep_model=True)``: a copy made
in C++, in a fraction of the time a new model takes), runs HiGHS's
root node on it, heuristics off, in a thread of its own (on the second core, which a short pass leaves idle;
HiGHS releases the interpreter while it runs) and, when the pass ends, returns the highest dual bound
HiGHS reported.

Why the figure bounds every plan: the program is the aggregate relaxation over every option
(ilp/constraints.py: its optimum is at most the cost of any plan) with the patterns' copy bounds dropped
(``solve_lp``), a relaxation of it, so its optimum is lower still; HiGHS's dual bound, at any point of the
search, is at most that optimum. Only columns that are integer in the program are made integer again
(``LpSolution.mip``). Tested against the program's own optimum and an exhaustive oracle in
tests/solving/test_rootbound.py.
"""

from __future__ import annotations

import time
from typing import Any

from planner import deadline
from planner.ilp import watchdog
from planner.ilp.highsthread import HighsThread
from planner.ilp.solve import HIGHS_PRESOLVE_RULES_OFF, _silence_highs_banner

NODES = 1
"""Nodes HiGHS searches: the root's, whose cuts give the bound, and then the solve ends by itself, leaving
the core to the rest of the run; more nodes raise the bound little for several times the time (figures:
docs/benchmarks.md, "The figures behind the tuned constants")."""
HEURISTICS_OFF = (
    "mip_heuristic_run_feasibility_jump",
    "mip_heuristic_run_rins",
    "mip_heuristic_run_rens",
    "mip_heuristic_run_root_reduced_cost",
)
"""HiGHS's primal heuristics, off with ``mip_heuristic_effort`` 0: only the bound is asked for, and with them
on the root's sub-MIPs ran to the time limit without once looking at the interrupt callback, holding the core
the restricted relaxation needed (same section)."""


class RootBound:
    """HiGHS's search of ``NODES`` nodes on ``model`` (a ``highspy.HighsModel``), at most until ``until``
    (``time.perf_counter``), in a thread of its own, its dual bound kept as it rises (ilp.highsthread)."""

    def __init__(self, model: Any, until: float) -> None:
        self._model = model
        self._until = until
        self._highs = HighsThread()
        self._thread = self._highs.start(self._run, name="highs-root")
        self._done = self._highs.finished
        watchdog.leave_running(self._thread)  # the ``planner`` command does not wait for it at exit

    def _run(self) -> None:
        import highspy

        _silence_highs_banner()
        highs: Any = highspy.Highs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
        highs.passModel(self._model)
        options: dict[str, Any] = {
            "threads": 1,
            "random_seed": 0,
            "mip_rel_gap": 0.0,
            "presolve_rule_off": HIGHS_PRESOLVE_RULES_OFF,
            "mip_max_nodes": NODES,
            "time_limit": max(deadline.cap(self._until - time.perf_counter()), 0.01),
            **dict.fromkeys(HEURISTICS_OFF, False),
            "mip_heuristic_effort": 0.0,
        }
        for key, value in options.items():
            highs.setOptionValue(key, value)
        highs.cbMipInterrupt.subscribe(self._highs.interrupt)
        if not self._highs.stopping:
            highs.run()
            self._highs.note(float(highs.getInfo().mip_dual_bound))

    def stop(self) -> float:
        """Ask HiGHS to stop (at its next look at the interrupt callback; it has usually ended by itself,
        after ``NODES``) and return the highest dual bound it reported: 0.0 where none (costs are never
        negative, so 0 bounds every plan)."""
        self._highs.stop()
        return max(self._highs.bound, 0.0)
