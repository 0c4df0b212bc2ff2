"""The Gilmore-Gomory bound of benchmarks/packing_gap.py, on which docs/benchmarks.md rests its claim that
some of the relaxation's pools hold more than any packing fits."""

from __future__ import annotations

import math
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.solving.packing import first_fit_decreasing
from planner.units import GIB

from scripts import benchmark_module


def _packing_gap() -> ModuleType:
    return benchmark_module("packing_gap")  # the script imports its neighbour fleets.py


GAP = _packing_gap()


def test_gilmore_gomory_bound_by_hand() -> None:
    """Four replicas of 36 GiB and one of 16 GiB on 80 GiB GPUs: memory says 2 GPUs; a GPU holds two 36s or
    one 36 and the 16, so the fractional optimum is 1.5 x {36, 36} + 1 x {36, 16} = 2.5 GPUs (3 whole)."""
    bound, converged = GAP.gilmore_gomory([36 * GIB, 16 * GIB], [0.0, 0.0], [4, 1], 80 * GIB, math.inf, 60.0)
    assert converged and bound == pytest.approx(2.5)


def test_hours_make_a_part_gpu_hold_less() -> None:
    """Three replicas of 10 GiB computing 400 h a month: memory fits all on one GPU, a month of hours fits
    one per GPU (800 h > 730), so the bound is 3 GPUs."""
    bound, converged = GAP.gilmore_gomory([10 * GIB], [400.0], [3], 80 * GIB, 730.0, 60.0)
    assert converged and bound == pytest.approx(3.0)


@given(
    items=st.lists(st.tuples(st.integers(5, 60), st.integers(1, 4)), min_size=1, max_size=6),
)
@settings(max_examples=30, deadline=None)
def test_the_bound_lies_between_memory_and_any_packing(items: list[tuple[int, int]]) -> None:
    sizes = [gib * GIB for gib, _ in items]
    counts = [n for _, n in items]
    bound, converged = GAP.gilmore_gomory(sizes, [0.0] * len(sizes), counts, 80 * GIB, math.inf, 60.0)
    every = sorted(((s, 0.0) for s, n in zip(sizes, counts, strict=True) for _ in range(n)), reverse=True)
    by_memory = sum(s for s, _ in every) / (80 * GIB)
    by_count = len(every) / 8
    assert converged
    assert max(by_memory, by_count) - 1e-6 <= bound <= len(first_fit_decreasing(every, 80 * GIB)) + 1e-6
