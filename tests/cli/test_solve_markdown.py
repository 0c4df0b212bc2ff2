"""``planner solve --markdown FILE`` writes the summary as Markdown beside the workbook."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _solve_hobbyist(tmp_path: Path, markdown: Path, *extra: str) -> Result:
    """``planner solve scenarios/hobbyist.yaml`` with the workbook in ``tmp_path`` and ``--markdown``."""
    args = ["solve", str(ROOT / "scenarios" / "hobbyist.yaml"), "-o", str(tmp_path / "plan.xlsx"), *extra]
    return CliRunner().invoke(main, [*args, "--markdown", str(markdown)])


def test_markdown_summary_matches_the_json(tmp_path: Path) -> None:
    markdown = tmp_path / "plan.md"
    result = _solve_hobbyist(tmp_path, markdown, "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    text = markdown.read_text(encoding="utf-8")
    assert text.startswith("#")
    assert "|" in text  # the chosen mix is a Markdown table
    for workload in plan["workloads"]:
        assert workload["name"] in text
    assert (tmp_path / "plan.xlsx").exists()


def test_markdown_under_a_file_is_one_error_line(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("a file, so nothing can be written under it\n")
    result = _solve_hobbyist(tmp_path, tmp_path / "not-a-dir" / "plan.md")
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "cannot write the report" in result.stderr
