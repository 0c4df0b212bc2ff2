"""The scenario loader and the checks before a solve never fail with anything but one clean line.

Every input, however malformed, ends in a ``Scenario`` or a ``PlannerError`` whose message is one line (the
CLI prints it as ``error: ...`` with exit status 2); never another exception, which the CLI would show as a
traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.schema import Catalog
from planner.errors import PlannerError, ScenarioError
from planner.placement.candidates import build_candidates
from planner.placement.explain import explain_unplaceable
from planner.scenario.load import MAX_SCENARIO_BYTES, load_scenario, parse_scenario
from planner.scenario.schema import Scenario

from .hostile import assert_one_clean_line
from .strategies import mutated, scenarios

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"
VALID: dict[str, Any] = {
    "name": "fuzz-base",
    "horizon_months": 24,
    "hardware": {"gpus": ["L4", "H100 SXM5"], "providers": ["aws"]},
    "budgets": {"capex_usd": 50_000},
    "limits": {"power_kw": 10, "stock": {}},
    "owned": [{"gpu": "RTX 4090", "count": 1}],
    "workloads": [
        {"name": "chat", "model": "llama-3.1-8b", "precision": "fp8", "engine": "vllm", "batch": 8},
        {"name": "embed", "model": "qwen3-embedding-0.6b", "hours_per_month": 200, "replicas": 2},
        {"name": "tune", "model": "llama-3.1-8b", "task": "qlora", "precision": "nf4", "interruptible": True},
    ],
}


def _load(doc: Any) -> Scenario | PlannerError:
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    try:
        # base_dir as the CLI passes it (load_scenario): model paths are resolved against the file's folder
        return parse_scenario(text, source="fuzz.yaml", base_dir=STARTUP.parent)
    except PlannerError as error:
        return error


def _assert_clean(outcome: Scenario | PlannerError) -> None:
    if isinstance(outcome, PlannerError):
        message = str(outcome)
        assert message, "an error without a message"
        assert len(message.splitlines()) == 1, f"error message spans lines: {message!r}"
        assert "Traceback" not in message


def test_the_valid_bases_load() -> None:
    assert isinstance(_load(VALID), Scenario)
    assert isinstance(load_scenario(STARTUP), Scenario)


@given(st.data())
@settings(max_examples=80)
def test_mutated_scenarios_load_or_fail_in_one_line(data: st.DataObject) -> None:
    base = data.draw(st.sampled_from((VALID, yaml.safe_load(STARTUP.read_text(encoding="utf-8")))))
    _assert_clean(_load(data.draw(mutated(base))))


@given(scenarios(wild=True))
@settings(max_examples=100)
def test_generated_scenarios_load_or_fail_in_one_line(doc: dict[str, Any]) -> None:
    _assert_clean(_load(doc))


@given(st.text(max_size=200))
@settings(max_examples=150)
def test_arbitrary_text_is_a_scenario_error(text: str) -> None:
    try:
        parse_scenario(text, source="fuzz.yaml")
    except ScenarioError as error:
        assert "\n" not in str(error)
        assert str(error).startswith("fuzz.yaml")


def test_yaml_tags_never_run_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"!!python/object/apply:os.system ['touch {marker}']\n"
    with pytest.raises(ScenarioError, match=r"fuzz\.yaml"):
        parse_scenario(text, source="fuzz.yaml")
    assert not marker.exists()


def test_a_memory_figure_too_large_for_a_float_is_a_scenario_error() -> None:
    """A 400-digit figure is infinite as a float; it once escaped as an OverflowError (a traceback)."""
    text = "name: x\nworkloads:\n  - name: a\n    model: 7b\n    memory_per_gpu: " + "9" * 400 + "GiB\n"
    with pytest.raises(ScenarioError, match="memory_per_gpu"):
        parse_scenario(text, source="fuzz.yaml")


@pytest.mark.parametrize("name", ["two\nlines", "carriage\rreturn", "line\u2028separator"])
@pytest.mark.parametrize("where", ["workload name", "unknown key"])
def test_a_line_break_in_a_name_stays_on_one_error_line(name: str, where: str) -> None:
    """A workload name or an unknown key is the user's text: a line break in it is escaped, not printed."""
    if where == "workload name":
        doc: dict[str, Any] = {"name": "x", "workloads": [{"name": name, "model": "7b", "task": "training"}]}
    else:
        doc = {"name": "x", name: 1, "workloads": [{"name": "w", "model": "7b"}]}
    outcome = _load(doc)
    assert isinstance(outcome, ScenarioError)
    assert len(str(outcome).splitlines()) == 1, str(outcome)


@pytest.mark.parametrize("workloads", [True, 3, "chat", {"name": "chat", "model": "7b"}])
def test_workloads_that_are_not_a_list_are_a_scenario_error(tmp_path: Path, workloads: Any) -> None:
    """``workloads: true`` once escaped as a TypeError (a traceback) from the resolution of model paths,
    which ran before validation and iterated whatever it found."""
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "workloads": workloads}), encoding="utf-8")
    with pytest.raises(ScenarioError, match="workloads"):
        load_scenario(path)


def test_binary_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_bytes(b"\xff\xfe\x00garbage\x80")
    with pytest.raises(ScenarioError, match=r"s\.yaml"):
        load_scenario(path)


def test_a_scenario_path_that_is_no_small_regular_file_is_one_line(tmp_path: Path) -> None:
    # A scenario path naming /dev/zero was read until memory ran out (a MemoryError traceback); a FIFO
    # blocked for ever. /dev/null stands in for both: it read as an empty file.
    device = tmp_path / "device.yaml"
    device.symlink_to(os.devnull)
    with pytest.raises(ScenarioError, match=r"device\.yaml: cannot read: not a regular file") as caught:
        load_scenario(device)
    assert_one_clean_line(str(caught.value))
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as stream:  # sparse: no disk used
        stream.truncate(MAX_SCENARIO_BYTES + 1)
    with pytest.raises(ScenarioError, match=r"huge\.yaml: .* too large for a scenario") as caught:
        load_scenario(huge)
    assert_one_clean_line(str(caught.value))


def test_a_tab_that_starts_a_line_is_named() -> None:
    # PyYAML says only "found character that cannot start any token", with no character to look for.
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("name: t\nworkloads:\n\t- {name: a, model: 7b}\n", source="t.yaml")
    assert str(caught.value) == (
        "t.yaml: line 3, column 1: YAML syntax error: found character that cannot start any token "
        "(a tab: YAML indents with spaces)"
    )


@given(doc=scenarios(wild=True))
@settings(max_examples=60)
def test_checks_before_the_solve_fail_in_one_line(shipped_catalog: Catalog, doc: dict[str, Any]) -> None:
    """What ``planner validate`` runs: names, memory model, candidate placements, 'fits nowhere'."""
    outcome = _load(doc)
    _assert_clean(outcome)
    if isinstance(outcome, Scenario):
        try:
            explain_unplaceable(outcome, build_candidates(outcome, shipped_catalog))
        except PlannerError as error:
            _assert_clean(error)
