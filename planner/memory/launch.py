"""Launch settings for one placement: the flags that make an engine hold what the estimate sized.

Pure: the estimate and the card's memory come in, flag names come from the engine's ``Launch`` record, and
nothing here compares engine names. For engines that reserve a share of the card, the share is what the
engine's own budget rule needs to hold the estimate's KV cache (the rule ``fit.reservation`` inverts).
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass, field, replace
from typing import Any

from planner.errors import PlannerError
from planner.memory.engines import Engine, Launch, engine
from planner.memory.estimate import MemoryEstimate
from planner.units import GIB

_MAX_FRACTION = 0.99

VISIBLE_DEVICES: dict[str, str] = {
    "NVIDIA": "CUDA_VISIBLE_DEVICES",
    "AMD": "HIP_VISIBLE_DEVICES",  # ROCm's HIP runtime; PyTorch, vLLM and llama.cpp's HIP build honour it
    "Intel": "ZE_AFFINITY_MASK",  # oneAPI Level Zero
}
"""The environment variable that limits a process to some GPUs, by vendor: the engine then sees only the
GPUs the plan assigned, numbered from 0 in the order given."""


class Code(str):
    """A Python expression given as a keyword's value (``BitsAndBytesConfig(...)``): the loading call
    writes it as code, not as a quoted string."""

    __slots__ = ()

    def __repr__(self) -> str:
        return str(self)


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
    env: tuple[tuple[str, str], ...] = ()
    """Environment the command runs under (the GPUs it may see), on every machine of the replica."""
    generation: dict[str, Any] = field(default_factory=dict)
    """A library's generation settings (length, batch), apart from the loading call's ``kwargs``."""
    loader: str = ""
    """A library's loading class (``AutoModelForCausalLM``)."""
    notes: tuple[str, ...] = ()
    """What the settings cannot do as sized (a request longer than the cache holds), one sentence each."""

    def argv(self) -> list[str]:
        out = shlex.split(self.command)
        for flag, value in self.flags:
            out += [flag, value] if value else [flag]
        return out

    def env_prefix(self) -> str:
        """``NAME=value`` for each variable, as a shell takes them before a command."""
        return _prefix(self.env)

    def shell(self) -> str:
        """The command line as a shell runs it: the environment, then the program and its flags (for a
        library, the Python interpreter the environment must be set for before it starts, reading the
        script that follows up to a line ``EOF``)."""
        program = shlex.join(self.argv()) if self.command else "python - <<'EOF'"
        return f"{self.env_prefix()} {program}".strip()

    def call(self) -> str:
        """A library's loading call, valid Python: the repository first, then the loading keywords."""
        if not self.loader:
            return ""
        kwargs = dict(self.kwargs)
        args = (
            [repr(kwargs.pop("pretrained_model_name_or_path"))]
            if "pretrained_model_name_or_path" in kwargs
            else []
        )
        args += [f"{k}={v!r}" for k, v in kwargs.items()]
        return f"{self.loader}.from_pretrained({', '.join(args)})"

    def flag(self, name: str) -> str | None:
        return next((value for flag, value in self.flags if flag == name), None)


