"""Launch settings for one placement: the flags that make an engine hold what the estimate sized.

Pure: the estimate and the card's memory come in, flag names come from the engine's ``Launch`` record, and
nothing here compares engine names. For engines that reserve a share of the card, the share is what the
engine's own budget rule needs to hold the estimate's KV cache (the rule ``fit.reservation`` inverts).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from planner.errors import PlannerError
from planner.memory.engines import Engine, Launch, engine
from planner.memory.estimate import MemoryEstimate
from planner.units import GIB

_MAX_FRACTION = 0.99


@dataclass(frozen=True, slots=True)
class LaunchSettings:
    """Flags (in order, each with its value; a value of "" is a bare switch) and, for a Python library,
    keyword arguments."""

    engine: str
    command: str
    flags: tuple[tuple[str, str], ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    nodes: int = 1
    """Machines the replica spans; the command runs as ``setup`` says where more than one."""
    setup: tuple[str, ...] = ()

    def argv(self) -> list[str]:
        out = self.command.split()
        for flag, value in self.flags:
            out += [flag, value] if value else [flag]
        return out

    def flag(self, name: str) -> str | None:
        return next((value for flag, value in self.flags if flag == name), None)


def launch_settings(
    est: MemoryEstimate,
    vram_bytes: int,
    reserved_bytes: int | None = None,
    *,
    model: str | None = None,
    port: int | None = None,
) -> LaunchSettings:
    """Settings for ``est`` on GPUs of ``vram_bytes``, each reserving ``reserved_bytes`` (what the
    placement set aside for it; default: the estimate per GPU).

    vLLM: ``--gpu-memory-utilization`` so that utilization x vram covers the reservation less the CUDA
    context vLLM does not charge; SGLang: ``--mem-fraction-static`` of the memory free at start covering
    weights and KV; llama.cpp: ``-c`` is the context of every slot together; transformers: ``device_map``
    and ``max_memory`` per GPU. A replica over several machines (``nodes`` in the estimate) gets the engine's
    multi-node layout: vLLM ``--tensor-parallel-size`` GPUs per machine and ``--pipeline-parallel-size``
    machines on a Ray cluster; SGLang ``--tp`` over all GPUs with ``--nnodes``, ``--node-rank`` (0 here, the
    head) and ``--dist-init-addr`` (HEAD_IP:5000, to fill in). ``model``: what the engine loads (a Hugging
    Face repository, a GGUF file); ``port``: the server's port, distinct for replicas sharing a machine.
    """
    if vram_bytes <= 0:
        raise PlannerError(f"GPU memory must be positive, got {vram_bytes} bytes")
    eng = engine(est.engine)
    inputs = est.inputs
    reserved = est.per_gpu_bytes if reserved_bytes is None else reserved_bytes
    if reserved > vram_bytes:
        raise PlannerError(
            f"{est.model}: {reserved / GIB:.2f} GiB per GPU does not fit a {vram_bytes / GIB:.1f} GiB card"
        )
    if eng.launch.library:
        settings = _library(est, eng, reserved)
        if model:
            settings.kwargs["pretrained_model_name_or_path"] = model
        return settings
    L = eng.launch
    length = int(inputs.get("max_seq_len", inputs["context"]))
    batch = int(inputs["batch"])
    gpus = est.gpus
    flags: list[tuple[str, str]] = []
    if L.memory_fraction:
        flags.append((L.memory_fraction, f"{_fraction(est, eng, vram_bytes, reserved):.2f}"))
    if L.gpu_layers:  # a layer split: the context flag counts every slot's cells
        flags += [(L.max_len, str(length * batch)), (L.max_seqs, str(batch))]
        flags.append((L.gpu_layers, "999"))
        if gpus > 1 and L.split_mode:
            flags.append((L.split_mode, "layer"))
    else:
        flags += [(L.max_len, str(length)), (L.max_seqs, str(batch))]
    nodes = int(inputs.get("nodes", 1))
    stages = eng.stages(nodes)
    if L.tensor_parallel and gpus // stages > 1:
        flags.append((L.tensor_parallel, str(gpus // stages)))
    if nodes > 1:
        flags += _multi_node_flags(L, nodes, stages)
    kv = inputs.get("kv_precision")
    if kv and L.kv_dtype:
        flags.append((L.kv_dtype, dict(L.kv_dtype_names).get(str(kv), str(kv))))
    quantization = dict(L.quantization_names).get(str(inputs["precision"]))
    if quantization and L.quantization_flag:
        flags.append((L.quantization_flag, quantization))
    if port is not None and L.port_flag:
        flags.append((L.port_flag, str(port)))
    command = L.command
    if model:
        if L.model_flag:
            flags.insert(0, (L.model_flag, model))
        else:
            command = f"{command} {model}"
    setup = L.cluster_setup if nodes > 1 else ()
    return LaunchSettings(eng.name, command, tuple(flags), nodes=nodes, setup=setup)


DIST_INIT_ADDRESS = "HEAD_IP:5000"
"""The head machine's address for engines that join their machines themselves (SGLang); the user fills
in the first machine's IP (a plan cannot know it)."""


def _multi_node_flags(L: Launch, nodes: int, stages: int) -> list[tuple[str, str]]:
    """The flags that spread one replica over ``nodes`` machines, as the engine's launcher names them."""
    flags: list[tuple[str, str]] = []
    if L.pipeline_parallel and stages > 1:
        flags.append((L.pipeline_parallel, str(stages)))
    if L.node_count:
        flags.append((L.node_count, str(nodes)))
    if L.node_rank:
        flags.append((L.node_rank, "0"))
    if L.dist_init:
        flags.append((L.dist_init, DIST_INIT_ADDRESS))
    return flags + list(L.cluster_flags)


def _fraction(est: MemoryEstimate, eng: Engine, vram_bytes: int, reserved: int) -> float:
    """The smallest share (in hundredths, rounded up) under which the engine's budget holds the KV cache."""
    release = eng.release(est.inputs["engine_version"])
    per_gpu = est.per_gpu_breakdown
    start = release.context(est.gpus) - release.non_torch(est.gpus)
    if eng.fraction_covers == "context":  # KV = (vram - context) x f - weights
        need = (per_gpu["weights"] + per_gpu["kv_cache"]) / (vram_bytes - start)
    else:  # KV = vram x f - (weights + activations + non-torch): the reservation less the context
        need = (reserved - start) / vram_bytes
    return min(math.ceil(need * 100 - 1e-9) / 100, _MAX_FRACTION)


def _library(est: MemoryEstimate, eng: Engine, reserved: int) -> LaunchSettings:
    """accelerate's ``device_map="auto"`` with each GPU capped at its reservation (whole GiB, rounded
    down so the cap is never more than was reserved)."""
    cap = f"{max(reserved // GIB, 1)}GiB"
    kwargs: dict[str, Any] = {
        "device_map": "auto",
        "max_memory": dict.fromkeys(range(est.gpus), cap),
    }
    length = int(est.inputs.get("max_seq_len", est.inputs["context"]))
    kwargs[eng.launch.max_len] = length
    kwargs[eng.launch.max_seqs] = int(est.inputs["batch"])
    return LaunchSettings(eng.name, "", (), kwargs)  # a library takes keywords: there is no command line
