"""Steps 2 and 3 after a short first pass (solving.shortsteps): column generation a share of the limit from
when the pass's plans are packed, the exact program the rest until ``END_SHARE``; neither where that leaves
the exact program less than ``EXACT_MIN_S``. The times are hand-computed; the plans are checked against the
brute-force oracle of tests/ilp/test_packing_cuts.py."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

import pytest
from ilp.test_packing_cuts import _oracle, small_fleet

from planner.solving import large, shortsteps
from planner.solving.shortsteps import short_ends


def test_the_exact_program_gets_what_column_generations_share_leaves() -> None:
    # A 10 s run from t = 100, its pass packed at 104: column generation to 105 (a tenth of the limit), the
    # exact program to 109.2 (92 % of the limit), before the caller's 109.5.
    assert short_ends(100.0, 10.0, 104.0, 109.5) == pytest.approx((105.0, 109.2))
    # The caller's end comes first where it is sooner (a long packing keeps more for the assembly).
    assert short_ends(100.0, 10.0, 104.0, 108.5) == pytest.approx((105.0, 108.5))
    # A 20 s run packed at 5 s: column generation 2 s, the exact program 11.4 s.
    assert short_ends(0.0, 20.0, 5.0, 19.0) == pytest.approx((7.0, 18.4))


def test_neither_runs_where_the_exact_program_would_have_too_little() -> None:
    # Packed at 105.3: column generation to 106.3 leaves 2.9 s, under EXACT_MIN_S (3 s).
    assert shortsteps.EXACT_MIN_S == 3.0
    assert short_ends(100.0, 10.0, 105.3, 109.5) is None
    assert short_ends(100.0, 10.0, 105.1, 109.5) == pytest.approx((106.1, 109.2))
    # The caller's measure of the fleet (twice the longest packing) where that is more: 4.2 s < 5 s.
    assert short_ends(100.0, 10.0, 104.0, 109.5, least=5.0) is None


def _spied(c: Any, limit: float) -> tuple[list[tuple[float, float]], float, Any]:
    """``solve_large`` on ``c`` with a short pass, the packed plan never taken for within the gap (so that
    only time decides whether steps 2 and 3 run): the ends each call of step 2 got, the start, the plan."""
    calls: list[tuple[float, float]] = []
    real = large._exact_pass

    def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(args[5])
        return real(*args, **kwargs)

    with mock.patch.object(large, "_exact_pass", spy), mock.patch.object(large, "_meets", return_value=False):
        start = time.perf_counter()
        _, solution = large.solve_large(c, "highs", start, limit, 1e-4)
    return calls, start, solution


def test_after_a_short_pass_the_exact_program_ends_at_its_share_of_the_limit() -> None:
    # Before, column generation had until the pass's end (80 % of the limit) and the exact program what was
    # left of 95 %: (start + 8.0, start + 9.5) here.
    ws, offers = [(20, 2), (10, 2)], [("one48", 1.0), ("two48", 1.5)]
    calls, start, solution = _spied(small_fleet(ws, offers), 10.0)
    assert len(calls) == 1
    colgen_end, end = calls[0]
    assert end == pytest.approx(start + 9.2)
    assert start + 1.0 < colgen_end < start + 3.0  # a tenth of the limit after a pass of a small fleet
    best = _oracle(ws, offers)
    assert solution.status in ("optimal", "feasible")
    assert solution.objective >= best * (1 - 1e-9)
    assert solution.best_bound <= best * (1 + 1e-9) + 1e-6


def test_a_short_pass_that_leaves_too_little_runs_neither_step() -> None:
    # 3 s: the exact program would end at 2.76 s, under 3 s after column generation's 0.3 s. Before, both ran
    # (column generation to the pass's end, 2.4 s, the program to 2.85 s).
    ws, offers = [(20, 2), (10, 2)], [("one48", 1.0), ("two48", 1.5)]
    calls, _, solution = _spied(small_fleet(ws, offers), 3.0)
    assert calls == []
    assert solution.status in ("optimal", "feasible")
    assert solution.objective >= _oracle(ws, offers) * (1 - 1e-9)
