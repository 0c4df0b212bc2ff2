"""HiGHS in a thread of its own: what ``ilp.watchdog`` (PuLP's models) and ``solving.rootbound`` (a
highspy model) share.

Both run HiGHS in a thread so that the caller is not held by it (the watchdog waits at most its limit and a
grace; the root bound runs beside a short pass on the second core; HiGHS releases the interpreter while it
runs), both keep the dual bound HiGHS reports through its callbacks as it rises, under a lock (the callbacks
run in HiGHS's thread, the bound is read in the caller's), and both stop HiGHS through the MIP interrupt
callback, the one place HiGHS looks at a request from outside. What each does around it differs (the
watchdog's wait and Ctrl-C, the root bound's options), so only this is shared.

The thread is not a daemon: a HiGHS thread still running while the interpreter tears down aborts the process
("terminate called without an active exception"). Its end is an event the thread sets, never ``join``: a
KeyboardInterrupt landing in Python 3.11's ``Thread.join`` marks the thread finished though HiGHS still runs.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from typing import Any


class HighsThread:
    """One HiGHS run in a thread (``start``), its best dual bound (``bound``), and a stop request that the
    interrupt callback (``interrupt``) passes on to HiGHS at its next look."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        """Held while the bound (and what a user keeps beside it) is written or read."""
        self.finished = threading.Event()
        """Set when the work given to the latest ``start`` has returned or raised (a new event each start)."""
        self.stopping = False
        """Asked to stop (``stop``): a plain boolean, read by HiGHS's thread at each interrupt callback."""
        self._bound = -math.inf

    def start(self, work: Callable[[], None], name: str) -> threading.Thread:
        """``work`` (which runs HiGHS) in a new non-daemon thread named ``name``; ``finished`` is set when it
        ends, however it ends."""

        finished = self.finished = threading.Event()

        def run() -> None:
            try:
                work()
            finally:
                finished.set()

        thread = threading.Thread(target=run, name=name, daemon=False)
        thread.start()
        return thread

    def note(self, bound: float) -> None:
        """Raise the kept bound to ``bound`` where it is finite (HiGHS reports -inf before it has one)."""
        with self.lock:
            self.note_held(bound)

    def note_held(self, bound: float) -> None:
        """``note`` for a caller that holds ``lock`` already (to keep something else beside the bound)."""
        if math.isfinite(bound):
            self._bound = max(self._bound, bound)

    def interrupt(self, event: Any) -> None:
        """HiGHS's MIP interrupt callback: keep the dual bound it reports, and stop HiGHS where asked to."""
        self.note(float(event.data_out.mip_dual_bound))
        if self.stopping:
            event.interrupt()

    def stop(self) -> None:
        """Ask HiGHS to stop at its next look at the interrupt callback (milliseconds in branch and bound;
        some stages do not look)."""
        self.stopping = True

    @property
    def bound(self) -> float:
        """The highest finite dual bound HiGHS reported, -inf where none."""
        with self.lock:
            return self._bound
