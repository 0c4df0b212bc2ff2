"""Roofline terms: bytes a decode step reads, FLOPs a forward pass does, bytes an all-reduce moves.

Pure arithmetic on a model's shape (taken from the memory model, never re-derived here) and a GPU's datasheet
figures. Formulas:

- prefill FLOPs of ``p`` tokens = ``2 x active params x p + 2 x layers x attention width x p^2`` (the score
  and value products over a causal prompt, ``4 x layers x width x p^2 / 2``);
- decode FLOPs per token at context ``c`` = ``2 x active params + 4 x layers x attention width x c``; for
  multi-head latent attention run absorbed (DeepSeek-V2/V3 under vLLM and SGLang, which cache the latent),
  each query head scores the ``kv_lora_rank + rope`` latent and sums ``kv_lora_rank`` values per position:
  the width is ``heads x (2 x kv_lora_rank + rope) / 2``, 4.25 times the decompressed ``heads x v_head_dim``
  of DeepSeek-V3 (DeepSeek-V2 paper, arXiv 2405.04434, section 2.1.3);
- bytes per decode step of ``b`` sequences = weights the step touches (for a mixture of experts, the routed
  experts at least one of the ``b`` tokens picks; of an untied input embedding, the ``b`` rows its tokens
  look up, not the matrix, which the memory model holds whole) + ``KV bytes per token x c x b``; a latent
  MLA cache is one vector per token and layer shared by every head, so each tensor-parallel GPU holds and
  reads all of it (``kv_replicated``), where grouped heads split across the GPUs;
- ring all-reduce of ``S`` bytes over ``t`` GPUs sends ``2 (t - 1) / t x S`` per GPU (Patarasuk and Yuan
  2009); a tensor-parallel layer does two (after attention and after the MLP; Megatron-LM, arXiv 1909.08053).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from planner.memory import components
from planner.memory.architecture import Architecture, count_parameters
from planner.memory.formats import WeightFormat

ACTIVATION_BYTES = 2
"""16-bit activations travel in the all-reduce."""
ALLREDUCES_PER_LAYER = 2
EIGHT_BIT_COMPUTE_FORMATS: frozenset[str] = frozenset({"fp8"})
"""Formats whose matrix products run in 8 bit (W8A8 fp8); weight-only formats dequantize to 16 bit first."""
TILED_DEQUANT_FORMATS: frozenset[str] = frozenset({"awq-int4"})
"""Weight-only formats whose kernels dequantize inside a tiled matrix product even for one token (AWQ's GEMM
kernel, as vLLM 0.4 and AutoAWQ run it), where GPTQ's run a matrix-vector kernel (exllama, Marlin)."""
SINGLE_TOKEN_KERNEL_FORMATS: frozenset[str] = frozenset({"nf4", "bnb-fp4"})
"""Formats whose fused kernel multiplies packed weights only for one token a pass: bitsandbytes' 4-bit
inference kernels (NF4, FP4) are matrix-vector kernels for batch size 1 (release 0.40.0); a pass of more
tokens dequantizes every weight matrix to a 16-bit copy and multiplies by that (its QLoRA training path)."""
HOST_DISPATCH_SHARE: dict[str, tuple[float, float]] = {
    "int8": (0.15, 0.15),
    "nf4": (0.10, 0.18),
    "bnb-fp4": (0.05, 0.15),
}
"""Formats whose every quantized linear layer costs the engine's host a fixed extra time per pass, as a share
of the host's fixed cost per layer (the engine's per-layer cost plus its per-step cost over the layers, which
is what the measurement below divides by), for one token a pass and for more: bitsandbytes' layers run
through a Python ``autograd.Function`` of their own and launch a chain of kernels where a 16-bit
``nn.Linear`` launches one GEMM. LLM.int8 (``int8``): quantize the activations row-wise, an int8 GEMM
through cuBLASLt, dequantize the int32 result (plus the outlier columns' 16-bit product where
``llm_int8_threshold`` > 0), at every batch. NF4 with double quantization (planner's ``nf4``, 4.127 bits):
for one token dequantize the 8-bit absmax, then the 4-bit GEMV; FP4 without double quantization
(``bnb-fp4``) skips the absmax step; past one token both dequantize each matrix to a 16-bit copy
(``SINGLE_TOKEN_KERNEL_FORMATS``) and launch a 16-bit GEMM, a longer chain. The cost is the host's (the
chain is launched from Python, so it scales with the engine's own fixed cost per layer, not with the card),
and like the rest of an eager host's cost it hides behind the GPU's work where that is longer
(``EngineSpeed.host_runs_ahead``). Shares measured by ``python benchmarks/bnb_host_cost.py``: the median over
the H100 rows of ``throughput_bitsandbytes.csv`` (Llama 3.1 8B, Qwen2.5 32B, batches 1-32; every one
host-bound) of a row's time over the same host's 16-bit row's, less one, per quantized linear layer of a
decoder layer: LLM.int8 0.133-0.163 at every batch, NF4 with double quantization 0.098-0.099 for one token
and 0.173-0.196 past one, without it (the FP4 figure) 0.051-0.056 and 0.123-0.182."""


