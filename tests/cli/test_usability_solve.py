"""Usability found while planning: owned machines keep the user's name, the Markdown's "Runs on" names each
place once, a pinned GPU count the model cannot split fails like ``planner estimate`` does.

Figure by hand: one owned 300 W card in a machine of 150 W base power, busy all month for 12 months in an
office (PUE 1, GPUs at full TDP) at 0.10 USD/kWh: 0.45 kW x 730 h x 12 x 0.10 = 394.20 USD.
"""

from __future__ import annotations

import pytest

from planner.errors import PlannerError, ScenarioError
from planner.memory.api import estimate_memory
from planner.pipeline import solve
from planner.report.markdown import render_markdown, runs_on

from builders import catalog, gpu, scenario, workload

CAT = catalog([gpu("Card24", 24)])
LOCAL_ONLY = {"hardware": {"bought": False, "cloud": False}}


def test_owned_units_keep_the_name_the_user_gave() -> None:
    owned = [{"gpu": "Card24", "name": "lab-box"}]
    plan = solve(scenario([workload("a", 10)], owned=owned, **LOCAL_ONLY), CAT, alternatives=False)
    assert [(u.id, u.option_name) for u in plan.units] == [("lab-box#1", "lab-box (owned)")]
    assert plan.total_cost == pytest.approx(394.20)
    assert "lab-box#1 GPU 0" in render_markdown(plan)


def test_a_name_that_cannot_be_an_id_falls_back_to_a_number() -> None:
    owned = [
        {"gpu": "Card24", "name": "box"},
        {"gpu": "Card24", "name": "box"},
        {"gpu": "Card24", "name": "a#b"},
    ]
    two = [workload("a", 20), workload("b", 20), workload("c", 20)]
    plan = solve(scenario(two, owned=owned, **LOCAL_ONLY), CAT, alternatives=False)
    assert sorted(u.id for u in plan.units) == ["box#1", "owned-2#1", "owned-3#1"]


def test_markdown_runs_on_names_each_place_once() -> None:
    assert (
        runs_on(["box#1 GPU 0", "box#1 GPU 0", "cloud#1 GPU 0"]) == "box#1 GPU 0 (2 replicas); cloud#1 GPU 0"
    )
    owned = [{"gpu": "Card24", "name": "lab-box"}]
    plan = solve(scenario([workload("a", 5, replicas=2)], owned=owned, **LOCAL_ONLY), CAT, alternatives=False)
    row = next(line for line in render_markdown(plan).splitlines() if line.startswith("| a |"))
    assert "| lab-box#1 GPU 0 (2 replicas) |" in row


def test_a_pinned_gpu_count_the_heads_do_not_divide_fails_like_estimate() -> None:
    """Llama 3.1 8B has 32 attention heads and 8 KV heads: vLLM cannot split them over 3 GPUs."""
    with pytest.raises(PlannerError) as expected:
        estimate_memory("llama-3.1-8b", engine="vllm", gpus=3)
    pinned = workload("a", 10, gpus_per_replica=3, engine="vllm")
    del pinned["memory_per_gpu"]
    pinned["model"] = "llama-3.1-8b"
    with pytest.raises(ScenarioError) as raised:
        solve(scenario([pinned]), catalog([gpu("Card80", 80)]), alternatives=False)
    assert str(raised.value) == f"workload 'a': {expected.value}"
    assert raised.value.exit_code == 2
    assert "3 GPUs cannot split 32 attention heads / 8 KV heads" in str(raised.value)
