"""``planner solve`` / ``planner validate`` through click: exit codes, the JSON contract, determinism, and a
report that survives a failed run. Workloads use measured memory so these tests need only the catalog."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main

from contract import ASSIGNMENT, CONTRACT, UNIT

SCENARIO = """
name: cli-demo
horizon_months: 24
workloads:
  - name: chat
    model: llama-3-8b
    memory_per_gpu: 18GiB
    replicas: 2
  - name: embed
    model: bge-m3
    memory_per_gpu: 2GiB
  - name: eval
    model: qwen
    memory_per_gpu: 30GiB
    hours_per_month: 40
    interruptible: true
"""


def _write(tmp_path: Path, text: str = SCENARIO, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json_run(tmp_path: Path, scenario: Path) -> dict[str, object]:
    code, out, err = _run("solve", str(scenario), "-o", str(tmp_path / "r.xlsx"), "--format", "json")
    assert code == 0, err
    data = json.loads(out)  # stdout is exactly one JSON object
    assert isinstance(data, dict)
    return data


def _check_types(obj: dict[str, object], spec: dict[str, type]) -> None:
    for key, kind in spec.items():
        assert key in obj, key
        value = obj[key]
        assert isinstance(value, kind) or (kind is float and isinstance(value, int)), (key, value)


def test_json_contract(tmp_path: Path) -> None:
    data = _json_run(tmp_path, _write(tmp_path))
    _check_types(data, CONTRACT)
    assert data["status"] in ("optimal", "feasible")
    for unit in data["units"]:  # type: ignore[attr-defined]
        _check_types(unit, UNIT)
        assert unit["kind"] in ("bought", "owned", "cloud")
    for a in data["assignments"]:  # type: ignore[attr-defined]
        _check_types(a, ASSIGNMENT)
        assert a["reserved_bytes"] >= a["per_gpu_bytes"] / (1 - a["headroom"]) - 1
    names = [alt["name"] for alt in data["alternatives"]]  # type: ignore[attr-defined]
    assert names == ["all_cloud", "all_bought", "best_single_gpu", "cheapest_per_workload"]
    assert (tmp_path / "r.xlsx").stat().st_size > 0
    # The plan never costs more than any alternative solved beside it.
    for alt in data["alternatives"]:  # type: ignore[attr-defined]
        if alt["total_cost"] is not None:
            assert alt["total_cost"] >= data["total_cost"] - 1e-6  # type: ignore[operator]


def test_reserved_bytes_fit_every_gpu(tmp_path: Path) -> None:
    data = _json_run(tmp_path, _write(tmp_path))
    memory = {u["id"]: u["gpu_memory_bytes"] for u in data["units"]}  # type: ignore[attr-defined]
    used: dict[tuple[str, int], int] = {}
    for a in data["assignments"]:  # type: ignore[attr-defined]
        for g in a["gpu_indices"]:
            used[(a["unit"], g)] = used.get((a["unit"], g), 0) + a["reserved_bytes"]
    assert all(total <= memory[unit] for (unit, _), total in used.items())


def test_two_runs_give_the_same_json(tmp_path: Path) -> None:
    path = _write(tmp_path)
    first, second = _json_run(tmp_path, path), _json_run(tmp_path, path)
    assert "solve_seconds" not in first  # wall time would make the same input give different JSON
    assert first == second


def test_table_output_and_default_report_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = _run("solve", str(_write(tmp_path)))
    assert code == 0, err
    assert "cli-demo" in out and "reports/cli-demo.xlsx" in out
    assert (tmp_path / "reports" / "cli-demo.xlsx").exists()
    # The default folder was missing: made, and said so (a folder named with -o is made only with --mkdir).
    assert err == "note: made the directory reports/ for the default report path (-o to choose)\n"
    code, _, err = _run("solve", str(_write(tmp_path)))
    assert code == 0 and err == ""  # it exists now: nothing to say


def test_invalid_scenario_exits_2_without_traceback(tmp_path: Path) -> None:
    code, _, err = _run("solve", str(_write(tmp_path, "name: t\nworkloads: []\n")))
    assert code == 2
    assert err.startswith("error: ") and "Traceback" not in err and err.count("\n") == 1


def test_unknown_gpu_exits_2(tmp_path: Path) -> None:
    text = SCENARIO + "hardware:\n  gpus: [Voodoo5]\n"
    path = _write(tmp_path, text)
    code, _, err = _run("solve", str(path), "-o", str(tmp_path / "r.xlsx"))
    assert code == 2 and "Voodoo5" in err
    # The line names the scenario file, as every invalid-input error does (it once said only the field).
    assert err.startswith(f"error: {path}: hardware.gpus[0]: unknown GPU 'Voodoo5'")
    code, _, err = _run("validate", str(path))
    assert code == 2 and err.startswith(f"error: {path}: hardware.gpus[0]")


def test_infeasible_exits_3_and_keeps_the_old_report(tmp_path: Path) -> None:
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"previous report")
    text = "name: t\nworkloads:\n  - {name: giant, model: m, memory_per_gpu: 5000GiB}\n"
    path = _write(tmp_path, text)
    code, _, err = _run("solve", str(path), "-o", str(report))
    assert code == 3
    assert "giant" in err and "fits nowhere" in err
    assert err.startswith(f"error: {path}: workload 'giant'")  # the file first, as exit 2 names it
    assert report.read_bytes() == b"previous report"


def test_a_budget_shortfall_names_the_scenario_file(tmp_path: Path) -> None:
    """Exit 3 said only "no plan fits the limits: the capex budget (budgets.capex_usd) is short by ...":
    with two scenarios side by side (compare) the reader could not tell whose budget it was. The cheapest
    plan of SCENARIO buys hardware; no cloud and a 100 USD capex budget leave it short."""
    text = SCENARIO + "hardware: {bought: true, cloud: false}\nbudgets: {capex_usd: 100}\n"
    path = _write(tmp_path, text, "tight.yaml")
    short = f"error: {path}: no plan fits the limits: the capex budget (budgets.capex_usd) is short by "
    code, _, err = _run("solve", str(path), "-o", str(tmp_path / "r.xlsx"))
    assert code == 3 and err.startswith(short) and err.count("\n") == 1
    code, _, err = _run("compare", str(_write(tmp_path)), str(path))
    assert code == 3 and err.startswith(short)  # the NEW side, not the BASE one


def test_a_failed_markdown_write_keeps_the_old_workbook(tmp_path: Path) -> None:
    """The workbook was renamed into place before the Markdown failed: a failed run replaced a report."""
    report = tmp_path / "r.xlsx"
    report.write_bytes(b"previous report")
    (tmp_path / "file").write_text("not a directory")
    markdown = tmp_path / "file" / "x.md"
    code, _, err = _run("solve", str(_write(tmp_path)), "-o", str(report), "--markdown", str(markdown))
    assert code == 2 and err.startswith(f"error: {markdown}: cannot write the report")
    assert report.read_bytes() == b"previous report"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


def test_one_path_for_both_reports_and_nan_limits_are_refused(tmp_path: Path) -> None:
    """-o and --markdown on one file kept only the Markdown, with exit 0; --time-limit nan passed click's
    range (every comparison with nan is false) and made CBC report a false infeasibility."""
    scenario, report = str(_write(tmp_path)), str(tmp_path / "r.xlsx")
    code, _, err = _run("solve", scenario, "-o", report, "--markdown", report)
    assert code == 2 and "given as both -o and --markdown" in err
    for flag in ("--time-limit", "--mip-gap"):
        code, _, err = _run("solve", scenario, "-o", report, flag, "nan")
        assert code == 2 and f"'{flag}': 'nan' is not a finite number" in err
    assert not (tmp_path / "r.xlsx").exists()


def test_a_report_never_replaces_a_device_or_the_scenario(tmp_path: Path) -> None:
    """Run as root, -o /dev/full replaced the device with a workbook; -o s.yaml overwrote the scenario."""
    scenario = _write(tmp_path)
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)  # a special file like a device, without needing root
    code, _, err = _run("solve", str(scenario), "-o", str(fifo))
    assert code == 2 and "not a regular file" in err
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    code, _, err = _run("solve", str(scenario), "-o", str(scenario))
    assert code == 2 and "is the scenario itself" in err
    assert scenario.read_text() == SCENARIO


def test_missing_file_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("solve", str(tmp_path / "none.yaml"))
    assert code == 2 and "no such scenario file" in err


def test_cbc_gives_the_same_cost(tmp_path: Path) -> None:
    path = _write(tmp_path)
    highs = _json_run(tmp_path, path)
    code, out, err = _run(
        "solve", str(path), "-o", str(tmp_path / "c.xlsx"), "--format", "json", "--solver", "cbc"
    )
    assert code == 0, err
    assert json.loads(out)["total_cost"] == pytest.approx(highs["total_cost"])


def test_validate(tmp_path: Path) -> None:
    code, out, _ = _run("validate", str(_write(tmp_path)))
    assert code == 0 and "ok (3 workloads" in out
    code, _, err = _run("validate", str(_write(tmp_path, "name: t\nworkloads: [1]\n")))
    assert code == 2 and "workloads[0]" in err


@pytest.mark.parametrize(("engine", "precision"), [("transformers", "fp8"), ("llama.cpp", "bf16")])
def test_an_engine_serving_on_one_machine_only_exits_3_naming_it(
    tmp_path: Path, engine: str, precision: str
) -> None:
    """DeepSeek-R1 fits no 8 x H100 machine at fp8 or bf16; vLLM would run it over p5.48xlarge instances
    with EFA (two at fp8, three at bf16), transformers and llama.cpp serve one replica on one machine only."""
    text = (
        "name: t\nhardware: {bought: false, providers: [aws], gpus: [H100 SXM5]}\nworkloads:\n"
        f"  - {{name: r1, model: deepseek-r1, precision: {precision}, engine: {engine}}}\n"
    )
    code, _, err = _run("solve", str(_write(tmp_path, text)), "-o", str(tmp_path / "r.xlsx"))
    assert code == 3
    assert err.count("\n") == 1
    assert f"its engine {engine} does not serve one replica across machines" in err
    nodes = 2 if precision == "fp8" else 3  # bf16: 77.28 GiB reserved per GPU over 3 (109.90 over 2)
    assert f"it would fit {nodes} x aws p5.48xlarge (us-east-1) over efa" in err
