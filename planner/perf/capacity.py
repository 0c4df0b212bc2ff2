"""Capacity under a latency target: the largest batch one replica serves within a TTFT and a TPOT target, and
whose memory (the memory model's, KV cache included) fits the replica's reservation.

The TPOT a target checks is the one a user sees, ``Performance.serving_tpot_s``: the decode step plus the
prefills of the requests that join an in-flight batch meanwhile (``batch / output`` prompts a step), not the
bare step. It grows with the batch and TTFT never shrinks with it (tests/perf check both laws), so the largest
batch meeting both is found by bisection. Requests per second at that batch are the GPU's time per request
inverted (``Performance.requests_per_s``: each prefill holds up the batch an in-flight engine decodes).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.perf.api import estimate_performance, gpu_spec
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

    @property
    def output_tokens_per_s(self) -> float:
        """Answer tokens a second served at ``batch``: requests/s x each answer's tokens (``batch / serving
        TPOT`` in flight), not ``batch / decode step``, which leaves out the prefills of joining requests."""
        return self.requests_per_s * int(self.performance.inputs["output_tokens"])


def capacity_within_slo(
    model: str | Path | Any,
    *,
    gpu: str,
    ttft_s: float,
    tpot_s: float,
    memory_per_gpu_bytes: int | None = None,
    catalog: Catalog | None = None,
    **replica: Any,
) -> Capacity:
    """The largest batch of ``model`` on ``gpus`` x ``gpu`` whose TTFT is at most ``ttft_s`` and serving TPOT
    (``Performance.serving_tpot_s``) at most ``tpot_s`` seconds, and whose memory per GPU (every sequence
    holding ``input + output`` tokens) fits ``memory_per_gpu_bytes`` (default: the card's memory).

    ``replica``: the rest of ``estimate_performance``'s keywords but ``batch`` (``precision``, ``engine``,
    ``gpus``, ``input_tokens``, ``output_tokens``, ``kv_precision``, ``interconnect``), with its defaults:
    the replica is described, checked and sized in that one place."""
    for name, value in (("ttft_s", ttft_s), ("tpot_s", tpot_s)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise PlannerError(f"{name} must be a positive number of seconds, got {value!r}")
    if "batch" in replica:
        raise PlannerError("batch is what capacity_within_slo finds; it cannot be given")
    spec = gpu_spec(gpu, catalog)
    budget = spec.vram_bytes if memory_per_gpu_bytes is None else memory_per_gpu_bytes

    @functools.cache
    def speed(batch: int) -> Performance:
        return estimate_performance(model, gpu=gpu, batch=batch, catalog=catalog, **replica)

    def fits(batch: int) -> bool:
        # The speed model carries the memory model's figure for the same replica and batch.
        need: int = speed(batch).inputs["memory_per_gpu_bytes"]
        return need <= budget

    checks: tuple[tuple[str, Callable[[int], bool]], ...] = (
        ("memory", fits),
        ("ttft", lambda b: speed(b).ttft_s <= ttft_s),
        ("tpot", lambda b: speed(b).serving_tpot_s <= tpot_s),
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
