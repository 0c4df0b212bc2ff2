"""One function per memory component, each with its formula and source. All results are bytes.

Conventions: ``tokens`` is tokens per sequence held in the KV cache, ``batch`` the sequences held at once,
``shard`` the tensor-parallel degree (1 when layers are split across GPUs instead).
"""

from __future__ import annotations

import math

from planner.memory.architecture import Architecture, ParamCounts
from planner.memory.formats import WeightFormat

ACT_BYTES = 2  # bf16/fp16 activations; fp32 models use 4


def weight_bytes(counts: ParamCounts, fmt: WeightFormat) -> float:
    """Weights = sum over tensors of params x bits / 8.

    Quantized formats (bitsandbytes, GPTQ, AWQ, fp8) quantize the decoder's linear layers and keep the
    embeddings, lm_head, norms and biases at ``other_bits`` (16); MXFP4 quantizes only the routed experts of
    a mixture of experts (gpt-oss keeps attention in bf16), every linear layer of a dense model. GGUF
    quantizes the token embedding like the linear layers and stores the output head at Q6_K (llama.cpp
    ``quantize``), norms in f32 (negligible).
    """
    if fmt.gguf:
        head = counts.lm_head * fmt.head_bits
        rest = (counts.linear + counts.embedding) * fmt.linear_bits + counts.other * 32
        return (head + rest) / 8
    linear = counts.expert_linear if fmt.experts_only and counts.expert_linear else counts.linear
    quantized = linear * fmt.linear_bits
    kept = (counts.total - linear) * fmt.other_bits
    return (quantized + kept) / 8


def kv_elements_per_token(a: Architecture, shard: int, latent: bool) -> float:
    """Cached elements per token per GPU, summed over layers (full-attention layers only).

    Standard attention: ``2 x max(n_kv_heads / tp, 1) x head_dim`` per layer (vLLM replicates KV heads
    when tp > n_kv_heads). MLA with a latent cache (vLLM, llama.cpp): ``kv_lora_rank + qk_rope_head_dim``
    per layer, not split across TP. MLA in transformers caches decompressed keys and values:
    ``n_heads x (qk_nope + rope + v_head_dim)``, split across TP like heads.
    """
    if a.is_mla:
        if latent:
            return float(a.kv_lora_rank + a.qk_rope_head_dim)
        per_layer = a.num_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim)
        return per_layer / shard
    heads = max(a.num_kv_heads / shard, 1.0)
    return 2 * heads * a.head_dim


def kv_cache_bytes(
    a: Architecture,
    tokens: int,
    batch: int,
    kv_bytes: float,
    shard: int,
    latent: bool,
    window_tokens: int | None = None,
    block_tokens: int = 1,
) -> float:
    """KV cache on one tensor-parallel shard: per-token bytes x tokens x sequences, layer by layer.

    Full-attention layers hold ``tokens`` rounded up to the engine's block (vLLM: 16). Sliding-window layers
    hold ``window_tokens`` per sequence, which the engine's record computes (vLLM keeps the window plus a
    prefill chunk and a block, llama.cpp the window plus ``n_ubatch`` padded to 256 cells, transformers'
    hybrid cache the window); None means the cache keeps every token there too.
    """
    per_layer = kv_elements_per_token(a, shard, latent) * kv_bytes
    held = math.ceil(tokens / block_tokens) * block_tokens
    window_layers = a.sliding_layers if window_tokens is not None and a.sliding_window else 0
    full_layers = a.num_layers - window_layers
    return per_layer * batch * (full_layers * held + window_layers * (window_tokens or 0))


def _ffn_width(a: Architecture, shard: int) -> float:
    """Elements per token alive at the feed-forward peak: ``act(gate(x))``, ``up(x)`` and their product.

    MoE in transformers loops over experts: one expert's slice of the tokens is alive at a time (top_k / E of
    them on average; x2 for imbalance), plus the shared expert and the output accumulator.
    """
    matrices = 3 if a.gated_mlp else 2
    if not a.is_moe:
        return matrices * a.intermediate_size / shard
    share = min(1.0, 2 * a.num_experts_per_tok / a.num_experts)
    shared = a.num_shared_experts * a.moe_intermediate_size + a.shared_expert_intermediate_size
    return (matrices * (a.moe_intermediate_size * share + shared)) / shard + a.hidden_size + a.num_experts


def _attn_width(a: Architecture, shard: int) -> float:
    """Elements per token alive at the attention peak: q, k, v, their rotary copies and the output."""
    if a.is_mla:
        mq = a.num_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim)
        mkv = a.num_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim)
        return (2 * mq + mkv + a.num_heads * a.v_head_dim) / shard
    q = a.num_heads * a.head_dim
    kv = max(a.num_kv_heads / shard, 1.0) * a.head_dim
    return (3 * q) / shard + 3 * kv


