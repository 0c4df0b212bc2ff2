"""Helpers shared by the hostile-input tests: run the CLI, and assert an outcome is one clean line."""

from __future__ import annotations

from typing import Any

import yaml
from click.testing import CliRunner

from planner.cli import main
from planner.errors import CONTROL_CHARACTERS, QUOTE_LIMIT

BASE: dict[str, Any] = {
    "name": "hostile",
    "horizon_months": 12,
    "hardware": {"gpus": ["L4", "H100 SXM5"], "providers": ["aws"]},
    "workloads": [{"name": "chat", "model": "qwen2.5-0.5b"}],
}


def cli(*args: str) -> tuple[int, str, str]:
    """Run ``planner ARGS``; a Python exception other than SystemExit fails the test (it was a traceback)."""
    result = CliRunner().invoke(main, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"traceback instead of a clean error: {result.exception!r}"
        ) from result.exception
    return result.exit_code, result.stdout, result.stderr


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def assert_one_clean_line(message: str, user_text: str = "") -> None:
    """One line, no control characters, and no more than about ``QUOTE_LIMIT`` characters of ``user_text``."""
    lines = [line for line in message.splitlines() if not line.startswith("warning:")]
    assert len(lines) == 1, f"not one line: {message!r}"
    assert not CONTROL_CHARACTERS.search(lines[0]), f"control character reaches the terminal: {lines[0]!r}"
    assert "Traceback" not in message and "Exception ignored" not in message
    if len(user_text) > 2 * QUOTE_LIMIT:
        assert user_text[: 2 * QUOTE_LIMIT] not in lines[0], "user text echoed whole"
        assert len(lines[0]) < 4 * QUOTE_LIMIT + 200
