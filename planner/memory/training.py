"""Training memory: weights, adapters, gradients, optimizer states and saved activations, per GPU and total.

Mixed-precision AdamW keeps 2 (bf16 grads) + 12 (fp32 master, m, v) bytes per trainable
parameter beside the 2-byte weights; LoRA trains fp32 adapters; ZeRO-3/FSDP over N GPUs divides weights,
gradients and optimizer states by N plus a gathered layer; stage 2 shards gradients and states; stage 1
states only.
"""

from __future__ import annotations

from dataclasses import dataclass

from planner.errors import PlannerError
from planner.memory import components as c
from planner.memory.architecture import Architecture, count_parameters
from planner.memory.formats import WeightFormat

# Optimizer state bytes per trainable parameter, excluding the fp32 master copy (added when the trainable
# weights are stored in 16 bit): AdamW m and v in fp32 (8), bitsandbytes 8-bit AdamW (2), SGD momentum (4).
OPTIMIZER_STATE_BYTES: dict[str, int] = {"adamw": 8, "adam": 8, "adamw-8bit": 2, "adamw_8bit": 2, "sgd": 4}
LORA_ADAPTER_BYTES = 4  # PEFT keeps adapter weights in fp32 (autocast_adapter_dtype=True)


@dataclass(frozen=True, slots=True)
class Split:
    """Per-GPU (most loaded) and total bytes of one component."""

    per_gpu: float
    total: float


def training_parts(
    a: Architecture,
    fmt: WeightFormat,
    task: str,
    seq: int,
    batch: int,
    gpus: int,
    optimizer: str,
    lora_rank: int,
    targets: tuple[str, ...],
    checkpointing: bool,
    stage: int,
    flash_attention: bool,
) -> tuple[dict[str, Split], int]:
    counts = count_parameters(a)
    base = c.weight_bytes(counts, fmt)
    state = OPTIMIZER_STATE_BYTES[optimizer]
    weight_param_bytes = fmt.other_bits / 8
    if task == "full":
        trainable = counts.total
        grad_bytes = weight_param_bytes
        master = 4 if weight_param_bytes < 4 else 0
        adapters = 0.0
        gradients = trainable * grad_bytes
        optim = trainable * (state + master)
    else:
        if lora_rank < 1:
            raise PlannerError(f"lora_rank must be >= 1, got {lora_rank!r}")
        lora = c.lora_trainable_params(a, lora_rank, targets)
        # modules_to_save are trainable copies in the model's 16-bit dtype, without an fp32 master copy.
        full = c.fully_trained_params(a, targets)
        trainable = lora + full
        adapters = lora * LORA_ADAPTER_BYTES + full * weight_param_bytes
        gradients = lora * LORA_ADAPTER_BYTES + full * weight_param_bytes
        optim = trainable * state
    tokens = seq * batch
    layer = c.training_layer_activation_bytes(a, tokens, flash_attention, seq)
    if checkpointing:
        acts = a.num_layers * tokens * a.hidden_size * c.ACT_BYTES + layer
    else:
        acts = a.num_layers * layer
    acts += c.training_logits_bytes(a, tokens)
    if fmt.quantized:  # one linear weight dequantized to bf16 at a time
        acts += _largest_matrix(a) * c.ACT_BYTES
    shard = gpus if gpus > 1 else 1
    w_gpu = base / shard if stage == 3 else base
    if stage == 3 and gpus > 1:
        w_gpu += 4 * counts.largest_layer * weight_param_bytes  # gathered and prefetched layers
    a_gpu = adapters / shard if stage == 3 else adapters
    g_gpu = gradients / shard if stage >= 2 else gradients
    o_gpu = optim / shard if stage >= 1 else optim
    return (
        {
            "weights": Split(w_gpu, w_gpu * gpus),
            "adapters": Split(a_gpu, a_gpu * gpus),
            "gradients": Split(g_gpu, g_gpu * gpus),
            "optimizer_states": Split(o_gpu, o_gpu * gpus),
            "activations": Split(acts, acts * gpus),
        },
        trainable,
    )


def _largest_matrix(a: Architecture) -> int:
    inter = a.moe_intermediate_size if a.is_moe else a.intermediate_size
    return max(a.hidden_size * inter, a.hidden_size * a.num_heads * a.head_dim)
