"""The scenario reference: ``planner schema`` (JSON Schema), docs/scenario.md generated from it, and the
closest valid field named beside an unknown one."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Annotated, Any

import pytest
from click.testing import CliRunner
from pydantic import TypeAdapter

from planner.cli import main
from planner.errors import ScenarioError
from planner.scenario.load import parse_scenario
from planner.scenario.reference import (
    EXAMPLES,
    REGENERATE,
    example_of,
    models,
    render_markdown,
    scenario_schema,
)
from planner.scenario.schema import Scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario.md"


def test_docs_scenario_md_is_the_generated_reference() -> None:
    expected = render_markdown()
    assert DOC.read_text(encoding="utf-8") == expected, f"docs/scenario.md is out of date: run `{REGENERATE}`"


def test_every_field_of_every_section_has_a_row_with_unit_default_and_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name, model in models().items():
        section = text.split(f"\n## {name} (", 1)[1].split("\n## ", 1)[0]
        for field in model.model_fields:
            row = next(line for line in section.splitlines() if line.startswith(f"| `{field}` |"))
            assert row.count(" | ") == 5, row  # field, type, unit, default, example, description
    # Rows by hand from schema.py: horizon_months: int = Field(default=36, gt=0, le=240), in months.
    assert (
        "| `horizon_months` | integer, > 0, <= 240 | months | `36` | `36` | Months over which purchases and "
        "running costs are compared. |" in text
    )
    assert "| `context` | integer, > 0, <= 16777216 | tokens | `4096` | `8192` |" in text
    assert "| `workloads` | list of Workload (below) | - | required | see below |" in text
    assert (
        "## Workload (`workloads[]`)" in text and "## ReservedOverride (`reserved_discounts.<name>`)" in text
    )


def test_a_field_added_later_is_documented_without_editing_the_generator() -> None:
    """Fields land in schema.py after this generator (a rate, an SLO): unit by suffix, example by type."""
    schema = copy.deepcopy(scenario_schema())
    schema["$defs"]["Workload"]["properties"]["requests_per_second"] = {
        "anyOf": [{"type": "number", "exclusiveMinimum": 0}, {"type": "null"}],
        "default": None,
        "description": "Arrival rate.",
    }
    row = next(line for line in render_markdown(schema).splitlines() if "`requests_per_second`" in line)
    assert row == (
        "| `requests_per_second` | number, > 0 (or null) | per second | `null` | `1.0` | Arrival rate. |"
    )


def test_examples_name_existing_fields() -> None:
    known = {f"{name}.{field}" for name, model in models().items() for field in model.model_fields}
    assert set(EXAMPLES) <= known, sorted(set(EXAMPLES) - known)


def test_planner_schema_prints_the_json_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    assert set(schema["properties"]) == set(Scenario.model_fields)
    assert schema["required"] == ["name", "workloads"]
    workload = schema["$defs"]["Workload"]["properties"]
    assert workload["context"]["description"] == (
        "Tokens per sequence held in memory (prompt + generation). A load stated as a rate holds its mean "
        "request (input plus output tokens) per sequence, and its servers accept requests up to the larger "
        "of this context and that mean (vLLM's --max-model-len). Unit: tokens."
    )
    assert workload["concurrency"]["description"] == "Another name for batch."  # YAML may say either
    assert schema["$defs"]["Workload"]["additionalProperties"] is False  # a typo fails in the editor too
    markdown = CliRunner().invoke(main, ["schema", "--format", "markdown"])
    assert markdown.stdout == render_markdown()


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        (
            "name: t\nworkloads:\n  - {name: a, model: m, hours_per_mnth: 3}\n",
            "workloads[0] (a).hours_per_mnth: unknown field (did you mean 'hours_per_month'?)",
        ),
        (
            "name: t\nenergy: {pu: 1.2}\nworkloads:\n  - {name: a, model: m}\n",
            "energy.pu: unknown field (did you mean 'pue'?)",
        ),
        ("name: t\nworkloadz: []\n", "workloadz: unknown field (did you mean 'workloads'?)"),
        (
            "name: t\nworkloads:\n  - {name: a, model: m, concurency: 3}\n",
            "workloads[0] (a).concurency: unknown field (did you mean 'concurrency'?)",
        ),
        ("name: t\nxyzzy: 1\nworkloads:\n  - {name: a, model: m}\n", "xyzzy: unknown field"),
    ],
)
def test_an_unknown_field_names_the_closest_valid_one(yaml: str, message: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(yaml)
    text = str(raised.value)
    assert message in text
    if "did you mean" not in message:
        assert "did you mean" not in text


def test_every_row_has_a_description_and_an_example_of_its_own() -> None:
    """Rows once read "-" (the training recipe fields, the schedule's hours) and examples read ``text``
    (``engine_version``, ``framework``, ``exclusive_group``): a reader learnt nothing from them."""
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("| `")]
    assert rows
    for row in rows:
        cells = [cell.strip() for cell in row.strip("|").split(" | ")]
        assert cells[-1] != "-", row
        assert cells[4] != "`text`", row


def test_every_section_a_description_names_exists() -> None:
    """``framework`` sent readers to a README section "Training frameworks" named "Training recipes"."""
    import re

    root = DOC.parents[1]
    text = DOC.read_text(encoding="utf-8")

    def headings(path: Path) -> set[str]:
        """Headings, and the bold run-in labels of list items (optimizer.md's "**Load as a rate**")."""
        page = path.read_text(encoding="utf-8")
        lines = page.splitlines()
        titles = {line.lstrip("#").strip().replace("`", "") for line in lines if line.startswith("#")}
        return titles | set(re.findall(r"\*\*([^*]+)\*\*", page))

    cited = [("README.md", name) for name in re.findall(r'README: "([^"]+)"', text)]
    cited += re.findall(r'(docs/[\w.-]+\.md), "([^"]+)"', text)
    assert ("README.md", "Training recipes: --framework") in cited
    for file, name in cited:
        assert name in headings(root / file), (file, name)


def test_every_example_is_valid_input_for_its_field() -> None:
    """docs/scenario.md gave ``1.0`` as the example of a reserved discount, which must be below 1: a reader
    who copied it got an error. Every example passes its own field's type and range."""
    schema = scenario_schema()
    checked = 0
    for name, model in models().items():
        section = schema if name == "Scenario" else schema["$defs"][name]
        for field, info in model.model_fields.items():
            example = example_of(name, field, section["properties"][field], info.is_required())
            if example is None:
                continue  # a section of its own, with its own table
            constrained: Any = info.annotation
            if info.metadata:  # the field's range (gt, lt, max_length): what 1.0 broke
                constrained = Annotated[(info.annotation, *info.metadata)]
            TypeAdapter(constrained).validate_python(example)  # raises, naming the value, where it is not
            checked += 1
    assert checked > 100
