"""Errors that reach the user. Each carries the exit status the CLI maps it to, in one place.

Every message is one line that names the file or field and what is wrong, so the CLI never has to show a
traceback.
"""

from __future__ import annotations

import copy
import re
from typing import Any, TypeVar

EXIT_OK = 0
EXIT_INVALID_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_INTERRUPTED = 130
"""Ctrl-C: 128 + SIGINT, the shells' convention."""

QUOTE_LIMIT = 80
"""Most characters of the user's own text an error quotes: a 10 kB model name is not echoed whole."""

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f]")
"""C0 controls but tab, line feed and carriage return; DEL; C1 controls (0x9b is a one-byte CSI). ESC and BEL
start the sequences that set a terminal's title or clear its screen; user text never needs them."""

# Every character str.splitlines() breaks on (user text may hold any of them) and the control characters.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
# A quoted literal as ``repr`` writes it: it opens after no letter or digit and closes before none, so the
# apostrophe of planner's own "model's" neither opens nor closes one. Literals are matched whole from left to
# right (a short one is consumed, not shortened), so a closing quote never opens the next literal.
_QUOTED = re.compile(r"""(?<!\w)(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")(?!\w)""")


def quote(value: Any, limit: int = QUOTE_LIMIT) -> str:
    """``repr(value)`` for an error message, shortened to about ``limit`` characters with an ellipsis.

    The one way errors quote what the user wrote: control characters and line breaks come out escaped (repr
    does that), and a long text shows its start and its length, so the line stays one readable line."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(value) if isinstance(value, str) else text
    head = repr(text[: limit - 3]) if isinstance(value, str) else text[: limit - 3]
    return f"{head}... ({len(text):,} characters)"


def _shorten(match: re.Match[str]) -> str:
    text = match.group()
    if len(text) - 2 < QUOTE_LIMIT:
        return text
    return f"{text[: QUOTE_LIMIT - 3]}...{text[0]} ({len(text) - 2:,} characters)"


def one_line(text: str) -> str:
    """``text`` safe to print as one line on a terminal: line breaks and control characters escaped, quoted
    literals longer than ``QUOTE_LIMIT`` shortened (a message built with ``!r`` instead of ``quote``)."""
    text = _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)
    return _QUOTED.sub(_shorten, text) if len(text) > QUOTE_LIMIT else text


class PlannerError(Exception):
    """Base of every error planner reports to a user; invalid input unless a subclass says otherwise.

    The message is one line by construction: line breaks and control characters inside it (from names the
    user wrote) are shown escaped, and long quoted text is shortened (``one_line``), so whatever prints the
    error never spills a second line nor sends a terminal escape sequence.
    """

    exit_code: int = EXIT_INVALID_INPUT

    def __str__(self) -> str:
        text = super().__str__()
        return one_line(text)


class CatalogError(PlannerError):
    """A catalog file or row is malformed (names the file, line and field)."""


class ModelError(PlannerError):
    """A model name, nominal size or config.json cannot be turned into an architecture."""


class UnknownModelError(ModelError):
    """A name that is no catalog model, size or config.json, with the closest catalog name; ``advice`` says
    what to give instead, which the web page words for its own form (``worded``: it has no `planner catalog
    models` and reads no paths)."""

    def __init__(self, name: str, suggestion: str | None, advice: str) -> None:
        self.name = name
        self.suggestion = suggestion
        self.advice = advice
        super().__init__(self.worded(advice))

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str]]:
        # As raised, across a process boundary (a sweep's workers): the default rebuilds from the message.
        return (UnknownModelError, (self.name, self.suggestion, self.advice))

    def worded(self, advice: str) -> str:
        hint = f" (did you mean {self.suggestion!r}?)" if self.suggestion else ""
        return f"unknown model {self.name!r}{hint}: {advice}"


class ScenarioError(PlannerError):
    """A scenario file is malformed (names the file and field)."""


class WorkloadModelError(ScenarioError):
    """A workload names an unknown model. It keeps the workload and the ``UnknownModelError``, so a caller
    with other advice (the web page) words the whole message again rather than editing this one's text."""

    def __init__(self, workload: str, cause: UnknownModelError) -> None:
        self.workload = workload
        self.cause = cause
        super().__init__(self.worded(cause.advice))

    def __reduce__(self) -> tuple[type, tuple[str, UnknownModelError]]:
        return (WorkloadModelError, (self.workload, self.cause))

    def worded(self, advice: str) -> str:
        return f"workload {self.workload!r}: {self.cause.worded(advice)}"


_E = TypeVar("_E", bound=PlannerError)


def prefixed(error: _E, prefix: str) -> _E:
    """``error`` with ``prefix`` before its message ("scenario.yaml: "), of its own class and with its own
    fields. Rebuilding it from the text (``type(error)(text)``) raised TypeError for a class whose constructor
    takes other arguments (``WorkloadModelError``): an unknown model in ``planner solve`` was a traceback."""
    renamed = copy.copy(error)
    renamed.args = (f"{prefix}{error}",)
    return renamed


class TimeLimitError(PlannerError):
    """The run-wide time limit ran out before a plan existed (names the stage and what to change)."""


class InfeasibleError(PlannerError):
    """No plan meets every constraint; the message says what would make one feasible."""

    exit_code = EXIT_INFEASIBLE
