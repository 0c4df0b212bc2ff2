"""Plan.to_frames: every table of the plan as a DataFrame, adding up to the plan's own figures."""

from __future__ import annotations

import pandas as pd
import pytest

from planner.explore.frames import FRAMES
from planner.memory.api import estimate_memory
from planner.memory.estimate import BREAKDOWN_KEYS
from planner.plan import Plan


def test_frames_hold_the_plan(startup_plan: Plan) -> None:
    frames = startup_plan.to_frames()
    assert tuple(frames) == FRAMES
    assert all(isinstance(f, pd.DataFrame) for f in frames.values())
    assert len(frames["units"]) == len(startup_plan.units) == 5
    assert len(frames["assignments"]) == len(startup_plan.assignments) == 6
    assert list(frames["workloads"]["name"]) == [w.name for w in startup_plan.workloads]
    assert set(frames["alternatives"]["name"]) == {
        "all_cloud",
        "all_bought",
        "best_single_gpu",
        "cheapest_per_workload",
    }
    # The README's startup plan: three desktops bought for 1,999 + 2,999 + 6,150 USD.
    assert frames["units"]["capex"].sum() == pytest.approx(11_148)
    for table in ("units", "assignments", "workloads"):
        assert frames[table]["cost"].sum() == pytest.approx(startup_plan.total_cost)
    assert frames["cost_by_category"]["cost"].sum() == pytest.approx(startup_plan.total_cost)


def test_workload_breakdown_columns_add_up_to_the_total(startup_plan: Plan) -> None:
    workloads = startup_plan.to_frames()["workloads"]
    parts = workloads[[f"{c}_bytes" for c in BREAKDOWN_KEYS]].sum(axis=1)
    assert (parts == workloads["total_bytes"]).all()
    chat = workloads.set_index("name").loc["chat-assistant"]
    # Its first replica's: the memory model's at the batch its card serves within the SLO, each sequence
    # holding 1,000 + 300 tokens (README: 16.21 GiB at batch 30 on the RTX 3090, where the TPOT target binds)
    perf = next(w for w in startup_plan.workloads if w.name == "chat-assistant").performance
    assert perf is not None
    first = perf.replicas[0]
    est = estimate_memory("llama-3.1-8b", precision="fp8", context=1300, batch=first.batch, engine="vllm")
    assert chat["per_gpu_bytes"] == int(est.per_gpu_bytes)
    assert chat["per_gpu_bytes"] / 2**30 == pytest.approx(16.21, abs=0.005)


def test_cash_flow_pays_purchases_first_and_ends_at_the_total(startup_plan: Plan) -> None:
    frames = startup_plan.to_frames()["cash_flow"]
    flow = frames[frames["name"] == "plan"]
    assert list(flow["month"]) == list(range(0, 37))
    assert flow["up_front"].iloc[0] == pytest.approx(startup_plan.capex)
    assert flow["up_front"].iloc[1:].sum() == 0
    assert flow["residual"].iloc[-1] == pytest.approx(startup_plan.residual_value)
    assert flow["cumulative"].iloc[-1] == pytest.approx(startup_plan.total_cost)
    assert set(frames["name"]) == {"plan"} | {
        a.name for a in startup_plan.alternatives if a.total_cost is not None
    }
