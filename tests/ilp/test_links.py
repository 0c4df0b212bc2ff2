"""The link rows of demand over time: a unit bought in one period is still there in the next."""

from __future__ import annotations

import pytest

from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.incumbent import evaluate
from planner.ilp.solve import solve_problem


def _data(links: tuple[tuple[str, str], ...]) -> ProblemData:
    """One machine kind in two periods: period 1's copy (5 a unit: the net price step and its running cost)
    holds the one replica; period 2's copy costs 1 a unit (running) and holds nothing."""
    return ProblemData(
        workloads=("w",),
        demand={"w": 1},
        options=(OptionData("t1_o", 1, 5.0), OptionData("t2_o", 1, 1.0)),
        patterns=(PatternData("t1_p", "t1_o", 1, (("w", 1),)),),
        links=links,
    )


def test_a_unit_bought_in_one_period_is_paid_in_the_next() -> None:
    """Without the link the machine would vanish after period 1 (5); with it, it is kept (5 + 1 = 6)."""
    assert solve_problem(_data(()), presolve=False).objective == pytest.approx(5.0)
    linked = solve_problem(_data((("t1_o", "t2_o"),)), presolve=False)
    assert linked.objective == pytest.approx(6.0)
    assert linked.units == {"t1_o": 1, "t2_o": 1}


def test_a_plan_that_drops_a_linked_unit_is_no_incumbent() -> None:
    data = _data((("t1_o", "t2_o"),))
    assert evaluate(data, {"t1_o": 1, "t1_p": 1}) is None
    assert evaluate(data, {"t1_o": 1, "t2_o": 1, "t1_p": 1}) == (6.0, {"t1_o": 1, "t2_o": 1}, {"t1_p": 1})
