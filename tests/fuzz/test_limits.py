"""Never a hang: ``time_limit_s`` bounds the whole solve (candidates, packing, solver passes, alternatives).

A large fleet under a short limit ends, at the limit, in a plan that passes the verifier or in one line
saying the limit ran out and in which stage (``TimeLimitError``, exit status 2); never minutes later. The
slack asserted is what a stage may run past a deadline before its next check (one PuLP model build, about a
second for 1,000 workloads) plus room for a slow or busy CI machine: it catches a stage that ignores the
deadline, not a slowdown. Speed itself is measured by benchmarks/solver_scale.py.
"""

from __future__ import annotations

import time
from types import ModuleType

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import deadline
from planner.catalog.schema import Catalog
from planner.errors import PlannerError, TimeLimitError
from planner.pipeline import solve
from planner.scenario.schema import Scenario

from .hostile import assert_one_clean_line

SLACK_S = 6.0


@given(size=st.sampled_from((1000, 3000)), limit=st.sampled_from((0.5, 2.0, 4.0)))
@settings(max_examples=2)
def test_a_large_fleet_ends_at_its_time_limit(
    shipped_catalog: Catalog, fleets: ModuleType, size: int, limit: float
) -> None:
    scenario = fleets.fleet_scenario(size, seed=7)
    start = time.perf_counter()
    try:
        plan = solve(scenario, shipped_catalog, time_limit_s=limit)
    except TimeLimitError as error:
        assert_one_clean_line(str(error))
        assert f"time limit of {limit:g} s" in str(error)
    else:
        assert plan.status in ("optimal", "feasible")  # solve() verified it against the scenario
    wall = time.perf_counter() - start
    assert wall < limit + SLACK_S, f"{size} workloads took {wall:.1f} s with a {limit:g} s limit"


def test_a_fleet_within_reach_gives_a_verified_plan_within_the_limit(
    shipped_catalog: Catalog, fleets: ModuleType
) -> None:
    # Thirty workloads reach a first plan in a few seconds on an idle machine; sixty needed most of the ten
    # on one loaded by several test runs at once, and then ran out of time before any plan existed.
    scenario = fleets.fleet_scenario(30, seed=7)
    start = time.perf_counter()
    plan = solve(scenario, shipped_catalog, time_limit_s=10.0, mip_gap=0.01)
    wall = time.perf_counter() - start
    assert wall < 10.0 + SLACK_S
    assert plan.status in ("optimal", "feasible")
    assert sum(w.replicas for w in plan.workloads) == sum(w.replicas for w in scenario.workloads)
    # An unproven plan says so: its bound never exceeds its cost and its gap is not negative.
    assert plan.best_bound <= plan.total_cost + 1e-6 * plan.total_cost
    assert plan.gap >= 0


@pytest.mark.parametrize("spread", ["machine", "gpu"])
def test_a_hundred_thousand_spread_replicas_end_at_the_time_limit(
    shipped_catalog: Catalog, spread: str
) -> None:
    # min_replicas at its largest on cloud: the program is small (one workload), but laying 100,000 replicas
    # out on machines scanned every machine before each replica and every replica for each machine, and
    # never read the deadline: a 20 s limit ran past two minutes.
    scenario = Scenario.model_validate(
        {
            "name": "wide",
            "horizon_months": 12,
            "hardware": {"gpus": ["L4"], "providers": ["aws"], "bought": False},
            "workloads": [
                {"name": "chat", "model": "qwen2.5-0.5b", "min_replicas": 100_000, "spread": spread}
            ],
        }
    )
    limit = 3.0
    start = time.perf_counter()
    try:
        plan = solve(scenario, shipped_catalog, time_limit_s=limit, alternatives=False)
    except TimeLimitError as error:
        assert_one_clean_line(str(error))
    else:
        assert plan.workloads[0].replicas == 100_000
    wall = time.perf_counter() - start
    assert wall < limit + SLACK_S, f"100,000 replicas spread by {spread} took {wall:.1f} s with a 3 s limit"


def test_memory_growth_past_the_bound_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline, "MAX_RUN_MEMORY_BYTES", 16 * 2**20)
    with deadline.within(60.0):
        deadline.check("starting")
        held = bytearray(64 * 2**20)  # resident once written
        held[::4096] = b"x" * len(held[::4096])
        time.sleep(deadline.MEMORY_CHECK_EVERY_S)
        grew = r"memory grew by more than 0\.015625 GiB while growing"
        with pytest.raises(PlannerError, match=grew) as caught:
            deadline.check("growing")
        assert_one_clean_line(str(caught.value))
        del held


def test_a_deadline_never_extends_the_one_around_it() -> None:
    with deadline.within(0.05) as outer:
        with deadline.within(100.0) as inner:
            assert inner.end == outer.end and inner.limit_s == 0.05
            assert deadline.cap(10.0) <= 0.05
        time.sleep(0.06)
        assert deadline.expired()
        with pytest.raises(TimeLimitError, match=r"time limit of 0\.05 s ran out while testing"):
            deadline.check("testing")
    assert deadline.current() is None and not deadline.expired()
    deadline.check("outside any deadline")  # no deadline: never raises
    assert deadline.cap(7.0) == 7.0
