"""Every malformed scenario is one line naming the file and the field (invalid input is never a traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner.errors import ScenarioError
from planner.scenario.load import load_scenario, parse_scenario

GOOD = """
name: demo
horizon_months: 24
workloads:
  - name: chat
    model: llama-3-8b
    replicas: 2
    hours_per_month: 730
"""


def test_a_valid_scenario_loads(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(GOOD)
    scenario = load_scenario(path)
    assert scenario.name == "demo" and scenario.horizon_months == 24
    assert scenario.headroom == 0.2  # the documented default
    assert scenario.workloads[0].replicas == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name: t\nworkloads: [", r"s.yaml: line \d+, column \d+: YAML syntax error"),
        ("- just\n- a list\n", r"s.yaml: expected a mapping"),
        ("name: t\nworkloads: []\n", r"s.yaml: workloads: a scenario needs at least one workload$"),
        ("", r"s.yaml: the file is empty; a scenario needs a name and at least one workload$"),
        ("# only a comment\n\n", r"s.yaml: the file is empty"),
        ("name: t\n", r"s.yaml: workloads: required field is missing"),
        ("name: t\nworkload: []\n", r"s.yaml: work"),
        (
            "name: t\nworkloads:\n  - {name: a, model: m, contxt: 4}\n",
            r"workloads\[0\] \(a\).contxt: unknown field",
        ),
        (
            "name: t\nworkloads:\n  - {name: a, model: m, replicas: 0}\n",
            r"workloads\[0\] \(a\).replicas: .*greater than 0",
        ),
        ("name: t\nworkloads:\n  - {name: a, model: m, replicas: -3}\n", r"replicas: .*greater than 0"),
        ("name: t\nworkloads:\n  - {name: a, model: m, context: lots}\n", r"context: .*valid integer"),
        ("name: t\nheadroom: 1.0\nworkloads:\n  - {name: a, model: m}\n", r"headroom: .*less than 1"),
        (
            "name: t\nheadroom: -0.1\nworkloads:\n  - {name: a, model: m}\n",
            r"headroom: .*greater than or equal to 0",
        ),
        ("name: t\nworkloads:\n  - {name: a, model: m, headroom: 1.5}\n", r"\(a\).headroom: .*less than 1"),
        ("name: t\nworkloads:\n  - {name: a, model: m}\n  - {name: a, model: n}\n", r"'a' is used twice"),
        ("name: t\nworkloads:\n  - {name: a, model: m, hours_per_month: 800}\n", r"hours_per_month: .*730"),
        (
            "name: t\nworkloads:\n  - {name: a, model: m, memory_per_gpu: lots}\n",
            r"memory_per_gpu: .*not a memory size",
        ),
        ("name: t\nbudgets: {capex_usd: -1}\nworkloads:\n  - {name: a, model: m}\n", r"budgets.capex_usd"),
        (
            "name: t\nowned: [{count: 1}]\nworkloads:\n  - {name: a, model: m}\n",
            r"owned\[0\]: .*either system",
        ),
        (  # PyYAML kept the last of two keys: 700 hours were planned without a word
            "name: t\nworkloads:\n  - {name: a, model: m, hours_per_month: 100, hours_per_month: 700}\n",
            r"line 3, column \d+: YAML syntax error: found duplicate key 'hours_per_month'",
        ),
        # YAML's .inf and .nan: an infinite capex budget reached the solver and gave a traceback.
        (
            "name: t\nbudgets: {capex_usd: .inf}\nworkloads:\n  - {name: a, model: m}\n",
            r"capex_usd: .*finite",
        ),
        (
            "name: t\nusd_to_currency: .inf\nworkloads:\n  - {name: a, model: m}\n",
            r"usd_to_currency: .*finite",
        ),
        ("name: t\nheadroom: .nan\nworkloads:\n  - {name: a, model: m}\n", r"headroom: .*finite"),
        (  # a million GPUs in one machine ran a solve for minutes past its time limit
            "name: t\nowned: [{gpu: L4, gpu_count: 1000000}]\nworkloads:\n  - {name: a, model: m}\n",
            r"owned\[0\].gpu_count: .*less than or equal to 64",
        ),
        (
            "!!python/object/apply:os.system ['echo hacked']\n",
            r"YAML syntax error: could not determine a constructor",
        ),
    ],
)
def test_bad_scenarios_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message) as error:
        load_scenario(path)
    assert "\n" not in str(error.value)


def test_a_merge_key_may_override_what_it_brings(tmp_path: Path) -> None:
    """YAML merges (``<<: *w``) are no duplicate: the workload's own hours win over the merged ones."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: t\nworkloads:\n  - &w {name: a, model: m, hours_per_month: 100}\n"
        "  - <<: *w\n    name: b\n    hours_per_month: 200\n"
    )
    scenario = load_scenario(path)
    assert [(w.name, w.hours_per_month) for w in scenario.workloads] == [("a", 100.0), ("b", 200.0)]


@pytest.mark.parametrize("path", [None, 123, b"s.yaml"])
def test_a_scenario_is_loaded_from_a_path(path: object) -> None:
    """load_scenario(None) raised TypeError from pathlib."""
    with pytest.raises(ScenarioError, match="a scenario is loaded from a path"):
        load_scenario(path)  # type: ignore[arg-type]


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"nope.yaml: no such scenario file"):
        load_scenario(tmp_path / "nope.yaml")


