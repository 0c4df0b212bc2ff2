"""Capacity questions for one card: does the workload fit, the longest context at a batch, the largest batch
at a context. Pure: the card's memory comes in as bytes.

Memory never shrinks as context or batch grow (a property the tests check), so both limits are found by
bisection over ``estimate``; the search stops at the model's trained context and at ``MAX_BATCH`` sequences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.errors import PlannerError
from planner.memory.architecture import Architecture
from planner.memory.engines import engine
from planner.memory.estimate import MemoryEstimate, estimate

MAX_BATCH = 4096
DEFAULT_HEADROOM = 0.2  # services keep 20-30% of a GPU free for load spikes and fragmentation
VLLM_GPU_MEMORY_UTILIZATION = 0.9  # vLLM's default reservation of each card


@dataclass(frozen=True, slots=True)
class FitResult:
    """Answers for one card. ``budget_bytes = vram_bytes x (1 - headroom)`` is what a GPU may use.

    ``max_context`` is 0 when not even one token fits at ``batch``; ``context_limit`` says what stopped the
    search: "memory", "model" (its trained context, ``max_position_embeddings``), or, where nothing fits,
    "weights" (they alone exceed the budget) or "batch" (one token each of ``batch`` sequences does).
    ``max_batch`` is 0 when not one sequence of ``context`` tokens fits; ``batch_limit`` is "memory" or
    "search cap".
    """

    model: str
    vram_bytes: int
    headroom: float
    budget_bytes: int
    context: int
    batch: int
    fits: bool
    required_bytes: int
    max_context: int
    context_limit: str
    max_batch: int
    batch_limit: str
    estimate: MemoryEstimate
    vllm_kv_tokens: int | None = None
    """vLLM only: KV-cache tokens (over all sequences) that ``gpu_memory_utilization`` x VRAM would hold."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "vram_bytes": self.vram_bytes,
            "headroom": self.headroom,
            "budget_bytes": self.budget_bytes,
            "context": self.context,
            "batch": self.batch,
            "fits": self.fits,
            "required_bytes": self.required_bytes,
            "max_context": self.max_context,
            "context_limit": self.context_limit,
            "max_batch": self.max_batch,
            "batch_limit": self.batch_limit,
            "vllm_kv_tokens": self.vllm_kv_tokens,
            "estimate": self.estimate.to_dict(),
        }


def _largest(fits: Callable[[int], bool], high: int) -> int:
    """Largest n in [1, high] with fits(n), for a monotone predicate; 0 if fits(1) is false."""
    if not fits(1):
        return 0
    if fits(high):
        return high
    low = 1  # fits(low) true, fits(high) false
    while high - low > 1:
        mid = (low + high) // 2
        if fits(mid):
            low = mid
        else:
            high = mid
    return low


def fit(
    arch: Architecture,
    vram_bytes: int,
    *,
    headroom: float = DEFAULT_HEADROOM,
    context: int = 4096,
    batch: int = 1,
    **options: Any,
) -> FitResult:
    """Fit ``arch`` on one card of ``vram_bytes`` (per GPU when ``gpus`` > 1), keeping ``headroom`` free."""
    if not 0 <= headroom < 1:
        raise PlannerError(f"headroom must be in [0, 1), got {headroom}")
    if vram_bytes <= 0:
        raise PlannerError(f"GPU memory must be positive, got {vram_bytes} bytes")
    budget = int(vram_bytes * (1 - headroom))

    def need(ctx: int, seqs: int) -> int:
        return estimate(arch, context=ctx, batch=seqs, **options).per_gpu_bytes

    here = estimate(arch, context=context, batch=batch, **options)
    vllm_tokens = _vllm_kv_tokens(here, vram_bytes) if here.inputs["engine"] == "vllm" else None
    cap = max(arch.max_position_embeddings, 1)
    max_context = _largest(lambda n: need(n, batch) <= budget, cap)
    max_batch = _largest(lambda n: need(context, n) <= budget, MAX_BATCH)
    if max_context == cap:
        context_limit = "model"
    elif max_context:
        context_limit = "memory"
    else:  # not one token fits: the weights, or the batch asked (4,096 sequences on one card)
        context_limit = "weights" if need(1, 1) > budget else "batch"
    return FitResult(
        model=arch.name,
        vram_bytes=vram_bytes,
        headroom=headroom,
        budget_bytes=budget,
        context=context,
        batch=batch,
        fits=here.per_gpu_bytes <= budget,
        required_bytes=here.per_gpu_bytes,
        max_context=max_context,
        context_limit=context_limit,
        max_batch=max_batch,
        batch_limit="search cap" if max_batch == MAX_BATCH else "memory",
        estimate=here,
        vllm_kv_tokens=vllm_tokens,
    )


def _vllm_kv_tokens(est: MemoryEstimate, vram_bytes: int) -> int:
    """Tokens of KV cache vLLM would allocate: what its reservation leaves after everything but the KV cache,
    at the workload's KV bytes per token on one GPU: reported beside what the workload requires, since vLLM
    takes its whole reservation whatever the workload needs."""
    per_gpu = est.per_gpu_breakdown
    # Per token of what the estimate holds: vLLM's 16-token blocks, so the padding of the last block is not
    # spread over the context (Qwen3-0.6B read 650,794 tokens at context 16 and 345,731 at 17).
    block = engine("vllm").block_tokens
    held = math.ceil(est.inputs["context"] / block) * block
    kv_per_token = per_gpu["kv_cache"] / (held * est.inputs["batch"])
    rest = est.per_gpu_bytes - per_gpu["kv_cache"] - per_gpu["allocator_overhead"]
    free = vram_bytes * VLLM_GPU_MEMORY_UTILIZATION - rest
    return max(int(free / kv_per_token), 0) if kv_per_token > 0 else 0
