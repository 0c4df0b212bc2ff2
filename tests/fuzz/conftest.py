"""Fuzz tests share the shipped catalog (loaded once) and a guard that turns a hang into a failure."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from types import FrameType, ModuleType

import pytest

from planner.catalog.schema import Catalog

from scripts import benchmark_module

HANG_LIMIT_S = 100
"""No fuzz test may run longer than this; the solver's own time limits are far shorter."""


class Hang(Exception):
    pass


@pytest.fixture(autouse=True)
def no_hang() -> Iterator[None]:
    """Fail a test that runs past ``HANG_LIMIT_S`` instead of letting CI hang (POSIX main thread only)."""
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def alarm(signum: int, frame: FrameType | None) -> None:
        raise Hang(f"test ran past {HANG_LIMIT_S} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG_LIMIT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="session")
def shipped_catalog() -> Catalog:
    from planner.catalog.load import load_catalog

    return load_catalog(())


@pytest.fixture(scope="session")
def fleets() -> ModuleType:
    """``benchmarks/fleets.py``, the seeded synthetic-fleet generator the solver benchmarks use."""
    return benchmark_module("fleets")
