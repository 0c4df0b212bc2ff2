"""What one replica of a rate-stated workload serves on each placement option (stage 3): the speed model's
largest batch within the SLO whose memory fits the GPU at the workload's headroom, or where one replica
carries the whole rate the smallest batch that holds its requests in flight (``perf.capacity``), and the
requests/s it sustains at that batch (each request's prefill plus its share of the decode steps). The
replica's memory is the memory model's at that batch."""

from __future__ import annotations

import math
from dataclasses import dataclass

from planner.catalog.schema import Catalog, GpuSpec
from planner.errors import InfeasibleError, PlannerError, ScenarioError
from planner.perf.capacity import Capacity
from planner.placement.memory import Footprint
from planner.scenario.schema import Workload

NO_TARGET_S = math.inf
"""A target the SLO leaves out: nothing but memory limits the batch."""


@dataclass(frozen=True)
class RateOption:
    """One replica of a rate-stated workload on ``gpus`` x ``gpu`` over ``interconnect``."""

    gpu: str
    gpus: int
    interconnect: str
    capacity: Capacity
    footprint: Footprint | None
    """The memory model's at ``capacity.batch``; None where not one sequence meets the SLO and fits."""

    @property
    def requests_per_s(self) -> float:
        return self.capacity.requests_per_s

    @property
    def binds(self) -> str:
        """What stops a larger batch: "memory", or "speed" (a latency target, the search cap, or the rate
        asked, which a larger batch would not serve faster)."""
        return "memory" if self.capacity.limit == "memory" else "speed"


def interconnect(gpu: GpuSpec, gpus: int, linked: bool) -> str:
    """NVLink where the machine links its cards and the link joins all ``gpus``, else PCIe."""
    from planner.perf.hardware import LINKS, _spans

    return "nvlink" if linked and _spans(gpu, LINKS["nvlink"], gpus) else "pcie"


class RateTable:
    """Rate options computed once per (workload, GPU type, GPUs per replica, link): offers share cards."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._found: dict[tuple[str, str, int, str, float | None], RateOption | None] = {}

    def get(self, w: Workload, gpu: GpuSpec, gpus: int, linked: bool, headroom: float) -> RateOption | None:
        """None where the speed model cannot price the option (the card lacks a figure it needs, or the model
        does not split over ``gpus``)."""
        link = interconnect(gpu, gpus, linked)
        key = (w.name, gpu.name, gpus, link, w.requests_per_second)
        if key not in self._found:
            self._found[key] = self._compute(w, gpu, gpus, link, headroom)
        return self._found[key]

    def _compute(self, w: Workload, gpu: GpuSpec, gpus: int, link: str, headroom: float) -> RateOption | None:
        from planner.memory.api import estimate_memory
        from planner.perf.capacity import capacity_within_slo
        from planner.perf.efficiency import engine_speed

        assert w.input_tokens is not None and w.output_tokens is not None  # the schema's rule
        engine = w.engine or "vllm"
        try:
            memory_engine = engine_speed(engine).memory_engine
        except PlannerError as error:
            raise ScenarioError(f"workload {w.name!r}: {error}") from None
        slo = w.slo
        try:
            cap = capacity_within_slo(
                w.model,
                gpu=gpu.name,
                ttft_s=NO_TARGET_S if slo is None or slo.ttft_ms is None else slo.ttft_ms / 1000,
                tpot_s=NO_TARGET_S if slo is None or slo.tpot_ms is None else slo.tpot_ms / 1000,
                memory_per_gpu_bytes=math.floor(gpu.vram_bytes * (1 - headroom)),
                precision=w.precision,
                engine=engine,
                gpus=gpus,
                input_tokens=w.input_tokens,
                output_tokens=w.output_tokens,
                kv_precision=w.kv_precision,
                interconnect=link,
                machine_gpus=gpus,  # a rate-stated replica lies inside one machine of its offer
                catalog=self._catalog,
                requests_per_s=w.requests_per_second,
            )
        except PlannerError:
            return None
        footprint = None
        if cap.batch:
            est = estimate_memory(
                w.model,
                precision=w.precision,
                context=w.input_tokens + w.output_tokens,
                batch=cap.batch,
                gpus=gpus,
                engine=memory_engine,
                kv_precision=w.kv_precision,
            )
            footprint = Footprint(gpus, int(est.per_gpu_bytes), est)
        return RateOption(gpu.name, gpus, link, cap, footprint)


def check_servable(w: Workload, options: list[RateOption]) -> None:
    """Exit 3 where some option holds a replica in memory but none meets the SLO: the message names the
    fastest option and its predicted latencies at batch 1, so the user sees how far off the targets are."""
    if not options or any(o.capacity.batch for o in options):
        return
    fits = [o for o in options if o.capacity.limit != "memory"]
    if not fits:
        return  # not even batch 1 fits in memory: the memory explanation (placement.explain) says so
    best = min(
        fits, key=lambda o: (o.capacity.performance.serving_tpot_s, o.capacity.performance.ttft_s, o.gpu)
    )
    perf = best.capacity.performance
    slo = w.slo
    asked = ", ".join(
        f"{name} {value:g} ms"
        for name, value in (("ttft", slo and slo.ttft_ms), ("tpot", slo and slo.tpot_ms))
        if value
    )
    raise InfeasibleError(
        f"workload {w.name!r}: no option serves it within its slo ({asked}); the fastest, {best.gpus} x "
        f"{best.gpu} ({best.interconnect}), predicts TTFT {perf.ttft_s * 1000:,.1f} ms and TPOT "
        f"{perf.serving_tpot_s * 1000:,.2f} ms at batch 1; loosen the slo or allow faster GPUs"
    )
