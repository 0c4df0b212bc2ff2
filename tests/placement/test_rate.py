"""Load stated as a rate: replicas sized by the speed model within an SLO, checked against figures computed
here from ``capacity_within_slo`` (the requests/s of the largest batch within the targets) and prices."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.errors import InfeasibleError, ScenarioError
from planner.perf.capacity import capacity_within_slo
from planner.pipeline import solve

from builders import catalog, cloud, gpu, rate_workload, replica_rate, scenario

SLOW = gpu("Slow 48", 48.0).model_copy(update={"mem_bandwidth_gb_per_s": 500.0})
FAST = gpu("Fast 48", 48.0).model_copy(update={"mem_bandwidth_gb_per_s": 2000.0})
CAT = catalog(
    [SLOW, FAST], clouds=[cloud("slow1", "Slow 48", price=1.0), cloud("fast1", "Fast 48", price=3.0)]
)
ONE = catalog([FAST], clouds=[cloud("fast1", "Fast 48", price=3.0)])
HOURS = 730 * 12


chat = rate_workload


def _per_replica(spec_name: str, cat: Any = ONE, tpot_s: float = 0.06) -> float:
    return replica_rate(spec_name, cat, tpot_s)


def test_the_rate_needs_exactly_three_replicas_of_the_one_option() -> None:
    r = _per_replica("Fast 48")
    plan = solve(scenario([chat(2.5 * r)]), ONE, alternatives=False)
    (w,) = plan.workloads
    assert w.replicas == math.ceil(2.5) == 3
    assert plan.total_cost == pytest.approx(3 * 3.0 * HOURS)  # one 3 USD/h instance per replica, all year
    assert w.performance is not None
    assert w.performance.requests_per_s == pytest.approx(3 * r)
    assert w.performance.utilisation == pytest.approx(2.5 / 3)
    assert w.performance.tpot_s <= 0.06 and w.performance.ttft_s <= 1.0


def test_min_replicas_is_the_floor_below_the_rate() -> None:
    r = _per_replica("Fast 48")
    plan = solve(scenario([chat(0.5 * r, min_replicas=4)]), ONE, alternatives=False)
    assert plan.workloads[0].replicas == 4
    assert plan.total_cost == pytest.approx(4 * 3.0 * HOURS)


def test_the_optimizer_picks_the_card_whose_rate_is_cheaper() -> None:
    """Per request: the slow card at 1 USD/h against the fast one at 3 USD/h, whichever serves the rate for
    less (computed here from each card's capacity)."""
    slow, fast = _per_replica("Slow 48", CAT), _per_replica("Fast 48", CAT)
    rate = 3 * fast
    cheapest = min(math.ceil(rate / slow - 1e-9) * 1.0, math.ceil(rate / fast - 1e-9) * 3.0)
    plan = solve(scenario([chat(rate)]), CAT, alternatives=False)
    assert plan.total_cost == pytest.approx(cheapest * HOURS)


def _cost(rate: float, tpot_ms: float) -> float:
    return solve(scenario([chat(rate, tpot_ms=tpot_ms)]), CAT, alternatives=False).total_cost


@settings(max_examples=6, deadline=None, derandomize=True)
@given(st.floats(0.2, 30.0), st.floats(1.0, 3.0))
def test_a_higher_rate_never_costs_less(rate: float, factor: float) -> None:
    assert _cost(rate * factor, 60) >= _cost(rate, 60) - 1e-6


@settings(max_examples=6, deadline=None, derandomize=True)
@given(st.floats(25.0, 120.0), st.floats(1.0, 3.0))
def test_a_looser_slo_never_costs_more(tpot_ms: float, factor: float) -> None:
    assert _cost(10.0, tpot_ms * factor) <= _cost(10.0, tpot_ms) + 1e-6


def test_no_option_within_the_slo_exits_3_naming_the_fastest() -> None:
    with pytest.raises(InfeasibleError) as error:
        solve(scenario([chat(1.0, tpot_ms=1)]), CAT, alternatives=False)
    text = str(error.value)
    assert "'chat'" in text and "Fast 48" in text and "TPOT" in text and "TTFT" in text


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"replicas": 2}, "not both"),
        ({"batch": 8}, "not both"),
        ({"input_tokens": None}, "needs input_tokens"),
    ],
)
def test_a_rate_with_a_count_is_refused(extra: dict[str, Any], says: str) -> None:
    raw = {**chat(1.0), **extra}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises((ScenarioError, ValueError), match=says):
        scenario([raw])


