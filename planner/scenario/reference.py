"""The scenario's reference, generated from its pydantic models: the JSON Schema ``planner schema`` prints (an
editor validates YAML with it) and ``docs/scenario.md`` (every field with type, unit, default and example).

Both read the models, so a field added to ``planner/scenario/schema.py`` appears without an edit here: its
description is its attribute docstring, its unit comes from ``UNITS`` or its name's suffix (``_usd``,
``_months``, ``_kw``), its example from ``EXAMPLES``, else its default, else its type. The test that compares
``docs/scenario.md`` with a fresh rendering prints the command that regenerates it.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import json
import textwrap
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import AliasChoices, BaseModel

from planner.scenario.schema import Scenario

REGENERATE = "planner schema --format markdown > docs/scenario.md"
"""The command that rewrites docs/scenario.md (its test names it when the file is out of date)."""

UNITS: Mapping[str, str] = {
    "horizon_months": "months",
    "usd_to_currency": "currency per USD",
    "usd_to_currency_as_of": "date",
    "headroom": "fraction of each GPU",
    "context": "tokens",
    "input_tokens": "tokens",
    "output_tokens": "tokens",
    "batch": "sequences",
    "replicas": "replicas",
    "hours_per_month": "hours per month",
    "start_month": "month of the horizon (1-based)",
    "end_month": "month of the horizon (1-based)",
    "growth_per_month": "fraction per month",
    "gpus_per_replica": "GPUs",
    "memory_per_gpu": "bytes, with unit (GiB, GB; a bare number is GiB)",
    "lora_rank": "rank",
    "usd_per_kwh": "USD per kWh",
    "pue": "ratio",
    "gpu_utilisation": "fraction of TDP",
    "colocation_usd_per_kw_month": "USD per kW-month",
    "gpu_count": "GPUs",
    "count": "machines",
    "base_power_w": "W",
    "rack_units": "rack units (U)",
    "stock": "units",
    "one_year": "fraction off",
    "three_year": "fraction off",
}
"""Units of fields whose names do not end in one (see ``SUFFIX_UNITS``)."""

SUFFIX_UNITS: Sequence[tuple[str, str]] = (
    ("_usd_per_kw_month", "USD per kW-month"),
    ("_usd_per_hour", "USD per hour"),
    ("_usd", "USD"),
    ("_months", "months"),
    ("_month", "per month"),
    ("_hours", "hours"),
    ("_seconds", "seconds"),
    ("_s", "seconds"),
    ("_ms", "ms"),
    ("_kw", "kW"),
    ("_w", "W"),
    ("_bytes", "bytes"),
    ("_gib", "GiB"),
    ("_tokens", "tokens"),
    ("_per_second", "per second"),
    ("_as_of", "date"),
    ("_date", "date"),
)

EXAMPLES: Mapping[str, Any] = {
    "Scenario.name": "startup",
    "Scenario.description": "Chat assistant and nightly fine-tuning",
    "Scenario.currency": "EUR",
    "Scenario.usd_to_currency": 0.92,
    "Scenario.usd_to_currency_as_of": "2026-11-30",
    "Scenario.purchase_prices_usd": {"server-8x-h100-sxm": 265000},
    "Scenario.reserved_discounts": {"aws": {"one_year": 0.3, "three_year": 0.5}},
    "Workload.name": "chat-assistant",
    "Workload.model": "llama-3.1-8b",
    "Workload.precision": "fp8",
    "Workload.engine": "vllm",
    "Workload.context": 8192,
    "Workload.batch": 16,
    "Workload.replicas": 2,
    "Workload.input_tokens": 1000,
    "Workload.output_tokens": 300,
    "Slo.ttft_ms": 1000,
    "Slo.tpot_ms": 60,
    "Workload.hours_per_month": 220,
    "Workload.start_month": 4,
    "Workload.end_month": 9,
    "Workload.growth_per_month": 0.05,
    "Workload.headroom": 0.3,
    "Workload.kv_precision": "fp8",
    "Workload.optimizer": "adamw-8bit",
    "Workload.engine_version": "vllm>=0.17",
    "Workload.checkpoint": "Qwen/Qwen2.5-14B-Instruct-AWQ",
    "Workload.min_replicas": 2,
    "Schedule.start_hour": 8,
    "Schedule.end_hour": 20,
    "Schedule.days": ["mon", "tue", "wed", "thu", "fri"],
    "Workload.framework": "torchtune",
    "Workload.exclusive_group": "desk-gpu",
    "Workload.weights": "pure-bf16",
    "Workload.offload": "optimizer",
    "Workload.loss": "chunked",
    "Workload.zero_stage": 3,
    "Workload.qlora_saved_inputs": False,
    "Scenario.workloads_file": "fleet.csv",
    "Workload.lora_rank": 16,
    "Workload.gpus_per_replica": 2,
    "Workload.memory_per_gpu": "18GiB",
    "Energy.usd_per_kwh": 0.127,
    "Energy.region": "us-va",
    "Energy.pue": 1.3,
    "Energy.colocation_usd_per_kw_month": 184.06,
    "Hardware.providers": ["aws", "lambda"],
    "Hardware.regions": ["us-east-1"],
    "Hardware.pricing": ["on_demand", "spot"],
    "Hardware.gpus": ["RTX 4090", "H100"],
    "Hardware.systems": ["server-8x-h100-sxm"],
    "Hardware.system_types": ["server"],
    "OwnedSystem.system": "server-8x-a100-80gb-sxm",
    "OwnedSystem.gpu": "RTX 4090",
    "OwnedSystem.name": "lab-box",
    "CustomOffer.id": "acme-8x-h100",
    "CustomOffer.name": "Acme HGX H100 (quote Q-123)",
    "CustomOffer.gpu": "H100",
    "CustomOffer.gpu_count": 8,
    "CustomOffer.price_usd": 265000,
    "Budgets.capex_usd": 60000,
    "Budgets.monthly_usd": 5000,
    "Limits.it_power_kw": 20,
    "Limits.facility_power_kw": 30,
    "Limits.rack_units": 42,
    "Limits.stock": {"server-8x-h100-sxm": 2},
    "Limits.max_gpus_per_provider": {"aws": 64},
    "ReservedOverride.one_year": 0.37,
    "ReservedOverride.three_year": 0.55,
    "Finance.resale_share": 0.3,
    "Finance.discount_rate_per_year": 0.08,
    "Energy.gpu_idle_share_of_tdp": 0.08,
}
"""``Model.field`` -> an example value, where the default does not show a useful one."""


def models() -> dict[str, type[BaseModel]]:
    """Every model reachable from ``Scenario`` by its class name (the JSON Schema's ``$defs`` keys)."""
    found: dict[str, type[BaseModel]] = {}

    def visit(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation.__name__ not in found:
                found[annotation.__name__] = annotation
                for info in annotation.model_fields.values():
                    visit(info.annotation)
            return
        for argument in typing.get_args(annotation):
            visit(argument)

    visit(Scenario)
    return found


def docstrings(model: type[BaseModel]) -> dict[str, str]:
    """Attribute docstrings (the string after a field) of ``model``, read from its source, one line each."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(model)))
    except (OSError, TypeError, SyntaxError):
        return {}
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    out: dict[str, str] = {}
    for node, after in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(after, ast.Expr)
            and isinstance(after.value, ast.Constant)
            and isinstance(after.value.value, str)
        ):
            out[node.target.id] = " ".join(after.value.value.split())
    return out


def scenario_schema() -> dict[str, Any]:
    """Scenario's JSON Schema (pydantic's ``model_json_schema``) with each field's docstring and unit as its
    description, and a field's other accepted names (``concurrency`` for ``batch``) as properties too."""
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "planner scenario"
    classes = models()
    for name, section in _sections(schema):
        model = classes.get(name)
        if model is None:
            continue
        notes = docstrings(model)
        properties = section.get("properties", {})
        for field, prop in list(properties.items()):
            text = notes.get(field) or str(prop.get("description", ""))  # or Field(description=...)
            unit = unit_of(field)
            prop["description"] = " ".join(part for part in (text, unit and f"Unit: {unit}.") if part)
            info = model.model_fields.get(field)
            alias = info.validation_alias if info is not None else None
            if isinstance(alias, AliasChoices):
                for other in alias.choices:
                    if isinstance(other, str) and other != field:
                        properties[other] = {**prop, "description": f"Another name for {field}."}
    return schema


def _sections(schema: Mapping[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(model name, its schema): the root first, then ``$defs`` in the order fields first refer to them."""
    defs = schema.get("$defs", {})
    order: list[str] = ["Scenario"]
    pending: list[Mapping[str, Any]] = [schema]
    while pending:
        node = pending.pop(0)
        for prop in node.get("properties", {}).values():
            for ref in _refs(prop):
                if ref not in order and ref in defs:
                    order.append(ref)
                    pending.append(defs[ref])
    yield "Scenario", typing.cast(dict[str, Any], schema)
    for name in order[1:]:
        yield name, defs[name]
    for name in defs:  # any model referred to only from somewhere this walk does not reach
        if name not in order:
            yield name, defs[name]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def unit_of(field: str) -> str:
    """A field's unit: ``UNITS``, else its name's suffix, else none."""
    if field in UNITS:
        return UNITS[field]
    return next((unit for suffix, unit in SUFFIX_UNITS if field.endswith(suffix)), "")


def type_of(prop: Mapping[str, Any]) -> str:
    """A JSON Schema property in words: ``integer, > 0``, ``one of: a, b``, ``list of Workload``."""
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    optional = len(options) < len(prop.get("anyOf", [prop]))
    words = " or ".join(_one_type(p) for p in options) or "null"
    return f"{words} (or null)" if optional else words


def _one_type(prop: Mapping[str, Any]) -> str:
    if "$ref" in prop:
        return f"{prop['$ref'].rsplit('/', 1)[-1]} (below)"
    if "enum" in prop:
        return "one of: " + ", ".join(str(v) for v in prop["enum"])
    if "const" in prop:
        return f"exactly {prop['const']}"
    kind = prop.get("type", "any")
    if kind == "array":
        items = prop.get("items", {})
        if "enum" in items:
            return "list, each one of: " + ", ".join(str(v) for v in items["enum"])
        return f"list of {_one_type(items)}"
    if kind == "object":
        value = prop.get("additionalProperties")
        return f"mapping of name to {_one_type(value)}" if isinstance(value, dict) else "mapping"
    if prop.get("format") == "date":
        return "date (YYYY-MM-DD)"
    bounds = []
    signs = (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="), ("exclusiveMaximum", "<"))
    for key, sign in signs:
        if key in prop:
            bounds.append(f"{sign} {prop[key]:g}" if isinstance(prop[key], float) else f"{sign} {prop[key]}")
    if "minLength" in prop or "maxLength" in prop:
        low, high = prop.get("minLength", 0), prop.get("maxLength")
        if low == high:
            bounds.append(f"exactly {low} characters")
        else:
            bounds.append(f"{low} to {high} characters" if high is not None else f"at least {low} characters")
    if "pattern" in prop:
        bounds.append(f"matching {prop['pattern']}")
    return f"{kind}, {', '.join(bounds)}" if bounds else str(kind)


def example_of(model: str, field: str, prop: Mapping[str, Any], required: bool) -> Any:
    """``EXAMPLES``, else a default that shows something, else a value of the field's type."""
    key = f"{model}.{field}"
    if key in EXAMPLES:
        return EXAMPLES[key]
    if any(True for _ in _refs(prop)) and not prop.get("additionalProperties"):
        return None  # a section of its own: its fields' examples are in its table
    if prop.get("examples"):
        return prop["examples"][0]
    default = prop.get("default")
    if not required and default not in (None, "", [], {}):
        return default
    options = [p for p in prop.get("anyOf", [prop]) if p.get("type") != "null"]
    first = options[0] if options else {}
    if "enum" in first:
        return first["enum"][0]
    kind = first.get("type")
    if first.get("format") == "date":
        return "2026-11-30"
    return {"boolean": True, "integer": 1, "number": 1.0, "array": [], "object": {}}.get(str(kind), "text")


def _value(value: Any) -> str:
    """A value as YAML would read it, in a table cell."""
    if value is None:
        return "null"
    if value == "":
        return '""'
    if isinstance(value, bool):
        return "true" if value else "false"
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else str(value)
    return text.replace("|", "\\|")


def render_markdown(schema: Mapping[str, Any] | None = None) -> str:
    """docs/scenario.md: one table per model, every field with type, unit, default, example, description."""
    schema = dict(schema) if schema is not None else scenario_schema()
    parents = _parents(schema)
    out = [
        "# Scenario reference",
        "",
        f"<!-- Generated from planner/scenario/schema.py: do not edit. Regenerate: {REGENERATE} -->",
        "",
        "A scenario is a YAML file (`planner solve scenarios/startup.yaml`). Every field is listed below",
        "with its type, unit, default and an example; a field not listed is an error that names the closest",
        "valid one. Money is in US dollars unless the field says otherwise; memory sizes take a unit",
        "(`18GiB`, `80GB`; a bare number is GiB). `planner schema` prints the same as a JSON Schema, for",
        "editors that validate YAML: run",
        "`planner schema > scenario.schema.json` and start the YAML file with",
        "`# yaml-language-server: $schema=scenario.schema.json`.",
    ]
    for name, section in _sections(schema):
        required = set(section.get("required", []))
        where = "top level" if name == "Scenario" else f"`{parents.get(name, name)}`"
        out += ["", f"## {name} ({where})", ""]
        if section.get("description") and name != "Scenario":
            out += [" ".join(str(section["description"]).split()), ""]
        out += [
            "| Field | Type | Unit | Default | Example | Description |",
            "|---|---|---|---|---|---|",
        ]
        for field, prop in section.get("properties", {}).items():
            default = "required" if field in required else _value(prop.get("default"))
            if field not in required and "default" not in prop:  # a default_factory
                default = {"object": "{}", "array": "[]"}.get(str(prop.get("type")), "-")
            if isinstance(prop.get("$ref"), str) and field not in required:
                default = "see below"
            description = str(prop.get("description", "")).replace("|", "\\|")
            unit = unit_of(field) or "-"
            description = description.removesuffix(f" Unit: {unit}.").removesuffix(f"Unit: {unit}.")
            example = example_of(name, field, prop, field in required)
            cells = [
                f"`{field}`",
                type_of(prop).replace("|", "\\|"),
                unit,
                f"`{default}`" if default not in ("required", "see below", "-") else default,
                "see below" if example is None else f"`{_value(example)}`",
                description or "-",
            ]
            out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def _parents(schema: Mapping[str, Any]) -> dict[str, str]:
    """Model name -> its path from the top (``workloads[]``), by the first field that refers to it."""
    out: dict[str, str] = {}
    defs = schema.get("$defs", {})
    for name, section in _sections(schema):
        base = "" if name == "Scenario" else out.get(name, name)
        for field, prop in section.get("properties", {}).items():
            path = f"{base}.{field}" if base else field
            for ref in _refs(prop):
                if ref in defs and ref not in out:
                    kinds = {option.get("type") for option in prop.get("anyOf", [prop])}
                    many = "[]" if "array" in kinds else ".<name>" if "object" in kinds else ""
                    out[ref] = path + many
    return out
