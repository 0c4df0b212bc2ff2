"""The CLI's top level: help is fast because it imports no heavy library, and errors map to exit codes."""

from __future__ import annotations

from click.testing import CliRunner

from planner.cli import COMMANDS, main

from fresh import fresh_python


def test_help_lists_every_command() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMANDS:
        assert name in result.output


def test_help_imports_no_heavy_library() -> None:
    heavy = fresh_python(
        "import sys",
        "from click.testing import CliRunner",
        "from planner.cli import main",
        "CliRunner().invoke(main, ['--help'])",
        "print(sorted(m for m in ('pandas', 'pulp', 'openpyxl', 'numpy') if m in sys.modules))",
    )
    assert heavy == "[]"


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command" in result.output


def test_a_bad_option_is_one_error_line() -> None:
    """click's usage errors were four lines (usage, hint, blank, "Error: ..."); the README promises one."""
    for args in (["solve", "x.yaml", "--time-limit", "0"], ["estimate"], ["frobnicate"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, args
        assert result.output.startswith("error: ") and result.output.count("\n") == 1, result.output


def test_an_error_message_is_always_one_line() -> None:
    from planner.errors import InfeasibleError, ScenarioError

    error = ScenarioError("workload 'two\nlines\u2028more': unknown model")
    assert len(str(error).splitlines()) == 1
    assert "two\\nlines\\u2028more" in str(error)
    assert InfeasibleError("a\rb").exit_code == 3 and str(InfeasibleError("a\rb")) == "a\\rb"


def test_a_misspelt_command_gets_the_closest_one() -> None:
    """As ``planner catalog clod`` answers "Did you mean 'cloud'?": the lazily loaded top-level commands
    were unknown to click's suggestion, so ``planner sovle`` got none."""
    result = CliRunner().invoke(main, ["sovle", "scenario.yaml"])
    assert result.exit_code == 2
    assert result.output.strip() == "error: No such command 'sovle'. Did you mean 'solve'?"