def test_the_cli_refuses_a_rate_and_replicas_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nworkloads:\n  - name: chat\n    model: llama-3-8b\n    requests_per_second: 2\n"
        "    input_tokens: 1000\n    output_tokens: 300\n    replicas: 2\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2
    assert "requests_per_second" in result.output and "Traceback" not in result.output


def test_json_and_terminal_say_what_the_replicas_serve() -> None:
    from planner.report.json import plan_to_dict
    from planner.report.terminal import render_terminal

    r = _per_replica("Fast 48")
    plan = solve(scenario([chat(2.5 * r)]), ONE, alternatives=False)
    perf = plan_to_dict(plan)["workloads"][0]["performance"]
    assert perf["requests_per_s"] == pytest.approx(3 * r)
    assert perf["utilisation"] == pytest.approx(2.5 / 3)
    assert perf["binds"] in ("memory", "speed") and perf["ttft_s"] > 0 and perf["output_tokens_per_s"] > 0
    assert [(x["replica"], x["requests_per_s"]) for x in perf["replicas"]] == [
        (n, pytest.approx(r)) for n in (1, 2, 3)
    ]
    total = next(line for line in render_terminal(plan, width=200).splitlines() if "3 replicas" in line)
    cells = total.split()
    used = cells.index("83%")
    assert cells[used - 2 : used] == [f"{3 * r:,.2f}", f"{2.5 * r:,.2f}"]
    assert " ".join(cells[used + 1 :]).startswith(perf["binds"])


def test_each_replica_is_launched_at_the_batch_its_option_serves() -> None:
    def on_fast(**asked: float) -> Any:
        return capacity_within_slo(
            "llama-3-8b",
            gpu="Fast 48",
            ttft_s=1.0,
            tpot_s=0.06,
            memory_per_gpu_bytes=48 * 2**30,
            input_tokens=1000,
            output_tokens=300,
            catalog=ONE,
            **asked,
        )

    cap = on_fast()
    rate = 0.5 * cap.requests_per_s
    # Half the largest batch's rate: one replica carries it at the smallest batch that holds its requests
    # in flight 99 % of the time (perf.capacity.IN_FLIGHT_QUANTILE), not at the largest batch.
    sized = on_fast(requests_per_s=rate)
    assert sized.limit == "rate" and 0 < sized.batch < cap.batch and sized.requests_per_s >= rate
    plan = solve(scenario([chat(rate)]), ONE, alternatives=False)
    (a,) = plan.assignments
    assert a.launch is not None
    assert ("--max-num-seqs", str(sized.batch)) in a.launch.flags
    # Memory is sized by the mean request (1,000 + 300 tokens), but the server must accept the longest one
    # the workload allows: its context (4,096 by default), not the mean, which vLLM would refuse above.
    assert ("--max-model-len", "4096") in a.launch.flags
    assert plan.workloads[0].batch == sized.batch and plan.workloads[0].context == 1300


def test_a_rate_stated_scenario_survives_its_own_dump() -> None:
    """Sweep, compare and workloads files re-validate a dumped scenario, which writes replicas and batch."""
    from planner.scenario.schema import Scenario

    s = scenario([chat(2.0, min_replicas=2)])
    again = Scenario.model_validate(s.model_dump(mode="json"))
    assert again == s and again.workloads[0].replica_floor == 2


def test_a_rate_that_only_a_replica_over_machines_would_serve_says_so() -> None:
    """DeepSeek-R1 in fp8 (671e9 parameters, about 625 GiB of weights) needs more than one 8 x H100 machine
    (8 x 80 GiB); a rate-stated replica never spans machines, so "allow larger or more GPUs" misled: the
    same model stated by count spans two HGX machines over their fabric."""
    from planner.catalog.load import load_catalog

    cat = load_catalog()
    r1 = {
        **rate_workload(2.0, ttft_ms=2000, tpot_ms=100),
        "name": "r1",
        "model": "deepseek-r1",
        "precision": "fp8",
    }
    with pytest.raises(InfeasibleError) as raised:
        solve(scenario([r1], hardware={"gpus": ["H100"]}), cat, alternatives=False)
    message = str(raised.value)
    assert "a replica of a workload stated as a rate (requests_per_second) runs within one machine" in message
    assert "it would fit 2 x " in message and "give replicas instead of requests_per_second" in message
    assert "allow larger or more GPUs" not in message
    counted = {
        k: v
        for k, v in r1.items()
        if k not in ("requests_per_second", "slo", "input_tokens", "output_tokens")
    }
    plan = solve(scenario([counted], hardware={"gpus": ["H100"]}), cat, alternatives=False)
    assert {a.nodes for a in plan.assignments} == {2}
