"""The terminal summary: within the width, figures whole, one line per workload."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from planner.plan import Plan
from planner.report.terminal import render_terminal
from planner.report.text import TextColumn, cut, render_table, wrap

from fresh import fresh_python


def test_fits_100_columns_and_shows_the_headline(plan: Plan) -> None:
    text = render_terminal(plan)
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "Total 30,606 USD = up-front 7,500 + running 23,106 (642 per month)" in text
    assert "Rent everything (all cloud)" in text and "10,624" in text
    assert "purchases pay back after 14.9 months" in text
    table = text.split("Workloads (GiB per GPU")[1].split("\n\n")[0].split("\nRuns on:")[0].splitlines()[2:]
    assert [line.split()[0] for line in table] == [w.name for w in plan.workloads]


def test_long_names_are_cut_but_figures_are_not(renamed_plan: Callable[[str, str], Plan]) -> None:
    long_name = "eval-" + "x" * 150
    text = render_terminal(renamed_plan("eval-batch", long_name))
    assert max(len(line) for line in text.splitlines()) <= 100
    table = text.split("Workloads (GiB per GPU")[1].splitlines()
    row = next(line for line in table if line.lstrip().startswith("eval-xxx"))
    assert "…" in row
    assert row.rstrip().endswith("13,399")  # the workload's cost, whole


@pytest.mark.parametrize("width", [60, 80, 120])
def test_other_widths(plan: Plan, width: int) -> None:
    assert max(len(line) for line in render_terminal(plan, width).splitlines()) <= width


@pytest.mark.parametrize("width", [40, 60, 80])
def test_narrow_terminals_wrap_rather_than_cut_a_figure(plan: Plan, width: int) -> None:
    """Below the tables' natural width the headline wraps and a table continues below itself, led by its first
    column: every figure of the headline, the mix (up-front 7,500; per month 126, 66, 372, 78, 642 in all;
    horizon 12,033, 2,365, 13,399, 2,808, 30,606) and the workloads' reservations stays whole."""
    text = render_terminal(plan, width)
    assert max(len(line) for line in text.splitlines()) <= width
    words = text.split()
    headline = " ".join(text.split("\n\n")[0].split())
    assert "Total 30,606 USD = up-front 7,500 + running 23,106 (642 per month)" in headline
    assert "best bound 30,606" in headline
    for figure in ("12,033", "2,365", "13,399", "2,808", "30,606", "126", "66", "372", "78", "642", "41,230"):
        assert figure in words, figure
    for reserved in ("23.12", "10.00", "3.75", "44.71", "37.50"):
        assert reserved in words, reserved


def test_table_shrinks_flexible_columns_in_order() -> None:
    columns = [
        TextColumn("name", flexible=True, min_width=4),
        TextColumn("where", flexible=True, min_width=4, shrink_first=1),
        TextColumn("cost", ">"),
    ]
    lines = render_table(columns, [["chat-assistant", "workstation-2x-rtx-4090#1", "12,033"]], width=36)
    assert lines[1] == "  chat-assistant  workstati…  12,033"
    assert all(len(line) <= 36 for line in lines)


def test_cut_and_wrap() -> None:
    assert cut("abcdef", 4) == "abc…"
    assert cut("abc", 4) == "abc"
    assert wrap("one two three four", 9) == ["one two", "three", "four"]


def test_text_reports_do_not_load_openpyxl() -> None:
    """``--format json`` and the terminal summary stay light: only the workbook path imports openpyxl."""
    loaded = fresh_python(
        "import sys, planner.report.terminal, planner.report.json, planner.report.markdown",
        "print('openpyxl' in sys.modules)",
    )
    assert loaded == "False"


def test_replicas_that_hold_different_memory_are_each_named(plan: Plan) -> None:
    """A 70B's replicas on 2 x B200 (74.49 GiB per GPU) and on one H200 (85.21) read "x 2, 74.49" as if both
    held 74.49: a line under the table gives each figure with its card. Here chat-assistant's second replica
    holds 20 GiB per GPU (25 reserved at 20 % headroom) beside the first's 18.5 (23.125)."""
    from planner.report.markdown import render_markdown

    gib = 2**30
    second = plan.assignments[1]
    assert (second.workload, second.replica, second.per_gpu_bytes) == ("chat-assistant", 2, round(18.5 * gib))
    bigger = second.model_copy(update={"per_gpu_bytes": 20 * gib, "reserved_bytes": 25 * gib})
    varied = plan.model_copy(update={"assignments": (plan.assignments[0], bigger, *plan.assignments[2:])})
    # The table's figure (the first replica's 18.50) first, as the line says: listed by size, 20.00 came
    # first beside a table showing 18.50.
    line = (
        "Replicas differ (GiB per GPU; the table shows the first's): chat-assistant: 18.50 (23.12 reserved) "
        "on RTX 4090; 20.00 (25.00 reserved) on RTX 4090."
    )
    assert "| 18.50 | 23.12 |" in render_markdown(varied)
    assert line in render_terminal(varied, 400)
    assert line in render_markdown(varied)
    assert "Replicas differ" not in render_terminal(plan) + render_markdown(plan)  # equal replicas: no line


def test_both_payback_figures_say_what_they_measure(plan: Plan) -> None:
    """The simple payback, 7,500 / (41,230 / 36 - 641.825) = 14.9 months, and the cash flow's payback month,
    15 (17,127.38 <= 17,179.17 first at month 15), differ: each is named for what it measures, and a plan that
    discounts says the month is discounted (platform-team: 19.9 months simple, month 22 at 8 % a year)."""
    text = " ".join(render_terminal(plan).split())
    assert (
        "Buy vs rent: purchases pay back after 14.9 months (simple payback: purchases over the monthly "
        "saving, not discounted); the cumulative cost is first at or below renting everything's in month 15 "
        "(a whole month, Cash flow sheet);"
    ) in text
    assert "(simple payback)." not in text  # the savings table shows no payback figure, so no note under it
    discounted = " ".join(render_terminal(plan.model_copy(update={"discount_rate_per_year": 0.08})).split())
    assert "the cumulative cost discounted at 8.00% a year is first at or below renting" in discounted


@pytest.mark.parametrize("width", [100, 120])
def test_a_workload_on_several_units_lists_them_whole_under_the_table(plan: Plan, width: int) -> None:
    """The growth scenario's 70B ran on two racks, a server and a rental, and its "Runs on" cell read
    "a100-rack#1 (…" at 100 columns: a cell that would be cut says how many units, and the units follow the
    table whole. Here chat-assistant's second replica moves to the GCP rental: two units, 56 characters."""
    moved = plan.assignments[1].model_copy(update={"unit": "gcp:a2-ultragpu-1g:us-central1#1"})
    text = render_terminal(
        plan.model_copy(update={"assignments": (plan.assignments[0], moved, *plan.assignments[2:])}), width
    )
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= width
    table = text.split("Workloads (GiB per GPU")[1].split("\nRuns on:\n")[0].splitlines()
    chat = next(line for line in table if line.lstrip().startswith("chat-assistant"))
    assert chat.split()[-4:] == ["2", "units,", "below", "12,033"]
    listed = text.split("\nRuns on:\n")[1].splitlines()
    assert "  chat-assistant: workstation-2x-rtx-4090#1, gcp:a2-ultragpu-1g:us-central1#1" in listed
