"""A GPU as the speed model sees it: memory bandwidth, peak tensor FLOPs and the link tensor parallelism uses.

Figures come from the catalog's datasheet fields (GB/s and TFLOP/s there, bytes and FLOP per second here).
The all-reduce latencies are assumptions, not fits: the calibration data runs tensor parallelism over NVLink
only, and NCCL's small-message all-reduce takes some microseconds on NVLink and a few tens through PCIe
(nccl-tests' published latencies); they matter only for small batches on many GPUs.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.catalog.schema import GpuSpec
from planner.errors import PlannerError

GB = 1e9
TFLOP = 1e12


@dataclass(frozen=True, slots=True)
class Link:
    """One kind of GPU-to-GPU path: the catalog field with its bandwidth (GB/s, both directions) and the fixed
    cost of one all-reduce over it."""

    name: str
    catalog_field: str
    allreduce_latency_s: float


# In order of preference: a card uses the first link it has unless told otherwise.
LINKS: dict[str, Link] = {
    "nvlink": Link("nvlink", "gpu_link_gb_per_s", allreduce_latency_s=10e-6),
    "pcie": Link("pcie", "pcie_gb_per_s", allreduce_latency_s=30e-6),
}


@dataclass(frozen=True, slots=True)
class Hardware:
    """One GPU's limits. ``link_bytes_per_s`` is one direction of the link tensor parallelism runs over."""

    name: str
    bandwidth_bytes_per_s: float
    flops_16: float
    flops_8: float | None
    flops_16_fp16_accumulate: float
    link: Link
    link_bytes_per_s: float

    def peak_flops(self, eight_bit: bool, fp16_accumulate: bool = False) -> float:
        """Dense tensor FLOP/s at the compute dtype: fp8 where weights and card both have it, else 16-bit
        (with fp16 accumulation where the engine accumulates so: twice as fast on GeForce cards)."""
        if eight_bit and self.flops_8:
            return self.flops_8
        return self.flops_16_fp16_accumulate if fp16_accumulate else self.flops_16


BRIDGED_GPUS = 2
"""A PCIe card's GPU link is a bridge joining a pair (NVLink bridges; docs/catalogs.md, ``gpus_linked``)."""


def _spans(spec: GpuSpec, link: Link, gpus: int) -> bool:
    """Whether ``link`` joins all ``gpus`` cards of a replica: modules (SXM, OAM) sit on a switched board."""
    bridged = link.catalog_field == "gpu_link_gb_per_s" and spec.form_factor.startswith("PCIe")
    return bool(getattr(spec, link.catalog_field)) and (not bridged or gpus <= BRIDGED_GPUS)


def hardware(spec: GpuSpec, interconnect: str | None = None, gpus: int = 1) -> Hardware:
    """The speed model's view of a catalog GPU in a replica of ``gpus``. ``interconnect``: "nvlink" (the
    card's GPU link, NVLink or Infinity Fabric) or "pcie"; None: the GPU link where it joins every card."""
    if interconnect is None:
        link = next(k for k in LINKS.values() if _spans(spec, k, gpus))
    elif interconnect.lower() in LINKS:
        link = LINKS[interconnect.lower()]
    else:
        raise PlannerError(f"unknown interconnect {interconnect!r} (known: {', '.join(LINKS)})")
    both_ways = getattr(spec, link.catalog_field)
    if not both_ways:
        raise PlannerError(f"{spec.name} has no {link.name} link; use interconnect pcie")
    if not _spans(spec, link, gpus):
        raise PlannerError(
            f"{spec.name}'s {link.name} is a bridge joining {BRIDGED_GPUS} cards, not {gpus}; "
            "use interconnect pcie"
        )
    if not spec.bf16_dense_tflops:
        raise PlannerError(f"the catalog gives no 16-bit TFLOPs for {spec.name}; the speed model needs them")
    return Hardware(
        name=spec.name,
        bandwidth_bytes_per_s=spec.mem_bandwidth_gb_per_s * GB,
        flops_16=spec.bf16_dense_tflops * TFLOP,
        flops_8=spec.fp8_dense_tflops * TFLOP if spec.fp8_dense_tflops else None,
        flops_16_fp16_accumulate=(spec.fp16_accumulate_tflops or spec.bf16_dense_tflops) * TFLOP,
        link=link,
        link_bytes_per_s=float(both_ways) * GB / 2,
    )
