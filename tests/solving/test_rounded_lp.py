"""The linear relaxation rounded to whole replicas (``solving.large._rounded_lp``) reads the relaxation's
optimum as its objective, not its plan's cost: the consumer never compares it with a plan's (``_priced``)."""

from __future__ import annotations

import pytest

from planner.ilp.incumbent import evaluate
from planner.ilp.solve import solve_lp
from planner.solving import large

from builders import three_on_a_server


def test_the_rounded_plan_costs_more_than_the_objective_it_reads_and_is_marked_unpriced() -> None:
    # Three replicas of one GPU each on an 8-GPU server at 800 USD (100 a replica) or 1-GPU boxes at 150:
    # the linear relaxation buys 3/8 of the server, 300 USD; rounded up, one whole server, 800 USD.
    data = three_on_a_server()
    lp = solve_lp(data)
    assert lp.status == "optimal" and lp.objective == pytest.approx(300.0)
    rounded = large._rounded_lp(data, lp)
    assert rounded.units == {"big": 1, "box": 0} and rounded.use == {"p_big": 3, "p_box": 0}
    assert rounded.objective == pytest.approx(300.0)  # the relaxation's optimum, not the plan's cost
    point = evaluate(data, {**rounded.units, **rounded.use})
    assert point is not None and point[0] == pytest.approx(800.0)
    assert not large._priced(rounded)
    assert large._priced(large.Solution("feasible", 800.0, 0.0, 1.0, solver="highs"))
