"""A HiGHS call the wall clock gave up on (``ilp.watchdog``) returns what HiGHS reported through callbacks.

Waiting out a real overrun would make a timed test; instead the solve runs to its end and the call is then
marked abandoned, so the path that reads the callbacks' solution and bound is the one taken, on a program
whose optimum is known from the plain solve and by hand.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

import planner.ilp.solve as ilp_solve
import planner.ilp.watchdog as watchdog
from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.watchdog import GuardedHighs


def _data() -> ProblemData:
    # Three replicas of "w": alone on a 1-GPU box (100 USD + 1 USD energy each) or two to a 2-GPU box
    # (150 USD + 1 USD a replica). Optimum by hand: one 2-GPU box for two, a 1-GPU box for the third,
    # 150 + 100 + 3 = 253 USD (two 2-GPU boxes: 303; three 1-GPU boxes: 303).
    return ProblemData(
        workloads=("w",),
        demand={"w": 3},
        options=(OptionData("one", 1, 100.0), OptionData("duo", 2, 150.0)),
        patterns=(
            PatternData("p1", "one", 1, (("w", 1),), 1.0),
            PatternData("p2", "duo", 1, (("w", 1),), 1.0),
        ),
    )


class _GaveUp(GuardedHighs):
    """Runs HiGHS to its end, then reads as a call that stopped waiting for it."""

    def callSolver(self, lp: Any) -> None:
        super().callSolver(lp)
        self.abandoned = True


def test_the_plain_solve_finds_the_hand_optimum() -> None:
    solution = ilp_solve.solve_problem(_data(), solver="highs", time_limit_s=10.0)
    assert solution.status == "optimal" and solution.objective == pytest.approx(253.0)


def test_a_call_given_up_on_returns_the_last_improving_plan_and_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[_GaveUp] = []

    def make(solver: str, time_limit_s: float, mip_gap: float) -> _GaveUp:
        backend = _GaveUp(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=1, random_seed=0)
        made.append(backend)
        return backend

    monkeypatch.setattr(ilp_solve, "_make_solver", make)
    solution = ilp_solve.solve_problem(_data(), solver="highs", time_limit_s=10.0, presolve=False)
    assert made and made[0].abandoned and made[0].incumbent is not None
    # The last improving solution is the optimum; the gap is not claimed closed unless the bound says so.
    assert solution.objective == pytest.approx(253.0)
    assert solution.units == {"one": 1, "duo": 1} and solution.use == {"p1": 1, "p2": 2}
    assert 0.0 <= solution.best_bound <= solution.objective + 1e-9
    assert solution.best_bound == pytest.approx(min(made[0].dual_bound, 253.0))


def test_a_call_given_up_on_before_any_plan_falls_back_to_a_known_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Nothing(_GaveUp):
        def callSolver(self, lp: Any) -> None:
            super().callSolver(lp)
            self.incumbent = None  # HiGHS had reported no plan when the call stopped waiting

    monkeypatch.setattr(
        ilp_solve,
        "_make_solver",
        lambda solver, t, gap: Nothing(msg=False, timeLimit=t, gapRel=gap, threads=1, random_seed=0),
    )
    # Every replica alone on its cheapest option (ilp.incumbent): duo at 75 + 1 a replica, 3 GPUs on two
    # boxes, 2 x 150 + 3 = 303 USD, proven nothing beyond the callbacks' bound.
    solution = ilp_solve.solve_problem(_data(), solver="highs", time_limit_s=10.0, presolve=False)
    assert solution.status == "feasible" and solution.objective == pytest.approx(303.0)
    assert solution.best_bound <= 253.0 + 1e-9


def test_pending_is_true_while_a_given_up_solve_runs_and_false_after(monkeypatch: pytest.MonkeyPatch) -> None:
    # The planner command ends without waiting only while such a thread is alive (planner.__main__).
    gate = threading.Event()
    worker = threading.Thread(target=gate.wait)
    worker.start()
    monkeypatch.setattr(watchdog, "_GIVEN_UP", [worker])
    assert watchdog.pending()
    gate.set()
    worker.join()
    assert not watchdog.pending()


class _Interrupted(GuardedHighs):
    """HiGHS stopped by a user interrupt at its first check, as a Ctrl-C stops it (``callSolver``)."""

    def _interrupt(self, event: Any) -> None:
        event.interrupt()


def test_a_solve_highs_reports_interrupted_is_never_a_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """HiGHS's "interrupted" reaches PuLP as "optimal" with the values HiGHS held when it stopped (none of a
    plan: every variable 0 here, though three replicas are due); solve_problem took it for an optimal plan
    of 0 USD. An interrupt is the user's, so it goes on as KeyboardInterrupt (exit 130 in the CLI)."""
    monkeypatch.setattr(
        ilp_solve,
        "_make_solver",
        lambda solver, t, gap: _Interrupted(msg=False, timeLimit=t, gapRel=gap, threads=1, random_seed=0),
    )
    with pytest.raises(KeyboardInterrupt):
        ilp_solve.solve_problem(_data(), solver="highs", time_limit_s=10.0, presolve=False)
