"""The memory estimate: components summed per GPU and over GPUs, for one workload on one architecture.

``total = weights + kv_cache + activations + gradients + optimizer_states + adapters +
cuda_context + allocator_overhead``. Each term comes from one function in ``components.py``; this module only
decides how a workload splits over GPUs (layer split, tensor parallel, ZeRO/FSDP data parallel).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any

from planner.errors import ModelError, PlannerError
from planner.memory import components as c
from planner.memory.architecture import KNOWN_MODEL_TYPES, Architecture, count_parameters
from planner.memory.engines import Engine, engine
from planner.memory.formats import (
    KV_NOT_ON_ENGINE,
    LLAMA_CPP_NON_GGUF,
    WeightFormat,
    kv_bytes_per_element,
    kv_name,
    weight_format,
)
from planner.memory.rule_of_thumb import rule_of_thumb_bytes
from planner.memory.training import OPTIMIZER_STATE_BYTES, Split, training_parts

BREAKDOWN_KEYS: tuple[str, ...] = (
    "weights",
    "kv_cache",
    "activations",
    "gradients",
    "optimizer_states",
    "adapters",
    "cuda_context",
    "allocator_overhead",
)
TASKS: tuple[str, ...] = ("inference", "lora", "qlora", "full")
_TASK_ALIASES: dict[str, str] = {
    "full_ft": "full",
    "finetune": "full",
    "full-ft": "full",
    "serve": "inference",
}
VLLM_PROFILE_LOGIT_BYTES = 4  # vLLM's profile run computes fp32 logits for every batched token


@dataclass(frozen=True, slots=True)
class MemoryEstimate:
    """Bytes per component for one workload. ``breakdown`` sums over GPUs; ``per_gpu_breakdown`` is the most
    loaded GPU. ``rule_of_thumb_bytes`` is the (low, high) of the common rule, for comparison."""

    model: str
    params: int
    breakdown: dict[str, int]
    per_gpu_breakdown: dict[str, int]
    total_bytes: int
    per_gpu_bytes: int
    rule_of_thumb_bytes: tuple[int, int]
    gpus: int
    kv_bytes_per_token: int
    trainable_params: int
    inputs: dict[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    model_weights_bytes: int = 0
    """The model's weights at its precision, once: no replicas over GPUs, no gathered layers."""

    @property
    def weights_only_bytes(self) -> int:
        """Weights alone: what ``accelerate estimate-memory`` reports. Not ``breakdown["weights"]``, which
        under ZeRO-3 adds each GPU's gathered layers (7B LoRA on 4 GPUs: 19.3 GiB for 13.0 of weights)."""
        return self.model_weights_bytes or self.breakdown["weights"]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the CLI prints: the API's fields plus the inputs."""
        return {
            "model": self.model,
            "params": self.params,
            "trainable_params": self.trainable_params,
            "breakdown": dict(self.breakdown),
            "per_gpu_breakdown": dict(self.per_gpu_breakdown),
            "total_bytes": self.total_bytes,
            "per_gpu_bytes": self.per_gpu_bytes,
            "rule_of_thumb_bytes": list(self.rule_of_thumb_bytes),
            "gpus": self.gpus,
            "kv_bytes_per_token": self.kv_bytes_per_token,
            "inputs": dict(self.inputs),
            "notes": list(self.notes),
        }


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ModelError(f"{name} must be a whole number >= 1, got {value!r}")
    return value


HYBRID_CACHE_TYPES = frozenset({"gemma2", "gemma3_text"})
"""Families whose transformers cache keeps only the window on sliding-window layers (HybridCache)."""


def _text(name: str, value: object, *, optional: bool = False) -> None:
    """Names of tasks, formats and engines are strings (None once raised AttributeError deep inside)."""
    if not isinstance(value, str) and not (optional and value is None):
        raise ModelError(f"{name} must be a name (a string{' or None' if optional else ''}), got {value!r}")


def normalize_task(task: str) -> str:
    key = task.strip().lower()
    key = _TASK_ALIASES.get(key, key)
    if key not in TASKS:
        raise PlannerError(f"unknown task {task!r} (known: {', '.join(TASKS)})")
    return key


