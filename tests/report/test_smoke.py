"""First checks of the report entry points others call (solve command, CLI)."""

from __future__ import annotations

import json
from pathlib import Path

from openpyxl import load_workbook

from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import render_terminal
from planner.report.workbook import write_workbook


def test_workloads_sheet_has_one_row_per_workload(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "r.xlsx"
    write_workbook(plan, path)
    ws = load_workbook(path)["Workloads"]
    first, last = ws.tables["Workloads"].ref.split(":")
    names = [row[0] for row in ws[f"{first}:{last}"][1:] for row in [[c.value for c in row]]]
    assert sorted(names) == sorted(w.name for w in plan.workloads)


def test_json_is_one_object_with_contract_total(plan: Plan) -> None:
    assert json.loads(plan_to_json(plan))["total_cost"] == 30_605.70


def test_terminal_and_markdown_mention_every_unit(plan: Plan) -> None:
    for text in (render_terminal(plan), render_markdown(plan)):
        for unit in plan.units:
            assert unit.id in text
