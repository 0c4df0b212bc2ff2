"""Every output shows the same launches: the terminal's ``--launch`` lines, the Markdown report's blocks, the
workbook's Launch sheet and the JSON's ``assignments[].launch`` name the same commands and checkpoints."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planner.catalog.load import load_catalog
from planner.pipeline import solve
from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import launch_lines
from planner.report.workbook import write_workbook
from planner.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


@pytest.fixture(scope="module")
def startup() -> Plan:
    return solve(load_scenario(SCENARIOS / "startup.yaml"), load_catalog(), alternatives=False)


def test_json_markdown_workbook_and_terminal_show_the_same_launches(startup: Plan, tmp_path: Path) -> None:
    data = json.loads(plan_to_json(startup))
    shells = [a["launch"]["shell"] for a in data["assignments"] if a["launch"]]
    assert len(shells) == 5 and any("Qwen/Qwen2.5-14B-Instruct-AWQ" in s for s in shells)
    terminal = "\n".join(launch_lines(startup))
    markdown = render_markdown(startup)
    section = markdown[markdown.index("## Launch settings") :]
    blocks = re.findall(r"```sh\n(.*?)\n```", section, re.DOTALL)
    path = tmp_path / "plan.xlsx"
    write_workbook(startup, path)
    ws = load_workbook(path)["Launch"]
    cells = ws[ws.tables["Launch"].ref]
    headers = [c.value for c in cells[0]]
    rows = [dict(zip(headers, [c.value for c in row], strict=True)) for row in cells[1:]]
    assert [r["Workload"] for r in rows] == [a["workload"] for a in data["assignments"]]
    for shell in shells:
        assert f": {shell}" in terminal or f"\n{shell}\n" in terminal
        assert sum(block.splitlines()[0] == shell for block in blocks) >= 1
        assert sum(str(r["Run"]).splitlines()[0] == shell for r in rows) >= 1
    for a, r in zip(data["assignments"], rows, strict=True):
        launch = a["launch"]
        assert r["Checkpoint"] == (launch["checkpoint"] if launch else None)
        assert r["Checkpoint from"] == (launch["checkpoint_source"] if launch else None)
    # The library's loading call is in every output too.
    (call,) = {a["launch"]["call"] for a in data["assignments"] if a["launch"] and a["launch"]["call"]}
    assert f"model = {call}" in terminal and f"model = {call}" in section
    assert any(f"model = {call}" in str(r["Run"]) for r in rows)
    # The training job has no settings, and each output says so.
    assert "nightly-qlora #1" in section and sum("no serving settings" in str(r["Run"]) for r in rows) == 1


def test_markdown_fence_outlasts_backticks_in_scenario_text(startup: Plan) -> None:
    """A checkpoint path with backticks cannot close the block it is printed in."""
    a = next(a for a in startup.assignments if a.launch is not None and a.launch.argv)
    assert a.launch is not None
    odd = a.launch.model_copy(update={"shell": "vllm serve /models/```odd"})
    plan = startup.model_copy(update={"assignments": (a.model_copy(update={"launch": odd}),)})
    section = render_markdown(plan).split("## Launch settings", 1)[1]
    assert "````sh\nvllm serve /models/```odd\n````" in section


def test_json_report_carries_each_launch_as_the_terminal_prints_it(startup: Plan) -> None:
    """``report.launch`` (what the page shows): one entry per assignment, in order, with the terminal's
    heading and lines; the training job says it has no settings instead of a script."""
    data = json.loads(plan_to_json(startup))
    launches = data["report"]["launch"]
    assert [(x["workload"], x["replica"]) for x in launches] == [
        (a["workload"], a["replica"]) for a in data["assignments"]
    ]
    terminal = launch_lines(startup)
    for x, a in zip(launches, data["assignments"], strict=True):
        if a["launch"] is None:
            assert x["script"] == [] and "no serving settings" in x["text"]
            assert f"  {x['where']}: {x['text']}" in terminal
            continue
        assert x["text"] == "" and a["launch"]["shell"] in x["script"]
        head = next(line for line in terminal if line.startswith(f"  {x['where']}:"))
        assert head.endswith(x["script"][0]) or head.endswith(":")
    assert sum(not x["script"] for x in launches) == 1  # the nightly QLoRA job


def test_a_checkpoint_longer_than_the_widest_column_wraps_in_print(tmp_path: Path) -> None:
    """The hobbyist's llama.cpp checkpoints name the repository and the file, 'bartowski/Qwen2.5-Coder-
    14B-Instruct-GGUF (Qwen2.5-Coder-14B-Instruct-Q4_K_M.gguf)' and longer: past the widest column (60
    characters), printed unwrapped, the file name was cut off in the PDF. Every table cell whose text is
    wider than its column wraps, and its row is as tall as the wrapped lines."""
    plan = solve(load_scenario(SCENARIOS / "hobbyist.yaml"), load_catalog(), alternatives=False)
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    ws = load_workbook(path)["Launch"]
    col = [c.value for c in ws[1]].index("Checkpoint") + 1
    long = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]
    long = [c for c in long if isinstance(c.value, str) and len(c.value) > 60]
    assert long, "the hobbyist plan loads GGUF files named beside their repository"
    width = ws.column_dimensions[long[0].column_letter].width
    for cell in long:
        assert cell.alignment.wrap_text, (cell.coordinate, cell.value)
        lines = -(-len(cell.value) // int(width - 2))  # at least this many lines at the column's width
        assert (ws.row_dimensions[cell.row].height or 15) >= 15 * lines, (cell.coordinate, width)
