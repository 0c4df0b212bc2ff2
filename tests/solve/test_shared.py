"""The aggregate relaxation of large fleets (constraints.py): dual feasible rows and the real packing after it."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.ilp.constraints import dual_feasible
from planner.placement.assemble import _pack_exact, _pack_first_fit
from planner.units import GIB


def test_dual_feasible_function_by_hand() -> None:
    # u_4 of 0.44 of a GPU: floor(5 x 0.44) / 4 = 2/4; of 0.23: floor(1.15) / 4 = 1/4.
    assert dual_feasible(44, 100, 4) == pytest.approx(0.5)
    assert dual_feasible(23, 100, 4) == pytest.approx(0.25)
    # Exactly j / (k + 1) of a GPU keeps its size: 1/5 under u_4 is 0.2, not 1/4.
    assert dual_feasible(20, 100, 4) == pytest.approx(0.2)
    # Below 1 / (k + 1) it weighs nothing.
    assert dual_feasible(19, 100, 4) == 0.0


@given(st.integers(2, 7), st.lists(st.integers(1, 1000), min_size=1, max_size=8))
def test_what_fits_on_one_gpu_weighs_at_most_one(k: int, sizes: list[int]) -> None:
    """The law that makes every dff row valid: items that fit together have u_k summing to at most 1."""
    capacity = sum(sizes) + 0  # the items fill one GPU exactly: the hardest case
    total = sum(Fraction(dual_feasible(s / GIB, capacity / GIB, k)).limit_denominator(10**6) for s in sizes)
    assert total <= 1 + Fraction(1, 10**6)


def test_exact_packing_finds_what_first_fit_decreasing_misses() -> None:
    # Three 96 GiB GPUs (from the 10-workload benchmark fleet): first-fit decreasing needs a fourth, the search
    # finds {39.9, 35.0, 18.6} x 2 and {35.0, 35.0, 18.6, 3.5, 3.5} (95.5 GiB).
    gib = [39.87, 39.87, 34.96, 34.96, 34.96, 34.96, 18.55, 18.55, 18.55, 3.51, 3.51]
    sizes = [(round(g * GIB), 730.0) for g in gib]
    assert len(_pack_first_fit(sizes, 96 * GIB, float("inf"))) == 4
    bins = _pack_exact(sizes, 3, 96 * GIB, float("inf"))
    assert bins is not None and len(bins) == 3
    assert sorted(i for b in bins for i in b) == list(range(len(gib)))
    assert all(sum(sizes[i][0] for i in b) <= 96 * GIB for b in bins)


def test_packing_keeps_a_part_gpu_within_a_month_of_hours() -> None:
    # Four replicas of 220 h: memory allows one GPU, hours (880 > 730) need two.
    sizes = [(GIB, 220.0)] * 4
    assert _pack_exact(sizes, 1, 24 * GIB, 730.0) is None
    bins = _pack_exact(sizes, 2, 24 * GIB, 730.0)
    assert bins is not None and sorted(len(b) for b in bins) == [1, 3]
