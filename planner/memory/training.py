"""Training memory: weights, adapters, gradients, optimizer states and saved activations, per GPU and total.

What each term is depends on the recipe (planner.memory.frameworks), after docs/memory-model.md:
- AMP keeps an fp32 master copy (4 bytes) and fp32 states beside 16-bit trainable weights: AdamW is
  2 + 2 + 12 = 16 bytes per parameter; pure bf16 keeps the states in the parameters' dtype: 2 + 2 + 4 = 8
  (torch.optim.AdamW).
- 8-bit optimizers keep 1 byte per state element; paged ones keep states in unified memory (not counted);
  an optimizer step inside backward frees each gradient once used (the largest one is alive at a time).
- Offload moves states (and master weights) or also parameters and gradients to host memory.
- ZeRO/FSDP over N GPUs: stage 1 shards states, 2 gradients too, 3 the weights too, plus gathered layers; a
  full-state-dict save gathers the whole model on rank 0.
- LoRA trains ``r x (d_in + d_out)`` per adapted matrix; QLoRA's bitsandbytes matmul keeps each quantized
  layer's input for backward; a GPTQ model trained through auto-gptq's torch path keeps each linear's
  dequantized 16-bit weight instead.
- DeepSpeed ZeRO-1/2 allocate their contiguous gradient bucket(s) when backward starts.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.errors import PlannerError
from planner.memory import components as c
from planner.memory.architecture import Architecture, ParamCounts, count_parameters
from planner.memory.formats import WeightFormat
from planner.memory.frameworks import Recipe

FP32_BYTES = 4
GATHERED_LAYERS = 4  # ZeRO-3/FSDP: the layer computed, the next prefetched, each in forward and backward
OFFLOAD_PARAM_LAYERS = 2  # parameters offloaded: the layer computed and the one being copied in
PEFT_UPCAST_FORMATS = frozenset({"nf4", "bnb-fp4", "int8"})
"""bitsandbytes formats, whose other weights PEFT's prepare_model_for_kbit_training casts to fp32 (it leaves
GPTQ, AWQ and HQQ models alone)."""
OFFLOADED_LAYERS = 2  # activation offloading keeps the layer computed and the one being copied
GPTQ_FORMATS = frozenset({"gptq-int4", "gptq-int8"})
"""Formats trained through auto-gptq's ``QuantLinear`` (PEFT's GPTQ LoRA). Its CUDA kernel runs only below
``kernel_switch_threshold`` (128) rows and exllama has no backward, so training takes the torch path
(auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py ``forward``): unpack ``qweight`` with a shift into int32,
narrow to int8, ``scales * (weight - zeros)`` into a 16-bit weight, then ``torch.matmul(x, weight)``, which
saves that weight for the input's gradient."""
GPTQ_UNPACK_BYTES = 4 + 1  # the int32 shift result and its int8 copy, alive together for one matrix
SINGLE_QUANT_BITS = {"nf4": 4 + 32 / 64}
"""bitsandbytes 4-bit without double quantization: an fp32 absmax per block of 64 (QLoRA paper, section 3)."""


@dataclass(frozen=True, slots=True)
class Split:
    """Per-GPU (most loaded) and total bytes of one component."""

    per_gpu: float
    total: float


@dataclass(frozen=True, slots=True)
class _Trainable:
    """Bytes of what training adds, before sharding and offloading. ``largest_gradient``: the one gradient
    alive when the optimizer steps inside backward; ``step_temporaries``: what the optimizer's step allocates
    for every trained parameter at once (``Optimizer.step_temporaries`` state-sized tensors)."""

    params: int
    adapters: float
    gradients: float
    states: float
    largest_gradient: float
    step_temporaries: float = 0.0


