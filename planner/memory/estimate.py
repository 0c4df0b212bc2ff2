"""The memory estimate: components summed per GPU and over GPUs, for one workload on one architecture.

``total = weights + kv_cache + activations + gradients + optimizer_states + adapters + cuda_context +
allocator_overhead``. Each term comes from one function in ``components.py``; inference splits come from
``inference.py`` (which asks the engine's record), training splits from ``training.py``. This module checks
the inputs, picks the engine and its release, and adds the per-GPU overheads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import ModelError, PlannerError
from planner.memory import components as c
from planner.memory.architecture import KNOWN_MODEL_TYPES, Architecture, count_parameters
from planner.memory.engines import ENGINES, Engine, Release, default_engine, engine, engine_named_in
from planner.memory.formats import WeightFormat, kv_bytes_per_element, kv_name, weight_format
from planner.memory.frameworks import KNOBS, Recipe, check_knobs, recipe_for, recipe_note
from planner.memory.frameworks import framework as framework_record
from planner.memory.inference import Serving, inference_parts
from planner.memory.lookup import suggestion
from planner.memory.resolve import resolve_model
from planner.memory.rule_of_thumb import published_rules_bytes, rule_of_thumb_bytes
from planner.memory.training import Split, training_parts

if TYPE_CHECKING:
    from planner.catalog.models import ModelSpec

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
CACHES: tuple[str, ...] = ("dynamic", "static")


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
    trained_context: int = 0
    """The longest sequence the model was trained for (``max_position_embeddings``); 0 where unknown. A
    launch past it needs the engine's consent (``Launch.long_context_env``)."""

    @property
    def engine(self) -> str:
        """The engine the estimate is for, named or chosen by default (llama.cpp for GGUF weights)."""
        return str(self.inputs.get("engine", ""))

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


def _text(name: str, value: object, *, optional: bool = False) -> None:
    """Names of tasks, formats and engines are strings (None once raised AttributeError deep inside)."""
    if not isinstance(value, str) and not (optional and value is None):
        raise ModelError(f"{name} must be a name (a string{' or None' if optional else ''}), got {value!r}")


def normalize_task(task: str) -> str:
    key = task.strip().lower()
    key = _TASK_ALIASES.get(key, key)
    if key not in TASKS:
        hint = suggestion(task, [*TASKS, *_TASK_ALIASES], _TASK_ALIASES)
        raise PlannerError(f"unknown task {task!r}{hint} (known: {', '.join(TASKS)})")
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
            known = (*c.TARGET_GROUPS, *c.ALL_LINEAR_TARGETS, *c.FULLY_TRAINED)
            hint = suggestion(name, known)
            raise PlannerError(f"unknown LoRA target {name!r}{hint} (known: {', '.join(known)})")
    return tuple(dict.fromkeys(out))


def _check_nodes(a: Architecture, eng: Engine, gpus: int, nodes: int, task: str) -> None:
    """A replica over several machines: inference under an engine that serves that way, the same GPUs on
    each machine, and at least a layer per pipeline stage."""
    if nodes == 1:
        return
    if task != "inference" or not eng.multi_node:
        raise ModelError(
            f"{eng.name} does not serve one replica across machines (nodes={nodes}); engines that do: "
            f"{', '.join(e.name for e in ENGINES.values() if e.multi_node)}"
        )
    if gpus % nodes:
        raise ModelError(f"{gpus} GPUs do not split evenly over {nodes} machines")
    if eng.stages(nodes) > a.num_layers:
        raise ModelError(f"{a.name}: {nodes} pipeline stages exceed its {a.num_layers} layers")


def _check_parallel(a: Architecture, eng: Engine, gpus: int, task: str, stages: int = 1) -> None:
    if task != "inference":
        return
    tp = gpus // stages
    if eng.split == "tensor" and tp > 1:
        if not _splits(a, tp):
            kv = a.num_kv_heads
            limit = f"{a.num_heads} attention heads" if a.num_heads % tp else f"the {kv} KV heads"
            sizes = [n for n in range(1, a.num_heads + 1) if _splits(a, n)]
            what = "per stage" if stages > 1 else ""
            raise ModelError(
                f"{a.name}: {tp} GPUs cannot split {a.num_heads} attention heads / {kv} KV heads evenly "
                f"under {eng.name} tensor parallelism: {limit} do not split over {tp} "
                f"GPUs (use {_or(sizes)} GPUs{' ' + what if what else ''})"
            )
    elif gpus > a.num_layers:
        raise ModelError(
            f"{a.name}: {gpus} GPUs exceed its {a.num_layers} layers (layer split under {eng.name})"
        )


