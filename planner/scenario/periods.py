"""Demand over time: the horizon cut into periods of constant demand (docs/optimizer.md, "Demand over time").

A workload runs from ``start_month`` to ``end_month`` (1-based, inclusive) and its demand grows by
``growth_per_month``, compounding from its start: month m asks ``requests_per_second x (1 + g)^(m - start)``
of a rate-stated load, ``ceil(replicas x (1 + g)^(m - start))`` replicas of a count-stated one.

The horizon is cut at every month where a workload starts or stops, and, for a growing workload, every
``growth_step(horizon)`` months from its start. Each period then plans for its peak: its last month's demand
(growth never shrinks it), so every month of the period is served. Consecutive periods that ask the same are
one period. A scenario whose demand never changes is one period, the whole horizon, and is planned exactly
as before.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from planner.errors import ScenarioError
from planner.scenario.schema import Scenario, Workload

GROWTH_STEP_MONTHS = 6
"""Growth is stepped every six months (every twelfth of a horizon longer than six years)."""
MAX_PERIODS = 24
"""Most periods one plan is solved over: each is a copy of the program, so the program grows with them."""


def growth_step(horizon_months: int) -> int:
    """Months between the steps at which a growing demand is raised."""
    return max(GROWTH_STEP_MONTHS, math.ceil(horizon_months / 12))


def last_month(w: Workload, horizon_months: int) -> int:
    return horizon_months if w.end_month is None else w.end_month


def runs_in(w: Workload, month: int, horizon_months: int) -> bool:
    return w.start_month <= month <= last_month(w, horizon_months)


def grown(w: Workload, month: int) -> Workload:
    """The workload as month ``month`` asks for it (growth applied), without the fields of time."""
    update: dict[str, object] = {"start_month": 1, "end_month": None, "growth_per_month": 0.0}
    factor = (1 + w.growth_per_month) ** (month - w.start_month)
    if w.rate_stated:
        update["requests_per_second"] = (w.requests_per_second or 0.0) * factor
    elif w.growth_per_month:
        update["replicas"] = math.ceil(w.replicas * factor - 1e-9)
    return w.model_copy(update=update)


@dataclass(frozen=True)
class Period:
    """Months ``start`` to ``end`` (inclusive) and what they ask: ``scenario`` is a plain scenario of
    ``end - start + 1`` months with the workloads that run then at the period's peak, or None where none
    runs."""

    start: int
    end: int
    scenario: Scenario | None

    @property
    def months(self) -> int:
        return self.end - self.start + 1


def varies(scenario: Scenario) -> bool:
    """Whether any workload's demand changes within the horizon."""
    return any(w.varies for w in scenario.workloads)


def demand_periods(scenario: Scenario) -> tuple[Period, ...]:
    """The periods of constant demand, in order; refuses (exit 2) past ``MAX_PERIODS``."""
    horizon = scenario.horizon_months
    step = growth_step(horizon)
    cuts = {1, horizon + 1}
    for w in scenario.workloads:
        end = last_month(w, horizon)
        cuts |= {w.start_month, end + 1}
        if w.growth_per_month:
            cuts |= set(range(w.start_month + step, end + 1, step))
    bounds = sorted(cut for cut in cuts if cut <= horizon + 1)
    periods: list[Period] = []
    for start, after in itertools.pairwise(bounds):
        end = after - 1
        asked = tuple(grown(w, end) for w in scenario.workloads if runs_in(w, end, horizon))
        for w in asked:
            _check_growth(w, end)
        if periods and _asks(periods[-1].scenario) == asked:
            start = periods.pop().start
        periods.append(Period(start, end, _period_scenario(scenario, asked, end - start + 1)))
    if len(periods) > MAX_PERIODS:
        raise ScenarioError(
            f"workloads: start_month, end_month and growth cut the horizon into {len(periods)} periods, "
            f"more than the {MAX_PERIODS} planner solves; align the months or lower growth_per_month"
        )
    return tuple(periods)


def _asks(scenario: Scenario | None) -> tuple[Workload, ...]:
    return () if scenario is None else scenario.workloads


def _period_scenario(scenario: Scenario, asked: tuple[Workload, ...], months: int) -> Scenario | None:
    if not asked:
        return None
    return scenario.model_copy(update={"workloads": asked, "horizon_months": months})


def _check_growth(w: Workload, month: int) -> None:
    """Growth that asks past the bounds of a stated load is refused in one line, as the stated load is."""
    from planner import bounds as B

    if w.requests_per_second is not None and w.requests_per_second > B.MAX_REQUESTS_PER_S:
        raise ScenarioError(
            f"workloads.{w.name}.growth_per_month: asks {w.requests_per_second:.3g} requests/s by month "
            f"{month}, more than {B.MAX_REQUESTS_PER_S:g}"
        )
    if w.replicas > B.MAX_REPLICAS:
        raise ScenarioError(
            f"workloads.{w.name}.growth_per_month: asks {w.replicas:,} replicas by month {month}, "
            f"more than {B.MAX_REPLICAS:,}"
        )
