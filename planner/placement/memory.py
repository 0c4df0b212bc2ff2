"""What one replica needs on each of its GPUs: the memory model asked per GPU count (stage 3, before the
options are paired with workloads)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

from planner.catalog.schema import GpuSpec
from planner.errors import PlannerError, ScenarioError, UnknownModelError, WorkloadModelError
from planner.memory.engines import Engine
from planner.memory.support import refusal
from planner.scenario.schema import MEMORY_OPTIONS, Workload


@dataclass(frozen=True)
class Footprint:
    """Memory of one replica spread over ``gpus`` GPUs: the most loaded GPU, and the estimate behind it."""

    gpus: int
    per_gpu_bytes: int
    estimate: Any = None
    """The memory model's ``MemoryEstimate`` (None for a measured figure)."""


class MemoryFn(Protocol):
    """(workload, GPUs per replica, machines they span) -> footprint, or None where that split is
    impossible for the model or its engine. ``nodes`` is passed only above 1 (a replica over machines)."""

    def __call__(self, workload: Workload, gpus: int, nodes: int = ..., /) -> Footprint | None: ...


def workload_engine(workload: Workload) -> Engine | None:
    """The engine a workload runs under (named, named by its version, or the default for its weights);
    None for training, whose framework is not a serving engine."""
    from planner.memory.estimate import choose_engine, normalize_task
    from planner.memory.formats import weight_format

    try:
        if normalize_task(workload.task) != "inference":
            return None
        return choose_engine(weight_format(workload.precision), workload.engine, workload.engine_version)
    except PlannerError:
        return None  # the memory model names the bad input, with the workload, on its first call


def refused_on(workload: Workload, gpu: GpuSpec) -> str | None:
    """Why the workload's engine cannot run its weight format on ``gpu`` (``memory.support``), in one line;
    None where it can. Training asks the engine that trains (transformers, with bitsandbytes for QLoRA)."""
    from planner.memory.estimate import choose_engine
    from planner.memory.formats import weight_format

    try:
        fmt = weight_format(workload.precision)
        eng = choose_engine(fmt, workload.engine, workload.engine_version)
    except PlannerError:
        return None  # the memory model names the bad input, with the workload, on its first call
    return refusal(eng.name, fmt.name, gpu)


def serves_across_nodes(workload: Workload) -> bool:
    """Whether the workload's engine runs one replica over several machines (``Engine.multi_node``)."""
    eng = workload_engine(workload)
    return eng is not None and bool(eng.multi_node)


_OPTIONAL_ARGS = MEMORY_OPTIONS


def model_memory(workload: Workload, gpus: int, nodes: int = 1, /) -> Footprint | None:
    """The memory model's estimate (over ``nodes`` machines in the engine's multi-node layout); a measured
    ``memory_per_gpu`` wins at its pinned GPU count."""
    if workload.measured_bytes is not None:
        return Footprint(gpus, workload.measured_bytes) if gpus == workload.pinned_gpus else None
    from planner.memory.api import estimate_memory

    extra = {name: getattr(workload, name) for name in _OPTIONAL_ARGS if getattr(workload, name) is not None}
    if nodes > 1:
        extra["nodes"] = nodes
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
        if nodes == 1 and (
            gpus == 1 or gpus == workload.pinned_gpus
        ):  # what the user asked for: their input is invalid
            if isinstance(error, UnknownModelError):
                raise WorkloadModelError(workload.name, error) from error
            raise ScenarioError(f"workload {workload.name!r}: {error}") from None
        return None  # e.g. more GPUs than the model has heads to split
    return Footprint(gpus, int(estimate.per_gpu_bytes), estimate)


def reserved_bytes(per_gpu_bytes: int, headroom: float) -> int:
    """``per_gpu_bytes / (1 - headroom)`` rounded up: what a replica reserves on each of its GPUs."""
    return math.ceil(per_gpu_bytes / (1 - headroom) - 1e-9)
