"""Small hand-made catalogs and scenarios, so the optimizer's answers can be computed by hand."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from planner.catalog.schema import (
    Catalog,
    CloudOffer,
    ElectricityPrice,
    EnergyDefaults,
    GpuSpec,
    ReservedDiscount,
    SystemOffer,
)
from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.scenario.schema import Scenario
from planner.units import GIB

DAY = dt.date(2025, 11, 1)


def gpu(
    name: str,
    vram_gib: float,
    *,
    tdp_w: float = 300.0,
    price_usd: float | None = 1000.0,
    vendor: Literal["NVIDIA", "AMD", "Intel"] = "NVIDIA",
    compute_capability: str = "9.0",
) -> GpuSpec:
    """A test card; a Hopper-class compute capability by default, so every engine runs every format on it."""
    return GpuSpec(
        name=name,
        vendor=vendor,
        segment="datacenter",
        architecture="test",
        compute_capability=compute_capability,
        vram_bytes=int(vram_gib * GIB),
        mem_bandwidth_gb_per_s=1000.0,
        bf16_dense_tflops=100.0,
        tdp_w=tdp_w,
        form_factor="PCIe",
        nvlink=False,
        price_usd=price_usd,
        price_kind="estimate" if price_usd else None,
        price_date=DAY if price_usd else None,
        price_source="test",
        source="test",
    )


def system(
    sid: str,
    gpu_name: str,
    count: int = 1,
    *,
    price: float = 1000.0,
    base_w: float = 0.0,
    rack: int = 0,
    linked: bool = False,
) -> SystemOffer:
    return SystemOffer(
        id=sid,
        name=sid,
        gpu=gpu_name,
        gpu_count=count,
        base_price_usd=0.0,
        total_price_usd=price,
        base_power_w=base_w,
        rack_units=rack,
        gpus_linked=linked,
        price_kind="estimate",
        price_date=DAY,
        price_source="test quote",
    )


def cloud(
    instance: str,
    gpu_name: str,
    count: int = 1,
    *,
    price: float = 0.5,
    spot: float | None = None,
    provider: str = "testcloud",
    linked: bool = True,
) -> CloudOffer:
    return CloudOffer(
        id=f"{provider}:{instance}:r1",
        provider=provider,
        instance_type=instance,
        gpu=gpu_name,
        gpu_count=count,
        vcpus=8,
        host_memory_bytes=64 * GIB,
        region="r1",
        price_usd_per_hour=price,
        spot_price_usd_per_hour=spot,
        gpus_linked=linked,
        source_file="test.csv",
        source_commit="0" * 40,
        as_of=DAY,
    )


def catalog(
    gpus: list[GpuSpec],
    systems: list[SystemOffer] = (),
    clouds: list[CloudOffer] = (),  # type: ignore[assignment]
    discounts: list[ReservedDiscount] = (),  # type: ignore[assignment]
) -> Catalog:
    return Catalog(
        gpus=tuple(gpus),
        systems=tuple(systems),
        cloud=tuple(clouds),
        reserved_discounts=tuple(discounts),
        energy=EnergyDefaults(
            electricity=(ElectricityPrice(region="X", usd_per_kwh=0.1, source="test"),),
            default_region="X",
            pue=1.5,
            pue_source="test",
            colocation_usd_per_kw_month=100.0,
            colocation_source="test",
            as_of=DAY,
        ),
        as_of=DAY,
    )


def workload(name: str, gib: float, **extra: Any) -> dict[str, Any]:
    return {"name": name, "model": "measured", "memory_per_gpu": f"{gib}GiB", **extra}


def scenario(workloads: list[dict[str, Any]], **extra: Any) -> Scenario:
    """Office hosting at 0.10 USD/kWh, PUE 1, GPUs at full TDP while busy, no headroom, 12 months.

    Purchases keep no residual value, spot pays no overhead and idle GPUs draw nothing unless a test says
    otherwise (``finance``, ``hardware.spot_overhead``, ``energy.gpu_idle_share_of_tdp``), so the hand
    figures of tests about something else stay plain price x hours; tests/assemble/test_finance.py sets them.
    """
    raw: dict[str, Any] = {
        "name": "test",
        "horizon_months": 12,
        "headroom": 0.0,
        "energy": {"usd_per_kwh": 0.1, "hosting": "office", "gpu_utilisation": 1.0},
        "workloads": workloads,
    }
    raw.update(extra)
    raw["finance"] = {"useful_life_months": None, **raw.get("finance", {})}
    raw["hardware"] = {"spot_overhead": 0.0, **raw.get("hardware", {})}
    raw["energy"] = {"gpu_idle_share_of_tdp": 0.0, **raw.get("energy", {})}
    return Scenario.model_validate(raw)


def rate_workload(rate: float, *, ttft_ms: float = 1000, tpot_ms: float = 60, **extra: Any) -> dict[str, Any]:
    """A chat workload stated as a rate: Llama 3 8B on vLLM, 1,000 prompt and 300 answer tokens a request."""
    return {
        "name": "chat",
        "model": "llama-3-8b",
        "engine": "vllm",
        "requests_per_second": rate,
        "input_tokens": 1000,
        "output_tokens": 300,
        "slo": {"ttft_ms": ttft_ms, "tpot_ms": tpot_ms},
        **extra,
    }


def replica_rate(card: str, cat: Catalog, tpot_s: float = 0.06) -> float:
    """Requests/s one replica of ``rate_workload`` serves alone on ``card`` within a 1 s TTFT, from the speed
    model's own ``capacity_within_slo`` (the figure the program's rate row should use)."""
    from planner.perf.capacity import capacity_within_slo

    cap = capacity_within_slo(
        "llama-3-8b",
        gpu=card,
        ttft_s=1.0,
        tpot_s=tpot_s,
        memory_per_gpu_bytes=48 * 2**30,  # headroom 0 in these scenarios, 48 GiB cards
        input_tokens=1000,
        output_tokens=300,
        catalog=cat,
    )
    assert cap.batch >= 1
    return cap.requests_per_s


OVERFILLED_DESK_YEAR = 1000 + 394.2
"""A desk and a year of one busy 450 W card at 0.10 USD/kWh."""
OVERFILLED_SPOT_YEAR = 0.1 * 730 * 12
"""A year of a 48 GiB spot card: more than half a desk, so the relaxation keeps all five replicas on two."""


def overfilled_desks() -> tuple[Catalog, Scenario]:
    """Replicas of 48, 48, 48, 36 and 20 GiB that fill two 100 GiB desk cards to the byte, memory and every
    u_k row allowing it, while no packing does (a brute-force search found the set); a spot 48 GiB card for
    the interruptible ones. tests/placement/test_shared.py and tests/solving/test_improve.py solve it."""
    cat = catalog(
        [gpu("Card100", 100, tdp_w=450), gpu("Card48", 48)],
        [system("desk-card100", "Card100")],
        [cloud("c48", "Card48", spot=0.1, price=1.0)],
    )
    fleet = scenario(
        [workload("a", 36), workload("b", 48, replicas=3, interruptible=True), workload("c", 20)]
    )
    return cat, fleet


def three_on_a_server() -> ProblemData:
    """Three replicas of one GPU each on an 8-GPU server at 800 USD (100 a replica) or on 1-GPU boxes at 150
    each: the linear relaxation buys 3/8 of the server, 300 USD; whole units cost min(800, 3 x 150) = 450."""
    return ProblemData(
        ("w",),
        {"w": 3},
        (OptionData("big", 8, 800.0), OptionData("box", 1, 150.0)),
        (PatternData("p_big", "big", 1, (("w", 1),)), PatternData("p_box", "box", 1, (("w", 1),))),
    )