@dataclass(frozen=True, slots=True)
class ModelTerms:
    """What speed needs to know about one model at one precision, from the memory model.

    ``weight_bytes``: all weights at their format. ``routed_expert_bytes``: of those, the routed experts of a
    mixture of experts (0 for a dense model). ``active_params``: parameters one token multiplies by (shared
    layers plus ``experts_per_token`` of the routed experts). ``kv_bytes_per_token``: over all layers.
    ``attention_width``: query heads x head dim, the width of the score and value products (multi-head latent
    attention: heads x the mean of its score and value dims, ``(qk_nope + rope + v) / 2``).
    ``query_heads_per_kv_head``: grouped-query attention's group size (1 for multi-head attention and MLA).
    """

    layers: int
    linear_params: int
    """Weights of the quantizable linear layers (what a weight-only format stores packed)."""
    hidden_size: int
    query_heads: int
    attention_width: int
    params: int
    active_params: float
    weight_bytes: float
    routed_expert_bytes: float
    experts: int
    experts_per_token: int
    moe_layers: int
    kv_bytes_per_token: float
    query_heads_per_kv_head: float
    quantized: bool
    eight_bit_compute: bool
    """Weights and activations both 8-bit floating point (fp8): matrix products may run at the fp8 rate."""
    tiled_dequant: bool = False
    """Stored in a format of ``TILED_DEQUANT_FORMATS``."""
    dequantizes_above_one_token: bool = False
    """Stored in a format of ``SINGLE_TOKEN_KERNEL_FORMATS``: a pass of more than one token writes and reads
    back a 16-bit copy of every quantized weight besides reading the packed ones."""
    decode_attention_width: float = 0.0
    """Width of a decode step's score and value products where it differs from ``attention_width`` (absorbed
    multi-head latent attention: ``heads x (2 x kv_lora_rank + rope dim) / 2``); 0: ``attention_width``."""
    kv_replicated: bool = False
    """Every tensor-parallel GPU reads the whole KV cache (MLA's latent: one vector per token and layer for
    all heads, which the memory model does not split across GPUs either)."""
    linear_modules: int = 0
    """Linear layers one token passes through: per layer, attention's (query, key, value, output; MLA's down-
    and up-projections) and the MLP's two or three matrices, for a mixture of experts those of every shared
    expert and of the ``experts_per_token`` routed ones."""
    host_dispatch_share: float = 0.0
    """Extra cost of each quantized linear layer per pass, a share of the engine's fixed cost per layer
    (per-layer cost plus per-step cost over the layers; ``HOST_DISPATCH_SHARE``; 0 for formats whose kernels
    replace the 16-bit GEMM one for one)."""
    host_dispatch_share_batched: float = 0.0
    """The same for a pass of more than one token (a 4-bit format's layers then launch another chain)."""
    lookup_bytes: float = 0.0
    """Of ``weight_bytes``, an untied input embedding at its format: a pass gathers one row per token
    (Llama-3-8B: 1.05 GB of its 16.06 GB in bf16, a 4 KB row read per token), where a tied one is also the
    output head, which multiplies by the whole matrix every pass."""
    vocab_size: int = 0
    """Rows of the input embedding."""


