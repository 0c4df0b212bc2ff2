"""The README's launch settings for the startup plan are what ``planner solve --launch`` prints.

The block was written by hand from an earlier plan and went stale when the chat replicas' batches grew
(--max-num-seqs 28 and 8 quoted, 30 and 9 printed): a reader copying the commands got other settings than
the plan's. The block is checked line by line against the command's own output."""

from __future__ import annotations

import textwrap
from pathlib import Path

from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_the_readme_launch_block_is_what_the_command_prints(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.rindex("\n", 0, readme.index("$ planner solve scenarios/startup.yaml --launch\n")) + 1
    block = readme[start : readme.index("```", start)]
    quoted = textwrap.dedent(block).splitlines()
    assert quoted[1] == "..."  # the plan above the launch settings, left out
    result = CliRunner().invoke(
        main, ["solve", str(ROOT / "scenarios" / "startup.yaml"), "--launch", "-o", str(tmp_path / "s.xlsx")]
    )
    assert result.exit_code == 0, result.output
    printed = result.stdout.splitlines()
    first = printed.index(quoted[2])  # "Launch settings (...)"
    assert printed[first : first + len(quoted) - 2] == quoted[2:]