def _trainable(
    a: Architecture,
    counts: ParamCounts,
    fmt: WeightFormat,
    task: str,
    recipe: Recipe,
    lora_rank: int,
    targets: tuple[str, ...],
) -> _Trainable:
    """Gradients and optimizer states per the recipe: full fine-tuning trains every weight in its 16-bit
    dtype; LoRA trains adapters (fp32 under PEFT, the model's dtype under torchtune and LitGPT) and the
    ``modules_to_save`` copies in the model's dtype without a master copy."""
    weights = recipe.weights_recipe
    opt = recipe.optimizer_record
    param_bytes = fmt.other_bits / 8

    def element_bytes(stored: float) -> float:
        return opt.state_bytes or weights.state_bytes or stored

    def state_bytes(stored: float) -> float:
        return opt.states * element_bytes(stored)

    if task == "full":
        master = weights.master_bytes if param_bytes < FP32_BYTES else 0
        largest = max(counts.embedding, counts.lm_head, _largest_matrix(a))
        return _Trainable(
            params=counts.total,
            adapters=0.0,
            gradients=counts.total * (param_bytes + (FP32_BYTES if recipe.fp32_gradients else 0)),
            states=counts.total * (state_bytes(param_bytes) + master),
            largest_gradient=largest * param_bytes,
            step_temporaries=counts.total * opt.step_temporaries * element_bytes(param_bytes),
        )
    if lora_rank < 1:
        raise PlannerError(f"lora_rank must be >= 1, got {lora_rank!r}")
    lora = c.lora_trainable_params(a, lora_rank, targets)
    full = c.fully_trained_params(a, targets)
    adapter_bytes = FP32_BYTES if recipe.adapters_fp32 else param_bytes
    adapters = lora * adapter_bytes + full * param_bytes
    # 16-bit adapters under AMP get the fp32 master copy, and the fp32 gradient partition, full training's do.
    master = weights.master_bytes if adapter_bytes < FP32_BYTES else 0
    fp32_grads = lora * FP32_BYTES if recipe.fp32_gradients else 0
    biggest = max(float(full and a.vocab_size * a.hidden_size), lora_rank * _largest_matrix_side(a))
    return _Trainable(
        params=lora + full,
        adapters=adapters,
        gradients=adapters + fp32_grads,
        states=lora * (state_bytes(adapter_bytes) + master) + full * state_bytes(param_bytes),
        largest_gradient=biggest * adapter_bytes,
        step_temporaries=opt.step_temporaries
        * (lora * element_bytes(adapter_bytes) + full * element_bytes(param_bytes)),
    )


