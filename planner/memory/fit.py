"""Capacity questions for one card: does the workload fit, the longest context at a batch, the largest batch
at a context. Pure: the card's memory comes in as bytes.

Memory never shrinks as context or batch grow (a property the tests check), so both limits are found by
bisection over ``estimate``; the search stops at the model's trained context and at ``MAX_BATCH`` sequences.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from planner.errors import PlannerError
from planner.memory import components as c
from planner.memory.architecture import Architecture
from planner.memory.engines import engine
from planner.memory.estimate import MemoryEstimate, estimate_memory
from planner.memory.formats import kv_bytes_per_element, weight_format
from planner.units import GIB

MAX_BATCH = 4096
MAX_SUGGESTED_GPUS = 8
"""The most GPUs ``fit`` offers where one card is too small: one 8-GPU machine, past which a replica is a
multi-node question (``planner solve``)."""
DEFAULT_HEADROOM = 0.2  # services keep 20-30% of a GPU free for load spikes and fragmentation


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
    """Engines that reserve a share of the card (vLLM, SGLang): KV-cache tokens, over all sequences, that
    the reservation holds (vLLM's "GPU KV cache size")."""
    memory_fraction: float | None = None
    """The share reserved (``--gpu-memory-utilization``, ``--mem-fraction-static``), given or the default."""
    engine_kv_bytes: int | None = None
    """KV-cache bytes per GPU the reservation leaves (vLLM's "Available KV cache memory")."""
    engine_max_concurrency: float | None = None
    """Requests of ``context`` tokens those bytes hold at once (vLLM's "Maximum concurrency")."""
    weights_bytes: int = 0
    """Weights per GPU: the part that no context or batch setting shrinks."""
    max_headroom: float | None = None
    """The largest headroom (in steps of 0.01) at which ``context`` x ``batch`` fits; None where it needs more
    than the whole card. Where the answer is "does not fit" only because of the headroom, this says by how
    much to lower ``--headroom`` (or a scenario's ``headroom``)."""
    min_gpus: int | None = None
    """Where it does not fit: the fewest GPUs of this card (``--gpus``, more than asked, at most
    ``MAX_SUGGESTED_GPUS``) that hold ``context`` x ``batch`` within the headroom, in a split the engine
    accepts; None where it fits or no such count does. The other answer to "does NOT fit" beside the
    headroom, and the only one where the model is larger than the card."""

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` object: every field as it is, the estimate as its own object (so a field
        added to the result is never left out of the JSON)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["estimate"] = self.estimate.to_dict()
        return data


def _largest(fits: Callable[[int], bool], high: int) -> int:
    """Largest n in [1, high] with fits(n), for a monotone predicate; 0 if fits(1) is false: the count of
    n that fit, since they come first."""
    return bisect.bisect_left(range(1, high + 1), True, key=lambda n: not fits(n))


def fit(
    arch: Architecture,
    vram_bytes: int,
    *,
    headroom: float = DEFAULT_HEADROOM,
    context: int = 4096,
    batch: int = 1,
    memory_fraction: float | None = None,
    **options: Any,
) -> FitResult:
    """Fit ``arch`` on one card of ``vram_bytes`` (per GPU when ``gpus`` > 1), keeping ``headroom`` free.

    ``memory_fraction``: the share of the card an engine that reserves one is launched with (vLLM's
    ``gpu_memory_utilization``); None takes the engine's default.
    """
    if not 0 <= headroom < 1:
        raise PlannerError(f"headroom must be in [0, 1), got {headroom}")
    if memory_fraction is not None and not (
        isinstance(memory_fraction, (int, float)) and 0 < memory_fraction <= 1
    ):
        raise PlannerError(f"memory_fraction must be in (0, 1], got {memory_fraction!r}")
    if vram_bytes <= 0:
        raise PlannerError(f"GPU memory must be positive, got {vram_bytes} bytes")
    budget = int(vram_bytes * (1 - headroom))

    def need(ctx: int, seqs: int) -> int:
        return estimate_memory(arch, context=ctx, batch=seqs, **options).per_gpu_bytes

    here = estimate_memory(arch, context=context, batch=batch, **options)
    reserved = reservation(arch, here, vram_bytes, memory_fraction)
    cap = max(arch.max_position_embeddings, 1)
    max_context = _largest(lambda n: need(n, batch) <= budget, cap)
    max_batch = _largest(lambda n: need(context, n) <= budget, MAX_BATCH)
    if max_context == cap:
        context_limit = "model"
    elif max_context:
        context_limit = "memory"
    else:  # not one token fits: the weights, or the batch asked (4,096 sequences on one card)
        context_limit = "weights" if need(1, 1) > budget else "batch"
    fits = here.per_gpu_bytes <= budget
    return FitResult(
        min_gpus=None if fits else fewest_gpus(arch, budget, context, batch, options),
        weights_bytes=here.per_gpu_breakdown.get("weights", 0),
        max_headroom=largest_headroom(here.per_gpu_bytes, vram_bytes),
        model=arch.name,
        vram_bytes=vram_bytes,
        headroom=headroom,
        budget_bytes=budget,
        context=context,
        batch=batch,
        fits=fits,
        required_bytes=here.per_gpu_bytes,
        max_context=max_context,
        context_limit=context_limit,
        max_batch=max_batch,
        batch_limit="search cap" if max_batch == MAX_BATCH else "memory",
        estimate=here,
        vllm_kv_tokens=reserved.kv_tokens if reserved else None,
        memory_fraction=reserved.fraction if reserved else None,
        engine_kv_bytes=reserved.kv_bytes if reserved else None,
        engine_max_concurrency=reserved.max_concurrency if reserved else None,
    )


def fewest_gpus(
    arch: Architecture, budget_bytes: int, context: int, batch: int, options: dict[str, Any]
) -> int | None:
    """The fewest GPUs, more than ``options``' ``gpus`` and at most ``MAX_SUGGESTED_GPUS``, over which the
    workload needs no more than ``budget_bytes`` per GPU; a count the engine cannot split over (vLLM's tensor
    parallelism over 3 GPUs of 64 heads) is skipped. None where none does."""
    asked = int(options.get("gpus", 1))
    for gpus in range(asked + 1, MAX_SUGGESTED_GPUS + 1):
        try:
            need = estimate_memory(arch, context=context, batch=batch, **{**options, "gpus": gpus})
        except PlannerError:
            continue  # not a split this engine makes
        if need.per_gpu_bytes <= budget_bytes:
            return gpus
    return None


def largest_headroom(required_bytes: int, vram_bytes: int) -> float | None:
    """The largest headroom, a multiple of 0.01, whose budget ``int(vram x (1 - headroom))`` holds
    ``required_bytes``; None where even headroom 0 does not."""
    if required_bytes > vram_bytes:
        return None
    steps = (vram_bytes - required_bytes) * 100 // vram_bytes  # integers: 90 of 100 leave exactly 10 %
    while steps > 0 and int(vram_bytes * (1 - steps / 100)) < required_bytes:
        steps -= 1  # float rounding at the boundary
    return min(steps, 99) / 100


@dataclass(frozen=True, slots=True)
class Reservation:
    """What an engine that reserves a share of each card does with it, per GPU."""

    fraction: float
    kv_bytes: int
    kv_tokens: int
    max_concurrency: float


def reservation(
    arch: Architecture, est: MemoryEstimate, vram_bytes: int, fraction: float | None = None
) -> Reservation | None:
    """The KV cache an engine allocates at start, as the engine computes it; None for engines that
    allocate as they go.

    vLLM measures its baseline after the CUDA context exists, so the context is not charged:
    ``KV = vram x gpu_memory_utilization - (weights + activation peak + non-torch memory)``. SGLang takes its
    share of the memory free at start and subtracts the weights:
    ``KV = (vram - context) x mem_fraction_static - weights``. Tokens are the KV bytes over the bytes one
    token takes on a GPU (all layers); the concurrency is the KV bytes over one request's KV at ``context``.
    """
    eng = engine(est.engine)
    gpus = est.gpus
    share = fraction if fraction is not None else eng.memory_fraction(gpus)
    if share is None:
        return None
    release = eng.release(est.inputs["engine_version"])
    per_gpu = est.per_gpu_breakdown
    if eng.fraction_covers == "context":
        kv = (vram_bytes - release.context(gpus)) * share - per_gpu["weights"]
    else:
        kv = vram_bytes * share - (per_gpu["weights"] + per_gpu["activations"] + release.non_torch(gpus))
    kv = max(kv, 0.0)
    shard = gpus if eng.split == "tensor" else 1
    kv_bytes = kv_bytes_per_element(est.inputs["kv_precision"], weight_format(est.inputs["precision"]))
    per_token = c.kv_elements_per_token(arch, shard, eng.latent_mla) * kv_bytes * arch.num_layers
    per_request = per_gpu["kv_cache"] / est.inputs["batch"]
    return Reservation(
        fraction=share,
        kv_bytes=int(kv),
        kv_tokens=int(kv / per_token) if per_token > 0 else 0,
        max_concurrency=kv / per_request if per_request > 0 else 0.0,
    )


def shortfall(need_bytes: int, have_bytes: int, gpu: str) -> str | None:
    """One line saying a replica does not fit its card, or None where it does: what ``planner perf`` and the
    web page's speed form print beside figures priced for a replica that could not run (the speed model
    prices it anyway, since a user asking for its speed may be sizing a card they have not picked yet)."""
    if need_bytes <= have_bytes:
        return None
    return (
        f"this does not fit: it needs {need_bytes / GIB:.2f} GiB per GPU and {gpu} has "
        f"{have_bytes / GIB:.2f} GiB"
    )
