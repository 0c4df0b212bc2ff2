"""Errors that reach the user. Each carries the exit status the CLI maps it to, in one place.

Every message is one line that names the file or field and what is wrong, so the CLI never has to show a
traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_INFEASIBLE = 3


# Every character str.splitlines() breaks on: user text (a workload name, a YAML key) may hold any of them.
_LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


class PlannerError(Exception):
    """Base of every error planner reports to a user; invalid input unless a subclass says otherwise.

    The message is one line by construction: line breaks inside it (from names the user wrote) are shown
    escaped, so whatever prints the error never spills a second line.
    """

    exit_code: int = EXIT_INVALID_INPUT

    def __str__(self) -> str:
        text = super().__str__()
        return "".join(repr(ch)[1:-1] if ch in _LINE_BREAKS else ch for ch in text)


class CatalogError(PlannerError):
    """A catalog file or row is malformed (names the file, line and field)."""


class ModelError(PlannerError):
    """A model name, nominal size or config.json cannot be turned into an architecture."""


class ScenarioError(PlannerError):
    """A scenario file is malformed (names the file and field)."""


class InfeasibleError(PlannerError):
    """No plan meets every constraint; the message says what would make one feasible."""

    exit_code = EXIT_INFEASIBLE
