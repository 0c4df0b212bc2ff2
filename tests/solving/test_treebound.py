"""The relaxation's tree beside steps 2-4 (solving.treebound): by hand it proves what whole units cost, a
cutoff caps it whatever the cutoff is, the linear relaxation's rounded plan is no cutoff, and on small fleets
it never exceeds the cheapest plan brute force finds (the oracle of tests/ilp/test_packing_cuts.py); the
large-fleet strategy starts it after a long HiGHS pass only."""

from __future__ import annotations

import math
import time
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from ilp.test_packing_cuts import SMALL_OFFERS, SMALL_WORKLOADS, _oracle, small_fleet

from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.solve import Solution, solve_lp, solve_problem
from planner.solving import large, treebound
from planner.solving.rootbound import RootBound


def _server_data() -> ProblemData:
    """Three replicas of one GPU each on an 8-GPU server at 800 USD or on 1-GPU boxes at 150 USD each: the
    linear relaxation buys 3/8 of the server (300 USD), whole units cost min(800, 3 x 150) = 450."""
    return ProblemData(
        ("w",),
        {"w": 3},
        (OptionData("big", 8, 800.0), OptionData("box", 1, 150.0)),
        (PatternData("p_big", "big", 1, (("w", 1),)), PatternData("p_box", "box", 1, (("w", 1),))),
    )


def _point(cost: float, solver: str = "highs") -> Solution:
    return Solution("feasible", cost, 0.0, 1.0, solver=solver)


def _searched(data: ProblemData, points: list[Solution], seconds: float = 20.0) -> float:
    """The tree's bound once HiGHS ends by itself (these programs solve within a second)."""
    with mock.patch.object(treebound, "MIN_SEARCH_S", 0.0):
        tree = treebound.search_tree(data, points, time.perf_counter() + seconds)
    assert isinstance(tree, RootBound)
    assert tree._done.wait(seconds + 5)
    return tree.stop()


def test_the_tree_proves_what_whole_units_cost() -> None:
    assert _searched(_server_data(), []) == pytest.approx(450.0)
    assert solve_problem(_server_data(), mip_gap=0.0).objective == pytest.approx(450.0)


def test_a_cutoff_caps_the_bound_wherever_it_lies() -> None:
    # At the optimum (a point of the relaxation) nothing is lost; below it (no such point exists) the bound
    # is the cutoff, which every plan still costs at least.
    assert _searched(_server_data(), [_point(900.0), _point(450.0)]) == pytest.approx(450.0)
    assert _searched(_server_data(), [_point(400.0)]) == pytest.approx(400.0)


def test_the_rounded_linear_relaxation_and_plans_without_a_cost_are_no_cutoff() -> None:
    # The rounded plan carries the linear relaxation's optimum as its objective (large._rounded_lp): as a
    # cutoff it would cap the bound at 300; a solution without a plan has no cost.
    points = [_point(300.0, solver="lp"), Solution("no_solution", math.inf, math.inf, math.inf)]
    assert _searched(_server_data(), points) == pytest.approx(450.0)


def test_too_little_time_starts_nothing() -> None:
    until = time.perf_counter() + treebound.MIN_SEARCH_S / 2
    assert treebound.search_tree(_server_data(), [], until) is None


@settings(max_examples=20, deadline=None)
@given(SMALL_WORKLOADS, SMALL_OFFERS)
def test_the_tree_never_exceeds_the_cheapest_plan(
    ws: list[tuple[int, int]], offers: list[tuple[str, float]]
) -> None:
    """With the relaxation's own optimum as its cutoff (as after a pass that solved it) and without one: at
    most the relaxation's optimum, which is at most the brute-force optimum; without a cutoff at least the
    linear relaxation."""
    c = small_fleet(ws, offers)
    assume(len(c.data.shared) > len(c.data.workloads))  # replicas that may share a GPU, in pools
    best = _oracle(ws, offers)
    assume(math.isfinite(best))
    relaxed = solve_problem(c.data, mip_gap=0.0, time_limit_s=20)
    assert relaxed.status == "optimal"
    assert 0.0 <= _searched(c.data, [relaxed]) <= relaxed.objective * (1 + 1e-9) + 1e-6
    lp = solve_lp(c.data)
    assert lp.objective - 1e-6 <= _searched(c.data, []) <= relaxed.objective * (1 + 1e-9) + 1e-6
    assert relaxed.objective <= best * (1 + 1e-9) + 1e-6


def test_only_a_long_highs_pass_searches_the_tree() -> None:
    """A short pass has no idle core after it (its steps do not run) and CBC has no model to hand over."""
    c = small_fleet([(20, 2), (10, 2)], [("one48", 1.0), ("two48", 1.5)])
    for solver, limit, searched in (("highs", 60.0, True), ("highs", 10.0, False), ("cbc", 60.0, False)):
        with (
            mock.patch.object(large, "search_tree", wraps=large.search_tree) as started,
            mock.patch.object(large, "_meets", return_value=False),  # the steps run, whatever the plan
        ):
            _, solution = large.solve_large(c, solver, time.perf_counter(), limit, 1e-4)
        assert solution.status in ("optimal", "feasible")
        assert started.called == searched, (solver, limit)