def model_terms(
    a: Architecture, fmt: WeightFormat, kv_bytes_per_token: float, latent_kv: bool = False
) -> ModelTerms:
    """The terms above for architecture ``a`` stored as ``fmt``; the weight bytes are the memory model's.

    ``latent_kv``: the engine caches multi-head latent attention's compressed latent (the memory record's
    ``latent_mla``) and so decodes it absorbed, reading the latent on every GPU; else MLA is decompressed
    into per-head keys and values (transformers), split across GPUs like any heads.
    """
    mla_latent = a.is_mla and latent_kv
    # Prefill (and decompressed MLA) scores over qk_nope + rope dims and sums v_head_dim values per head.
    width = a.num_heads * (a.qk_nope_head_dim + a.qk_rope_head_dim + a.v_head_dim) / 2 if a.is_mla else 0
    counts = count_parameters(a)
    weights = components.weight_bytes(counts, fmt)
    # The input embedding at its format (GGUF quantizes it like the linear layers, other formats keep 16 bit).
    table = replace(counts, lm_head=0, linear=0, other=0, largest_layer=0, layer_linear=0, expert_linear=0)
    lookup = 0.0 if a.tie_word_embeddings else components.weight_bytes(table, fmt)
    routed = 0.0
    active = float(counts.total)
    if a.is_moe and counts.expert_linear:
        only_experts = replace(
            counts, embedding=0, lm_head=0, other=0, linear=counts.expert_linear, largest_layer=0
        )
        routed = components.weight_bytes(only_experts, fmt)
        active -= counts.expert_linear * (1 - a.num_experts_per_tok / a.num_experts)
    return ModelTerms(
        layers=a.num_layers,
        linear_params=counts.linear,
        hidden_size=a.hidden_size,
        query_heads=a.num_heads,
        attention_width=int(width) if a.is_mla else a.num_heads * a.head_dim,
        params=counts.total,
        active_params=active,
        weight_bytes=weights,
        routed_expert_bytes=routed,
        experts=a.num_experts,
        experts_per_token=a.num_experts_per_tok,
        moe_layers=a.moe_layers,
        kv_bytes_per_token=kv_bytes_per_token,
        query_heads_per_kv_head=1.0 if a.is_mla else a.num_heads / max(a.num_kv_heads, 1),
        quantized=fmt.quantized,
        eight_bit_compute=fmt.name in EIGHT_BIT_COMPUTE_FORMATS,
        tiled_dequant=fmt.name in TILED_DEQUANT_FORMATS,
        dequantizes_above_one_token=fmt.name in SINGLE_TOKEN_KERNEL_FORMATS,
        decode_attention_width=(
            a.num_heads * (2 * a.kv_lora_rank + a.qk_rope_head_dim) / 2 if mla_latent else 0.0
        ),
        kv_replicated=mla_latent,
        lookup_bytes=lookup,
        vocab_size=a.vocab_size,
        linear_modules=linear_modules(a),
        host_dispatch_share=HOST_DISPATCH_SHARE.get(fmt.name, (0.0, 0.0))[0],
        host_dispatch_share_batched=HOST_DISPATCH_SHARE.get(fmt.name, (0.0, 0.0))[1],
    )


def linear_modules(a: Architecture) -> int:
    """Linear layers a token passes through (``ModelTerms.linear_modules``)."""
    # Query (down and up with a query LoRA), latent down, latent up, output; else query, key, value, output.
    attention = (2 if a.q_lora_rank else 1) + 3 if a.is_mla else 4
    matrices = 3 if a.gated_mlp else 2
    shared = a.num_shared_experts + (1 if a.shared_expert_intermediate_size else 0)
    moe = matrices * (a.num_experts_per_tok + shared)
    return a.num_layers * attention + (a.num_layers - a.moe_layers) * matrices + a.moe_layers * moe