def training_parts(
    a: Architecture,
    fmt: WeightFormat,
    task: str,
    seq: int,
    batch: int,
    gpus: int,
    recipe: Recipe,
    lora_rank: int,
    targets: tuple[str, ...],
    flash_attention: bool,
) -> tuple[dict[str, Split], int, tuple[str, ...]]:
    """Components on the most loaded GPU and summed over GPUs, the trainable parameters, and notes on what
    the recipe keeps outside the GPU."""
    counts = count_parameters(a)
    if task == "qlora" and not recipe.double_quant and fmt.name in SINGLE_QUANT_BITS:
        fmt = replace(fmt, linear_bits=SINGLE_QUANT_BITS[fmt.name])
    base = c.weight_bytes(counts, fmt)
    if _peft_upcast(task, fmt, recipe):
        # prepare_model_for_kbit_training: embeddings, lm_head and norms in fp32 beside the 4-bit layers.
        base += (counts.total - counts.linear) * (32 - fmt.other_bits) / 8
    t = _trainable(a, counts, fmt, task, recipe, lora_rank, targets)
    notes: list[str] = []
    gradients, states, step_temporaries = t.gradients, t.states, t.step_temporaries
    if recipe.optimizer_in_backward:
        gradients = min(gradients, t.largest_gradient)
        step_temporaries = 0.0  # one parameter's step at a time
    if recipe.optimizer_record.paged and states:
        notes.append(
            f"{recipe.optimizer} keeps its states ({states / 2**30:.2f} GiB) in unified memory, paged "
            "to the host when the card fills: not counted"
        )
        states = step_temporaries = 0.0
    offload = recipe.offload_record
    if offload.states and states:
        notes.append(f"offload {recipe.offload}: optimizer states ({states / 2**30:.2f} GiB) in host memory")
        states = step_temporaries = 0.0  # the step runs on the host
    acts, stream = _activations(a, counts, fmt, task, seq, batch, recipe, flash_attention, targets)
    if stream:
        notes.append(
            "PEFT's prepare_model_for_kbit_training casts embeddings and norms to fp32, so the residual "
            f"stream runs in fp32: {stream / 2**30:.2f} GiB of the activations"
        )

    stage = recipe.zero_stage if recipe.zero_stage is not None else (3 if gpus > 1 else 0)
    shard = gpus if gpus > 1 else 1
    layer_weights = counts.largest_layer * fmt.other_bits / 8
    w_gpu = base / shard if stage == 3 else base
    if stage == 3 and gpus > 1:
        w_gpu += GATHERED_LAYERS * layer_weights
    a_gpu = t.adapters / shard if stage == 3 else t.adapters
    g_gpu = gradients / shard if stage >= 2 else gradients
    o_gpu = states / shard if stage >= 1 else states
    step_gpu = step_temporaries / shard if stage >= 1 else step_temporaries
    if offload.params:
        notes.append(
            f"offload params: weights and gradients in host memory; the GPU holds "
            f"{OFFLOAD_PARAM_LAYERS} layers at a time"
        )
        w_gpu = OFFLOAD_PARAM_LAYERS * layer_weights
        g_gpu = min(g_gpu, OFFLOAD_PARAM_LAYERS * layer_weights)
    if recipe.full_state_dict_save and stage == 3 and gpus > 1:
        # The save runs between steps (activations and gradients freed): rank 0 gathers every weight.
        gathered = base - (w_gpu - GATHERED_LAYERS * layer_weights)
        extra = max(0.0, gathered - acts - g_gpu)
        notes.append(f"full-state-dict save: rank 0 gathers the whole model ({base / 2**30:.2f} GiB)")
        w_gpu += extra
    if stage in (1, 2) and recipe.reduce_bucket_size:
        buckets = (2 if recipe.overlap_comm else 1) * recipe.reduce_bucket_size * c.ACT_BYTES
        notes.append(f"ZeRO-{stage} gradient bucket(s): {buckets / 2**30:.2f} GiB allocated at each backward")
        g_gpu += buckets
    all_gradients = g_gpu
    if recipe.lazy_gradients and g_gpu and acts:
        # Backward frees saved activations as it allocates gradients: at the loss the activations are all held
        # and no gradient exists yet, at the end the reverse. Only gradients beyond the activations add.
        held = min(g_gpu, acts)
        notes.append(
            f"gradients are allocated as backward frees activations: {held / 2**30:.2f} GiB of them "
            "reuse the activations' memory"
        )
        g_gpu -= held
    # The optimizer's step comes after backward has freed the activations, with every gradient alive and the
    # step's own temporaries: the peak is the larger of the two moments, and the step's excess over backward's
    # is counted with the optimizer (our own H200 measurements: Trainer's full fine-tuning of Qwen2.5-3B
    # peaks at its step, docs/memory-model.md).
    step_excess = max(0.0, all_gradients + step_gpu - (g_gpu + acts))
    if step_excess:
        notes.append(
            f"the optimizer step peaks above backward: every gradient alive plus {step_gpu / 2**30:.2f} GiB "
            f"of its temporaries ({recipe.optimizer}), {step_excess / 2**30:.2f} GiB counted with its states"
        )
        o_gpu += step_excess
    parts = {
        "weights": Split(w_gpu, w_gpu * gpus),
        "adapters": Split(a_gpu, a_gpu * gpus),
        "gradients": Split(g_gpu, g_gpu * gpus),
        "optimizer_states": Split(o_gpu, o_gpu * gpus),
        "activations": Split(acts, acts * gpus),
    }
    return parts, t.params, tuple(notes)


