"""Workloads from a spreadsheet (``workloads_file: fleet.xlsx`` in a scenario): one row per workload.

Fleets of hundreds of workloads live in spreadsheets, not YAML. The header row names the same fields as a
workload in YAML (``name, model, task, precision, engine, context, batch, replicas, hours_per_month, ...``);
an empty cell leaves the field at its default. A field that is a mapping in YAML takes one column per key,
named with a dot (``slo.ttft_ms``, ``slo.tpot_ms``, ``schedule.start_hour``); a list in one cell is written
with commas (``schedule.days``: ``mon,tue,wed``). Every row is validated on its own against ``Workload`` so an
error names the file, the spreadsheet row (header = row 1) and the field. CSV and Excel (the first sheet, or
``fleet.xlsx#Sheet`` for another) are read with pandas.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.errors import ScenarioError
from planner.scenario.schema import ScenarioModel, Schedule, Slo, Workload

READERS = {".csv": "csv", ".xlsx": "excel", ".xlsm": "excel"}
"""File suffix -> how pandas reads it."""
MAX_ROWS = 100_000
"""More rows than any fleet: a file this long is a mistake (a whole export), refused before validation."""


def resolve_workloads_file(raw: dict[str, Any], base_dir: Path | None, source: str) -> None:
    """Append the rows of ``raw["workloads_file"]`` to ``raw["workloads"]`` (in place).

    The path is relative to the scenario file. The workloads written in YAML come first.
    """
    spec = raw.get("workloads_file")
    if spec is None:
        return
    if not isinstance(spec, str) or not spec.strip():
        raise ScenarioError(f"{source}: workloads_file: give the path of a .csv or .xlsx file")
    inline = raw.get("workloads", [])
    if not isinstance(inline, list):
        return  # the schema reports what is wrong with it
    name, _, sheet = spec.partition("#")
    path = Path(name)
    if base_dir is not None and not path.is_absolute():
        path = base_dir / path
    if path.suffix.lower() in READERS and not path.is_file():  # which scenario named it, and as what
        raise ScenarioError(f"{source}: workloads_file: {path}: no such workloads file")
    raw["workloads"] = [*inline, *read_workloads_file(path, sheet or None)]


def read_workloads_file(path: Path, sheet: str | None = None) -> list[dict[str, Any]]:
    """The rows of a CSV or Excel file as workload mappings, each validated (errors name the row)."""
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise ScenarioError(
            f"{path}: workloads_file must be .csv or .xlsx, got {path.suffix or 'no suffix'!r}"
        )
    if not path.is_file():
        raise ScenarioError(f"{path}: no such workloads file")
    import pandas as pd

    try:
        if kind == "csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        else:
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
    except (ValueError, OSError, KeyError, UnicodeDecodeError) as error:
        detail = " ".join(str(error).split())[:200]
        raise ScenarioError(f"{path}: cannot read the workloads: {detail}") from None
    if len(frame) > MAX_ROWS:
        raise ScenarioError(f"{path}: {len(frame):,} rows; at most {MAX_ROWS:,} workloads")
    headers = [str(column).strip() for column in frame.columns]
    unknown = [h for h in headers if not _known(h)]
    if unknown:
        near = closest_column(unknown[0])
        hint = f"did you mean {near!r}?" if near else "columns are workload fields"
        raise ScenarioError(f"{path}: row 1: unknown column {unknown[0]!r} ({hint})")
    rows = []
    for number, values in enumerate(frame.itertuples(index=False, name=None), start=2):
        row = _nested({h: _cell(v) for h, v in zip(headers, values, strict=True) if _cell(v) is not None})
        if not row:
            continue  # a blank line between groups of workloads
        try:
            Workload.model_validate(row)
        except ValidationError as error:
            problem = error.errors()[0]
            field = ".".join(str(part) for part in problem["loc"]) or "row"
            message = problem["msg"].removeprefix("Value error, ")
            message = "required field is missing" if problem["type"] == "missing" else message
            label = f" ({row['name']})" if isinstance(row.get("name"), str) else ""
            raise ScenarioError(f"{path}: row {number}{label}: {field}: {message}") from None
        rows.append(row)
    if not rows:
        raise ScenarioError(f"{path}: no workloads (one row per workload under a header row)")
    return rows


NESTED: dict[str, type[ScenarioModel]] = {"slo": Slo, "schedule": Schedule}
"""Workload fields that are mappings in YAML, and the model of each: a column ``field.key`` per key."""


def columns() -> list[str]:
    """Every column a workloads file may have: the workload's fields (and ``concurrency``), and
    ``field.key`` for each key of a mapping field."""
    flat = [f for f in Workload.model_fields if f not in NESTED]
    return [*flat, "concurrency", *(f"{f}.{k}" for f, model in NESTED.items() for k in model.model_fields)]


def closest_column(header: str) -> str | None:
    """The column nearest to an unknown one, as YAML field errors name the nearest field: a mapping's key
    alone (``ttft_ms``) is its dotted column (``slo.ttft_ms``); else the closest in spelling (difflib's
    ratio at least 0.6), or None."""
    import difflib

    known = columns()
    dotted = [c for c in known if c.partition(".")[2] == header]
    if len(dotted) == 1:
        return dotted[0]
    match = difflib.get_close_matches(header, known, n=1, cutoff=0.6)
    return match[0] if match else None


def _known(header: str) -> bool:
    field, dot, key = header.partition(".")
    if dot:
        return field in NESTED and key in NESTED[field].model_fields
    return field in Workload.model_fields or field == "concurrency"


def _nested(cells: dict[str, object]) -> dict[str, Any]:
    """A row's cells as a workload mapping: ``slo.ttft_ms`` under ``slo``; a list field's text split on
    commas; a boolean field's ``true``/``false`` as the boolean."""
    row: dict[str, Any] = {}
    for header, value in cells.items():
        field, dot, key = header.partition(".")
        if not dot:
            row[field] = _boolean(value) if field in Workload._bool_fields else value
            continue
        if key in NESTED[field]._bool_fields:
            value = _boolean(value)
        annotation = str(NESTED[field].model_fields[key].annotation)
        if annotation.startswith("tuple") and isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        row.setdefault(field, {})[key] = value
    return row


def _boolean(value: object) -> object:
    """A cell of a boolean field: ``true``/``false`` (any case) as the boolean, as YAML reads them; other
    text stays text, which the schema refuses naming the row and the field."""
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return value


def _cell(value: object) -> object:
    """A cell as the schema should see it: None for blanks, whole floats from Excel as int, text stripped."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if hasattr(value, "item"):  # numpy scalars from read_excel
        return _cell(value.item())
    return value