def touched_experts(m: ModelTerms, tokens: int) -> float:
    """Routed experts of one MoE layer that ``tokens`` tokens pick between them (expected): each of the
    ``E`` experts is left out by all of them with probability ``(1 - k/E)^tokens``; 0 for a dense model."""
    if not m.routed_expert_bytes or not m.experts:
        return 0.0
    return m.experts * (1 - (1 - m.experts_per_token / m.experts) ** tokens)


def touched_expert_bytes(m: ModelTerms, batch: int) -> float:
    """Bytes of the routed experts that ``batch`` tokens pick between them (expected): with ``k`` of ``E``
    experts per token chosen independently, an expert is untouched by ``b`` tokens with probability
    ``(1 - k/E)^b``; 0 for a dense model."""
    if not m.routed_expert_bytes:
        return 0.0
    return m.routed_expert_bytes * (1 - (1 - m.experts_per_token / m.experts) ** batch)


def looked_up_bytes(m: ModelTerms, batch: int) -> float:
    """Bytes of an untied input embedding that ``batch`` tokens gather: one row each, at most every row."""
    if not m.lookup_bytes:
        return 0.0
    return m.lookup_bytes * min(1.0, batch / max(m.vocab_size, 1))


def step_weight_bytes(m: ModelTerms, batch: int) -> float:
    """Weights one pass of ``batch`` tokens reads: every weight matrix it multiplies by, of a mixture of
    experts only the routed experts some token picks, of an untied input embedding only the rows its tokens
    look up."""
    shared = m.weight_bytes - m.routed_expert_bytes - m.lookup_bytes
    return shared + touched_expert_bytes(m, batch) + looked_up_bytes(m, batch)


def decode_bytes(m: ModelTerms, batch: int, context: float, gpus: int = 1) -> float:
    """Bytes one decode step reads over ``gpus`` tensor-parallel GPUs: the weights it touches plus every
    sequence's KV cache, once on each GPU where every GPU reads all of it (a latent MLA cache)."""
    readers = gpus if m.kv_replicated else 1
    return step_weight_bytes(m, batch) + m.kv_bytes_per_token * context * batch * readers


def decode_flops(m: ModelTerms, batch: int, context: float) -> float:
    """FLOPs of one decode step: ``batch`` tokens, each attending to ``context`` earlier ones."""
    width = m.decode_attention_width or m.attention_width
    return batch * (2 * m.active_params + 4 * m.layers * width * context)


def prefill_flops(m: ModelTerms, tokens: int, sequences: int = 1) -> float:
    """FLOPs of prefilling ``sequences`` prompts of ``tokens`` each (causal attention within a prompt)."""
    per_prompt = 2 * m.active_params * tokens + 2 * m.layers * m.attention_width * tokens**2
    return sequences * per_prompt


def attention_scores(m: ModelTerms, tokens: int, sequences: int, at_once: int) -> float:
    """Attention score elements a prefill materialises where the kernel is not fused (no flash attention):
    per layer and query head, a chunk of ``n`` tokens at offset ``o`` scores ``n x (o + n)`` pairs, summing
    to ``p^2 / 2 + p x n / 2`` over a prompt of ``p`` tokens."""
    per_prompt = tokens**2 / 2 + tokens * min(at_once, tokens) / 2
    return m.layers * m.query_heads * per_prompt * sequences


def allreduce_bytes_per_gpu(m: ModelTerms, tokens: int, gpus: int) -> float:
    """Bytes each GPU sends in one forward pass of ``tokens`` tokens, tensor parallel over ``gpus``."""
    if gpus <= 1:
        return 0.0
    message = tokens * m.hidden_size * ACTIVATION_BYTES
    return ALLREDUCES_PER_LAYER * m.layers * 2 * (gpus - 1) / gpus * message
