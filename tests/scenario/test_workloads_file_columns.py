"""A spreadsheet row holds what a YAML workload holds: mappings as dotted columns (``slo.ttft_ms``,
``schedule.days`` with commas), so every shipped workload, rate-stated and scheduled ones too, can come from a
file; a dotted column naming no key is one error naming the column."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml

from planner.errors import ScenarioError
from planner.scenario.load import load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def _flat(workload: dict[str, Any]) -> dict[str, str]:
    """A YAML workload as one spreadsheet row, written by hand-rule: a mapping becomes ``field.key`` columns,
    a list one comma-separated cell."""
    row: dict[str, str] = {}
    for field, value in workload.items():
        if isinstance(value, dict):
            for key, inner in value.items():
                row[f"{field}.{key}"] = ",".join(inner) if isinstance(inner, list) else str(inner)
        else:
            row[field] = str(value).lower() if isinstance(value, bool) else str(value)
    return row


def _from_file(tmp_path: Path, shipped: Path) -> Path:
    raw = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    rows = [_flat(w) for w in raw.pop("workloads")]
    header = sorted({h for row in rows for h in row})
    with (tmp_path / "fleet.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(rows)
    raw["workloads_file"] = "fleet.csv"
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


@pytest.mark.parametrize("name", ["startup.yaml", "hobbyist-timeshare.yaml"])
def test_every_workload_of_a_shipped_scenario_loads_from_a_file(tmp_path: Path, name: str) -> None:
    from_yaml = load_scenario(SCENARIOS / name)
    from_file = load_scenario(_from_file(tmp_path, SCENARIOS / name))
    assert from_file.workloads == from_yaml.workloads
    assert any(w.slo is not None or w.schedule is not None for w in from_file.workloads)


@pytest.mark.parametrize(
    ("header", "cell", "error"),
    [
        ("slo.ttft_sec", "1000", r"row 1: unknown column 'slo.ttft_sec'"),
        ("slo.ttft_ms", "-5", r"row 2 \(chat\): slo.ttft_ms: "),
    ],
)
def test_a_bad_dotted_column_or_cell_is_one_error_naming_it(
    tmp_path: Path, header: str, cell: str, error: str
) -> None:
    (tmp_path / "fleet.csv").write_text(
        f"name,model,requests_per_second,{header}\nchat,llama-3.1-8b,2,{cell}\n", encoding="utf-8"
    )
    (tmp_path / "s.yaml").write_text("workloads_file: fleet.csv\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=error):
        load_scenario(tmp_path / "s.yaml")


def test_a_boolean_cell_is_true_or_false_as_in_yaml(tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text("name: s\nworkloads_file: fleet.csv\n", encoding="utf-8")
    (tmp_path / "fleet.csv").write_text(
        "name,model,interruptible\nbatch,llama-3.1-8b,TRUE\nchat,llama-3.1-8b,false\n", encoding="utf-8"
    )
    assert [w.interruptible for w in load_scenario(tmp_path / "s.yaml").workloads] == [True, False]
    (tmp_path / "fleet.csv").write_text(
        "name,model,interruptible\nbatch,llama-3.1-8b,yes\n", encoding="utf-8"
    )
    with pytest.raises(
        ScenarioError, match=r"row 2 \(batch\): interruptible: expected true or false, not 'yes'"
    ):
        load_scenario(tmp_path / "s.yaml")


@pytest.mark.parametrize(
    ("header", "hint"),
    [
        ("ttft_ms", "did you mean 'slo.ttft_ms'?"),  # a mapping's key alone: its dotted column
        ("days", "did you mean 'schedule.days'?"),
        ("slo.ttft", "did you mean 'slo.ttft_ms'?"),
        ("hours_per_mnth", "did you mean 'hours_per_month'?"),
        ("concurency", "did you mean 'concurrency'?"),
        ("xyzzy", "columns are workload fields"),
    ],
)
def test_an_unknown_column_names_the_closest_valid_one(tmp_path: Path, header: str, hint: str) -> None:
    (tmp_path / "fleet.csv").write_text(f"name,model,{header}\nchat,llama-3.1-8b,1\n", encoding="utf-8")
    (tmp_path / "s.yaml").write_text("name: s\nworkloads_file: fleet.csv\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as raised:
        load_scenario(tmp_path / "s.yaml")
    assert str(raised.value).endswith(f"row 1: unknown column {header!r} ({hint})"), str(raised.value)
