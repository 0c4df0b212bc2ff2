"""Numbers past any physical range (10^400 tokens, an exchange rate of 1e300) end in one line, exit 2.

Every number that enters planner has a range (``planner.bounds``, stated in the schemas' ``Field``s and the
CLI option types). The tests walk the schemas, so a field added later without a range fails here; they feed
each field values beyond its range; and they check that the largest values allowed everywhere at once keep
every cost and memory figure finite (products of valid inputs never overflow).
"""

from __future__ import annotations

import math
import typing
from typing import Any

import annotated_types
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from planner import bounds
from planner.base import FrozenModel
from planner.catalog import schema as catalog_schema
from planner.catalog.models import ModelSpec
from planner.catalog.schema import Catalog
from planner.errors import ModelError, PlannerError, ScenarioError
from planner.memory.architecture import from_config
from planner.placement.candidates import build_candidates
from planner.scenario import schema as scenario_schema
from planner.scenario.load import parse_scenario

from .hostile import BASE, assert_one_clean_line, cli, dump

SCHEMAS = (scenario_schema, catalog_schema)


def _models() -> list[type[BaseModel]]:
    found = [ModelSpec]
    for module in SCHEMAS:
        found += [
            v
            for v in vars(module).values()
            if isinstance(v, type) and issubclass(v, FrozenModel) and v.__module__ == module.__name__
        ]
    return found


def _numeric(annotation: Any) -> bool:
    args = typing.get_args(annotation) or (annotation,)
    return any(a in (int, float) for a in args) or any(_numeric(a) for a in typing.get_args(annotation))


def _upper(metadata: list[Any]) -> float | None:
    for item in metadata:
        if isinstance(item, annotated_types.Le):
            return float(item.le)
        if isinstance(item, annotated_types.Lt):
            return float(item.lt)
    return None


def _numeric_fields() -> list[tuple[type[BaseModel], str, float]]:
    out = []
    for model in _models():
        for name, info in model.model_fields.items():
            if _numeric(info.annotation) and typing.get_origin(info.annotation) is not dict:
                out.append((model, name, _upper(info.metadata)))
    return out


@pytest.mark.parametrize(
    ("model", "field", "upper"), _numeric_fields(), ids=lambda v: getattr(v, "__name__", str(v))
)
def test_every_number_in_the_schemas_has_an_upper_bound(
    model: type[BaseModel], field: str, upper: float | None
) -> None:
    assert upper is not None, f"{model.__name__}.{field} takes any number: give it a range in planner.bounds"
    assert upper <= 2**60, f"{model.__name__}.{field}: {upper:g} is no physical bound"


def test_mapping_values_are_bounded_too() -> None:
    for field in ("stock", "purchase_prices_usd"):
        value = 10**400 if field == "stock" else 1e300
        doc = (
            {**BASE, "limits": {"stock": {"x": value}}} if field == "stock" else {**BASE, field: {"x": value}}
        )
        with pytest.raises(ScenarioError, match=field):
            parse_scenario(dump(doc), source="s.yaml")


# (path in the scenario, upper bound): workload fields and scenario-level ones.
WORKLOAD_FIELDS = {
    "context": bounds.MAX_CONTEXT_TOKENS,
    "batch": bounds.MAX_BATCH,
    "replicas": bounds.MAX_REPLICAS,
    "lora_rank": bounds.MAX_LORA_RANK,
    "gpus_per_replica": bounds.MAX_GPUS_PER_REPLICA,
    "hours_per_month": 730,
}
SCENARIO_FIELDS = {
    ("usd_to_currency",): bounds.MAX_USD_TO_CURRENCY,
    ("horizon_months",): bounds.MAX_HORIZON_MONTHS,
    ("energy", "usd_per_kwh"): bounds.MAX_USD_PER_KWH,
    ("energy", "pue"): bounds.MAX_PUE,
    ("energy", "colocation_usd_per_kw_month"): bounds.MAX_USD_PER_KW_MONTH,
    ("budgets", "capex_usd"): bounds.MAX_BUDGET_USD,
    ("budgets", "monthly_usd"): bounds.MAX_BUDGET_USD,
    ("limits", "power_kw"): bounds.MAX_POWER_KW,
    ("limits", "rack_units"): bounds.MAX_UNITS,
}
# Beyond a bound: just past it, far past it, past a float (an int of 400 digits), and at a float's edge.
beyond = st.sampled_from((1.5, 10.0, 1e6)) | st.just(math.inf)