def launch_settings(
    est: MemoryEstimate,
    vram_bytes: int,
    reserved_bytes: int | None = None,
    *,
    model: str | None = None,
    port: int | None = None,
    devices: tuple[int, ...] = (),
    vendor: str = "NVIDIA",
    held_bytes: int = 0,
    max_request_tokens: int | None = None,
    loader: str = "AutoModelForCausalLM",
    hub_file: str | None = None,
    prequantized: bool = False,
) -> LaunchSettings:
    """Settings for ``est`` on GPUs of ``vram_bytes``, each reserving ``reserved_bytes`` (what the
    placement set aside for it; default: the estimate per GPU).

    vLLM: ``--gpu-memory-utilization`` so that utilization x vram covers the reservation less the CUDA
    context vLLM does not charge (a share of the card's total, per instance: replicas sharing a card each
    take their own and the shares add up); SGLang: ``--mem-fraction-static`` of the memory free at start
    covering weights and KV (``held_bytes``: what replicas started before it hold on the card, so the share
    depends on the start order); llama.cpp: ``-c`` is the context of every slot together, a quantized KV
    cache sets keys and values alike and turns flash attention on; transformers: ``max_memory`` per visible
    GPU for ``loader.from_pretrained``, the length and batch apart as generation settings. ``devices``: the
    GPU indices on the machine, pinned through the vendor's visible-devices variable (the engine then
    numbers them from 0). ``max_request_tokens``: the longest request (prompt + answer) the server must
    accept where it is more than the estimate holds per sequence (a rate-stated load is sized by its mean).
    A replica over several machines (``nodes`` in the estimate) gets the engine's multi-node layout: vLLM
    ``--tensor-parallel-size`` GPUs per machine and ``--pipeline-parallel-size`` machines on a Ray cluster;
    SGLang ``--tp`` over all GPUs with ``--nnodes``, ``--node-rank`` (0 here, the head) and
    ``--dist-init-addr`` (HEAD_IP:5000, to fill in). ``model``: what the engine loads (a Hugging Face
    repository, a GGUF file); ``hub_file``: where given, ``model`` is a Hugging Face repository the engine
    fetches a file from (llama.cpp's ``--hf-repo``), this file ("" for the engine's own pick, ``model`` then
    carrying ``:TYPE``); ``port``: the server's port, distinct for replicas sharing a machine;
    ``prequantized``: ``model`` is already in the planned format (a published FP8 checkpoint), whose method
    the engine reads from its config, so no ``--quantization`` flag asks it to quantize again.
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
    env, notes = _pin(devices, vendor)
    length = int(inputs.get("max_seq_len", inputs["context"]))
    batch = int(inputs["batch"])
    request = max(length, max_request_tokens or 0)
    notes += _past_training(est, eng, request)
    if eng.launch.library:
        settings = _library(est, eng, reserved, request, loader)
        if model:
            settings.kwargs["pretrained_model_name_or_path"] = model
        config = dict(eng.launch.quantization_names).get(str(inputs["precision"]))
        if config:
            settings.kwargs["quantization_config"] = Code(config)
        return _with(settings, env=env, notes=notes)
    L = eng.launch
    gpus = est.gpus
    flags: list[tuple[str, str]] = []
    if L.memory_fraction:
        flags.append((L.memory_fraction, f"{_fraction(est, eng, vram_bytes, reserved, held_bytes):.2f}"))
    if L.gpu_layers:  # a layer split: the context flag counts every slot's cells
        flags += [(L.max_len, str(length * batch)), (L.max_seqs, str(batch))]
        flags.append((L.gpu_layers, "999"))
        if gpus > 1 and L.split_mode:
            flags.append((L.split_mode, "layer"))
        if request > length:
            notes += (
                f"each of the {batch} slots holds {length:,} tokens (the workload's mean request): longer "
                f"requests, up to {request:,}, need {L.max_len} {request * batch} and the memory it takes",
            )
    else:
        flags += [(L.max_len, str(request)), (L.max_seqs, str(batch))]
        if request > length * batch:
            notes += (
                f"the KV cache is sized for {length * batch:,} tokens, less than one request of {request:,}: "
                "the engine refuses to start; plan with a larger batch or a shorter context",
            )
    nodes = int(inputs.get("nodes", 1))
    stages = eng.stages(nodes)
    if L.tensor_parallel and gpus // stages > 1:
        flags.append((L.tensor_parallel, str(gpus // stages)))
    if nodes > 1:
        flags += _multi_node_flags(L, nodes, stages)
    kv = inputs.get("kv_precision")
    if kv and L.kv_dtype:
        flags += _kv_flags(L, str(kv))
    quantization = dict(L.quantization_names).get(str(inputs["precision"]))
    if quantization and L.quantization_flag and not prequantized:
        flags.append((L.quantization_flag, quantization))
    if port is not None and L.port_flag:
        flags.append((L.port_flag, str(port)))
    command = L.command
    if model and hub_file is not None and L.hub_repo_flag:
        named = [(L.hub_repo_flag, model)] + ([(L.hub_file_flag, hub_file)] if hub_file else [])
        flags[:0] = named
    elif model:
        if L.model_flag:
            flags.insert(0, (L.model_flag, model))
        else:
            command = f"{command} {shlex.quote(model)}"
    setup = L.cluster_setup if nodes > 1 else ()
    settings = LaunchSettings(eng.name, command, tuple(flags), nodes=nodes, setup=setup)
    return _with(settings, env=env, notes=notes)


def _past_training(est: MemoryEstimate, eng: Engine, request: int) -> tuple[str, ...]:
    """A sequence longer than the model was trained for: vLLM and SGLang refuse to start with it unless told
    (the launch printed ``--max-model-len 200000`` for Llama 3.1 8B, trained for 131,072, and nothing
    else); every engine's answers degrade past it. The variable is named, not set: it overrides a check."""
    if not est.trained_context or request <= est.trained_context:
        return ()
    past = (
        f"{request:,} tokens a sequence are more than the {est.trained_context:,} the model was trained for"
    )
    if eng.launch.long_context_env:
        past += f": {eng.name} refuses to start unless {eng.launch.long_context_env}=1 is set"
    return (f"{past}; answers past the trained length degrade (plan a shorter context)",)


