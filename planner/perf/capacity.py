"""Capacity under a latency target: the largest batch one replica serves within a TTFT and a TPOT target, and
whose memory (the memory model's, KV cache included) fits the replica's reservation.

TPOT grows with the batch and TTFT never shrinks with it (tests/perf check both laws), so the largest batch
meeting both is found by bisection. Requests per second at that batch follow Little's law (``Performance``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.memory.api import estimate_memory
from planner.perf.api import estimate_performance, gpu_spec
from planner.perf.efficiency import engine_speed
from planner.perf.estimate import Performance

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

SEARCH_CAP = 4096
"""Largest batch searched: more sequences than any engine's default scheduler admits (vLLM: 256-1024)."""


@dataclass(frozen=True, slots=True)
class Capacity:
    """``batch``: the largest batch within the targets (0: not even one sequence); ``limit``: what stops a
    larger one ("ttft", "tpot", "memory" or "search cap"); ``performance``: at ``batch`` (at batch 1 when it
    is 0, to say how far off the targets are)."""

    batch: int
    limit: str
    performance: Performance

    @property
    def requests_per_s(self) -> float:
        return self.performance.requests_per_s if self.batch else 0.0


def capacity_within_slo(
    model: str | Path | Any,
    *,
    gpu: str,
    ttft_s: float,
    tpot_s: float,
    memory_per_gpu_bytes: int | None = None,
    precision: str = "bf16",
    engine: str = "vllm",
    gpus: int = 1,
    input_tokens: int = 1024,
    output_tokens: int = 256,
    kv_precision: str | None = None,
    interconnect: str | None = None,
    catalog: Catalog | None = None,
) -> Capacity:
    """The largest batch of ``model`` on ``gpus`` x ``gpu`` whose TTFT is at most ``ttft_s`` and TPOT at most
    ``tpot_s`` seconds, and whose memory per GPU (every sequence holding ``input + output`` tokens) fits
    ``memory_per_gpu_bytes`` (default: the card's memory)."""
    for name, value in (("ttft_s", ttft_s), ("tpot_s", tpot_s)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise PlannerError(f"{name} must be a positive number of seconds, got {value!r}")
    spec = gpu_spec(gpu, catalog)
    budget = spec.vram_bytes if memory_per_gpu_bytes is None else memory_per_gpu_bytes
    memory_engine = engine_speed(engine).memory_engine

    def speed(batch: int) -> Performance:
        return estimate_performance(
            model,
            gpu=gpu,
            precision=precision,
            engine=engine,
            gpus=gpus,
            batch=batch,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            kv_precision=kv_precision,
            interconnect=interconnect,
            catalog=catalog,
        )

    def fits(batch: int) -> bool:
        need = estimate_memory(
            model,
            precision=precision,
            context=input_tokens + output_tokens,
            batch=batch,
            gpus=gpus,
            engine=memory_engine,
            kv_precision=kv_precision,
        )
        return need.per_gpu_bytes <= budget

    checks: tuple[tuple[str, Callable[[int], bool]], ...] = (
        ("memory", fits),
        ("ttft", lambda b: speed(b).ttft_s <= ttft_s),
        ("tpot", lambda b: speed(b).tpot_s <= tpot_s),
    )
    for limit, ok in checks:
        if not ok(1):
            return Capacity(0, limit, speed(1))
    if all(ok(SEARCH_CAP) for _, ok in checks):
        return Capacity(SEARCH_CAP, "search cap", speed(SEARCH_CAP))
    low, high = 1, SEARCH_CAP  # ok(low), not ok(high)
    while high - low > 1:
        mid = (low + high) // 2
        if all(ok(mid) for _, ok in checks):
            low = mid
        else:
            high = mid
    limit = next(name for name, ok in checks if not ok(high))
    return Capacity(low, limit, speed(low))
