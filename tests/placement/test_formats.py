"""The option generator never pairs an engine with a weight format the card cannot run (memory.support), over
the whole shipped catalog; a workload no allowed card runs is infeasible with a message that says why."""

from __future__ import annotations

import pytest

from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog
from planner.errors import InfeasibleError
from planner.memory.engines import ENGINES
from planner.memory.support import refusal
from planner.pipeline import solve
from planner.placement.candidates import build_candidates
from planner.scenario.schema import Scenario


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def _scenario(workloads: list[dict[str, object]], **hardware: object) -> Scenario:
    return Scenario.model_validate(
        {"name": "formats", "horizon_months": 12, "workloads": workloads, "hardware": hardware}
    )


def test_no_option_pairs_an_engine_with_a_format_its_card_cannot_run(catalog: Catalog) -> None:
    """One workload per (engine, limited format) of the hardware table, on every card and cloud offer of
    the catalog: every placement built is on a card whose row allows it, and every card a row allows that
    holds the model is offered (the rule removes only what it must)."""
    pairs = sorted({(e.name, fmt) for e in ENGINES.values() for row in e.hardware for fmt in row.formats})
    workloads = [
        {"name": f"{eng}-{fmt}", "model": "llama-3.2-1b", "precision": fmt, "engine": eng, "context": 1024}
        for eng, fmt in pairs
    ]
    c = build_candidates(_scenario(workloads), catalog)
    by_id = {wid: name for name, wid in c.workload_id.items()}
    spec = {w["name"]: (str(w["engine"]), str(w["precision"])) for w in workloads}
    placed: dict[str, set[str]] = {name: set() for name in spec}
    for pattern in c.data.patterns:
        card = c.offers[pattern.option].gpu
        for wid, _ in pattern.counts:
            eng, fmt = spec[by_id[wid]]
            assert refusal(eng, fmt, card) is None, (eng, fmt, card.name)
            placed[by_id[wid]].add(card.name)
    considered = {o.gpu.name: o.gpu for o in c.considered}
    for name, (eng, fmt) in spec.items():
        runnable = {g for g, card in considered.items() if refusal(eng, fmt, card) is None}
        assert placed[name] <= runnable
        assert placed[name], name  # a 1B model fits some card every row allows
        assert fmt in ENGINES[eng].weight_formats


def test_fp8_under_vllm_is_never_placed_on_the_radeon(catalog: Catalog) -> None:
    """The shipped startup plan once put a vLLM fp8 replica on an RX 7900 XTX; with the bf16 weights of the
    same model the card is offered."""
    work = {"name": "chat", "model": "llama-3.1-8b", "engine": "vllm", "context": 4096}
    radeon = catalog.gpu("Radeon RX 7900 XTX")
    fp8 = build_candidates(_scenario([{**work, "precision": "fp8"}], cloud=False), catalog)
    bf16 = build_candidates(_scenario([{**work, "precision": "bf16"}], cloud=False), catalog)
    assert radeon.name not in {fp8.offers[p.option].gpu.name for p in fp8.data.patterns}
    assert radeon.name in {bf16.offers[p.option].gpu.name for p in bf16.data.patterns}
    assert any(radeon.name in line for line in fp8.refused["chat"])


def test_a_workload_no_allowed_card_runs_is_infeasible_saying_why(catalog: Catalog) -> None:
    scenario = _scenario(
        [{"name": "chat", "model": "llama-3.1-8b", "precision": "fp8", "engine": "vllm"}],
        cloud=False,
        gpus=["Radeon RX 7900 XTX"],
    )
    with pytest.raises(InfeasibleError, match=r"'chat': no allowed card runs its weights: vllm cannot run "):
        solve(scenario, catalog, alternatives=False)