def _lora_targets(targets: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    names = [t.strip() for t in targets.split(",")] if isinstance(targets, str) else list(targets)
    out: list[str] = []
    for name in names:
        group = c.TARGET_GROUPS.get(name.lower())
        if group:
            out.extend(group)
        elif name in c.ALL_LINEAR_TARGETS or name in c.FULLY_TRAINED:
            out.append(name)
        else:
            known = ", ".join((*c.TARGET_GROUPS, *c.ALL_LINEAR_TARGETS, *c.FULLY_TRAINED))
            raise PlannerError(f"unknown LoRA target {name!r} (known: {known})")
    return tuple(dict.fromkeys(out))


def _check_parallel(a: Architecture, eng: Engine, gpus: int, task: str) -> None:
    if task != "inference":
        return
    if eng.split == "tensor" and gpus > 1:
        kv = a.num_kv_heads
        if a.num_heads % gpus or (not a.is_mla and kv % gpus and gpus % kv):
            raise ModelError(
                f"{a.name}: {gpus} GPUs cannot split {a.num_heads} attention heads / {kv} KV heads evenly "
                f"under {eng.name} tensor parallelism (use a divisor of {a.num_heads})"
            )
    elif gpus > a.num_layers:
        raise ModelError(
            f"{a.name}: {gpus} GPUs exceed its {a.num_layers} layers (layer split under {eng.name})"
        )


def estimate(
    a: Architecture,
    *,
    task: str = "inference",
    precision: str = "bf16",
    context: int = 4096,
    batch: int = 1,
    gpus: int = 1,
    engine_name: str | None = None,
    kv_precision: str | None = None,
    gradient_checkpointing: bool = True,
    optimizer: str = "adamw",
    lora_rank: int = 16,
    lora_targets: str | tuple[str, ...] | list[str] = "all",
    prefill_tokens: int | None = None,
    zero_stage: int | None = None,
    flash_attention: bool = True,
    prefill_logits: bool = False,
) -> MemoryEstimate:
    """Estimate memory for ``a`` under one workload. Raises PlannerError subclasses for what cannot work.

    ``prefill_tokens``: transformers, prompt tokens per sequence processed in one pass (default: the whole
    context); vLLM, ``max_num_batched_tokens`` (default 8192); llama.cpp, ``n_ubatch`` (default 512).
    ``prefill_logits``: logits for every prompt position, as transformers did before 4.45.
    """
    _text("task", task)
    _text("precision", precision)
    _text("optimizer", optimizer)
    _text("engine", engine_name, optional=True)
    _text("kv_precision", kv_precision, optional=True)
    for name, flag in (
        ("gradient_checkpointing", gradient_checkpointing),
        ("flash_attention", flash_attention),
        ("prefill_logits", prefill_logits),
    ):
        if not isinstance(flag, bool):  # "no" is a true string: it switched checkpointing on
            raise ModelError(f"{name} must be True or False, got {flag!r}")
    task = normalize_task(task)
    lora_rank = _positive("lora_rank", lora_rank)
    context = _positive("context", context)
    batch = _positive("batch", batch)
    gpus = _positive("gpus", gpus)
    if prefill_tokens is not None:
        prefill_tokens = _positive("prefill_tokens", prefill_tokens)
    fmt = weight_format(precision)
    eng = engine(engine_name or ("llama.cpp" if fmt.gguf else "transformers"))
    if task == "qlora" and not fmt.quantized:
        fmt = weight_format("nf4")  # QLoRA means a 4-bit base (Dettmers et al. 2023)
    if task != "inference" and not eng.trains:
        raise PlannerError(f"engine {eng.name} does not train; use engine transformers for task {task}")
    if task == "lora" and fmt.quantized:
        task = "qlora"
    if fmt.gguf and eng.name != "llama.cpp":
        raise ModelError(f"precision {fmt.name} is a GGUF format; use engine llama.cpp")
    if task != "inference" and fmt.gguf:
        raise ModelError(f"precision {fmt.name} (GGUF) cannot be fine-tuned")
    if task == "full" and fmt.quantized:
        raise ModelError(
            f"full fine-tuning updates every weight in 16 or 32 bit; precision {fmt.name} is quantized "
            "(use bf16, or task qlora for a 4-bit base)"
        )
    if eng.name == "llama.cpp" and not fmt.gguf and fmt.name not in LLAMA_CPP_NON_GGUF:
        raise ModelError(
            f"llama.cpp runs GGUF files: precision {fmt.name} is not one (use q4_k_m, q8_0, f16, ...)"
        )
    if kv_precision is not None and kv_name(kv_precision) in KV_NOT_ON_ENGINE.get(eng.name, frozenset()):
        raise ModelError(f"engine {eng.name} has no {kv_precision} KV cache")
    _check_parallel(a, eng, gpus, task)
    kv_bytes = kv_bytes_per_element(kv_precision, fmt)
    counts = count_parameters(a)
    notes: list[str] = []
    if a.model_type not in KNOWN_MODEL_TYPES:
        notes.append(
            f"model_type {a.model_type!r} is not a family planner knows: counted as a Llama-shaped decoder "
            "(gated MLP, no biases); compare the parameter count with the model's own"
        )
    if context > a.max_position_embeddings:
        notes.append(
            f"context {context} exceeds the model's max_position_embeddings {a.max_position_embeddings}"
        )

    if task == "inference":
        parts, trainable = _inference(
            a, eng, fmt, context, batch, gpus, kv_bytes, prefill_tokens, flash_attention, prefill_logits
        )
    else:
        if optimizer.lower() not in OPTIMIZER_STATE_BYTES:
            raise PlannerError(f"unknown optimizer {optimizer!r} (known: adamw, adamw-8bit, sgd)")
        stage = zero_stage if zero_stage is not None else (3 if gpus > 1 else 0)
        if stage not in (0, 1, 2, 3):
            raise PlannerError(f"zero_stage must be 0, 1, 2 or 3, got {stage!r}")
        parts, trainable = training_parts(
            a,
            fmt,
            task,
            context,
            batch,
            gpus,
            optimizer.lower(),
            lora_rank,
            _lora_targets(lora_targets),
            gradient_checkpointing,
            stage,
            flash_attention,
        )

    per_gpu = {k: round(parts[k].per_gpu) if k in parts else 0 for k in BREAKDOWN_KEYS}
    total = {k: round(parts[k].total) if k in parts else 0 for k in BREAKDOWN_KEYS}
    extra = eng.multi_gpu_extra_bytes if gpus > 1 else 0
    per_gpu["cuda_context"] = eng.cuda_context_bytes + extra
    total["cuda_context"] = per_gpu["cuda_context"] * gpus
    allocated_per_gpu = sum(v for k, v in per_gpu.items() if k != "cuda_context")
    per_gpu["allocator_overhead"] = round(allocated_per_gpu * eng.fragmentation)
    total["allocator_overhead"] = round(
        sum(v for k, v in total.items() if k != "cuda_context") * eng.fragmentation
    )
    kv_token = c.kv_elements_per_token(a, 1, eng.latent_mla) * kv_bytes * a.num_layers
    inputs = {
        "task": task,
        "precision": fmt.name,
        "context": context,
        "batch": batch,
        "gpus": gpus,
        "engine": eng.name,
        "kv_precision": kv_precision,
        "gradient_checkpointing": gradient_checkpointing,
        "optimizer": optimizer,
        "lora_rank": lora_rank,
    }
    return MemoryEstimate(
        model=a.name,
        params=counts.total,
        breakdown=total,
        per_gpu_breakdown=per_gpu,
        total_bytes=sum(total.values()),
        per_gpu_bytes=sum(per_gpu.values()),
        rule_of_thumb_bytes=rule_of_thumb_bytes(a.nominal_params or counts.total, fmt, task, context),
        gpus=gpus,
        kv_bytes_per_token=round(kv_token),
        trainable_params=trainable,
        inputs=inputs,
        notes=tuple(notes),
        model_weights_bytes=round(c.weight_bytes(counts, fmt)),
    )


def _inference(
    a: Architecture,
    eng: Engine,
    fmt: WeightFormat,
    context: int,
    batch: int,
    gpus: int,
    kv_bytes: float,
    prefill_tokens: int | None,
    flash_attention: bool,
    prefill_logits: bool,
) -> tuple[dict[str, Split], int]:
    counts = count_parameters(a)
    weights = c.weight_bytes(counts, fmt)
    act_bytes = 4 if fmt.name == "fp32" else c.ACT_BYTES
    prompt = min(prefill_tokens, context) if prefill_tokens is not None else context
    step_budget = prefill_tokens if prefill_tokens is not None else eng.prefill_tokens
    if eng.split == "tensor":
        tp = gpus
        sharded = c.weight_bytes(replace(counts, other=0, largest_layer=0, layer_linear=0), fmt)
        w_gpu = sharded / tp + (weights - sharded)
        kv_gpu = c.kv_cache_bytes(
            a, context, batch, kv_bytes, tp, eng.latent_mla, eng.drops_window, eng.block_tokens
        )
        step_tokens = min(step_budget, batch * context)
        act_gpu = c.forward_peak_bytes(a, step_tokens, tp, act_bytes)
        act_gpu += step_tokens * a.vocab_size * VLLM_PROFILE_LOGIT_BYTES
        return (
            {
                "weights": Split(w_gpu, w_gpu * tp),
                "kv_cache": Split(kv_gpu, kv_gpu * tp),
                "activations": Split(act_gpu, act_gpu * tp),
            },
            0,
        )
    # Layer split: each GPU holds ceil(L/g) layers; embeddings sit on the first GPU, the head on the last.
    share = math.ceil(a.num_layers / gpus) / a.num_layers if gpus > 1 else 1.0
    emb_fmt_bits = fmt.linear_bits if fmt.gguf else fmt.other_bits
    ends = (
        max(counts.embedding * emb_fmt_bits, counts.lm_head * (fmt.head_bits if fmt.gguf else fmt.other_bits))
        / 8
    )
    w_gpu = weights if gpus == 1 else (weights - ends) * share + ends
    # transformers gives Gemma 2 and 3 a hybrid cache ("cache_implementation": "hybrid" in their configs):
    # sliding layers hold only the window, as in vLLM and llama.cpp.
    drops_window = eng.drops_window or a.model_type in HYBRID_CACHE_TYPES
    kv_total = c.kv_cache_bytes(
        a, context, batch, kv_bytes, 1, eng.latent_mla, drops_window, eng.block_tokens
    )
    kv_gpu = kv_total * share
    if eng.name == "llama.cpp":
        act_gpu = _llama_cpp_buffer(a, step_budget, context, batch, flash_attention)
        act_total = act_gpu * gpus
    else:
        step = batch * prompt if eng.prefill_tokens == 0 else min(eng.prefill_tokens, batch * prompt)
        act_gpu = c.forward_peak_bytes(a, step, 1, act_bytes)
        if not flash_attention:
            act_gpu += c.eager_attention_bytes(a, batch, prompt, 1)
        # DynamicCache grows by torch.cat: one layer's cache is briefly held twice.
        act_gpu += kv_total / a.num_layers
        logits = c.logits_bytes(a, batch * prompt if prefill_logits else batch)
        act_total = act_gpu * gpus + logits
        act_gpu += logits
    return (
        {
            "weights": Split(w_gpu, weights),
            "kv_cache": Split(kv_gpu, kv_total),
            "activations": Split(act_gpu, act_total),
        },
        0,
    )


def _llama_cpp_buffer(a: Architecture, ubatch: int, context: int, batch: int, flash_attention: bool) -> float:
    """llama.cpp's compute buffer for one ``n_ubatch`` graph: f32 logits rows, f32 intermediates and,
    without flash attention, the ``n_ctx x n_ubatch x heads`` f32 scores (n_ctx counts every sequence)."""
    ubatch = min(ubatch, batch * context)
    cells = context * batch
    buffer = ubatch * a.vocab_size * 4 + c.forward_peak_bytes(a, ubatch, 1, 4)
    if flash_attention:
        buffer += cells * ubatch * 2  # f16 KQ mask
    else:
        buffer += cells * ubatch * a.num_heads * 4
    return buffer