def _past(bound: float, factor: float, as_int: bool) -> Any:
    if factor == math.inf:
        return 10**400 if as_int else 1.7e308
    value = bound * factor
    return int(value) + 1 if as_int else value


@given(field=st.sampled_from(sorted(WORKLOAD_FIELDS)), factor=beyond)
@settings(max_examples=30)
def test_a_workload_number_past_its_range_is_one_line_naming_it(field: str, factor: float) -> None:
    value = _past(WORKLOAD_FIELDS[field], factor, field != "hours_per_month")
    doc = {**BASE, "workloads": [{"name": "w", "model": "7b", field: value}]}
    with pytest.raises(ScenarioError, match=field) as caught:
        parse_scenario(dump(doc), source="s.yaml")
    assert_one_clean_line(str(caught.value), str(value))


@given(path=st.sampled_from(sorted(SCENARIO_FIELDS)), factor=beyond)
@settings(max_examples=30)
def test_a_scenario_number_past_its_range_is_one_line_naming_it(path: tuple[str, ...], factor: float) -> None:
    value = _past(SCENARIO_FIELDS[path], factor, path[-1] in ("horizon_months", "rack_units"))
    doc: dict[str, Any] = dict(BASE)
    if len(path) == 1:
        doc[path[0]] = value
    else:
        doc[path[0]] = {path[1]: value}
    with pytest.raises(ScenarioError, match=path[-1]) as caught:
        parse_scenario(dump(doc), source="s.yaml")
    assert_one_clean_line(str(caught.value), str(value))


def test_an_integer_too_large_for_a_float_in_yaml_text_is_one_line() -> None:
    """Written as digits in the file (not through yaml.safe_dump), as a user would."""
    for field in ("context", "batch", "replicas"):
        text = f"name: x\nworkloads:\n  - name: a\n    model: 7b\n    {field}: 1{'0' * 400}\n"
        with pytest.raises(ScenarioError, match=field):
            parse_scenario(text, source="s.yaml")
    with pytest.raises(ScenarioError, match="usd_to_currency"):
        parse_scenario(
            "name: x\nusd_to_currency: 1e300\nworkloads: [{name: a, model: 7b}]\n", source="s.yaml"
        )


OPTION_BOUNDS = {
    "--context": bounds.MAX_CONTEXT_TOKENS,
    "--batch": bounds.MAX_BATCH,
    "--gpus": bounds.MAX_GPUS_PER_REPLICA,
    "--lora-rank": bounds.MAX_LORA_RANK,
    "--prefill-tokens": bounds.MAX_CONTEXT_TOKENS,
}


@given(
    command=st.sampled_from(("estimate", "fit")),
    option=st.sampled_from(sorted(OPTION_BOUNDS)),
    digits=st.integers(min_value=8, max_value=500),
)
@settings(max_examples=30)
def test_cli_counts_past_their_range_are_one_line_exit_2(command: str, option: str, digits: int) -> None:
    value = "9" * digits
    extra = ["--vram", "24GiB"] if command == "fit" else []
    code, _, err = cli(command, "7b", option, value, *extra)
    assert code == 2
    assert err.startswith("error: ") and option in err
    assert_one_clean_line(err, value)


@given(
    value=st.sampled_from(("nan", "inf", "-inf", "1e309", "1" + "0" * 400)),
    option=st.sampled_from(("--time-limit", "--mip-gap")),
)
@settings(max_examples=10)
def test_cli_floats_that_are_no_finite_number_are_one_line_exit_2(
    tmp_path_factory: pytest.TempPathFactory, value: str, option: str
) -> None:
    scenario = tmp_path_factory.mktemp("s") / "s.yaml"
    scenario.write_text(dump(BASE), encoding="utf-8")
    code, _, err = cli("solve", str(scenario), "-o", str(scenario.with_suffix(".xlsx")), option, value)
    assert code == 2 and option in err
    assert_one_clean_line(err, value)


