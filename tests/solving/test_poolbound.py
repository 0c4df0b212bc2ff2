"""Gilmore-Gomory rows of shared-GPU pools (solving.poolbound): the pricing against brute force, a row by
hand, and the law that keeps the relaxation a bound: no row cuts off a real packing. The rows in the
relaxation, by hand and against an oracle: tests/ilp/test_packing_cuts.py."""

from __future__ import annotations

import itertools
import math
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.ilp.data import MAX_PER_GPU
from planner.solving.poolbound import Item, best_gpu, pool_row

C = 1000
"""A GPU's memory in the hand examples, in bytes."""
SEVEN = [(749, 3), (219, 3), (94, 1)]
"""(size, replicas): 2,998 bytes that the memory row and every u_k row fit on three GPUs of 1,000; each 749
leaves room for one 219 or the 94, so no three GPUs hold them (tests/ilp/test_packing_cuts.py)."""


def _packings(items: list[Item], memory: int, max_hours: float) -> list[tuple[int, ...]]:
    """Every packing of one GPU, by brute force over the counts."""
    ranges = [range(min(it.most, MAX_PER_GPU) + 1) for it in items]
    return [
        counts
        for counts in itertools.product(*ranges)
        if sum(counts) <= MAX_PER_GPU
        and sum(n * it.size for n, it in zip(counts, items, strict=True)) <= memory
        and sum(n * it.hours for n, it in zip(counts, items, strict=True)) <= max_hours + 1e-9
    ]


def _fewest_gpus(counts: list[int], items: list[Item], memory: int, max_hours: float) -> int:
    """The fewest GPUs that hold ``counts`` replicas of each item, by brute force over the packings."""
    packings = [p for p in _packings(items, memory, max_hours) if any(p)]
    target = tuple(counts)

    def fits(k: int, left: tuple[int, ...]) -> bool:
        if not any(left):
            return True
        if k == 0:
            return False
        return any(
            fits(k - 1, tuple(a - b for a, b in zip(left, p, strict=True)))
            for p in packings
            if all(b <= a for a, b in zip(left, p, strict=True))
        )

    return next(k for k in range(sum(counts) + 1) if fits(k, target))


def test_the_seven_replicas_ask_three_and_a_quarter_gpus_by_hand() -> None:
    # The dual (0.75, 0.25, 0.25): {749, 219}, {749, 94} and {219 x 3, 94} weigh 1, no packing more; the
    # replicas weigh 3 x 0.75 + 3 x 0.25 + 0.25 = 3.25 GPUs (memory alone: 2.998).
    items = [Item(size, 0.0, n) for size, n in SEVEN]
    weights, asked, converged = pool_row([3.0, 3.0, 1.0], items, C, math.inf, time.perf_counter() + 30)
    assert converged
    assert asked == pytest.approx(3.25, abs=1e-6)
    assert weights == pytest.approx([0.75, 0.25, 0.25], abs=1e-6)


items_strategy = st.lists(
    st.builds(
        Item, st.integers(50, 1000), st.sampled_from([0.0, 0.0, 100.0, 300.0, 500.0]), st.integers(1, 4)
    ),
    min_size=1,
    max_size=4,
)


@settings(max_examples=60, deadline=None)
@given(items_strategy, st.lists(st.floats(0.0, 1.0), min_size=4, max_size=4), st.booleans())
def test_the_pricing_finds_the_heaviest_packing(items: list[Item], values: list[float], hours: bool) -> None:
    values = values[: len(items)]
    max_hours = 730.0 if hours else math.inf
    heaviest = max(sum(v * n for v, n in zip(values, p, strict=True)) for p in _packings(items, C, max_hours))
    weight, packing, exact = best_gpu(values, items, C, max_hours)
    assert exact
    assert weight == pytest.approx(heaviest, abs=1e-9)
    assert packing in _packings(items, C, max_hours)
    # Stopped at once, the search still never claims less than the heaviest packing.
    assert best_gpu(values, items, C, max_hours, node_limit=1)[0] >= heaviest - 1e-9


@settings(max_examples=40, deadline=None)
@given(items_strategy, st.data(), st.booleans())
def test_no_row_cuts_off_a_real_packing(items: list[Item], data: Any, hours: bool) -> None:
    """The law that keeps the relaxation a bound: replicas that some packing puts on N GPUs weigh at most N
    by the row built on them. Each example packs real GPUs first (random packings of one GPU), then builds
    the row on what they hold, and checks it against those GPUs and against brute force's fewest GPUs."""
    max_hours = 730.0 if hours else math.inf
    packings = [p for p in _packings(items, C, max_hours) if any(p)]
    gpus = data.draw(st.lists(st.sampled_from(packings), min_size=1, max_size=4))
    counts = [sum(p[i] for p in gpus) for i in range(len(items))]
    # A packing of one GPU holds at most ``most`` of an item; the pool may hold more over several GPUs.
    weights, asked, _ = pool_row([float(n) for n in counts], items, C, max_hours, time.perf_counter() + 30)
    assert asked == pytest.approx(sum(w * n for w, n in zip(weights, counts, strict=True)))
    for p in _packings(items, C, max_hours):
        assert sum(w * n for w, n in zip(weights, p, strict=True)) <= 1 + 1e-9
    assert asked <= len(gpus) + 1e-9
    assert asked <= _fewest_gpus(counts, items, C, max_hours) + 1e-9
    # And it is the Gilmore-Gomory bound: never below memory alone.
    assert asked >= sum(it.size * n for it, n in zip(items, counts, strict=True)) / C - 1e-6
