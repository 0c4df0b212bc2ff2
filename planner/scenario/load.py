"""Read a scenario YAML file into a ``Scenario``; every problem becomes one line naming file and field."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from planner.errors import QUOTE_LIMIT, ScenarioError
from planner.files import Unreadable, read_at_most, regular_file
from planner.safe_yaml import safe_load
from planner.scenario.schema import Scenario
from planner.scenario.workloads_file import resolve_workloads_file

MAX_SCENARIO_BYTES = 64 * 2**20
"""Largest scenario file read: 10,000 workloads written inline take about 1 MB (a larger fleet belongs in a
``workloads_file``). A scenario path naming /dev/zero was read until memory ran out (a MemoryError
traceback), a FIFO blocked for ever."""
WHAT = "a scenario YAML file"


def load_scenario(path: str | Path) -> Scenario:
    """Load and validate a scenario. YAML is read with ``safe_load``: tags never construct objects."""
    if not isinstance(path, str | os.PathLike):
        raise ScenarioError(f"a scenario is loaded from a path, got {type(path).__name__}")
    path = Path(path)
    try:
        regular_file(path, MAX_SCENARIO_BYTES, WHAT, "list a large fleet in a workloads_file")
        text = read_at_most(path, MAX_SCENARIO_BYTES, WHAT).decode("utf-8")
    except Unreadable as why:
        raise ScenarioError(f"{path}: cannot read: {why}") from None
    except FileNotFoundError:
        raise ScenarioError(f"{path}: no such scenario file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ScenarioError(f"{path}: cannot read: {error}") from None
    return parse_scenario(text, source=str(path), base_dir=path.parent)


def parse_scenario(text: str, *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    try:
        raw = safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f": line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(error, "problem", None) or _reader_problem(error)
        if mark is not None and _char_at(text, mark.line, mark.column) == "\t" and "tab" not in problem:
            problem += " (a tab: YAML indents with spaces)"  # "cannot start any token" names no character
        raise ScenarioError(f"{source}{where}: YAML syntax error: {problem}") from None
    if raw is None:  # nothing but whitespace and comments
        raise ScenarioError(f"{source}: the file is empty; a scenario needs a name and at least one workload")
    if not isinstance(raw, dict):
        raise ScenarioError(f"{source}: expected a mapping with name and workloads, got {type(raw).__name__}")
    resolve_workloads_file(raw, base_dir, source)
    if base_dir is not None:
        _resolve_config_paths(raw, base_dir)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as error:
        raise ScenarioError(f"{source}: {first_problem(error, raw)}") from None
    except (ValueError, TypeError) as error:
        raise ScenarioError(f"{source}: {error}") from None


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    return lines[line][column] if 0 <= line < len(lines) and 0 <= column < len(lines[line]) else ""


def _reader_problem(error: yaml.YAMLError) -> str:
    """What a reader error (a character YAML does not allow, such as NUL in a binary file) says, where it
    has no ``problem`` and no mark: the character and its position in the text."""
    if isinstance(error, yaml.reader.ReaderError):
        return f"{error.reason} at character {error.position + 1} (is it a text file?)"
    return "invalid YAML"


def _resolve_config_paths(raw: dict[str, Any], base_dir: Path) -> None:
    """A workload's ``model: configs/x/config.json`` is relative to the scenario file, not to the working
    directory."""
    workloads = raw.get("workloads")
    for workload in workloads if isinstance(workloads, list) else ():  # anything else: validation says so
        if not isinstance(workload, dict) or not isinstance(workload.get("model"), str):
            continue
        model = workload["model"]
        if model.endswith(".json") or "/" in model:
            candidate = base_dir / model
            if not Path(model).is_absolute() and _exists(candidate):
                workload["model"] = str(candidate)


def _exists(path: Path) -> bool:
    """``path.exists()``, False where the name itself is no valid path (a NUL byte, a name too long for the
    file system): the model is then looked up as a name and reported as unknown."""
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


def _short(text: Any) -> str:
    """A name or key the user wrote, as the error shows it: at most about ``QUOTE_LIMIT`` characters."""
    text = str(text)
    return text if len(text) <= QUOTE_LIMIT else f"{text[: QUOTE_LIMIT - 3]}... ({len(text):,} characters)"


def first_problem(error: ValidationError, raw: Any) -> str:
    """The first validation problem as ``field: message``, with workload indices replaced by their names."""
    problems = error.errors()
    independent = _independent(problems)
    problem = independent[0] if independent else problems[0]  # never a knock-on of another
    for candidate in problems:
        # A misspelt required field is "missing" plus "unknown" beside it: the unknown one explains both.
        if candidate["type"] == "extra_forbidden" and any(
            p["type"] == "missing" and p["loc"][:-1] == candidate["loc"][:-1] for p in problems
        ):
            problem = candidate
            break
    parts: list[str] = []
    node: Any = raw
    for key in problem["loc"]:
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            item = node[key]
            label = item.get("name") if isinstance(item, dict) else None
            parts.append(f"[{key}]" if label is None else f"[{key}] ({_short(label)})")
            node = item
        else:
            parts.append(f".{_short(key)}" if parts else _short(key))
            node = node.get(key) if isinstance(node, dict) else None
    field = "".join(parts) or "scenario"
    message = problem["msg"].removeprefix("Value error, ")  # pydantic's label for a validator's own words
    if problem["type"] == "extra_forbidden":
        from planner.scenario.suggest import closest_field

        near = closest_field([k for k in problem["loc"] if isinstance(k, str | int)])
        message = "unknown field" + (f" (did you mean {near!r}?)" if near else "")
    elif problem["type"] == "missing":
        message = "required field is missing"
    elif problem["type"] == "too_short" and tuple(problem["loc"]) == ("workloads",):
        message = "a scenario needs at least one workload"
    count = len(independent)
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return f"{field}: {message}{more}"


def _independent(problems: list[Any]) -> list[Any]:
    """The problems that are not a knock-on of another, as the count after the first one reports them.

    A container whose item failed reports its own error as well (``workloads`` "at least 1 item" once its
    only workload is refused): an error at a location that is the prefix of another error's is dropped. A
    missing required field beside an unknown one is one misspelling, not two problems."""
    locs = [tuple(p["loc"]) for p in problems]
    kept = [
        p for p, loc in zip(problems, locs, strict=True)
        if not any(len(other) > len(loc) and other[: len(loc)] == loc for other in locs)
    ]  # fmt: skip
    unknown = [tuple(p["loc"][:-1]) for p in kept if p["type"] == "extra_forbidden"]
    out = []
    for p in kept:
        parent = tuple(p["loc"][:-1])
        if p["type"] == "missing" and parent in unknown:
            unknown.remove(parent)  # one unknown field explains one missing one
            continue
        out.append(p)
    return out
