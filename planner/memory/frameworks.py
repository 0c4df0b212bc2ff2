"""Training recipes and the frameworks that set them, as data.

A recipe is what decides training memory beside the model and the workload: how weights and optimizer states
are stored, which optimizer, where states and parameters live, how the loss is computed, what is recomputed.
Each knob is a registry of records (``WEIGHT_RECIPES``, ``OPTIMIZERS``, ``OFFLOADS``, ``LOSSES``) that the
training model asks; a framework is a record of defaults (``FRAMEWORKS``), each with its source. The README's
"Training recipes" table and docs/memory-model.md list every default and where it comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from planner.errors import ModelError, PlannerError
from planner.memory.lookup import by_name


@dataclass(frozen=True, slots=True)
class WeightsRecipe:
    """How trainable parameters are stored.

    ``master_bytes``: the fp32 master copy kept beside 16-bit trainable weights (AMP: 4; pure bf16: 0).
    ``state_bytes``: bytes per optimizer-state element when the optimizer keeps full-precision states (AMP:
    fp32, 4; pure bf16: 0, meaning the parameters' own dtype, as ``torch.optim.AdamW`` does).
    """

    name: str
    master_bytes: int
    state_bytes: int


@dataclass(frozen=True, slots=True)
class Optimizer:
    """``states``: state tensors per parameter (AdamW m and v: 2; SGD momentum: 1; Adafactor: 0, its factored
    second moment is rows + columns per matrix). ``state_bytes``: bytes per element where the optimizer fixes
    them (bitsandbytes 8-bit: 1; 0: the recipe's). ``paged``: states in CUDA unified memory, evicted to the
    host when the card fills, so they never make a run fail and ``torch.cuda`` statistics do not count
    them. ``step_temporaries``: state-sized tensors the step allocates for every parameter at once.
    ``adamw-foreach`` is ``torch.optim.AdamW`` as constructed by default on CUDA (Trainer's
    ``optim='adamw_torch'``), the multi-tensor implementation, whose ``_foreach_sqrt`` of the second moments
    makes a new list of them before the update (torch/optim/adam.py ``_multi_tensor_adam``): 1. ``adamw``
    is any AdamW that updates each tensor in place: the fused kernels (``fused=True``, Trainer's default
    ``adamw_torch_fused``, DeepSpeed's FusedAdam), transformers' former per-parameter ``adamw_hf``: 0."""

    name: str
    states: int
    state_bytes: float
    paged: bool
    step_temporaries: int = 0


@dataclass(frozen=True, slots=True)
class Offload:
    """What lives in host memory: ``states`` (optimizer states and master weights), ``params`` (parameters and
    gradients too: the GPU holds only the layers being computed, as in FSDP ``cpu_offload`` or ZeRO-3
    offload)."""

    name: str
    states: bool
    params: bool


@dataclass(frozen=True, slots=True)
class Loss:
    """Bytes per token per vocabulary entry alive at the loss's backward peak.

    ``full``: bf16 logits, their fp32 upcast, the fp32 log-softmax and the bf16 gradient (2 + 4 + 4 + 2; the
    Qwen fine-tuning profile grows by 12 bytes per token per vocabulary entry). ``chunked``: the bf16 logits
    and one of eight chunks upcast with its log-softmax at a time, each chunk's gradient taking its logits'
    place: 2 + 8/8 = 3 (torchtune ``CEWithChunkedOutputLoss``, LitGPT ``chunked_cross_entropy``; torchtune's
    flags table measures about 3 with checkpointing on). ``fused``: one bf16 buffer that the kernel
    overwrites with the gradient (Unsloth's former cross-entropy kernel; Liger's fused linear cross-entropy
    holds less): 2. ``cce``: Cut Cross-Entropy computes the loss and its gradient block by block in on-chip
    memory and never writes the logits (Wijmans et al. 2024, arXiv 2411.09009: a logsumexp per token, nothing
    per vocabulary entry): 0. ``full-16bit``: the model's cross-entropy run in the 16-bit dtype, without
    autocast's fp32 upcast, as under DeepSpeed's fp16/bf16 engine (it casts the module to 16 bit and runs no
    autocast): at the backward peak the saved log-softmax, the loss's dense gradient and log-softmax's input
    gradient, 3 x 2 = 6 (the fp32 case is the same three tensors at 4 bytes, the ``full`` 12).
    """

    name: str
    bytes_per_logit: float


WEIGHT_RECIPES: dict[str, WeightsRecipe] = {
    r.name: r for r in (WeightsRecipe("amp", master_bytes=4, state_bytes=4), WeightsRecipe("pure-bf16", 0, 0))
}
OPTIMIZERS: dict[str, Optimizer] = {
    o.name: o
    for o in (
        Optimizer("adamw", 2, 0, paged=False),
        Optimizer("adamw-foreach", 2, 0, paged=False, step_temporaries=1),
        Optimizer("adamw-8bit", 2, 1, paged=False),
        Optimizer("paged-adamw", 2, 0, paged=True),
        Optimizer("paged-adamw-8bit", 2, 1, paged=True),
        Optimizer("sgd", 1, 0, paged=False),
        Optimizer("adafactor", 0, 0, paged=False),
    )
}
OFFLOADS: dict[str, Offload] = {
    o.name: o
    for o in (Offload("none", False, False), Offload("optimizer", True, False), Offload("params", True, True))
}
LOSSES: dict[str, Loss] = {
    loss.name: loss
    for loss in (
        Loss("full", 12.0),
        Loss("chunked", 3.0),
        Loss("fused", 2.0),
        Loss("cce", 0.0),
        Loss("full-16bit", 6.0),
    )
}
_ALIASES: dict[str, dict[str, str]] = {
    "optimizer": {
        "adam": "adamw",
        "adamw_torch": "adamw-foreach",
        "adamw_torch_fused": "adamw",
        "adamw_8bit": "adamw-8bit",
        "adamw_bnb_8bit": "adamw-8bit",
        "paged_adamw_32bit": "paged-adamw",
        "paged_adamw_8bit": "paged-adamw-8bit",
        "pagedadamw8bit": "paged-adamw-8bit",
    },
    "weights recipe": {
        "bf16-true": "pure-bf16",
        "pure_bf16": "pure-bf16",
        "bf16-mixed": "amp",
        "mixed": "amp",
    },
    "offload": {"cpu": "optimizer", "optimizer_states": "optimizer", "param": "params"},
    "loss": {
        "cut-cross-entropy": "cce",
        "liger": "fused",
        "full-bf16": "full-16bit",
        "full-fp16": "full-16bit",
    },
}


@dataclass(frozen=True, slots=True)
class Recipe:
    """One training recipe: every knob, each settable on its own (``estimate_memory`` keywords of the same
    name). ``zero_stage`` None: ZeRO-3/FSDP full sharding over several GPUs, none on one.
    ``full_state_dict_save``: a checkpoint gathers the whole model on rank 0 (FSDP ``FULL_STATE_DICT``).
    ``adapters_fp32``: LoRA adapters kept in fp32 (PEFT's ``autocast_adapter_dtype``) rather than the model's
    dtype. ``qlora_saved_inputs``: bitsandbytes' 4-bit matmul keeps each quantized layer's input for backward.
    ``packing``: examples packed into rows of ``context`` tokens; without packing a batch is padded to its
    longest example, so ``context`` is then the longest padded row. ``lazy_gradients``: autograd allocates
    each gradient during backward as the activations it needed are freed, so the two peak at different times
    (DeepSpeed's ZeRO optimizer preallocates its gradient partitions instead). ``fp32_gradients``: an fp32
    copy of each gradient partition for the optimizer step, 4 bytes per parameter beside the 16-bit gradient
    (DeepSpeed's ZeRO optimizer). ``upcast_unquantized``: QLoRA keeps the weights it does not quantize
    (embeddings, lm_head, norms) in fp32, as PEFT's ``prepare_model_for_kbit_training`` does.
    ``reduce_bucket_size``: elements of DeepSpeed ZeRO-1/2's contiguous gradient bucket, allocated in the
    16-bit dtype when backward starts (``DeepSpeedZeroOptimizer.backward``; 0: no bucket); ``overlap_comm``
    doubles it. ``double_quant``: bitsandbytes 4-bit quantizes its per-block absmax constants again (QLoRA's
    double quantization, 4.127 bits per weight instead of 4.5). ``gptq_saved_weights``: a GPTQ linear trained
    through auto-gptq's torch path keeps its dequantized 16-bit weight for backward."""

    weights: str = "amp"
    optimizer: str = "adamw"
    optimizer_in_backward: bool = False
    offload: str = "none"
    activation_offload: bool = False
    loss: str = "full"
    gradient_checkpointing: bool = True
    packing: bool = False
    zero_stage: int | None = None
    full_state_dict_save: bool = False
    adapters_fp32: bool = True
    qlora_saved_inputs: bool = True
    lazy_gradients: bool = True
    fp32_gradients: bool = False
    upcast_unquantized: bool = True
    reduce_bucket_size: int = 0
    overlap_comm: bool = False
    double_quant: bool = True
    gptq_saved_weights: bool = True

    @property
    def weights_recipe(self) -> WeightsRecipe:
        return WEIGHT_RECIPES[self.weights]

    @property
    def optimizer_record(self) -> Optimizer:
        return OPTIMIZERS[self.optimizer]

    @property
    def offload_record(self) -> Offload:
        return OFFLOADS[self.offload]

    @property
    def loss_record(self) -> Loss:
        return LOSSES[self.loss]


KNOBS: tuple[str, ...] = tuple(f.name for f in fields(Recipe))
"""The recipe's knobs: each is an ``estimate_memory`` keyword, a CLI option and a scenario field."""
_TABLES: dict[str, tuple[Mapping[str, Any], str]] = {
    "weights": (WEIGHT_RECIPES, "weights recipe"),
    "optimizer": (OPTIMIZERS, "optimizer"),
    "offload": (OFFLOADS, "offload"),
    "loss": (LOSSES, "loss"),
}


@dataclass(frozen=True, slots=True)
class Framework:
    """A framework's default recipe, per task and for several GPUs, and where each default comes from.

    ``task_overrides``: knobs a task's stock config changes (torchtune's single-device full fine-tuning pages
    an 8-bit AdamW and steps it in backward). ``multi_gpu``: knobs its distributed configs change.
    """

    name: str
    recipe: Recipe
    sources: Mapping[str, str]
    task_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    multi_gpu: Mapping[str, Any] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()

    def defaults(self, task: str, gpus: int) -> Recipe:
        recipe = replace(self.recipe, **dict(self.task_overrides.get(task, {})))
        return replace(recipe, **dict(self.multi_gpu)) if gpus > 1 else recipe


_PEFT = "PEFT keeps adapters in fp32 (LoraConfig autocast_adapter_dtype=True)"
_BNB = "bitsandbytes Linear4bit via PEFT/transformers"
FRAMEWORKS: dict[str, Framework] = {
    f.name: f
    for f in (
        Framework(
            "hf-trainer",
            Recipe(),
            {
                "weights": "amp: fp32 master and states (Trainer bf16=True on an fp32-loaded model; "
                "DeepSpeed's bf16 optimizer likewise)",
                "optimizer": "TrainingArguments' default optim, adamw_torch_fused in transformers 5 (set "
                "optimizer=adamw_torch for the multi-tensor AdamW and its step's temporaries)",
                "loss": "full: the model's fp32-upcast cross-entropy",
                "gradient_checkpointing": "on (planner's default; TrainingArguments leaves it off, the PEFT "
                "and TRL examples turn it on)",
                "adapters_fp32": _PEFT,
                "qlora_saved_inputs": _BNB,
                "upcast_unquantized": "PEFT prepare_model_for_kbit_training casts the weights it does not "
                "quantize to fp32",
                "zero_stage": "ZeRO-3 over several GPUs (DeepSpeed integration)",
            },
            aliases=("transformers", "hf", "peft"),
        ),
        Framework(
            "trl",
            Recipe(weights="pure-bf16"),
            {
                "weights": "pure-bf16: SFTConfig loads the model in its bf16 dtype (model_init_kwargs "
                "torch_dtype), so torch AdamW keeps states in bf16",
                "optimizer": "adamw_torch (TrainingArguments)",
                "loss": "full (use_liger_kernel=False by default)",
                "gradient_checkpointing": "SFTConfig gradient_checkpointing=True (TRL >= 0.20)",
                "packing": "SFTConfig packing=False",
                "adapters_fp32": _PEFT,
            },
        ),
        Framework(
            "torchtune",
            Recipe(
                weights="pure-bf16",
                loss="chunked",
                adapters_fp32=False,
                qlora_saved_inputs=False,
                upcast_unquantized=False,
            ),
            {
                "weights": "pure-bf16: dtype: bf16 in every recipe config",
                "optimizer": "torch.optim.AdamW (fused) for LoRA/QLoRA and distributed full; "
                "bitsandbytes.optim.PagedAdamW8bit with optimizer_in_bwd: True for single-device full "
                "(recipes/configs/llama3_1/8B_full_single_device.yaml, 2024-09)",
                "optimizer_in_backward": "optimizer_in_bwd: True in the single-device full configs",
                "loss": "chunked: torchtune.modules.loss.CEWithChunkedOutputLoss (8 chunks)",
                "gradient_checkpointing": "enable_activation_checkpointing: True",
                "adapters_fp32": "LoRA weights in the model's bf16",
                "qlora_saved_inputs": "torchao NF4 linear saves no input for backward",
                "upcast_unquantized": "off: the other weights stay in bf16",
                "zero_stage": "FSDP2 full sharding over several GPUs",
            },
            task_overrides={"full": {"optimizer": "paged-adamw-8bit", "optimizer_in_backward": True}},
            multi_gpu={"optimizer": "adamw", "optimizer_in_backward": False},
        ),
        Framework(
            "litgpt",
            Recipe(
                weights="pure-bf16",
                loss="chunked",
                gradient_checkpointing=False,
                adapters_fp32=False,
                upcast_unquantized=False,
                double_quant=False,
            ),
            {
                "weights": "pure-bf16: litgpt finetune --precision bf16-true",
                "optimizer": "AdamW (litgpt finetune defaults)",
                "loss": "chunked: litgpt.utils.chunked_cross_entropy (chunk_size 128)",
                "gradient_checkpointing": "off on one GPU (no activation checkpointing in finetune/lora.py)",
                "adapters_fp32": "LoRA weights in bf16 (bf16-true)",
                "upcast_unquantized": "off: the quantize plugin leaves the other weights in bf16",
                "qlora_saved_inputs": "--quantize bnb.nf4 uses bitsandbytes' 4-bit matmul",
                "double_quant": "off: --quantize bnb.nf4 (bnb.nf4-dq is the double-quantized choice; "
                "Lightning's BitsandbytesPrecision)",
                "zero_stage": "FSDPStrategy full sharding over several GPUs",
            },
        ),
        Framework(
            "llama-factory",
            Recipe(upcast_unquantized=False),
            {
                "upcast_unquantized": "off: its own model preparation upcasts layer norms only "
                "(upcast_layernorm: false by default)",
                "weights": "amp: trainable parameters upcast to fp32 unless pure_bf16: true (its hardware "
                "table: full AMP 18x GB, pure_bf16 8x GB)",
                "optimizer": "adamw_torch (HF Trainer)",
                "loss": "full (enable_liger_kernel: false)",
                "gradient_checkpointing": "on (disable_gradient_checkpointing: false)",
                "adapters_fp32": "LoRA parameters upcast to fp32 (upcast_trainable_params)",
                "zero_stage": "examples/deepspeed ds_z3_config.json over several GPUs",
            },
            aliases=("llamafactory", "llama_factory"),
        ),
        Framework(
            "unsloth",
            Recipe(
                weights="pure-bf16",
                optimizer="adamw-8bit",
                loss="cce",
                activation_offload=True,
                upcast_unquantized=False,
            ),
            {
                "upcast_unquantized": "off: Unsloth prepares 4-bit models itself, embeddings in 16 bit",
                "weights": "pure-bf16: the model is loaded in bf16",
                "optimizer": "optim='adamw_8bit' in Unsloth's notebooks",
                "loss": "cce: Apple's Cut Cross-Entropy, on by default since 2024-12 "
                "(unsloth.ai/blog/llama3-3); its context table (docs.unsloth.ai/basics/unsloth-benchmarks) "
                "grows by about 210 KB per token for Llama 3.1 8B, less than its bf16 logits alone (250 KB)",
                "gradient_checkpointing": "use_gradient_checkpointing='unsloth'",
                "activation_offload": "'unsloth' checkpointing offloads the saved layer inputs to the host",
                "adapters_fp32": _PEFT,
                "qlora_saved_inputs": "bitsandbytes 4-bit weights",
            },
        ),
        Framework(
            "axolotl",
            Recipe(weights="pure-bf16", optimizer="adamw-8bit", packing=True),
            {
                "weights": "pure-bf16: bf16: auto loads the model in bf16",
                "optimizer": "optimizer: adamw_bnb_8bit in examples/llama-3/lora-8b.yml",
                "loss": "full (Liger and Cut Cross Entropy are opt-in plugins)",
                "gradient_checkpointing": "gradient_checkpointing: true in the examples",
                "packing": "sample_packing: true in the examples",
                "adapters_fp32": _PEFT,
                "zero_stage": "deepspeed_configs/zero3_bf16.json over several GPUs",
            },
        ),
        Framework(
            "deepspeed",
            Recipe(
                lazy_gradients=False,
                fp32_gradients=True,
                adapters_fp32=False,
                reduce_bucket_size=500_000_000,
            ),
            {
                "adapters_fp32": "off: the engine casts the whole module, adapters included, to bf16/fp16 "
                "(runtime/engine.py _configure_distributed_model); its ZeRO optimizer keeps the fp32 master "
                "and the fp32 gradient partition of every trainable parameter, adapters too",
                "loss": "full: transformers' causal-LM loss upcasts the logits itself (ForCausalLMLoss "
                "logits.float()). The engine runs no autocast (it casts the module to bf16/fp16), so a model "
                "whose code does not upcast keeps its loss in 16 bit: set loss full-16bit",
                "reduce_bucket_size": "5e8 elements, DeepSpeed's default (runtime/zero/config.py); ZeRO-1/2 "
                "allocate it in the 16-bit dtype at each backward (runtime/zero/stage_1_and_2.py "
                "DeepSpeedZeroOptimizer.backward, contiguous_gradients on by default)",
                "overlap_comm": "off for ZeRO-1/2 by default; on, a second bucket of the same size",
                "lazy_gradients": "off: ZeRO preallocates contiguous gradient partitions and buckets",
                "fp32_gradients": "on: ZeRO casts each gradient partition to fp32 for the step "
                "(runtime/zero/stage_1_and_2.py single_partition_of_fp32_groups)",
                "weights": "amp: bf16/fp16 weights with fp32 master weights and states (ZeRO's optimizer)",
                "optimizer": "FusedAdam / DeepSpeedCPUAdam (AdamW)",
                "zero_stage": "set --zero-stage 1, 2 or 3 (default: 3 over several GPUs)",
                "offload": "set --offload optimizer (offload_optimizer) or params (offload_param)",
                "gradient_checkpointing": "on (planner's default)",
            },
            aliases=("zero", "ds"),
        ),
        Framework(
            "fsdp",
            Recipe(full_state_dict_save=True),
            {
                "weights": "amp: FSDP MixedPrecision keeps fp32 sharded parameters, gradients and states",
                "zero_stage": "3 (FULL_SHARD)",
                "full_state_dict_save": "accelerate fsdp_state_dict_type FULL_STATE_DICT: a save gathers the "
                "whole model on rank 0",
                "gradient_checkpointing": "on (planner's default)",
            },
            aliases=("accelerate-fsdp", "fsdp1", "fsdp2"),
        ),
    )
}
DEFAULT_FRAMEWORK = "hf-trainer"
_FRAMEWORK_ALIASES: dict[str, str] = {alias: f.name for f in FRAMEWORKS.values() for alias in f.aliases}


def framework(name: str) -> Framework:
    """A framework by name or alias (case-insensitive); unknown -> ModelError with a suggestion."""
    return by_name(FRAMEWORKS, _FRAMEWORK_ALIASES, name, "framework")


def recipe_for(framework_name: str | None, task: str, gpus: int, **knobs: Any) -> Recipe:
    """The framework's defaults for ``task`` on ``gpus`` GPUs, with each knob the caller set (not None)
    replacing its default. Names are checked against their registries here, once."""
    base = framework(framework_name or DEFAULT_FRAMEWORK).defaults(task, gpus)
    chosen: dict[str, Any] = {}
    for name, value in knobs.items():
        if value is None:
            continue
        if name in _TABLES:
            table, what = _TABLES[name]
            if not isinstance(value, str):
                raise ModelError(f"{name} must be a name (a string), got {value!r}")
            value = _canonical(table, _ALIASES.get(what, {}), value, what)
        chosen[name] = value
    return replace(base, **chosen)


def _canonical(table: Mapping[str, Any], aliases: Mapping[str, str], value: str, what: str) -> str:
    record = by_name(table, aliases, value, what)
    return str(record.name)


def recipe_note(framework_name: str | None, recipe: Recipe) -> str:
    """One line naming the recipe the figures assume, so a reader can check it against their config."""
    opt = recipe.optimizer + (" stepped in backward" if recipe.optimizer_in_backward else "")
    flags = [
        f"checkpointing {'on' if recipe.gradient_checkpointing else 'off'}",
        *(["activation offload"] if recipe.activation_offload else []),
        *([f"offload {recipe.offload}"] if recipe.offload != "none" else []),
        *(["packing"] if recipe.packing else []),
    ]
    name = framework(framework_name).name if framework_name else DEFAULT_FRAMEWORK
    return f"recipe ({name}): {recipe.weights} weights, {opt}, {recipe.loss} loss, " + ", ".join(flags)


def check_knobs(knobs: dict[str, Any]) -> None:
    """Flags are booleans ("no" is a true string: it once switched checkpointing on); ZeRO's stage is 0-3."""
    for name, value in knobs.items():
        if value is None:
            continue
        if name == "zero_stage":
            if isinstance(value, bool) or value not in (0, 1, 2, 3):
                raise PlannerError(f"zero_stage must be 0, 1, 2 or 3, got {value!r}")
        elif name == "reduce_bucket_size":
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise PlannerError(f"reduce_bucket_size must be a number of elements >= 0, got {value!r}")
        elif isinstance(getattr(Recipe(), name), bool) and not isinstance(value, bool):
            raise ModelError(f"{name} must be True or False, got {value!r}")
