"""Where benchmarks/solver_scale.py says a large fleet's gap lies: the relaxation's own gap (what solving it
further could still close) and the rest (cheaper plans or a stronger relaxation), which docs/benchmarks.md
quotes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts import benchmark_module

SCALE = benchmark_module("solver_scale")


def test_the_gap_split_by_hand() -> None:
    """200-workload fleet, 60 s (docs/benchmarks.md): plan 2,436,865 USD, HiGHS's bound on the relaxation
    2,387,285, its restricted relaxation's plan 2,407,567 (a point of the relaxation): 49,580 USD of gap, at
    most 20,282 of it the relaxation's own (0.832 % of the plan) and at least 29,298 beyond it (1.202 %)."""
    bound_side, rest = SCALE.gap_split(2_436_865.0, 2_387_285.0, 2_407_567.0)
    assert bound_side == pytest.approx(20_282 / 2_436_865)
    assert rest == pytest.approx(29_298 / 2_436_865)


def test_a_relaxed_plan_outside_the_gap_is_clamped() -> None:
    """A relaxed objective a hair under the bound (the solver's tolerance) leaves nothing to the bound side;
    one above the plan (a dearer incumbent) nothing to the rest."""
    assert SCALE.gap_split(100.0, 90.0, 89.99) == pytest.approx((0.0, 0.1))
    assert SCALE.gap_split(100.0, 90.0, 120.0) == pytest.approx((0.1, 0.0))
    assert SCALE.gap_split(100.0, 90.0, None) is None
    assert SCALE.gap_split(None, 90.0, 95.0) is None


@given(
    plan=st.floats(1.0, 1e8),
    bound_share=st.floats(0.0, 1.0),
    relaxed_share=st.floats(-0.5, 1.5),
)
def test_the_two_sides_add_up_to_the_gap(plan: float, bound_share: float, relaxed_share: float) -> None:
    bound = plan * bound_share
    relaxed = bound + (plan - bound) * relaxed_share
    split = SCALE.gap_split(plan, bound, relaxed)
    assert split is not None
    assert min(split) >= 0.0
    assert sum(split) == pytest.approx((plan - bound) / plan, abs=1e-9)