def _splits(a: Architecture, tp: int) -> bool:
    """Tensor parallelism over ``tp`` GPUs: every GPU holds whole attention heads, and the KV heads either
    divide over the GPUs or, fewer than the GPUs, are copied whole to each (vLLM replicates a KV head
    when ``tp`` is a multiple of their count). Latent attention (MLA) has no KV heads to split."""
    kv = a.num_kv_heads
    return a.num_heads % tp == 0 and (a.is_mla or kv % tp == 0 or tp % kv == 0)


def _or(sizes: list[int]) -> str:
    words = [str(n) for n in sizes]
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _check_types(task: object, precision: object, flags: dict[str, object], names: dict[str, object]) -> None:
    _text("task", task)
    _text("precision", precision)
    for name, value in names.items():
        _text(name, value, optional=True)
    for name, flag in flags.items():
        if not isinstance(flag, bool):  # "no" is a true string: it switched checkpointing on
            raise ModelError(f"{name} must be True or False, got {flag!r}")


def choose_engine(fmt: WeightFormat, engine_name: str | None, engine_version: str | None) -> Engine:
    """The engine named, the one a version text names (``vllm>=0.17``), or the default for the weights."""
    if engine_name is not None:
        return engine(engine_name)
    named = engine_named_in(engine_version) if engine_version is not None else None
    return engine(named) if named else default_engine(fmt.gguf)


def _check_combination(eng: Engine, fmt: WeightFormat, task: str, kv_precision: str | None) -> None:
    """Refuse what no engine runs: its record's allow-lists of weight and KV formats, and training."""
    if task != "inference" and not eng.trains:
        trainer = next(e.name for e in ENGINES.values() if e.trains)
        raise PlannerError(f"engine {eng.name} does not train; use engine {trainer} for task {task}")
    if fmt.gguf and fmt.name not in eng.weight_formats:
        runner = default_engine(True).name
        raise ModelError(f"precision {fmt.name} is a GGUF format; use engine {runner}")
    if task != "inference" and fmt.gguf:
        raise ModelError(f"precision {fmt.name} (GGUF) cannot be fine-tuned")
    if task == "full" and fmt.quantized:
        raise ModelError(
            f"full fine-tuning updates every weight in 16 or 32 bit; precision {fmt.name} is quantized "
            "(use bf16, or task qlora for a 4-bit base)"
        )
    if fmt.name not in eng.weight_formats:
        if eng.default_for == "gguf":
            raise ModelError(
                f"{eng.name} runs GGUF files: precision {fmt.name} is not one (use q4_k_m, q8_0, f16, ...)"
            )
        raise ModelError(f"engine {eng.name} does not load precision {fmt.name}")
    if (
        kv_precision is not None
        and kv_bytes_per_element(kv_precision, fmt)
        and (kv_name(kv_precision) not in eng.kv_formats)
    ):
        raise ModelError(f"engine {eng.name} has no {kv_precision} KV cache")


