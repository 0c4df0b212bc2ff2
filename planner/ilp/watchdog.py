"""HiGHS under a wall clock of our own: a MIP call returns near its limit even where HiGHS does not look.

HiGHS checks its ``time_limit`` between the stages of its search, but some stages run without looking: on the
1,000-workload benchmark fleet's aggregate relaxation the root node's central rounding
(``HighsPrimalHeuristics::linesearchRounding``, one propagation per step along the line from the analytic
centre to the LP optimum) ran several times its limit (figures: docs/benchmarks.md, "The figures behind the
tuned constants"), and HiGHS 1.16 has no option to turn it off.
So the solve runs in a thread of its own while the caller waits at most ``limit + grace``; the improving
solutions and the dual bound HiGHS reports through its callbacks are kept as it goes. Where the thread is
still running then, the call returns the last improving solution and bound, and the thread is left to end
by itself (HiGHS's own limit, at its next check); it is never read again, and the process waits for it at
exit (the plan is out by then).

A Ctrl-C while the caller waits stops HiGHS before the KeyboardInterrupt goes on: the MIP interrupt
callback asks it to stop, and the call waits (``STOP_WAIT_S``) for it to return. When a KeyboardInterrupt
lands in Python 3.11's ``Thread.join``, the join's cleanup marks the thread finished though HiGHS still runs
in it, so the interpreter tore down under HiGHS and the process aborted ("terminate called without an active
exception", status -6 instead of 130): the wait is on an event the thread sets, never on ``join``. HiGHS then
reports "interrupted", which PuLP maps to "optimal" with a solution: that status is never read as a plan.

The thread, the bound under its lock and the stop request are ilp.highsthread's, shared with
solving.rootbound; the wait, the Ctrl-C and the solution read back are this module's.
"""

from __future__ import annotations

import contextlib
import math
import threading
from typing import Any

from planner.ilp.highsthread import HighsThread
from planner.ilp.lp import pulp

GRACE_S = 1.0
"""Seconds past the solver's own limit before the call stops waiting for it (plus ``GRACE_SHARE`` of the
limit): HiGHS ends within a fraction of a second of its limit where it checks, and writing the solution back
takes about as long on the largest programs."""
GRACE_SHARE = 0.05
STOP_WAIT_S = 5.0
"""After a Ctrl-C, how long the call waits for HiGHS to stop (it looks at its interrupt callback within
milliseconds in branch and bound; the CLI ends the process itself after a second, ``planner.cli``)."""
_GIVEN_UP: list[threading.Thread] = []
"""The threads of the solves given up on, for ``pending``."""
_WATCHED: list[Any] = []
"""The callback kinds subscribed to (highspy's enum, filled on first use: highspy is imported only where
HiGHS runs)."""


class GuardedHighs(pulp.HiGHS):  # type: ignore[misc]
    """PuLP's HiGHS interface (highspy) with the solve in a thread, waited for at most the limit and a grace.

    ``abandoned`` says the solver was still running when the wait ended; the solution is then the last
    improving one HiGHS reported (``incumbent``), and ``dual_bound`` the last bound it reported."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.abandoned = False
        self.incumbent: list[float] | None = None
        self._highs = HighsThread()  # the thread, the bound under its lock, the stop request

    @property
    def dual_bound(self) -> float:
        """The last (highest) finite dual bound HiGHS reported through its callbacks, -inf where none."""
        return self._highs.bound

    def createAndConfigureSolver(self, lp: Any) -> None:
        import highspy

        super().createAndConfigureSolver(lp)
        highs = lp.solverModel
        highs.cbMipImprovingSolution.subscribe(self._improved)
        highs.cbMipInterrupt.subscribe(self._interrupt)
        if not _WATCHED:
            _WATCHED.extend(
                (
                    highspy.cb.HighsCallbackType.kCallbackMipImprovingSolution,
                    highspy.cb.HighsCallbackType.kCallbackMipInterrupt,
                )
            )

    def _improved(self, event: Any) -> None:
        solution = [float(v) for v in event.data_out.mip_solution]
        with self._highs.lock:
            self.incumbent = solution
            self._highs.note_held(float(event.data_out.mip_dual_bound))

    def _interrupt(self, event: Any) -> None:
        # Interrupted only after a Ctrl-C (``callSolver``): PuLP takes HiGHS's "interrupted" for an optimal
        # plan, even where there is none, so the time limit is left to HiGHS's own checks.
        self._highs.interrupt(event)

    def callSolver(self, lp: Any) -> None:
        limit = float(self.timeLimit) if self.timeLimit is not None else math.inf
        # Not a daemon: the interpreter waits for it at exit. A HiGHS thread still running while the process
        # tears down aborts it ("terminate called without an active exception", two runs of eight of the
        # 1,000-workload benchmark), so a run whose solve was given up on ends when HiGHS does, after its
        # plan is out.
        worker = self._highs.start(lp.solverModel.run, name="highs")
        finished = self._highs.finished
        try:
            finished.wait(None if math.isinf(limit) else limit * (1 + GRACE_SHARE) + GRACE_S)
        except KeyboardInterrupt:
            self._highs.stop()
            with contextlib.suppress(KeyboardInterrupt):  # a second Ctrl-C stops the wait, not the first
                finished.wait(STOP_WAIT_S)
            if not finished.is_set():
                _GIVEN_UP.append(worker)  # the ``planner`` command ends without waiting for it
            raise
        if not finished.is_set():
            self.abandoned = True
            _GIVEN_UP.append(worker)
            # Nothing more to read from it (the flags are plain booleans HiGHS reads at each callback point).
            for kind in _WATCHED:
                lp.solverModel.stopCallback(kind)

    def findSolutionValues(self, lp: Any) -> tuple[int, int]:
        import highspy

        if not self.abandoned and lp.solverModel.getModelStatus() == highspy.HighsModelStatus.kInterrupt:
            # PuLP reads "interrupted" as optimal, with the values HiGHS held: neither a plan nor a proof.
            raise KeyboardInterrupt
        if not self.abandoned:
            status: tuple[int, int] = super().findSolutionValues(lp)
            return status
        with self._highs.lock:
            incumbent = self.incumbent
        variables = lp.variables()
        if incumbent is None or len(incumbent) != len(variables):
            return pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound
        for var in variables:
            var.varValue = incumbent[var.index]
        return pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible


def leave_running(worker: threading.Thread) -> None:
    """A HiGHS thread of another module that ends by itself (solving.rootbound): counted by ``pending``, so
    that the ``planner`` command does not wait for it once its output is written."""
    _GIVEN_UP.append(worker)


def pending() -> bool:
    """Whether a HiGHS solve given up on still runs: the ``planner`` command then ends without waiting for it
    (``planner.__main__``), where a library caller's interpreter waits for it at exit."""
    return any(worker.is_alive() for worker in _GIVEN_UP)
