"""A plan without the solver (ilp.incumbent): checked against every row, used when the solver stops empty."""

from __future__ import annotations

import pytest

from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.incumbent import bought, cheapest_alone, evaluate
from planner.ilp.limits import LimitRow
from planner.ilp.solve import solve_problem
from planner.pipeline import solve

from builders import catalog, gpu, scenario, system, workload


def _data(capex_budget: float | None = None) -> ProblemData:
    # Option "one": a 1-GPU box for 100 (capex 100). Option "duo": a 2-GPU box for 150 (capex 150), 75 a GPU.
    # Workload a (3 replicas) fits on one GPU of either; the pair pattern holds two replicas of a on one GPU.
    return ProblemData(
        workloads=("a",),
        demand={"a": 3},
        options=(
            OptionData("one", 1, 100.0),
            OptionData("duo", 2, 150.0),
        ),
        patterns=(
            PatternData("p1", "one", 1, (("a", 1),), cost=1.0),
            PatternData("p2", "duo", 1, (("a", 1),), cost=1.0),
            PatternData("p3", "duo", 1, (("a", 2),), cost=1.5),
        ),
        limits=()
        if capex_budget is None
        else (LimitRow("capex", capex_budget, {"one": 100.0, "duo": 150.0}),),
    )


def test_cheapest_alone_by_hand() -> None:
    # Alone per replica: one = 100 + 1 = 101, duo = 75 + 1 = 76. Three replicas on duo: 3 GPUs -> 2 boxes.
    values = cheapest_alone(_data())
    assert values == {"p2": 3, "duo": 2}
    point = evaluate(_data(), values)
    assert point is not None and point[0] == pytest.approx(2 * 150 + 3 * 1.0)


def test_evaluate_checks_every_row() -> None:
    data = _data()
    assert evaluate(data, {"p2": 2, "duo": 1}) is None  # demand 3, only 2 placed
    assert evaluate(data, {"p2": 3, "duo": 1}) is None  # 3 GPUs on one 2-GPU box
    assert evaluate(_data(capex_budget=250), {"p2": 3, "duo": 2}) is None  # capex 300 > 250
    point = evaluate(_data(capex_budget=250), {"p3": 1, "p1": 1, "duo": 1, "one": 1})
    assert point is not None and point[0] == pytest.approx(150 + 100 + 1.5 + 1.0)


def test_evaluate_keeps_spread_replicas_off_machines_a_replica_fills() -> None:
    """Two 4-GPU servers (1,000 each); big fills one (pattern pb, 4 GPUs), solo keeps its two 1-GPU replicas
    on machines of their own (ps). The program's spread row counts the server big fills against solo's
    (1 + 2 > 2 servers); the incumbent check counted only solo's replicas and took this plan, which no layout
    holds. A third server makes it a plan: 3,000 + the patterns' 10 + 2 x 1."""
    data = ProblemData(
        workloads=("big", "solo"),
        demand={"big": 1, "solo": 2},
        options=(OptionData("quad", 4, 1000.0),),
        patterns=(
            PatternData("pb", "quad", 4, (("big", 1),), cost=10.0),
            PatternData("ps", "quad", 1, (("solo", 1),), cost=1.0),
        ),
        spread_machine=frozenset({"solo"}),
    )
    assert data.spread_rows == (("solo", "quad", (("ps", 1), ("pb", 1))),)
    assert evaluate(data, {"pb": 1, "ps": 2, "quad": 2}) is None
    point = evaluate(data, {"pb": 1, "ps": 2, "quad": 3})
    assert point is not None and point[0] == pytest.approx(3000 + 10 + 2)
    solved = solve_problem(data, solver="highs", time_limit_s=10)
    assert solved.status == "optimal" and solved.objective == pytest.approx(3012)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_solver_stopped_empty_still_returns_a_plan(solver: str) -> None:
    # No time at all: the solver finds nothing; every replica alone is a plan, proven nothing (gap 100 %).
    solution = solve_problem(_data(), solver=solver, time_limit_s=0.0)
    assert solution.status == "feasible" and solution.objective == pytest.approx(303.0)
    assert solution.best_bound == 0.0 and solution.gap == 1.0


def test_pipeline_out_of_time_gives_a_verified_plan_not_an_infeasibility() -> None:
    # Two 10 GiB workloads share one desk (1,000 USD + 262.80 of energy) when the solver has time; with none,
    # the plan may be worse but is still a verified plan.
    cat = catalog([gpu("Card24", 24)], [system("desk-card24", "Card24")])
    fleet = scenario([workload("a", 10), workload("b", 10)], hardware={"cloud": False})
    plan = solve(fleet, cat, time_limit_s=0)
    assert plan.total_cost >= 1262.8 - 1e-6


def test_bought_keeps_the_options_with_units_and_their_counts() -> None:
    # A plan's units name every option of its program; the options it buys are those with a count.
    assert bought({"one": 0, "duo": 2, "spot": 1, "big": 0}) == {"duo": 2, "spot": 1}
    assert bought({"one": 0}) == {}
