"""User text of any size and content: long fields and terminal escapes end in one clean line.

A CSV cell over 131,072 characters raised csv.Error; a 10 kB model name was echoed whole; a workload name
holding ESC/BEL sequences (set the window title, clear the screen) reached the terminal raw. Every YAML file
passes ``safe_yaml.SafeLoader`` and every CSV ``catalog.load.csv_records``, which refuse control characters;
every error passes ``PlannerError.__str__``, which escapes them and shortens long quotes (``errors.quote``).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.load import load_catalog
from planner.errors import CONTROL_CHARACTERS, CatalogError, PlannerError, ScenarioError, quote
from planner.scenario.load import parse_scenario

from .hostile import BASE, assert_one_clean_line, cli, dump

SKYPILOT_HEADER = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,"
    "AvailabilityZone"
)
SKYPILOT_ROW = ["p4d.24xlarge", "A100", "8", "96", "1152", "", "32.77", "9.8", "us-east-1", "us-east-1a"]
CONTROL = st.sampled_from(
    [chr(c) for c in (*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0))]
)
ESCAPES = ("\x1b]0;pwned\x07", "\x1b[2J", "\x1b[31m", "\x9b2J", "\x07", "\x00")


@st.composite
def with_control(draw: st.DrawFn) -> str:
    """Text holding at least one control character, at any position."""
    text = draw(st.text(min_size=0, max_size=20))
    at = draw(st.integers(0, len(text)))
    inserted = draw(st.sampled_from(ESCAPES) | CONTROL)
    return text[:at] + inserted + text[at:]


def _csv(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


@given(size=st.integers(min_value=131_000, max_value=400_000), column=st.integers(0, len(SKYPILOT_ROW) - 1))
@settings(max_examples=10)
def test_an_oversized_skypilot_cell_is_one_line(
    tmp_path_factory: pytest.TempPathFactory, size: int, column: int
) -> None:
    row = list(SKYPILOT_ROW)
    row[column] = "x" * size
    path = tmp_path_factory.mktemp("sky") / "vms.csv"
    path.write_text(SKYPILOT_HEADER + "\n" + _csv([row]), encoding="utf-8")
    code, _, err = cli("catalog", "import-skypilot", str(path), "--cloud", "aws")
    if code == 0:  # within the csv module's limit: the row is imported or skipped, never a traceback
        assert size <= 131_072
        return
    assert code == 2 and "vms.csv" in err
    assert_one_clean_line(err, row[column])


@given(size=st.integers(min_value=131_073, max_value=300_000))
@settings(max_examples=5)
def test_an_oversized_catalog_cell_is_one_line_naming_the_line(
    tmp_path_factory: pytest.TempPathFactory, size: int
) -> None:
    directory = tmp_path_factory.mktemp("cat")
    header = (
        "provider,instance_type,gpu,gpu_count,vcpus,host_memory_gib,region,price_usd_per_hour,source_file,"
        "source_commit,as_of,note"
    )
    row = ["aws", "p5", "H100", "8", "192", "2048", "us-east-1", "98.3", "f", "c", "2026-11-25", "n" * size]
    (directory / "cloud.csv").write_text(header + "\n" + _csv([row]), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"cloud\.csv:2") as caught:
        load_catalog((directory,))
    assert_one_clean_line(str(caught.value), row[-1])


@given(
    name=st.text(
        min_size=200, max_size=20_000, alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"))
    )
)
@settings(max_examples=15)
def test_a_long_model_name_is_not_echoed_whole(name: str) -> None:
    code, _, err = cli("estimate", name)
    assert code == 2
    assert_one_clean_line(err, name)


@given(
    key=st.text(min_size=200, max_size=5_000, alphabet="abcdefghij_"),
    where=st.sampled_from(("top", "workload")),
)
@settings(max_examples=10)
def test_a_long_unknown_key_is_not_echoed_whole(key: str, where: str) -> None:
    doc = (
        {**BASE, key: 1} if where == "top" else {**BASE, "workloads": [{"name": "w", "model": "7b", key: 1}]}
    )
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(dump(doc), source="s.yaml")
    assert_one_clean_line(str(caught.value), key)


@given(text=with_control(), field=st.sampled_from(("name", "description", "workload", "model", "key")))
@settings(max_examples=60)
def test_control_characters_in_a_scenario_are_refused_at_load(text: str, field: str) -> None:
    doc = dict(BASE)
    if field in ("name", "description"):
        doc[field] = text
    elif field == "key":
        doc[text] = 1
    else:
        doc["workloads"] = [
            {"name": text if field == "workload" else "w", "model": text if field == "model" else "7b"}
        ]
    try:
        scenario = parse_scenario(dump(doc), source="s.yaml")
    except ScenarioError as error:
        assert_one_clean_line(str(error))
    else:  # YAML itself folds some (NEL, U+0085, is a line break in YAML): none may survive the load
        texts = [scenario.name, scenario.description, *(w.name for w in scenario.workloads)]
        assert not any(CONTROL_CHARACTERS.search(t) for t in texts), texts


@given(text=with_control(), column=st.sampled_from((0, 1, 8)))
@settings(max_examples=20)
def test_control_characters_in_a_skypilot_csv_are_refused(
    tmp_path_factory: pytest.TempPathFactory, text: str, column: int
) -> None:
    row = list(SKYPILOT_ROW)
    row[column] = text
    path = tmp_path_factory.mktemp("sky") / "vms.csv"
    path.write_text(SKYPILOT_HEADER + "\n" + _csv([row]), encoding="utf-8")
    code, out, err = cli("catalog", "import-skypilot", str(path), "--cloud", "aws")
    assert code == 2
    assert not CONTROL_CHARACTERS.search(out + err)
    assert_one_clean_line(err)


@given(text=with_control())
@settings(max_examples=30)
def test_control_characters_in_command_line_text_never_reach_the_terminal(text: str) -> None:
    for args in (("estimate", text), ("estimate", "7b", "--precision", text), ("fit", "7b", "--gpu", text)):
        _, out, err = cli(*args)
        assert not CONTROL_CHARACTERS.search(out + err), (args, out + err)


@given(text=st.text(max_size=300))
@settings(max_examples=60)
def test_errors_are_one_line_without_control_characters(text: str) -> None:
    message = str(PlannerError(f"prefix {text!r} and raw {text} suffix"))
    assert len(message.splitlines()) <= 1 and not CONTROL_CHARACTERS.search(message)
    assert len(quote(text)) <= 120


def test_a_config_name_with_escapes_is_printed_escaped(tmp_path: Path) -> None:
    import json

    path = tmp_path / "config.json"
    config = {"_name_or_path": "evil\x1b]0;title\x07\x1b[2J", "hidden_size": 1024, "num_hidden_layers": 2,
              "num_attention_heads": 8, "intermediate_size": 2816, "vocab_size": 32000}  # fmt: skip
    path.write_text(json.dumps(config), encoding="utf-8")
    code, out, err = cli("estimate", str(path))
    assert code == 0 and "evil" in out
    assert not CONTROL_CHARACTERS.search(out + err)