def _held_tokens(a: Architecture, context: int, cache: str | None, max_seq_len: int | None) -> int:
    """Tokens per sequence the KV cache is sized for: a static cache preallocates ``max_seq_len`` (default:
    the model's trained context) whatever the request's length; a dynamic one grows to the context."""
    if cache is None:
        cache = "static" if max_seq_len is not None else "dynamic"
    if cache.strip().lower() not in CACHES:
        raise PlannerError(f"unknown cache {cache!r}{suggestion(cache, CACHES)} (known: {', '.join(CACHES)})")
    if cache.strip().lower() == "dynamic":
        if max_seq_len is not None:
            raise ModelError("max_seq_len sizes a static cache; it cannot go with cache 'dynamic'")
        return context
    length = max_seq_len if max_seq_len is not None else a.max_position_embeddings
    if length < context:
        raise ModelError(f"context {context} exceeds the static cache's max_seq_len {length}")
    return length


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
    *,
    lora_targets: str | tuple[str, ...] | list[str] = "all",
    prefill_tokens: int | None = None,
    zero_stage: int | None = None,
    flash_attention: bool = True,
    prefill_logits: bool = False,
    max_seq_len: int | None = None,
    cache: str | None = None,
    catalog_dir: Path | None = None,
    nodes: int = 1,
    **knobs: Any,
) -> MemoryEstimate:
    """Memory one workload needs, by component, in bytes.

    ``model``: a catalog name, a nominal size, a config path, a ModelSpec or an Architecture
    (``resolve_model``, cached, so the fleet optimizer can call this thousands of times). ``context``: tokens
    per sequence (prompt plus generated; the sequence length for training). ``batch``: sequences held at
    once (concurrency when serving, micro-batch per GPU when training). ``engine``: transformers (the
    default), vllm, sglang or llama.cpp; None picks llama.cpp for GGUF precisions (or the engine
    ``engine_version`` names). ``engine_version``: the release to model, e.g. ``vllm>=0.17`` (the default),
    ``0.11`` for older vLLM logs, ``transformers<4.45`` (logits for every prompt position, as
    ``prefill_logits``). ``gpus``: tensor parallel degree for vLLM, a layer split for transformers and
    llama.cpp, data parallel with ZeRO-3 for training. ``lora_targets``: "all", "attention", "qv", "mlp" or
    module names. ``prefill_tokens``: transformers, prompt tokens per sequence processed in one pass
    (default: the whole context); vLLM, ``max_num_batched_tokens`` (default 8192); llama.cpp, ``n_ubatch``
    (default 512). ``cache="static"`` or ``max_seq_len``: a KV cache preallocated for ``max_seq_len`` tokens
    per sequence. ``catalog_dir``: a model catalog directory beside the built-in one. ``nodes``: machines
    one replica spans (``gpus`` over all of them), split as the engine's ``multi_node`` layout says (vLLM: a
    pipeline stage per machine).

    Training recipe: ``framework`` (hf-trainer, trl, torchtune, litgpt, llama-factory, unsloth, axolotl,
    deepspeed, fsdp; default hf-trainer) sets the defaults; each knob (``knobs``: the other fields of
    ``frameworks.Recipe``) overrides its own: ``weights`` (pure-bf16, amp), ``optimizer`` (adamw,
    adamw-foreach, adamw-8bit, paged-adamw, paged-adamw-8bit, sgd, adafactor), ``optimizer_in_backward``,
    ``offload`` (none, optimizer, params), ``activation_offload``, ``loss`` (full, full-16bit, chunked,
    fused, cce), ``gradient_checkpointing``, ``packing``, ``zero_stage`` (0-3), ``full_state_dict_save``,
    ``qlora_saved_inputs``. None (the default) takes the framework's.

    Raises ModelError/PlannerError (exit status 2) for inputs that cannot work: unknown model, precision,
    engine, task or option; context or batch < 1; GPUs the heads or layers cannot be split over.
    """
    unknown = set(knobs) - set(KNOBS)
    if unknown:
        raise PlannerError(f"unknown estimate option(s): {', '.join(sorted(unknown))}")
    a = resolve_model(model, catalog_dir)
    _check_types(
        task,
        precision,
        {"flash_attention": flash_attention, "prefill_logits": prefill_logits},
        {
            "engine": engine,
            "kv_precision": kv_precision,
            "engine_version": engine_version,
            "optimizer": optimizer,
            "framework": framework,
        },
    )
    knobs.update(gradient_checkpointing=gradient_checkpointing, optimizer=optimizer, zero_stage=zero_stage)
    check_knobs(knobs)
    task = normalize_task(task)
    lora_rank = _positive("lora_rank", lora_rank)
    context = _positive("context", context)
    batch = _positive("batch", batch)
    gpus = _positive("gpus", gpus)
    nodes = _positive("nodes", nodes)
    if prefill_tokens is not None:
        prefill_tokens = _positive("prefill_tokens", prefill_tokens)
    if max_seq_len is not None:
        max_seq_len = _positive("max_seq_len", max_seq_len)
    _text("cache", cache, optional=True)
    fmt = weight_format(precision)
    eng = choose_engine(fmt, engine, engine_version)
    release = eng.release(engine_version)
    if task == "qlora" and not fmt.quantized:
        fmt = weight_format("nf4")  # QLoRA means a 4-bit base (Dettmers et al. 2023)
    if task == "lora" and fmt.quantized:
        task = "qlora"
    _check_combination(eng, fmt, task, kv_precision)
    _check_nodes(a, eng, gpus, nodes, task)
    _check_parallel(a, eng, gpus, task, eng.stages(nodes))
    kv_bytes = kv_bytes_per_element(kv_precision, fmt)

    if task == "inference":
        held = _held_tokens(a, context, cache, max_seq_len)
        serving = Serving(
            eng,
            release,
            fmt,
            context,
            batch,
            gpus,
            kv_bytes,
            prefill_tokens,
            flash_attention,
            prefill_logits,
            held,
            static_cache=held != context or (cache or "").strip().lower() == "static",
            stages=eng.stages(nodes),
        )
        parts, trainable = inference_parts(a, serving), 0
        recipe: Recipe | None = None
        notes = _notes(a, context, fmt.name)
        if framework is not None:
            framework_record(framework)  # a typo is an error for every task
    else:
        recipe = recipe_for(framework, task, gpus, **knobs)
        parts, trainable, recipe_notes = training_parts(
            a,
            fmt,
            task,
            context,
            batch,
            gpus,
            recipe,
            lora_rank,
            _lora_targets(lora_targets),
            flash_attention,
        )
        notes = [*_notes(a, context, fmt.name), recipe_note(framework, recipe), *recipe_notes]
    inputs: dict[str, Any] = {
        "task": task,
        "precision": fmt.name,
        "context": context,
        "batch": batch,
        "gpus": gpus,
        "engine": eng.name,
        "engine_version": release.label,
        "kv_precision": kv_precision,
        "gradient_checkpointing": True if recipe is None else recipe.gradient_checkpointing,
        "optimizer": "adamw" if recipe is None else recipe.optimizer,
        "lora_rank": lora_rank,
    }
    if task == "inference" and serving.held_tokens != context:
        inputs["max_seq_len"] = serving.held_tokens
    if nodes > 1:  # only then: one-machine estimates keep their inputs as they were
        inputs["nodes"] = nodes
    if recipe is not None:
        inputs["framework"] = framework
        inputs["recipe"] = {name: getattr(recipe, name) for name in KNOBS}
        size = a.nominal_params or count_parameters(a).total
        published = published_rules_bytes(size, fmt, task, recipe.weights)
        inputs["published_rules_bytes"] = published
        if published:
            shown = ", ".join(f"{name} {value / 1e9:.1f} GB" for name, value in published.items())
            notes.append(f"published rules of thumb: {shown}")
    return _assemble(a, eng, release, fmt, parts, trainable, inputs, kv_bytes, notes)


