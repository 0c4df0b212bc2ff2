"""The part of running HiGHS in a thread that ilp.watchdog and solving.rootbound share (ilp.highsthread),
driven by stand-ins for HiGHS's callback events: the real runs are tests/ilp/test_watchdog.py and
tests/solving/test_rootbound.py."""

from __future__ import annotations

import math
import threading
from types import SimpleNamespace

from planner.ilp.highsthread import HighsThread


class _Event:
    """HiGHS's callback event as the interrupt callback reads it: a dual bound, and a stop request."""

    def __init__(self, bound: float) -> None:
        self.data_out = SimpleNamespace(mip_dual_bound=bound)
        self.interrupted = False

    def interrupt(self) -> None:
        self.interrupted = True


def test_the_bound_kept_is_the_highest_finite_one_reported() -> None:
    highs = HighsThread()
    assert highs.bound == -math.inf
    for bound in (-math.inf, 120.0, 150.0, 140.0, math.inf, math.nan):
        highs.interrupt(_Event(bound))
    assert highs.bound == 150.0


def test_highs_is_interrupted_only_once_asked_to_stop() -> None:
    highs = HighsThread()
    before = _Event(10.0)
    highs.interrupt(before)
    highs.stop()
    after = _Event(20.0)
    highs.interrupt(after)
    assert (before.interrupted, after.interrupted) == (False, True)
    assert highs.bound == 20.0  # the bound reported at the stop is kept too


def test_finished_is_set_when_the_work_raises_and_the_thread_is_no_daemon() -> None:
    highs = HighsThread()
    gate = threading.Event()

    def work() -> None:
        gate.wait(5)
        raise RuntimeError("HiGHS failed")  # reported by threading's excepthook, not raised here

    previous = threading.excepthook
    threading.excepthook = lambda args: None
    try:
        thread = highs.start(work, name="highs-test")
        assert not thread.daemon and thread.name == "highs-test"
        assert not highs.finished.is_set()
        gate.set()
        assert highs.finished.wait(5)
    finally:
        thread.join(5)
        threading.excepthook = previous
