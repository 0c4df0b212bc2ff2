"""Laws the plan must obey for the newer scenario fields, on small scenarios of the shipped catalog.

Each law follows from one plan being feasible for the other scenario: a plan that serves a higher rate serves
a lower one; a plan whose GPUs hold the memory of a longer context, or are busy over a longer schedule,
holds the shorter one; a plan on owned 24 GiB cards can put each replica on a 48 GiB card instead. So the
first never costs less, or the second is never infeasible where the first was not. Costs compare up to
twice the solver's relative gap. Each solve is a fraction of a second; alternatives are off.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog
from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.scenario.schema import Scenario

MIP_GAP = 1e-4
CLOUD = {"gpus": ["L4", "H100 SXM5"], "providers": ["aws"]}
ONLY_OWNED = {"bought": False, "cloud": False}


@pytest.fixture(scope="module")
def shipped_catalog() -> Catalog:
    return load_catalog(())


def _cost(catalog: Catalog, workloads: list[dict[str, Any]], **fields: Any) -> float:
    doc = {"name": "law", "horizon_months": 12, "hardware": CLOUD, **fields, "workloads": workloads}
    try:
        plan = solve(Scenario.model_validate(doc), catalog, alternatives=False, mip_gap=MIP_GAP)
    except InfeasibleError:
        return math.inf
    return plan.total_cost


def _no_less(more: float, less: float) -> bool:
    """``more`` >= ``less`` up to the solver's gap (an infeasible ``more`` is infinitely dear)."""
    return more >= less * (1 - 2 * MIP_GAP) - 1e-6 if math.isfinite(less) else math.isinf(more)


@settings(max_examples=12, deadline=None)
@given(
    model=st.sampled_from(["qwen2.5-0.5b", "qwen2.5-7b"]),
    rate=st.floats(0.05, 30),
    factor=st.floats(1.0, 4.0),
    ttft_ms=st.sampled_from([None, 500.0, 3000.0]),
)
def test_a_higher_request_rate_never_costs_less(
    shipped_catalog: Catalog, model: str, rate: float, factor: float, ttft_ms: float | None
) -> None:
    def at(rps: float) -> float:
        slo = {"ttft_ms": ttft_ms} if ttft_ms else None
        load = {"requests_per_second": rps, "input_tokens": 1000, "output_tokens": 200, "slo": slo}
        return _cost(shipped_catalog, [{"name": "chat", "model": model, **load}])

    low, high = at(rate), at(min(rate * factor, 1e6))
    assert _no_less(high, low), f"{rate * factor:g} req/s costs {high:,.2f}, {rate:g} req/s {low:,.2f}"


@settings(max_examples=12, deadline=None)
@given(
    context=st.integers(512, 32_768),
    more=st.integers(1, 65_536),
    replicas=st.integers(1, 3),
    min_replicas=st.sampled_from([None, 2]),
)
def test_a_longer_context_never_costs_less(
    shipped_catalog: Catalog, context: int, more: int, replicas: int, min_replicas: int | None
) -> None:
    def at(tokens: int) -> float:
        chat = {"name": "chat", "model": "qwen2.5-7b", "context": tokens, "replicas": replicas}
        return _cost(shipped_catalog, [chat | ({"min_replicas": min_replicas} if min_replicas else {})])

    short, long = at(context), at(context + more)
    assert _no_less(long, short), f"context {context + more} costs {long:,.2f}, {context} {short:,.2f}"


@settings(max_examples=15, deadline=None)
@given(
    start=st.integers(0, 23),
    hours=st.integers(1, 23),
    longer=st.integers(1, 23),
    weekdays=st.booleans(),
    owned=st.booleans(),
)
def test_a_longer_schedule_never_costs_less(
    shipped_catalog: Catalog, start: int, hours: int, longer: int, weekdays: bool, owned: bool
) -> None:
    """A coder on a schedule beside a chat model every night; the coder's schedule grows by ``longer``
    hours (at most a whole day). On one owned 24 GiB card the two take turns on its memory."""
    days = (
        ["mon", "tue", "wed", "thu", "fri"] if weekdays else ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    )

    def at(span: int) -> float:
        coder = {"name": "coder", "model": "qwen2.5-7b", "context": 8192}
        coder["schedule"] = {"start_hour": start, "end_hour": (start + span) % 24 or 24, "days": days}
        chat = {"name": "chat", "model": "qwen2.5-7b", "schedule": {"start_hour": 20, "end_hour": 8}}
        fields: dict[str, Any] = {}
        if owned:
            fields = {"hardware": ONLY_OWNED, "owned": [{"gpu": "GeForce RTX 3090", "base_power_w": 120}]}
        return _cost(shipped_catalog, [coder, chat], **fields)

    span = min(hours + longer, 24)
    if (start + span) % 24 == start:  # a whole day is written 0-24, not start-start
        return
    short, long = at(hours), at(span)
    assert _no_less(long, short), f"{span} h a day costs {long:,.2f}, {hours} h {short:,.2f}"


@settings(max_examples=12, deadline=None)
@given(
    sizes=st.lists(st.sampled_from(["qwen2.5-0.5b", "qwen2.5-3b", "qwen2.5-7b"]), min_size=1, max_size=3),
    cards=st.integers(1, 3),
    spread=st.sampled_from([None, "gpu", "machine"]),
    turns=st.booleans(),
)
def test_a_larger_owned_card_never_makes_a_plan_infeasible(
    shipped_catalog: Catalog, sizes: list[str], cards: int, spread: str | None, turns: bool
) -> None:
    """The same owned machines with 48 GiB cards (RTX A6000) instead of 24 GiB ones (RTX 3090): availability
    rules (min_replicas, spread) and taking turns (exclusive_group) included."""
    workloads: list[dict[str, Any]] = []
    for i, model in enumerate(sizes):
        w: dict[str, Any] = {"name": f"w{i}", "model": model, "context": 8192}
        if spread and i == 0:
            w |= {"min_replicas": 2, "spread": spread}
        if turns and i > 0:
            w["exclusive_group"] = "desk"
        workloads.append(w)

    def on(card: str) -> float:
        owned = [{"gpu": card, "gpu_count": cards, "count": 2, "base_power_w": 120}]
        return _cost(shipped_catalog, workloads, hardware=ONLY_OWNED, owned=owned)

    small = on("GeForce RTX 3090")
    if math.isfinite(small):
        assert math.isfinite(on("RTX A6000")), f"{workloads} fit 24 GiB cards but not 48 GiB ones"
