"""The lower bound on GPUs that lets the exact packing search skip pools no packing fits."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.ilp.data import MAX_PER_GPU
from planner.solving.packing import fewest_gpus, first_fit_decreasing, pack_exact


def _fewest_by_brute_force(sizes: list[int], memory: int) -> int:
    """The fewest GPUs of ``memory`` that hold ``sizes``, every assignment tried (tiny inputs only)."""
    best = len(sizes)
    loads: list[list[int]] = []

    def place(i: int) -> None:
        nonlocal best
        if len(loads) >= best:
            return
        if i == len(sizes):
            best = len(loads)
            return
        for load in loads:
            if load[0] + sizes[i] <= memory and load[1] < MAX_PER_GPU:
                load[0] += sizes[i]
                load[1] += 1
                place(i + 1)
                load[0] -= sizes[i]
                load[1] -= 1
        loads.append([sizes[i], 1])
        place(i + 1)
        loads.pop()

    place(0)
    return best


def test_fewest_gpus_by_hand() -> None:
    # Three 7s and three 4s on GPUs of 10: 33 units of memory fit 4 GPUs by sum, but no 4 shares a GPU with
    # a 7 (11 > 10), so each 7 takes a GPU and the three 4s two more (4 + 4 + 4 = 12 > 10): 5.
    assert fewest_gpus([7, 7, 7, 4, 4, 4], 10) == 5
    # Three 6s and three 4s pair up exactly: 3.
    assert fewest_gpus([6, 6, 6, 4, 4, 4], 10) == 3
    # Nine replicas of 1 fit one GPU of 100 by memory but not by count: 2.
    assert fewest_gpus([1] * 9, 100) == 2
    assert fewest_gpus([], 10) == 0


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=7))
def test_fewest_gpus_never_exceeds_the_best_packing(sizes: list[int]) -> None:
    best = _fewest_by_brute_force(sorted(sizes, reverse=True), 100)
    assert math.ceil(sum(sizes) / 100) <= fewest_gpus(sizes, 100) <= best


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 100), min_size=1, max_size=60))
def test_fewest_gpus_is_at_most_first_fit_decreasing(sizes: list[int]) -> None:
    items = [(s, 0.0) for s in sorted(sizes, reverse=True)]
    assert fewest_gpus(sizes, 100) <= len(first_fit_decreasing(items, 100))


def test_the_exact_search_stops_at_once_below_the_bound() -> None:
    # Memory says 4 GPUs, the bound 5: no search for 4, and 5 are found.
    items = [(s, 0.0) for s in (7, 7, 7, 4, 4, 4)]
    assert pack_exact(items, 4, 10, math.inf) is None
    bins = pack_exact(items, 5, 10, math.inf)
    assert bins is not None and sorted(i for b in bins for i in b) == list(range(6))
