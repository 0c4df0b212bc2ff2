"""The public entry point of the memory model: ``estimate_memory``.

Resolution of the model (catalog name, nominal size, config path) is cached, and the estimate itself is
arithmetic on a frozen Architecture, so the fleet optimizer can call this thousands of times.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from planner.catalog.models import ModelSpec
from planner.memory.architecture import Architecture
from planner.memory.estimate import MemoryEstimate, estimate
from planner.memory.frameworks import KNOBS
from planner.memory.resolve import resolve_model

__all__ = ["MemoryEstimate", "estimate_memory", "resolve_model"]


def estimate_memory(
    model: str | Path | ModelSpec | Architecture,
    task: str = "inference",
    precision: str = "bf16",
    context: int = 4096,
    batch: int = 1,
    gpus: int = 1,
    engine: str | None = None,
    kv_precision: str | None = None,
    gradient_checkpointing: bool | None = None,
    optimizer: str | None = None,
    lora_rank: int = 16,
    engine_version: str | None = None,
    framework: str | None = None,
    **more: Any,
) -> MemoryEstimate:
    """Memory one workload needs, by component, in bytes.

    ``context``: tokens per sequence (prompt plus generated; the sequence length for training). ``batch``:
    sequences held at once (concurrency when serving, micro-batch per GPU when training). ``engine``:
    transformers (the default), vllm, sglang or llama.cpp; None picks llama.cpp for GGUF precisions (or the
    engine ``engine_version`` names). ``engine_version``: the release to model, e.g. ``vllm>=0.17`` (the
    default), ``0.11`` for older vLLM logs, ``transformers<4.45``. ``gpus``: tensor
    parallel degree for vLLM, a layer split for transformers and llama.cpp, data parallel with ZeRO-3 for
    training. Further keywords: ``lora_targets`` ("all", "attention", "qv", "mlp" or module names),
    ``prefill_tokens`` (prompt tokens processed in one pass; default: the whole context for transformers),
    ``zero_stage`` (0-3), ``flash_attention`` (default True), ``prefill_logits`` (transformers < 4.45 kept
    logits for the whole prompt), ``max_seq_len`` / ``cache`` ("static": a KV cache preallocated for
    ``max_seq_len`` tokens), ``nodes`` (machines one replica spans: vLLM and SGLang), ``catalog_dir``.

    Training recipe: ``framework`` (hf-trainer, trl, torchtune, litgpt, llama-factory, unsloth, axolotl,
    deepspeed, fsdp; default hf-trainer) sets the defaults; each knob overrides its own: ``weights``
    (pure-bf16, amp), ``optimizer`` (adamw, adamw-8bit, paged-adamw, paged-adamw-8bit, sgd, adafactor),
    ``optimizer_in_backward``, ``offload`` (none, optimizer, params), ``activation_offload``, ``loss`` (full,
    chunked, fused), ``gradient_checkpointing``, ``packing``, ``zero_stage`` (0-3), ``full_state_dict_save``,
    ``qlora_saved_inputs``. None (the default) takes the framework's.

    Raises ModelError/PlannerError (exit status 2) for inputs that cannot work: unknown model, precision,
    engine or task; context or batch < 1; GPUs the heads or layers cannot be split over.
    """
    catalog_dir = more.pop("catalog_dir", None)
    unknown = set(more) - {
        "lora_targets",
        "prefill_tokens",
        "flash_attention",
        "prefill_logits",
        "max_seq_len",
        "cache",
        "nodes",
        *KNOBS,
    }
    if unknown:
        from planner.errors import PlannerError

        raise PlannerError(f"unknown estimate option(s): {', '.join(sorted(unknown))}")
    arch = resolve_model(model, catalog_dir)
    return estimate(
        arch,
        task=task,
        precision=precision,
        context=context,
        batch=batch,
        gpus=gpus,
        engine_name=engine,
        kv_precision=kv_precision,
        gradient_checkpointing=gradient_checkpointing,
        optimizer=optimizer,
        lora_rank=lora_rank,
        engine_version=engine_version,
        framework=framework,
        **more,
    )