def _activations(
    a: Architecture,
    counts: ParamCounts,
    fmt: WeightFormat,
    task: str,
    seq: int,
    batch: int,
    recipe: Recipe,
    flash_attention: bool,
    targets: tuple[str, ...] = (),
) -> tuple[float, float]:
    """Saved activations at the backward peak, plus the logits at the loss; and the part of them PEFT's fp32
    residual stream adds (``_peft_upcast``), for the note that names it.

    Checkpointing keeps each layer's input (``tokens x h x 2``, or 4 where the residual stream is fp32)
    and recomputes one layer at a time; activation offloading copies those inputs to the host, keeping
    ``OFFLOADED_LAYERS`` on the GPU.
    """
    tokens = seq * batch
    layer = c.training_layer_activation_bytes(a, tokens, flash_attention, seq)
    if task == "qlora" and recipe.qlora_saved_inputs and fmt.quantized:
        layer += qlora_saved_input_bytes(a, tokens)
    fp32_stream = _peft_upcast(task, fmt, recipe)
    stream_bytes = 4 if fp32_stream else c.ACT_BYTES
    copies = fp32_stream_copy_bytes(a, tokens, targets) if fp32_stream else 0.0
    layer += copies
    if recipe.packing and not flash_attention:
        layer += batch * seq * seq  # the block-causal mask of packed rows, one bool per query-key pair
    held_layers = min(OFFLOADED_LAYERS, a.num_layers) if recipe.activation_offload else a.num_layers
    if recipe.gradient_checkpointing:
        acts = held_layers * tokens * a.hidden_size * stream_bytes + layer
        stream = held_layers * tokens * a.hidden_size * (stream_bytes - c.ACT_BYTES) + copies
    else:
        acts = held_layers * layer
        stream = held_layers * copies
    acts += tokens * a.vocab_size * recipe.loss_record.bytes_per_logit
    if task != "full" and fmt.name in GPTQ_FORMATS and recipe.gptq_saved_weights:
        acts += gptq_saved_weight_bytes(counts, recipe.gradient_checkpointing)
        acts += _largest_matrix(a) * GPTQ_UNPACK_BYTES
    elif fmt.quantized:  # one linear weight dequantized to bf16 at a time
        acts += _largest_matrix(a) * c.ACT_BYTES
    return acts, stream


def _peft_upcast(task: str, fmt: WeightFormat, recipe: Recipe) -> bool:
    """Whether PEFT's ``prepare_model_for_kbit_training`` casts the unquantized weights to fp32 (bitsandbytes
    formats under a recipe that prepares the model so): the weights it leaves in fp32, and the fp32
    residual stream their output makes (``fp32_stream_copy_bytes``)."""
    return task == "qlora" and recipe.upcast_unquantized and fmt.name in PEFT_UPCAST_FORMATS


def gptq_saved_weight_bytes(counts: ParamCounts, checkpointing: bool) -> float:
    """Dequantized 16-bit weights auto-gptq's torch path saves for backward (``GPTQ_FORMATS``): one decoder
    layer's linears when checkpointing recomputes a layer at a time, every layer's without it."""
    return (counts.layer_linear if checkpointing else counts.linear) * c.ACT_BYTES


def fp32_stream_copy_bytes(a: Architecture, tokens: int, targets: tuple[str, ...]) -> float:
    """What one layer saves beyond a bf16 model's when PEFT's ``prepare_model_for_kbit_training`` has cast
    the embeddings and norms to fp32, so that the residual stream and both norms' outputs are fp32.

    Each norm saves its normalized fp32 tensor for the weight's gradient (4h instead of a bf16 model's 2h
    output), and every consumer of a norm's output makes its own bf16 copy and saves it: bitsandbytes'
    ``Linear4bit`` casts its input to the compute dtype (q, k and v from the attention norm, gate and up
    from the MLP norm), and each LoRA adapter's input is cast again by autocast. In a bf16 model those
    readers share one tensor. Our own H200 measurements check it (docs/memory-model.md, docs/benchmarks.md).
    """
    attention_readers = 3 + sum(t in targets for t in ("q_proj", "k_proj", "v_proj"))
    mlp_readers = (2 if a.gated_mlp else 1) + sum(t in targets for t in ("gate_proj", "up_proj"))
    copies = attention_readers + mlp_readers
    return tokens * a.hidden_size * (2 * 2 + copies * c.ACT_BYTES)


def qlora_saved_input_bytes(a: Architecture, tokens: int) -> float:
    """The inputs bitsandbytes' ``MatMul4Bit`` saves for backward, one per distinct input of a layer's
    quantized linears: the attention input (q, k, v share it), the attention output (``o_proj``), the MLP
    input (gate and up share it) and the MLP product (``down_proj``), in bf16."""
    inter = a.moe_intermediate_size * a.num_experts_per_tok if a.is_moe else a.intermediate_size
    return tokens * (2 * a.hidden_size + a.num_heads * a.head_dim + inter) * c.ACT_BYTES


def _largest_matrix(a: Architecture) -> int:
    inter = a.moe_intermediate_size if a.is_moe else a.intermediate_size
    return max(a.hidden_size * inter, a.hidden_size * a.num_heads * a.head_dim)


def _largest_matrix_side(a: Architecture) -> int:
    inter = a.moe_intermediate_size if a.is_moe else a.intermediate_size
    return a.hidden_size + max(inter, a.num_heads * a.head_dim)
