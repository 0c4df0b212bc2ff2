"""What one replica needs on each of its GPUs: the memory model asked per GPU count (stage 3, before the
options are paired with workloads)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from planner.errors import PlannerError, ScenarioError
from planner.scenario.schema import MEMORY_OPTIONS, Workload


@dataclass(frozen=True)
class Footprint:
    """Memory of one replica spread over ``gpus`` GPUs: the most loaded GPU, and the estimate behind it."""

    gpus: int
    per_gpu_bytes: int
    estimate: Any = None
    """The memory model's ``MemoryEstimate`` (None for a measured figure)."""


MemoryFn = Callable[[Workload, int], Footprint | None]
"""(workload, GPUs per replica) -> footprint, or None where that GPU count is impossible for the model."""


_OPTIONAL_ARGS = MEMORY_OPTIONS


def model_memory(workload: Workload, gpus: int) -> Footprint | None:
    """The memory model's estimate; a measured ``memory_per_gpu`` wins at its pinned GPU count."""
    if workload.measured_bytes is not None:
        return Footprint(gpus, workload.measured_bytes) if gpus == workload.pinned_gpus else None
    from planner.memory.api import estimate_memory

    extra = {name: getattr(workload, name) for name in _OPTIONAL_ARGS if getattr(workload, name) is not None}
    try:
        estimate = estimate_memory(
            workload.model,
            task=workload.task,
            precision=workload.precision,
            # A rate-stated load holds prompt + answer per sequence; its batch is sized per option (speed.py).
            context=workload.input_tokens + workload.output_tokens
            if workload.input_tokens and workload.output_tokens
            else workload.context,
            batch=workload.batch,
            gpus=gpus,
            **extra,
        )
    except PlannerError as error:
        if gpus == 1 or gpus == workload.pinned_gpus:  # what the user asked for: their input is invalid
            raise ScenarioError(f"workload {workload.name!r}: {error}") from None
        return None  # e.g. more GPUs than the model has heads to split
    return Footprint(gpus, int(estimate.per_gpu_bytes), estimate)


def reserved_bytes(per_gpu_bytes: int, headroom: float) -> int:
    """``per_gpu_bytes / (1 - headroom)`` rounded up: what a replica reserves on each of its GPUs."""
    return math.ceil(per_gpu_bytes / (1 - headroom) - 1e-9)