@given(digits=st.integers(min_value=7, max_value=500))
@settings(max_examples=15)
def test_a_nominal_size_past_its_range_is_one_line(digits: int) -> None:
    code, _, err = cli("estimate", "9" * digits + "b")
    assert code == 2 and "nominal size" in err
    assert_one_clean_line(err, "9" * digits)


LLAMA: dict[str, Any] = {
    "model_type": "llama",
    "hidden_size": 4096,
    "num_hidden_layers": 32,
    "num_attention_heads": 32,
    "num_key_value_heads": 8,
    "intermediate_size": 14336,
    "vocab_size": 128256,
    "max_position_embeddings": 131072,
}


@given(
    field=st.sampled_from(
        [*sorted(LLAMA.keys() - {"model_type"}), "head_dim", "kv_lora_rank", "num_local_experts"]
    ),
    value=st.integers(min_value=bounds.MAX_CONFIG_COUNT + 1, max_value=10**400)
    | st.sampled_from((1e300, 1.7e308, math.inf, 10**400)),
)
@settings(max_examples=40)
def test_a_config_count_past_its_range_is_one_line(field: str, value: Any) -> None:
    with pytest.raises(ModelError) as caught:
        from_config({**LLAMA, field: value}, "fuzz", where="config.json")
    assert_one_clean_line(str(caught.value), str(value))


# The largest values every field allows, all at once: the products planner forms stay finite.
EXTREME_WORKLOAD: dict[str, Any] = {
    "model": "llama-3.1-405b",
    "context": bounds.MAX_CONTEXT_TOKENS,
    "batch": bounds.MAX_BATCH,
    "replicas": bounds.MAX_REPLICAS,
    "hours_per_month": 730,
}


@given(
    usd_to_currency=st.sampled_from((1e-9, 1.0, bounds.MAX_USD_TO_CURRENCY)),
    usd_per_kwh=st.sampled_from((1e-6, bounds.MAX_USD_PER_KWH)),
    pue=st.sampled_from((1.0, bounds.MAX_PUE)),
    price=st.sampled_from((1e-6, bounds.MAX_PRICE_USD)),
    workload=st.sampled_from(
        (
            EXTREME_WORKLOAD,
            {"model": "7b", "memory_per_gpu": "1GiB", "replicas": bounds.MAX_REPLICAS},
            {"model": "0.5b"},
        )
    ),
)
@settings(max_examples=16)
def test_the_largest_valid_inputs_give_finite_costs(
    shipped_catalog: Catalog,
    usd_to_currency: float,
    usd_per_kwh: float,
    pue: float,
    price: float,
    workload: dict[str, Any],
) -> None:
    doc = {
        "name": "extreme",
        "horizon_months": bounds.MAX_HORIZON_MONTHS,
        "usd_to_currency": usd_to_currency,
        "currency": "USD" if usd_to_currency == 1.0 else "EUR",  # a rate other than 1 converts to another
        "energy": {
            "usd_per_kwh": usd_per_kwh,
            "pue": pue,
            "colocation_usd_per_kw_month": bounds.MAX_USD_PER_KW_MONTH,
        },
        "hardware": {"gpus": ["B200", "H100 SXM5"], "providers": ["aws"]},
        "custom_offers": [
            {
                "id": "q",
                "name": "quote",
                "gpu": "H100 SXM5",
                "gpu_count": 8,
                "price_usd": price,
                "base_power_w": bounds.MAX_POWER_W,
            }
        ],
        "budgets": {"capex_usd": bounds.MAX_BUDGET_USD, "monthly_usd": bounds.MAX_BUDGET_USD},
        "workloads": [{"name": "w", **workload}],
    }
    scenario = parse_scenario(dump(doc), source="extreme.yaml")
    try:
        candidates = build_candidates(scenario, shipped_catalog)
    except PlannerError as error:
        assert_one_clean_line(str(error))
        return
    data = candidates.data
    for option in data.options:
        for value in (option.fixed_cost, option.shared_gpu_cost, option.shared_gpu_monthly):
            assert math.isfinite(value), f"{option.label}: {value}"
    for row in data.limits:  # what a unit counts on each budget and limit (capex, power, rack space)
        assert math.isfinite(row.bound) and all(math.isfinite(v) for v in row.per_unit.values()), row.name
    for pattern in data.patterns:
        assert all(math.isfinite(v) for v in vars(pattern).values() if isinstance(v, float)), pattern
