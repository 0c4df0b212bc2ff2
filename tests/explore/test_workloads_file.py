"""Workloads from a spreadsheet: the same scenario from YAML, CSV and Excel gives the same plan; a bad cell
is one error naming the file, the row and the field; a 200-workload fleet loads from Excel and solves."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner

from planner.catalog.schema import Catalog
from planner.check import verify
from planner.cli import main
from planner.errors import ScenarioError
from planner.pipeline import solve
from planner.plan import Plan
from planner.scenario.load import load_scenario

from scripts import benchmark_module

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"


def _startup_without_workloads(tmp_path: Path, workloads_file: str) -> tuple[Path, list[dict[str, Any]]]:
    """The startup with its count-stated workloads moved to a file; the rate-stated chat assistant stays in
    the YAML (its workloads come first, as in the file; SLO columns: tests/scenario)."""
    raw = yaml.safe_load(STARTUP.read_text(encoding="utf-8"))
    workloads = raw.pop("workloads")
    raw["workloads"] = [w for w in workloads if "slo" in w]
    workloads = [w for w in workloads if "slo" not in w]
    assert [w["name"] for w in raw["workloads"]] == ["chat-assistant"]
    raw["workloads_file"] = workloads_file
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path, workloads


def _header(workloads: list[dict[str, Any]]) -> list[str]:
    """Every field the moved workloads give, in the order they first appear: the file's columns."""
    return list(dict.fromkeys(key for w in workloads for key in w))


def _write_xlsx(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header)
    for row in rows:
        sheet.append([row.get(h) for h in header])
    book.save(path)


def test_csv_and_excel_give_the_yaml_plan(tmp_path: Path, startup_plan: Plan, catalog: Catalog) -> None:
    scenario_csv, workloads = _startup_without_workloads(tmp_path, "fleet.csv")
    with (tmp_path / "fleet.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, _header(workloads), restval="")
        writer.writeheader()
        writer.writerows(workloads)
    from_csv = load_scenario(scenario_csv)
    assert from_csv.workloads == load_scenario(STARTUP).workloads
    _write_xlsx(tmp_path / "fleet.xlsx", _header(workloads), workloads)
    scenario_xlsx = tmp_path / "scenario-xlsx.yaml"
    scenario_xlsx.write_text(scenario_csv.read_text().replace("fleet.csv", "fleet.xlsx"), encoding="utf-8")
    from_xlsx = load_scenario(scenario_xlsx)
    assert from_xlsx.workloads == from_csv.workloads
    assert solve(from_xlsx, catalog).total_cost == pytest.approx(startup_plan.total_cost)


def test_a_bad_cell_names_file_row_and_field(tmp_path: Path) -> None:
    scenario, workloads = _startup_without_workloads(tmp_path, "fleet.xlsx")
    workloads[1]["context"] = -4096  # spreadsheet row 3: the header is row 1, the coding assistant row 2
    _write_xlsx(tmp_path / "fleet.xlsx", _header(workloads), workloads)
    with pytest.raises(
        ScenarioError, match=r"fleet\.xlsx: row 3 \(nightly-qlora\): context: .*greater than 0"
    ):
        load_scenario(scenario)
    result = CliRunner().invoke(main, ["validate", str(scenario)])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "row 3 (nightly-qlora)" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,model,colour\nx,7b,red\n", r"row 1: unknown column 'colour'"),
        ("name,model\n", r"no workloads"),
        ("name,context\nx,8192\n", r"row 2 \(x\): model: required field is missing"),
    ],
)
def test_csv_errors(tmp_path: Path, content: str, message: str) -> None:
    scenario, _ = _startup_without_workloads(tmp_path, "fleet.csv")
    (tmp_path / "fleet.csv").write_text(content, encoding="utf-8")
    with pytest.raises(ScenarioError, match=message):
        load_scenario(scenario)


def test_missing_file_and_wrong_suffix(tmp_path: Path) -> None:
    scenario, _ = _startup_without_workloads(tmp_path, "nowhere.csv")
    # the scenario and its field first: "nowhere.csv: no such workloads file" did not say who named it
    with pytest.raises(ScenarioError, match=r"\.yaml: workloads_file: .*nowhere\.csv: no such workloads"):
        load_scenario(scenario)
    scenario.write_text(scenario.read_text().replace("nowhere.csv", "fleet.ods"), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"must be \.csv or \.xlsx"):
        load_scenario(scenario)


def _fleets() -> Any:
    return benchmark_module("fleets")


def test_a_200_workload_fleet_loads_from_excel_and_solves(tmp_path: Path, catalog: Catalog) -> None:
    fleet = _fleets().fleet_dict(200, seed=0)
    workloads = fleet.pop("workloads")
    header = sorted({key for w in workloads for key in w})
    _write_xlsx(tmp_path / "fleet.xlsx", header, workloads)
    fleet["workloads_file"] = "fleet.xlsx"
    (tmp_path / "fleet.yaml").write_text(yaml.safe_dump(fleet), encoding="utf-8")
    scenario = load_scenario(tmp_path / "fleet.yaml")
    assert len(scenario.workloads) == 200
    assert [w.model_dump() for w in scenario.workloads] == [
        w.model_dump() for w in load_scenario_from_dict({**fleet, "workloads": workloads}).workloads
    ]
    plan = solve(scenario, catalog, time_limit_s=60.0, mip_gap=0.05)
    assert verify(plan, scenario) == []
    assert sum(w.replicas for w in plan.workloads) == sum(w["replicas"] for w in workloads)


def load_scenario_from_dict(raw: dict[str, Any]) -> Any:
    from planner.scenario.schema import Scenario

    return Scenario.model_validate({k: v for k, v in raw.items() if k != "workloads_file"})
