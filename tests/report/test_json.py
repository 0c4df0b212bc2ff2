"""The JSON report: the solve contract's fields with their types, plus the workbook's derived figures."""

from __future__ import annotations

import json
import math

import pytest

from planner.plan import Plan
from planner.report.figures import reading
from planner.report.json import plan_to_json

from contract import ASSIGNMENT, CONTRACT, UNIT


def test_contract_fields_and_types(plan: Plan) -> None:
    data = json.loads(plan_to_json(plan))
    for key, kind in CONTRACT.items():
        assert isinstance(data[key], kind), key
    assert data["status"] in ("optimal", "feasible")
    for unit in data["units"]:
        assert unit.keys() >= UNIT.keys()
        assert unit["kind"] in ("bought", "owned", "cloud")
        assert isinstance(unit["gpu_memory_bytes"], int)
    for a in data["assignments"]:
        assert a.keys() >= ASSIGNMENT.keys()
        assert all(isinstance(i, int) for i in a["gpu_indices"])
        # Contract: reserved_bytes = per_gpu_bytes / (1 - headroom), rounded up.
        assert a["reserved_bytes"] == math.ceil(a["per_gpu_bytes"] / (1 - a["headroom"]) - 1e-6)
    for alt in data["alternatives"]:
        assert {"name", "total_cost", "status"} <= alt.keys()
    assert [a["total_cost"] for a in data["alternatives"]][-1] is None


def test_exactly_one_object_and_deterministic(plan: Plan) -> None:
    text = plan_to_json(plan)
    decoder = json.JSONDecoder()
    obj, end = decoder.raw_decode(text)
    assert isinstance(obj, dict) and text[end:].strip() == ""
    rebuilt = Plan.model_validate_json(plan.model_dump_json())
    assert plan_to_json(rebuilt) == text


def test_round_trips_to_the_same_plan(plan: Plan) -> None:
    data = json.loads(plan_to_json(plan))
    data.pop("report")
    # Everything but the run time, which the JSON leaves out so that the same input gives the same bytes.
    assert "solve_seconds" not in data
    assert Plan.model_validate(data) == plan.model_copy(update={"solve_seconds": 0.0})


def test_report_key_carries_the_workbook_figures(plan: Plan) -> None:
    report = json.loads(plan_to_json(plan))["report"]
    assert report["reading"] == reading(plan)
    assert report["average_cost_per_month"] == pytest.approx(30_605.70 / 36)
    assert report["break_even"]["months"] == pytest.approx(14.897, abs=1e-3)
    assert report["payback_month"] == 15  # the Cash flow sheet's month: 17,127.38 <= 17,179.17 at month 15
    assert "in month 15 (a whole month, Cash flow sheet)" in report["payback_month_text"]
    assert (
        report["payback_note"]
        == "Payback: purchases over the monthly saving, not discounted (simple payback)."
    )
    assert [m["action"] for m in report["chosen_mix"]] == ["Buy", "Use owned", "Rent on demand", "Rent spot"]
    assert sum(m["cost"] for m in report["chosen_mix"]) == pytest.approx(30_605.70)
    assert len(report["gpu_usage"]) == 5
    shared = next(g for g in report["gpu_usage"] if g["unit"] == "owned-rtx-3090#1")
    assert shared["replicas"] == ["coding-model r1", "rag-embedding r1"]


def test_nan_is_refused_rather_than_printed(plan: Plan) -> None:
    with pytest.raises(ValueError, match="JSON compliant"):
        plan_to_json(plan.model_copy(update={"gap": float("nan")}))


def test_workloads_give_every_replicas_memory(plan: Plan) -> None:
    """``workloads[].per_gpu_bytes`` is the first replica's; a replica on another card holds another figure
    and ``replica_memory`` gives each. Here chat-assistant's second replica holds 20 GiB per GPU (25 reserved
    at 20 % headroom) beside the first's 18.5 (18.5 / 0.8 = 23.125 reserved)."""
    gib = 2**30
    bigger = plan.assignments[1].model_copy(update={"per_gpu_bytes": 20 * gib, "reserved_bytes": 25 * gib})
    varied = plan.model_copy(
        update={"assignments": (plan.assignments[0], bigger, *plan.assignments[2:])}
    ).with_replica_memory()
    workloads = {w["name"]: w for w in json.loads(plan_to_json(varied))["workloads"]}
    chat = workloads["chat-assistant"]
    assert (chat["per_gpu_bytes"], chat["reserved_bytes"]) == (18.5 * gib, 23.125 * gib)  # the first's
    assert [
        (r["replica"], r["unit"], r["gpu"], r["gpus"], r["per_gpu_bytes"], r["reserved_bytes"])
        for r in chat["replica_memory"]
    ] == [
        (1, "workstation-2x-rtx-4090#1", "RTX 4090", 1, 18.5 * gib, 23.125 * gib),
        (2, "workstation-2x-rtx-4090#1", "RTX 4090", 1, 20 * gib, 25 * gib),
    ]
    assert [r["per_gpu_bytes"] for r in workloads["eval-batch"]["replica_memory"]] == [38 * gib]
