"""Laws every report keeps whatever the scenario's text: width limits, and text never becoming a formula."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.plan import Plan
from planner.report.terminal import render_terminal
from planner.report.workbook import build_workbook

NAMES = st.text(
    alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\u00ad"),
    min_size=1,
    max_size=120,
)
"""Letters, digits, punctuation (``=``, ``|``, ``@``) and symbols; no control characters (YAML has none)."""


def _renamed(plan: Plan, old: str, new: str) -> Plan:
    return plan.model_copy(
        update={
            "workloads": tuple(
                w.model_copy(update={"name": new}) if w.name == old else w for w in plan.workloads
            ),
            "assignments": tuple(
                a.model_copy(update={"workload": new}) if a.workload == old else a for a in plan.assignments
            ),
        }
    )


@given(name=NAMES, width=st.integers(60, 160))
def test_terminal_never_exceeds_its_width(plan: Plan, name: str, width: int) -> None:
    text = render_terminal(_renamed(plan, "coding-model", name), width)
    assert max(len(line) for line in text.splitlines()) <= width


def _formulas(plan: Plan) -> dict[tuple[str, str], str]:
    wb = build_workbook(plan)
    return {
        (ws.title, cell.coordinate): str(cell.value)
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for cell in row
        if cell.data_type == "f"
    }


@settings(max_examples=15)
@given(name=NAMES.map(lambda s: "=" + s))
def test_scenario_text_never_becomes_a_formula(plan: Plan, name: str) -> None:
    """A workload's name changes no formula (the same formulas in the same cells as for the fixture) and
    every cell showing the name holds it as text."""
    renamed = _renamed(plan, "coding-model", name)
    assert _formulas(renamed) == _formulas(plan)
    wb = build_workbook(renamed)
    shown = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value == name]
    assert shown and all(c.data_type == "s" for c in shown)