def _pin(devices: tuple[int, ...], vendor: str) -> tuple[tuple[tuple[str, str], ...], tuple[str, ...]]:
    """The environment that shows the engine only ``devices``, or a note where the vendor has no known
    variable."""
    if not devices:
        return (), ()
    variable = VISIBLE_DEVICES.get(vendor)
    listed = ",".join(str(d) for d in devices)
    if variable is None:
        return (), (f"pin GPUs {listed} by hand: no visible-devices variable is known for {vendor} GPUs",)
    return ((variable, listed),), ()


def _with(
    settings: LaunchSettings, *, env: tuple[tuple[str, str], ...], notes: tuple[str, ...]
) -> LaunchSettings:
    """``settings`` under ``env`` (the setup's commands too: a Ray node started under it offers only those
    GPUs to the replica), with ``notes`` added."""
    prefix = _prefix(env)
    setup = tuple(
        f"{prefix} {line}" if prefix and not line.startswith("#") else line for line in settings.setup
    )
    return replace(settings, env=env, setup=setup, notes=settings.notes + notes)


def _prefix(env: tuple[tuple[str, str], ...]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in env)


def _kv_flags(L: Launch, kv: str) -> list[tuple[str, str]]:
    """The KV cache's type: keys and values alike (the memory model counts both in it); a quantized type
    that the engine names as given (not one of its 16/32-bit spellings) turns on what a quantized V cache
    needs."""
    names = dict(L.kv_dtype_names)
    value = names.get(kv, kv)
    flags = [(L.kv_dtype, value)]
    if L.kv_dtype_v:
        flags.append((L.kv_dtype_v, value))
        if kv not in names:
            flags += list(L.quantized_v_flags)
    return flags


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


def _fraction(est: MemoryEstimate, eng: Engine, vram_bytes: int, reserved: int, held: int = 0) -> float:
    """The smallest share (in hundredths, rounded up) under which the engine's budget holds the KV cache.

    SGLang (``fraction_covers == "context"``) takes its share of the memory free when it starts: the card
    less its own CUDA context and the ``held`` bytes of replicas started before it (model_runner.py:
    ``rest = free_after_weights - free_at_start x (1 - f)``, so KV = free_at_start x f - weights). vLLM takes
    a share of the card's total whatever else runs (its ``gpu_memory_utilization`` is per instance)."""
    release = eng.release(est.inputs["engine_version"])
    per_gpu = est.per_gpu_breakdown
    start = release.context(est.gpus) - release.non_torch(est.gpus)
    if eng.fraction_covers == "context":  # KV = (vram - context) x f - weights
        need = (per_gpu["weights"] + per_gpu["kv_cache"]) / max(vram_bytes - start - held, 1)
    else:  # KV = vram x f - (weights + activations + non-torch): the reservation less the context
        need = (reserved - start) / vram_bytes
    return min(math.ceil(need * 100 - 1e-9) / 100, _MAX_FRACTION)


def _library(est: MemoryEstimate, eng: Engine, reserved: int, length: int, loader: str) -> LaunchSettings:
    """accelerate's ``device_map="auto"`` with each visible GPU capped at its reservation (whole GiB, rounded
    down so the cap is never more than was reserved); the longest sequence and the batch are generation
    settings, not loading keywords."""
    cap = f"{max(reserved // GIB, 1)}GiB"
    kwargs: dict[str, Any] = {
        "device_map": "auto",
        "max_memory": dict.fromkeys(range(est.gpus), cap),
    }
    generation = {eng.launch.max_len: length, eng.launch.max_seqs: int(est.inputs["batch"])}
    # a library takes keywords: there is no command line
    return LaunchSettings(eng.name, "", (), kwargs, generation=generation, loader=loader)
