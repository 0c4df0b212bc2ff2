"""The run-wide time limit: one deadline that every stage of a solve reads, not only the solver.

``--time-limit`` once bounded only the integer programs: 10,000 workloads under a 5 s limit ran 74 s, most of
it packing shared GPUs, and the alternatives got the whole limit again. Now ``pipeline.solve`` opens a
deadline (``within``) and the stages check it where they loop:

- stages without which there is no plan (building candidates, packing, column generation) call
  ``check(stage)``, which raises ``TimeLimitError`` (exit status 2, one line naming the stage) once the
  deadline has passed;
- solver calls take ``cap(seconds)``: their own share, but never past the deadline;
- optional work (the alternatives) asks ``expired()`` and stops early, so a plan found in time is kept.

The deadline lives in a context variable rather than in every signature, so a stage checks it without the
pipeline threading an argument through each call; outside ``within`` there is none and every check passes.
A nested ``within`` never extends the deadline around it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from planner.bounds import MAX_RUN_MEMORY_BYTES
from planner.errors import PlannerError, TimeLimitError
from planner.units import GIB

_P = ParamSpec("_P")
_R = TypeVar("_R")


@dataclass
class Deadline:
    """A point in ``time.monotonic()`` time by which the run must end, the limit it came from, and the
    resident memory the run started with (its growth is bounded by ``MAX_RUN_MEMORY_BYTES``)."""

    end: float
    limit_s: float
    memory_start: int | None = None
    next_memory_check: float = 0.0

    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(self.end - time.monotonic(), 0.0)

    def expired(self) -> bool:
        return time.monotonic() >= self.end


_current: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("planner_deadline", default=None)


@contextlib.contextmanager
def within(seconds: float) -> Iterator[Deadline]:
    """Run the block under a deadline ``seconds`` from now (or the enclosing one's, if that is sooner)."""
    outer = _current.get()
    deadline = Deadline(time.monotonic() + seconds, seconds, _resident_bytes())
    if outer is not None:  # errors name the limit the user gave, the outermost one; memory from its start
        deadline = Deadline(min(outer.end, deadline.end), outer.limit_s, outer.memory_start)
    token = _current.set(deadline)
    try:
        yield deadline
    finally:
        _current.reset(token)


def bounded_by(keyword: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a function whose keyword argument ``keyword`` is its time limit in seconds: the call runs
    ``within`` that limit, so everything it calls shares one deadline."""

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        default = function.__kwdefaults__.get(keyword) if function.__kwdefaults__ else None

        @functools.wraps(function)
        def run(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            limit: Any = kwargs.get(keyword, default)
            if not isinstance(limit, int | float) or isinstance(limit, bool) or not limit > 0:
                # A bad argument is the function's own to name; 0 asks for the plan at hand without solver
                # time (the library's contract), so the stages that build it run unbounded.
                return function(*args, **kwargs)
            with within(float(limit)):
                return function(*args, **kwargs)

        return run

    return decorate


def current() -> Deadline | None:
    return _current.get()


def expired() -> bool:
    """Whether the current deadline has passed (False when there is none)."""
    deadline = _current.get()
    return deadline is not None and deadline.expired()


def cap(seconds: float) -> float:
    """``seconds``, or what is left of the current deadline if that is less."""
    deadline = _current.get()
    return seconds if deadline is None else min(seconds, deadline.remaining())


def check(stage: str) -> None:
    """Raise ``TimeLimitError`` naming ``stage`` once the current deadline has passed; cheap enough (one
    clock read) for the head of any loop whose body does real work."""
    deadline = _current.get()
    if deadline is None:
        return
    now = time.monotonic()
    if now >= deadline.end:
        raise TimeLimitError(
            f"the time limit of {deadline.limit_s:g} s ran out while {stage}; raise --time-limit "
            "(docs/limits.md says how long large fleets take) or plan fewer workloads at once"
        )
    if deadline.memory_start is not None and now >= deadline.next_memory_check:
        deadline.next_memory_check = now + MEMORY_CHECK_EVERY_S
        grown = (_resident_bytes() or 0) - deadline.memory_start
        if grown > MAX_RUN_MEMORY_BYTES:
            raise PlannerError(
                f"too large to plan: memory grew by more than {MAX_RUN_MEMORY_BYTES / GIB:g} GiB while "
                f"{stage}; "
                "plan fewer workloads at once, or use fewer distinct hours_per_month values, GPU types or "
                "providers (docs/limits.md)"
            )


MEMORY_CHECK_EVERY_S = 0.1
"""Resident memory is read (``/proc/self/statm``) at most this often: a check stays about one clock read."""


def _resident_bytes() -> int | None:
    """This process's resident memory now, where the system says (Linux); None elsewhere (no memory bound)."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_BYTES
    except (OSError, ValueError, IndexError):
        return None


_PAGE_BYTES = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
