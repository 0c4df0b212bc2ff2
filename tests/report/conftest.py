"""A hand-built plan for the report tests: the startup scenario's shape, with figures computed by hand.

Horizon 36 months, USD. Four units:

- ``workstation-2x-rtx-4090#1`` bought: 7,500 USD; 1,150 W (2 x 450 W TDP + 250 W base) always on at
  0.15 USD/kWh, office (PUE 1, no hosting): 1.15 kW x 730 h x 36 x 0.15 = 4,533.30 USD energy.
- ``owned-rtx-3090#1`` owned: 600 W (350 + 250) x 730 h x 36 x 0.15 = 2,365.20 USD energy.
- ``aws:g6e.xlarge:us-east-1#1`` on demand, L40S: 1.861 USD/h x 200 h/month = 372.20 USD/month, 13,399.20 USD.
- ``gcp:a2-ultragpu-1g:us-central1#1`` spot, A100 80GB: 1.30 USD/h x 60 h/month = 78 USD/month, 2,808 USD.

Total 30,605.70 USD = capex 7,500 + opex 23,105.70 (641.825 USD/month x 36).

IT energy per month: the workstation 1.15 kW x 730 h = 839.5 kWh, the owned desktop 0.6 kW x 730 h = 438 kWh;
1,277.5 kWh in all, so each 0.01 USD/kWh more on the electricity price adds 1,277.5 x 0.01 x 36 = 459.90 USD.
Capex budget 60,000 USD (7,500 used). Alternatives (hand-picked): all-cloud 41,230 (no purchases), all-bought
34,900 (16,000 up front), best single GPU 38,100 (13,400 up front).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from planner.memory.estimate import BREAKDOWN_KEYS
from planner.plan import Alternative, Assignment, Assumption, Plan, PlanUnit, WorkloadSummary
from planner.units import GIB

TOTAL_COST = 30_605.70
CAPEX = 7_500.0
OPEX = 23_105.70
OPEX_PER_MONTH = 641.825


def _gib(x: float) -> int:
    return round(x * GIB)


def _breakdown(**gib: float) -> dict[str, int]:
    return {k: _gib(gib.get(k, 0.0)) for k in BREAKDOWN_KEYS}


UNITS = (
    PlanUnit(
        id="workstation-2x-rtx-4090#1",
        option="workstation-2x-rtx-4090",
        option_name="Workstation, 2 x RTX 4090",
        kind="bought",
        pricing="purchase",
        gpu="RTX 4090",
        gpus=2,
        gpu_memory_bytes=24 * GIB,
        cost=12_033.30,
        capex=7_500.0,
        opex_per_month=125.925,
        energy_cost=4_533.30,
        hosting_cost=0.0,
        hours_per_month=730.0,
        unit_price=7_500.0,
        power_w=1_150.0,
        rack_units=0,
        price_source="Vendor quote (example), 2x RTX 4090 street price",
        price_date=dt.date(2025, 11, 1),
    ),
    PlanUnit(
        id="owned-rtx-3090#1",
        option="owned-rtx-3090",
        option_name="Owned desktop, RTX 3090",
        kind="owned",
        pricing="owned",
        gpu="RTX 3090",
        gpus=1,
        gpu_memory_bytes=24 * GIB,
        cost=2_365.20,
        opex_per_month=65.70,
        energy_cost=2_365.20,
        hours_per_month=730.0,
        power_w=600.0,
    ),
    PlanUnit(
        id="aws:g6e.xlarge:us-east-1#1",
        option="aws:g6e.xlarge:us-east-1",
        option_name="AWS g6e.xlarge (1 x L40S)",
        kind="cloud",
        pricing="on_demand",
        gpu="L40S",
        gpus=1,
        gpu_memory_bytes=48 * GIB,
        cost=13_399.20,
        opex_per_month=372.20,
        hours_per_month=200.0,
        unit_price=1.861,
        provider="aws",
        region="us-east-1",
        price_source="SkyPilot catalog v8 aws/vms.csv",
        price_date=dt.date(2025, 10, 1),
    ),
    PlanUnit(
        id="gcp:a2-ultragpu-1g:us-central1#1",
        option="gcp:a2-ultragpu-1g:us-central1",
        option_name="GCP a2-ultragpu-1g (1 x A100 80GB)",
        kind="cloud",
        pricing="spot",
        gpu="A100 SXM 80GB",
        gpus=1,
        gpu_memory_bytes=80 * GIB,
        cost=2_808.0,
        opex_per_month=78.0,
        hours_per_month=60.0,
        unit_price=1.30,
        provider="gcp",
        region="us-central1",
        price_source="SkyPilot catalog v8 gcp/vms.csv",
        price_date=dt.date(2025, 10, 1),
    ),
)


def _assignment(
    workload: str,
    replica: int,
    unit: str,
    gpus: tuple[int, ...],
    per_gpu_gib: float,
    headroom: float,
    cost: float,
) -> Assignment:
    per_gpu = _gib(per_gpu_gib)
    return Assignment(
        workload=workload,
        replica=replica,
        unit=unit,
        gpu_indices=gpus,
        per_gpu_bytes=per_gpu,
        headroom=headroom,
        reserved_bytes=-(-per_gpu * 100 // round((1 - headroom) * 100)),
        cost=cost,
    )


ASSIGNMENTS = (
    _assignment("chat-assistant", 1, "workstation-2x-rtx-4090#1", (0,), 18.5, 0.2, 6_016.65),
    _assignment("chat-assistant", 2, "workstation-2x-rtx-4090#1", (1,), 18.5, 0.2, 6_016.65),
    # coding 10 GiB and embedding 3.75 GiB reserved share the 3090: energy split 10 : 3.75 of 2,365.20.
    _assignment("coding-model", 1, "owned-rtx-3090#1", (0,), 8.0, 0.2, 1_720.15),
    _assignment("rag-embedding", 1, "owned-rtx-3090#1", (0,), 3.0, 0.2, 645.05),
    _assignment("eval-batch", 1, "aws:g6e.xlarge:us-east-1#1", (0,), 38.0, 0.15, 13_399.20),
    _assignment("finetune-qlora", 1, "gcp:a2-ultragpu-1g:us-central1#1", (0,), 30.0, 0.2, 2_808.0),
)


def _workload(
    breakdown: dict[str, int], headroom: float, rot_gb: tuple[float, float], **fields: Any
) -> WorkloadSummary:
    """One workload on one GPU per replica; its byte totals and reservation derived from ``breakdown`` as the
    planner derives them (reserved = per GPU / (1 - headroom), rounded up)."""
    total = sum(breakdown.values())
    return WorkloadSummary(
        gpus_per_replica=1,
        breakdown_bytes=breakdown,
        per_gpu_bytes=total,
        total_bytes=total,
        rule_of_thumb_bytes=(round(rot_gb[0] * 1e9), round(rot_gb[1] * 1e9)),
        headroom=headroom,
        reserved_bytes=-(-total * 100 // round((1 - headroom) * 100)),
        **fields,
    )


WORKLOADS = (
    _workload(
        _breakdown(weights=14.96, kv_cache=2.0, activations=0.54, cuda_context=0.5, allocator_overhead=0.5),
        0.2,
        (20.9, 20.9),
        name="chat-assistant",
        model="llama-3.1-8b-instruct",
        params=8_030_261_248,
        task="inference",
        precision="bf16",
        engine="vllm",
        context=8192,
        batch=16,
        replicas=2,
        hours_per_month=730.0,
        interruptible=False,
        cost=12_033.30,
    ),
    _workload(
        _breakdown(weights=4.36, kv_cache=0.875, activations=1.765, cuda_context=0.5, allocator_overhead=0.5),
        0.2,
        (6.9, 6.9),
        name="coding-model",
        model="qwen2.5-coder-7b-instruct",
        params=7_615_616_512,
        task="inference",
        precision="q4_k_m",
        engine="llama.cpp",
        context=16384,
        batch=1,
        replicas=1,
        hours_per_month=730.0,
        interruptible=False,
        cost=1_720.15,
    ),
    _workload(
        _breakdown(weights=1.06, kv_cache=0.0, activations=1.19, cuda_context=0.5, allocator_overhead=0.25),
        0.2,
        (1.5, 1.5),
        name="rag-embedding",
        model="bge-m3",
        params=567_754_752,
        task="inference",
        precision="fp16",
        engine="transformers",
        context=8192,
        batch=32,
        replicas=1,
        hours_per_month=730.0,
        interruptible=False,
        cost=645.05,
    ),
    _workload(
        _breakdown(weights=34.0, kv_cache=2.5, activations=0.5, cuda_context=0.5, allocator_overhead=0.5),
        0.15,
        (52.9, 52.9),
        name="eval-batch",
        model="llama-3.1-70b-instruct",
        params=70_553_706_496,
        task="inference",
        precision="awq_int4",
        engine="vllm",
        context=4096,
        batch=8,
        replicas=1,
        hours_per_month=200.0,
        interruptible=True,
        cost=13_399.20,
    ),
    _workload(
        _breakdown(
            weights=5.6,
            kv_cache=0.0,
            activations=18.0,
            gradients=0.16,
            optimizer_states=0.63,
            adapters=0.16,
            cuda_context=0.5,
            allocator_overhead=4.95,
        ),
        0.2,
        (10.5, 15.75),
        name="finetune-qlora",
        model="llama-3.1-8b",
        params=8_030_261_248,
        task="qlora",
        precision="nf4",
        engine="transformers",
        context=4096,
        batch=8,
        replicas=1,
        hours_per_month=60.0,
        interruptible=True,
        cost=2_808.0,
    ),
)


def _solved(name: str, description: str, total_cost: float, capex: float) -> Alternative:
    """An alternative solved to optimality; its saving is what it costs beyond the plan."""
    return Alternative(
        name=name,
        description=description,
        total_cost=total_cost,
        status="optimal",
        saving=total_cost - TOTAL_COST,
        capex=capex,
    )


ALTERNATIVES = (
    _solved("all_cloud", "Every workload on rented instances", 41_230.0, 0.0),
    _solved("all_bought", "Every workload on bought hardware", 34_900.0, 16_000.0),
    _solved("best_single_gpu", "One GPU type for everything (RTX 6000 Ada)", 38_100.0, 13_400.0),
    Alternative(
        name="cheapest_per_workload",
        description="Cheapest offer per workload, chosen alone",
        total_cost=None,
        status="infeasible",
        saving=None,
    ),
)

ASSUMPTIONS = (
    Assumption(
        category="price",
        name="workstation-2x-rtx-4090",
        value="7,500 USD",
        source="Vendor quote (example)",
        as_of="2025-11-01",
    ),
    Assumption(
        category="price",
        name="aws:g6e.xlarge:us-east-1 on demand",
        value="1.861 USD/h",
        source="SkyPilot catalog v8 aws/vms.csv",
        as_of="2025-10-01",
    ),
    Assumption(
        category="price",
        name="gcp:a2-ultragpu-1g:us-central1 spot",
        value="1.30 USD/h",
        source="SkyPilot catalog v8 gcp/vms.csv",
        as_of="2025-10-01",
    ),
    Assumption(
        category="energy",
        name="electricity",
        value="0.15 USD/kWh",
        source="scenario",
        key="usd_per_kwh",
        number=0.15,
        unit="USD/kWh",
    ),
    Assumption(
        category="energy",
        name="PUE",
        value="1.0 (office)",
        source="scenario",
        key="pue",
        number=1.0,
        unit="facility / IT power",
    ),
    Assumption(
        category="hosting",
        name="colocation",
        value="0 USD/kW-month (office desk)",
        source="scenario",
        key="colocation_usd_per_kw_month",
        number=0.0,
        unit="USD per kW-month",
    ),
    Assumption(
        category="policy", name="horizon", value="36 months", key="horizon_months", number=36, unit="months"
    ),
    Assumption(
        category="limit",
        name="capex budget",
        value="60,000 USD",
        source="scenario budgets.capex_usd",
        key="budget_capex_usd",
        number=60_000.0,
        unit="USD",
    ),
    Assumption(category="memory", name="default headroom", value="0.2", source="scenario default"),
)


def make_plan() -> Plan:
    """The fixture plan (a function so tests can derive variants with ``model_copy``)."""
    return Plan(
        scenario="startup",
        status="optimal",
        currency="USD",
        horizon_months=36,
        total_cost=TOTAL_COST,
        capex=CAPEX,
        opex=OPEX,
        opex_per_month=OPEX_PER_MONTH,
        best_bound=TOTAL_COST,
        gap=0.0,
        solver="HiGHS 1.16 via PuLP 3.3.2",
        solve_seconds=0.42,
        units=UNITS,
        assignments=ASSIGNMENTS,
        workloads=WORKLOADS,
        alternatives=ALTERNATIVES,
        assumptions=ASSUMPTIONS,
        cost_by_category={
            "purchase": 7_500.0,
            "energy": 6_898.50,
            "hosting": 0.0,
            "cloud_on_demand": 13_399.20,
            "cloud_spot": 2_808.0,
            "cloud_reserved": 0.0,
        },
        planner_version="0.1.0",
    )


@pytest.fixture(scope="session")
def plan() -> Plan:
    """Session-wide: a Plan is frozen, so sharing it (also across hypothesis examples) is safe."""
    return make_plan()


@pytest.fixture
def renamed_plan() -> Callable[[str, str], Plan]:
    """A factory: the fixture plan with workload ``old`` renamed to ``new`` everywhere it appears."""

    def rename(old: str, new: str) -> Plan:
        base = make_plan()
        return base.model_copy(
            update={
                "workloads": tuple(
                    w.model_copy(update={"name": new}) if w.name == old else w for w in base.workloads
                ),
                "assignments": tuple(
                    a.model_copy(update={"workload": new}) if a.workload == old else a
                    for a in base.assignments
                ),
            }
        )

    return rename
