"""A schedule says how many hours a workload runs: they are its hours per month unless it says fewer.

A month is 730 h, 730 / 168 weeks; so 08-20 on weekdays (60 h a week) is 60 x 730 / 168 = 260.71 h a month,
20-08 every day (84 h a week) 365 h, 18-24 every day (42 h a week) 182.5 h.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from planner.cli import main
from planner.pipeline import solve

from builders import catalog, gpu, scenario, system, workload

WEEKDAYS = {"start_hour": 8, "end_hour": 20, "days": ["mon", "tue", "wed", "thu", "fri"]}
NIGHT = {"start_hour": 20, "end_hour": 8}


def test_a_schedule_without_hours_runs_the_hours_it_schedules() -> None:
    s = scenario([workload("coder", 16, schedule=WEEKDAYS), workload("chat", 8, schedule=NIGHT)])
    assert [w.hours_per_month for w in s.workloads] == pytest.approx([60 * 730 / 168, 365.0])


def test_fewer_hours_than_the_schedule_are_kept() -> None:
    """A workload that runs within its window but not all of it (the shipped day coder: 260 of 260.71)."""
    (w,) = scenario([workload("coder", 16, schedule=WEEKDAYS, hours_per_month=200)]).workloads
    assert w.hours_per_month == 200


def test_more_hours_than_the_schedule_is_an_error_naming_both() -> None:
    with pytest.raises(ValidationError, match=r"hours_per_month 730 is more than its schedule runs"):
        scenario([workload("coder", 16, schedule=WEEKDAYS, hours_per_month=730)])


def test_the_bill_follows_the_schedule() -> None:
    """One 24 GiB desk (1,000 USD, 300 W while busy, 0.10 USD/kWh) for a 16 GiB coder on weekdays 08-20 and
    nothing else, 12 months: busy 260.71 h a month, 0.3 x 260.71 x 12 x 0.10 = 93.86 USD of electricity
    (262.80 when it was billed all month)."""
    cat = catalog([gpu("Card24", 24)], [system("desk", "Card24", price=1000.0)])
    plan = solve(scenario([workload("coder", 16, schedule=WEEKDAYS)]), cat, alternatives=False)
    assert plan.total_cost == pytest.approx(1000 + 0.3 * (60 * 730 / 168) * 12 * 0.10)


def test_the_cli_says_it_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nworkloads:\n  - {name: chat, model: qwen2.5-7b, hours_per_month: 400,\n"
        "     schedule: {start_hour: 18, end_hour: 24}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    (line,) = result.output.strip().splitlines()
    assert "workloads[0] (chat)" in line and "hours_per_month 400 is more than its schedule runs" in line
    assert "182.5 h a month" in line


def test_a_day_given_twice_is_an_error_naming_it() -> None:
    """``[mon, mon]`` counts Monday once (the hours are a set of the week's hours): likely a typo for another
    day, so it is named rather than taken quietly."""
    with pytest.raises(ValidationError, match=r"days: mon given twice"):
        scenario([workload("coder", 16, schedule={**WEEKDAYS, "days": ["mon", "tue", "mon"]})])