def _notes(a: Architecture, context: int, precision: str) -> list[str]:
    notes: list[str] = []
    if a.checkpoint_format and a.checkpoint_format != precision:
        notes.append(
            f"the config.json's quantization_config says the checkpoint holds {a.checkpoint_format} weights; "
            f"this is sized at {precision} as asked (--precision, scenario precision:)"
        )
    if a.model_type not in KNOWN_MODEL_TYPES:
        notes.append(
            f"model_type {a.model_type!r} is not a family planner knows: counted as a Llama-shaped decoder "
            "(gated MLP, no biases); compare the parameter count with the model's own"
        )
    if context > a.max_position_embeddings:
        notes.append(
            f"context {context} exceeds the model's max_position_embeddings {a.max_position_embeddings}"
        )
    return notes


def _assemble(
    a: Architecture,
    eng: Engine,
    release: Release,
    fmt: WeightFormat,
    parts: dict[str, Split],
    trainable: int,
    inputs: dict[str, Any],
    kv_bytes: float,
    notes: list[str],
) -> MemoryEstimate:
    """Round the parts, add the per-GPU context and the allocator's share, and build the estimate."""
    gpus, task, context = inputs["gpus"], inputs["task"], inputs["context"]
    per_gpu = {k: round(parts[k].per_gpu) if k in parts else 0 for k in BREAKDOWN_KEYS}
    total = {k: round(parts[k].total) if k in parts else 0 for k in BREAKDOWN_KEYS}
    per_gpu["cuda_context"] = release.context(gpus)
    total["cuda_context"] = per_gpu["cuda_context"] * gpus
    allocated_per_gpu = sum(v for k, v in per_gpu.items() if k != "cuda_context")
    per_gpu["allocator_overhead"] = round(allocated_per_gpu * eng.fragmentation)
    total["allocator_overhead"] = round(
        sum(v for k, v in total.items() if k != "cuda_context") * eng.fragmentation
    )
    counts = count_parameters(a)
    kv_token = c.kv_elements_per_token(a, 1, eng.latent_mla) * kv_bytes * a.num_layers
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
        trained_context=a.max_position_embeddings,
    )