def test_a_directory_is_not_a_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"cannot read"):
        load_scenario(tmp_path)


def test_measured_memory_pins_one_gpu() -> None:
    scenario = parse_scenario("name: t\nworkloads:\n  - {name: a, model: m, memory_per_gpu: 18GiB}\n")
    assert scenario.workloads[0].measured_bytes == 18 * 2**30
    assert scenario.workloads[0].pinned_gpus == 1


def test_concurrency_is_another_name_for_batch() -> None:
    scenario = parse_scenario("name: t\nworkloads:\n  - {name: a, model: m, concurrency: 12}\n")
    assert scenario.workloads[0].batch == 12


def test_config_path_is_relative_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "configs").mkdir()
    (tmp_path / "configs" / "config.json").write_text("{}")
    path = tmp_path / "s.yaml"
    path.write_text("name: t\nworkloads:\n  - {name: a, model: configs/config.json}\n")
    assert load_scenario(path).workloads[0].model == str(tmp_path / "configs" / "config.json")


@pytest.mark.parametrize(
    ("workloads", "more"),
    [
        # The only workload refused also left ``workloads`` empty: a knock-on, not a second problem.
        ("  - {name: a, model: llama-3-8b, context: -5}\n", ""),
        ("  - {name: a, model: m, context: -5, replicas: 0}\n", " (and 1 more problem)"),
        (
            "  - {name: a, model: m, context: -5}\n  - {name: b, model: m, batch: 0}\n",
            " (and 1 more problem)",
        ),
        # A misspelt required field is one problem (unknown ``nme`` and missing ``name``), plus the context.
        ("  - {nme: a, model: m, context: -5}\n", " (and 1 more problem)"),
        ("  - {nme: a, model: m, context: -5, batch: 0}\n", " (and 2 more problems)"),
    ],
)
def test_only_independent_problems_are_counted(workloads: str, more: str) -> None:
    with pytest.raises(ScenarioError) as error:
        parse_scenario("name: t\nworkloads:\n" + workloads, source="b4.yaml")
    message = str(error.value)
    assert message.endswith(more) if more else "more problem" not in message, message


def test_a_file_yaml_cannot_read_names_the_character_once_after_the_file(tmp_path: Path) -> None:
    path = tmp_path / "d7.yaml"
    path.write_bytes(b"name: x\x00\x01\nworkloads: []\n")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    message = str(error.value)
    assert message.startswith(f"{path}: YAML syntax error: ") and "::" not in message
    assert "at character 8" in message  # the NUL after "name: x"


def test_a_bare_memory_per_gpu_in_yaml_is_gib() -> None:
    from planner.units import GIB

    text = "name: t\nworkloads:\n  - {name: a, model: llama-3-8b, memory_per_gpu: %s}\n"
    assert parse_scenario(text % "18").workloads[0].measured_bytes == 18 * GIB
    assert parse_scenario(text % "17.5").workloads[0].measured_bytes == round(17.5 * GIB)


BOOLEAN_FIELDS = [
    ("workloads:\n  - {name: a, model: m, interruptible: %s}\n", r"workloads\[0\] \(a\).interruptible"),
    ("hardware: {cloud: %s}\nworkloads:\n  - {name: a, model: m}\n", r"hardware.cloud"),
    ("finance: {alternatives_keep_owned: %s}\nworkloads:\n  - {name: a, model: m}\n", r"finance.\w+_owned"),
    ("owned: [{gpu: L4, gpus_linked: %s}]\nworkloads:\n  - {name: a, model: m}\n", r"owned\[0\].gpus_linked"),
]


@pytest.mark.parametrize("plain", ["yes", "no", "on", "off", "y", "n", '"true"', "1", "0"])
@pytest.mark.parametrize(("text", "field"), BOOLEAN_FIELDS)
def test_only_true_and_false_are_booleans(plain: str, text: str, field: str) -> None:
    """docs/limits.md: only true/false are booleans. The loader keeps ``yes`` as text (YAML 1.2), and the
    schema's lax mode read that text as true: ``interruptible: yes`` planned spot capacity."""
    with pytest.raises(ScenarioError, match=rf"{field}: expected true or false, not ") as error:
        parse_scenario("name: t\n" + text % plain, source="s.yaml")
    assert "\n" not in str(error.value) and "Value error" not in str(error.value)


@pytest.mark.parametrize(
    ("plain", "value"), [("true", True), ("false", False), ("True", True), ("FALSE", False)]
)
def test_true_and_false_are_booleans(plain: str, value: bool) -> None:
    fields = [parse_scenario("name: t\n" + text % plain).model_dump() for text, _ in BOOLEAN_FIELDS]
    assert [
        fields[0]["workloads"][0]["interruptible"],
        fields[1]["hardware"]["cloud"],
        fields[2]["finance"]["alternatives_keep_owned"],
        fields[3]["owned"][0]["gpus_linked"],
    ] == [value] * 4


def test_a_number_written_as_decimal_text_is_the_number() -> None:
    """What docs/limits.md says: a number field reads decimal text as the number (a CSV cell is text), never
    a boolean or a date."""
    text = 'name: t\nworkloads:\n  - {name: a, model: m, hours_per_month: "730", replicas: 010}\n'
    workload = parse_scenario(text).workloads[0]
    assert (workload.hours_per_month, workload.replicas) == (730, 10)