def forward_peak_bytes(a: Architecture, tokens_at_once: int, shard: int, act_bytes: int = ACT_BYTES) -> float:
    """Transient peak of one inference forward pass (no autograd): residual + normed input + the widest block.

    Grows with the tokens processed at once (the prompt, or vLLM's ``max_num_batched_tokens``, or llama.cpp's
    ``n_ubatch``), not with the tokens already cached. Checked against the Qwen2.5 speed benchmark, where
    memory at 30,720 prompt tokens exceeds weights + KV by the MLP's ``3 x intermediate`` per token.
    """
    width = 2 * a.hidden_size + max(_ffn_width(a, shard), _attn_width(a, shard))
    return tokens_at_once * width * act_bytes


def eager_attention_bytes(a: Architecture, batch: int, prompt_tokens: int, shard: int) -> float:
    """Scores and probabilities materialised without FlashAttention: ``b x heads x s^2 x (2 + 4)``."""
    return batch * (a.num_heads / shard) * prompt_tokens * prompt_tokens * (ACT_BYTES + 4)


def logits_bytes(a: Architecture, positions: int) -> float:
    """Inference logits for ``positions`` positions: bf16 output plus the fp32 upcast, ``x V x (2 + 4)``.

    transformers >= 4.45 computes the last position only while generating (before, the whole prompt).
    """
    return positions * a.vocab_size * (ACT_BYTES + 4)


TRAINING_LOGIT_BYTES = ACT_BYTES + 4 + 4 + ACT_BYTES


def training_logits_bytes(a: Architecture, tokens: int) -> float:
    """Training logits at the loss's backward peak: ``tokens x V x (2 + 4 + 4 + 2)`` bytes.

    The bf16 logits, their fp32 upcast, the fp32 log-softmax cross-entropy saves for backward, and the bf16
    gradient flowing back into lm_head. The common ``(2 + 4)`` counts the first two only; the Qwen
    fine-tuning profile (benchmarks/data/vram_calibration.csv) grows by about 12 bytes per token per
    vocabulary entry from 256 to 8192 tokens, so measurements win here.
    """
    return tokens * a.vocab_size * TRAINING_LOGIT_BYTES


def training_layer_activation_bytes(
    a: Architecture, tokens: int, flash_attention: bool, seq_len: int
) -> float:
    """Activations one decoder layer saves for backward, after Korthikanti et al. 2022 (arXiv 2205.05198).

    Their ``s*b*h*(34 + 5*a*s/h)`` is for a GPT block; here the same accounting over the real shapes: both
    RMSNorm inputs in fp32 (8h) and their bf16 outputs (4h); q, k, v, their rotary copies and the attention
    output (2 bytes each); a gated MLP's gate, up, activation and product (8 x intermediate); FlashAttention
    removes the ``5*a*s/h`` score term.
    """
    h = a.hidden_size
    attn = _attn_width(a, 1) * ACT_BYTES
    if a.is_moe:
        mlp = a.num_experts_per_tok * 4 * a.moe_intermediate_size * ACT_BYTES
        mlp += (
            (a.num_shared_experts * a.moe_intermediate_size + a.shared_expert_intermediate_size)
            * 4
            * ACT_BYTES
        )
    else:
        mlp = (4 if a.gated_mlp else 2) * a.intermediate_size * ACT_BYTES
    per_token = 12 * h + attn + mlp
    scores = 0.0 if flash_attention else 5 * a.num_heads * seq_len
    return tokens * (per_token + scores)


def fully_trained_params(a: Architecture, targets: tuple[str, ...]) -> int:
    """Parameters of modules trained in full beside LoRA (PEFT ``modules_to_save``: embeddings, lm_head)."""
    return sum(a.vocab_size * a.hidden_size for t in targets if t in FULLY_TRAINED)


def lora_trainable_params(a: Architecture, rank: int, targets: tuple[str, ...]) -> int:
    """LoRA adds ``r x (d_in + d_out)`` per adapted matrix (Hu et al. 2021); experts adapted one by one."""
    h = a.hidden_size
    q = a.num_heads * a.head_dim
    kv: int = a.num_kv_heads * a.head_dim
    if a.is_mla:
        q = a.num_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim)
        kv = a.kv_lora_rank + a.qk_rope_head_dim
    shapes_attn = {"q_proj": (h, q), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (q, h)}
    n_moe = a.moe_layers
    n_dense = a.num_layers - n_moe
    total = 0
    for target in targets:
        if target in shapes_attn:
            d_in, d_out = shapes_attn[target]
            total += a.num_layers * rank * (d_in + d_out)
        elif target in ("gate_proj", "up_proj", "down_proj"):
            total += n_dense * rank * (h + a.intermediate_size)
            experts = a.num_experts + a.num_shared_experts
            total += n_moe * experts * rank * (h + a.moe_intermediate_size)
    return total


ALL_LINEAR_TARGETS: tuple[str, ...] = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
)
FULLY_TRAINED: tuple[str, ...] = ("embed_tokens", "lm_head")
TARGET_GROUPS: dict[str, tuple[str, ...]] = {
    "all": ALL_LINEAR_TARGETS,
    "all-linear": ALL_LINEAR_TARGETS,
    "attention": ("q_proj", "k_proj", "v_proj", "o_proj"),
    "qv": ("q_proj", "v_proj"),
    "mlp": ("gate_proj", "up_proj", "down_proj"),
}
