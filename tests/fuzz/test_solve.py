"""``planner solve`` on fuzzed scenarios: a verified plan, a clean exit 2, or a clean exit 3; nothing else.

Driven through click's ``CliRunner`` against the shipped catalog: exit status 0 with exactly one JSON object
whose plan, read back, passes ``check.verify`` against the scenario; or exit status 2 (invalid) or 3
(infeasible) with one ``error:`` line on stderr. Never a traceback (any exception other than
``SystemExit``), never a hang (the solver gets a short time limit; tests/fuzz/conftest.py fails a test that
runs too long).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.schema import Catalog
from planner.check import verify
from planner.cli import main
from planner.plan import Plan
from planner.scenario.load import parse_scenario

from .strategies import scenarios

SOLVER_TIME_LIMIT_S = "5"


def _yaml(doc: Any) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _solve_cli(tmp_path: Path, doc: Any, *extra: str) -> tuple[int, str, str]:
    path = tmp_path / "fuzz.yaml"
    path.write_text(_yaml(doc), encoding="utf-8")
    argv = ["solve", str(path), "-o", str(tmp_path / "out.xlsx"), "--format", "json"]
    result = CliRunner().invoke(main, [*argv, "--time-limit", SOLVER_TIME_LIMIT_S, *extra])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(
            f"traceback instead of a clean error: {result.exception!r}"
        ) from result.exception
    return result.exit_code, result.stdout, result.stderr


def _error_lines(stderr: str) -> list[str]:
    """stderr without the ``warning:`` lines (a stale catalog) and the ``report:`` line."""
    return [line for line in stderr.splitlines() if not line.startswith(("warning:", "report:"))]


def check_outcome(
    code: int, stdout: str, stderr: str, doc: dict[str, Any] | None = None, catalog: Catalog | None = None
) -> str:
    """Assert the outcome is one of the three clean ones (and a plan keeps to ``doc``); return which."""
    if code == 0:
        data = json.loads(stdout)  # exactly one JSON object, nothing else on stdout
        assert isinstance(data, dict)
        assert data["status"] in ("optimal", "feasible")
        data.pop("report", None)
        plan = Plan.model_validate(data)  # the plan as a script reads it back, checked again
        if doc is not None:
            # Against the scenario as the file reads back: YAML folds a NEL (U+0085) that PyYAML writes
            # inside a quoted name into a space, so "\x85-0" is the workload " -0" (a YAML rule, not ours).
            problems = verify(plan, parse_scenario(_yaml(doc)))
            assert problems == [], problems
        assert _error_lines(stderr) == []
        return "plan"
    assert code in (2, 3), f"exit status {code}: {stderr!r}"
    lines = _error_lines(stderr)
    assert len(lines) == 1, f"expected one error line, got {lines!r}"
    assert lines[0].startswith("error: "), lines[0]
    assert stdout == "", "nothing on stdout when there is no plan"
    return "invalid" if code == 2 else "infeasible"


@given(doc=scenarios(wild=True) | scenarios(wild=False))
@settings(max_examples=40)
def test_fuzzed_scenarios_end_cleanly(
    tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog, doc: dict[str, Any]
) -> None:
    check_outcome(*_solve_cli(tmp_path_factory.mktemp("fuzz"), doc), doc, shipped_catalog)


@given(doc=scenarios(wild=False, max_workloads=3), solver=st.sampled_from(("highs", "cbc")))
@settings(max_examples=24)
def test_valid_scenarios_give_a_verified_plan_or_say_why_not(
    tmp_path_factory: pytest.TempPathFactory, shipped_catalog: Catalog, doc: dict[str, Any], solver: str
) -> None:
    result = _solve_cli(tmp_path_factory.mktemp("fuzz"), doc, "--solver", solver)
    outcome = check_outcome(*result, doc, shipped_catalog)
    assert outcome in ("plan", "infeasible"), result[2]


EXTREMES: dict[str, dict[str, Any]] = {
    "zero-hour workload": {"model": "llama-3.1-8b", "hours_per_month": 0},
    "1M-token context": {"model": "llama-3.1-8b", "context": 1_000_000},
    "10,000 replicas": {"model": "qwen2.5-0.5b", "replicas": 10_000},
    "405B at 1M tokens": {"model": "llama-3.1-405b", "context": 1_000_000, "batch": 64},
    "unicode name": {"name": "🤖 Чат 聊天 مساعد", "model": "qwen2.5-0.5b"},
    "huge batch": {"model": "qwen2.5-0.5b", "batch": 10**9},
    "measured, tiny": {"model": "anything", "memory_per_gpu": "1MiB", "replicas": 50},
    # Model paths the file system refuses (a NUL byte; a name longer than 255 bytes) once escaped as
    # ValueError / OSError tracebacks from Path.exists and Path.is_dir.
    "NUL byte in a config path": {"model": "configs/a\x00b.json"},
    "file name too long": {"model": "x" * 300 + "/config.json"},
    "folder name too long": {"model": "x" * 300 + "/y"},
}


def test_extreme_workloads_end_cleanly(tmp_path: Path, shipped_catalog: Catalog) -> None:
    seen: dict[str, str] = {}
    for label, extra in EXTREMES.items():
        workload = {"name": "w", **extra}
        doc = {
            "name": f"extreme {label}",
            "hardware": {"gpus": ["L4", "H100 SXM5"], "providers": ["aws"]},
            "workloads": [workload],
        }
        seen[label] = check_outcome(*_solve_cli(tmp_path, doc), doc, shipped_catalog)
    # Independent expectations: an 8B model at 1M tokens needs ~122 GiB of bf16 KV cache alone
    # (32 layers x 8 KV heads x 128 x 2 x 2 bytes = 128 KiB per token), more than an 8 x H100 box holds only
    # with TP; a 0.5B model, even 10,000 times, always has a plan.
    assert seen["zero-hour workload"] == "plan"
    assert seen["10,000 replicas"] == "plan"
    assert seen["unicode name"] == "plan"
    assert seen["measured, tiny"] == "plan"
    assert {seen[label] for label in EXTREMES if "name too long" in label or "NUL" in label} == {"invalid"}
