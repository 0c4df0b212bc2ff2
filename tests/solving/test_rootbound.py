"""The relaxation's root bound beside a short pass (solving.rootbound): run to its end it is the integer
relaxation's optimum, above the linear relaxation where units are lumpy; stopped at any time it is at most
that; and on small fleets it never exceeds the cheapest plan brute force finds (the oracle of
tests/ilp/test_packing_cuts.py)."""

from __future__ import annotations

import math
import time
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from ilp.test_packing_cuts import SMALL_OFFERS, SMALL_WORKLOADS, _oracle, _seven_data, small_fleet

from planner.ilp.data import ProblemData
from planner.ilp.solve import solve_lp, solve_problem
from planner.solving import large
from planner.solving.rootbound import RootBound

from builders import three_on_a_server


def _root(data: ProblemData, seconds: float = 20.0) -> tuple[float, float]:
    """(the linear relaxation's optimum, the root bound once HiGHS ends by itself)."""
    lp = solve_lp(data, keep_model=True)
    assert lp.status == "optimal" and lp.mip is not None
    root = RootBound(lp.mip, time.perf_counter() + seconds)
    root._done.wait(seconds + 5)  # its root node: on these small programs presolve and cuts solve it
    return lp.objective, root.stop()


def test_seven_replicas_the_linear_relaxation_puts_on_three_point_one_gpus_need_four_whole_ones() -> None:
    # With the ccm rows the seven replicas weigh 62 against 20 a GPU (tests/ilp/test_packing_cuts.py): the
    # linear relaxation buys 3.1 GPUs at 1 USD each, the integer program 4, and so does the root bound.
    lp, bound = _root(_seven_data(cuts=True))
    assert lp == pytest.approx(3.1)
    assert bound == pytest.approx(4.0)


def test_a_half_used_eight_gpu_server_costs_the_whole_server() -> None:
    # Three replicas of one GPU each on an 8-GPU server at 800 USD (or 1-GPU boxes at 150 USD each): the
    # linear relaxation buys 3/8 of the server, 300 USD; whole units cost min(800, 3 x 150) = 450.
    data = three_on_a_server()
    lp, bound = _root(data)
    assert lp == pytest.approx(300.0)
    assert bound == pytest.approx(450.0)
    assert solve_problem(data, mip_gap=0.0).objective == pytest.approx(450.0)


def test_stopped_at_once_it_still_bounds() -> None:
    data = _seven_data(cuts=True)
    lp = solve_lp(data, keep_model=True)
    root = RootBound(lp.mip, time.perf_counter() + 30)
    bound = root.stop()
    assert 0.0 <= bound <= 4.0 + 1e-9
    assert root._done.wait(5)  # it stops when asked


def test_the_model_kept_is_the_integer_program() -> None:
    # Every column of the aggregate relaxation is integer (units, patterns, shared replicas, pool GPUs):
    # HiGHS's copy of the linear relaxation has them continuous, the model kept integer again.
    import highspy

    lp = solve_lp(_seven_data(), keep_model=True)
    kinds = list(lp.mip.lp_.integrality_)
    assert len(kinds) == lp.mip.lp_.num_col_ > 0
    assert all(k == highspy.HighsVarType.kInteger for k in kinds)
    assert solve_lp(_seven_data()).mip is None


@settings(max_examples=20, deadline=None)
@given(SMALL_WORKLOADS, SMALL_OFFERS)
def test_the_root_bound_never_exceeds_the_cheapest_plan(
    ws: list[tuple[int, int]], offers: list[tuple[str, float]]
) -> None:
    """Beside a short pass, as ``large._second_core`` runs it, and to its end: at most the brute-force
    optimum, at least the linear relaxation."""
    c = small_fleet(ws, offers)
    assume(len(c.data.shared) > len(c.data.workloads))  # replicas that may share a GPU, in pools
    best = _oracle(ws, offers)
    assume(math.isfinite(best))
    found, _ = large._second_core(c, "highs", 4.0, time.perf_counter() + 5.0, 1e-4)
    proven = [bound for solution, bound, _ in found if solution.status == "no_solution"]
    assert len(proven) == 1  # the root bound's entry: no plan, a bound
    assert 0.0 <= proven[0] <= best * (1 + 1e-9) + 1e-6
    lp, bound = _root(c.data)
    relaxed = solve_problem(c.data, mip_gap=0.0, time_limit_s=20)
    assert lp - 1e-6 <= bound <= relaxed.objective * (1 + 1e-9) + 1e-6 <= best * (1 + 1e-9) + 2e-6


def test_a_long_pass_and_cbc_start_no_root_bound() -> None:
    """A long pass solves the whole relaxation itself; CBC has no model to hand over."""
    c = small_fleet([(20, 2), (10, 2)], [("one48", 1.0), ("two48", 1.5)])
    for solver, first_pass_s in (("highs", large.MIN_FILL_S), ("cbc", 4.0)):
        with mock.patch.object(large, "RootBound") as started:
            found, _ = large._second_core(c, solver, first_pass_s, time.perf_counter() + 5.0, 1e-4)
        started.assert_not_called()
        assert found and all(solution.status != "no_solution" for solution, _, _ in found)
