"""Inference memory: how an engine holds one model's weights, KV cache and forward-pass peak on its GPUs.

Everything engine-specific comes from the ``Engine`` record and the ``Release`` picked by
``engine_version``; this module only applies the two ways a model is split (tensors or layers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from planner.memory import components as c
from planner.memory.architecture import Architecture, count_parameters
from planner.memory.engines import Engine, Release, keeps_all, keeps_window
from planner.memory.formats import WeightFormat
from planner.memory.training import Split

HYBRID_CACHE_TYPES = frozenset({"gemma2", "gemma3_text"})
"""Families whose transformers cache keeps only the window on sliding-window layers (HybridCache)."""


@dataclass(frozen=True, slots=True)
class Serving:
    """One inference workload as the engine sees it.

    ``held_tokens``: tokens per sequence the KV cache is sized for: the context, or ``max_seq_len`` for a
    static (preallocated) cache. ``step_tokens``: tokens one forward pass processes (``prefill_tokens``).
    ``stages``: pipeline stages (one per machine under vLLM's multi-node layout); ``gpus`` counts all of
    them, so tensor parallelism runs over ``gpus / stages``.
    """

    engine: Engine
    release: Release
    fmt: WeightFormat
    context: int
    batch: int
    gpus: int
    kv_bytes: float
    step_tokens: int | None
    flash_attention: bool
    prefill_logits: bool
    held_tokens: int
    static_cache: bool
    stages: int = 1


def inference_parts(a: Architecture, s: Serving) -> dict[str, Split]:
    """Weights, KV cache and activations per GPU and in total."""
    if s.engine.split == "tensor":
        return _tensor_parallel(a, s)
    return _layer_split(a, s)


def window_tokens(a: Architecture, s: Serving, step: int) -> int | None:
    """Tokens a sliding-window layer holds per sequence under this engine (None: every token)."""
    if not a.sliding_window or not a.sliding_layers:
        return None
    rule = s.engine.sliding
    if rule is keeps_all and a.model_type in HYBRID_CACHE_TYPES:
        rule = keeps_window  # transformers' HybridCache ("cache_implementation": "hybrid" in their configs)
    return rule(a.sliding_window, s.held_tokens, step, s.engine.block_tokens)


def profile_peak_bytes(a: Architecture, s: Serving, step: int, tp: int) -> float:
    """The start-up profile run's activation peak, which depends on the release, not on the context.

    The forward pass over ``step`` tokens (``max_num_batched_tokens``), and the logits and sampler over one
    row per batched token (vLLM 0.8-0.16) or per dummy request (V0, and 0.17 on: ``max_num_seqs`` rows),
    together (V0) or one after the other (V1: the larger counts).
    """
    act_bytes = 4 if s.fmt.name == "fp32" else c.ACT_BYTES
    forward = c.forward_peak_bytes(a, step, tp, act_bytes)
    r = s.release
    rows = step if r.profile_rows == "tokens" else min(r.max_num_seqs, step)
    logits = rows * a.vocab_size * r.logit_bytes
    if r.holds_hidden:
        logits += step * a.hidden_size * act_bytes
    peak = forward + logits if r.peaks_add else max(forward, logits)
    if r.moe_workspace and a.is_moe and not s.fmt.experts_only:  # MXFP4 kernels keep no such buffers
        width = 3 * a.moe_intermediate_size / tp + a.hidden_size  # gate/up, activation, down outputs
        peak += step * a.num_experts_per_tok * width * act_bytes
    return peak


def _padded_experts(a: Architecture, s: Serving) -> float:
    """MXFP4 experts padded to the kernels' multiples (vLLM pads the hidden size to 256, and from 0.17
    the intermediate size to 128: gpt-oss-20b loads 13.47 GiB under 0.11 and 13.64 under 0.19)."""
    pad_h, pad_i = s.release.expert_pad
    if not (s.fmt.experts_only and a.is_moe and (pad_h, pad_i) != (1, 1)):
        return 0.0
    h, i = a.hidden_size, a.moe_intermediate_size
    growth = (math.ceil(h / pad_h) * pad_h * math.ceil(i / pad_i) * pad_i) / (h * i) - 1
    experts = count_parameters(a).expert_linear
    return experts * growth * s.fmt.linear_bits / 8


def _tensor_parallel(a: Architecture, s: Serving) -> dict[str, Split]:
    """Tensor parallel over ``tp`` GPUs, in ``stages`` pipeline stages of ``ceil(L / stages)`` layers at
    most (vLLM's ``get_pp_indices`` splits layers evenly). With one stage every GPU holds a 1/tp slice of
    every layer, the embedding and the head; with several, the most loaded GPU holds its slice of the
    largest stage's layers and of the larger of the embedding (first stage) and the head (last), and the
    KV cache of its own layers only."""
    counts = count_parameters(a)
    tp = s.gpus // s.stages
    sharded = c.weight_bytes(replace(counts, other=0, largest_layer=0, layer_linear=0), s.fmt)
    replicated = c.weight_bytes(counts, s.fmt) - sharded  # norms, biases: on every GPU
    share = math.ceil(a.num_layers / s.stages) / a.num_layers
    if s.stages > 1:
        no_layers = replace(counts, linear=0, other=0, largest_layer=0, layer_linear=0, expert_linear=0)
        ends = c.weight_bytes(no_layers, s.fmt)
        head_share = counts.lm_head / max(counts.embedding + counts.lm_head, 1)
        ends_gpu = ends * max(head_share, 1 - head_share)
        sharded = (sharded - ends) * share + ends_gpu
    w_gpu = (sharded + _padded_experts(a, s) * share) / tp + replicated
    step = s.step_tokens if s.step_tokens is not None else s.engine.prefill_tokens
    kv_gpu = share * c.kv_cache_bytes(
        a,
        s.held_tokens,
        s.batch,
        s.kv_bytes,
        tp,
        s.engine.latent_mla,
        window_tokens(a, s, step),
        s.engine.block_tokens,
    )
    act_gpu = profile_peak_bytes(a, s, step, tp)
    return {
        "weights": Split(w_gpu, w_gpu * s.gpus),
        "kv_cache": Split(kv_gpu, kv_gpu * s.gpus),
        "activations": Split(act_gpu, act_gpu * s.gpus),
    }


def _layer_split(a: Architecture, s: Serving) -> dict[str, Split]:
    """Each GPU holds ceil(L/g) layers; embeddings sit on the first GPU, the head on the last."""
    counts = count_parameters(a)
    fmt, gpus = s.fmt, s.gpus
    weights = c.weight_bytes(counts, fmt)
    share = math.ceil(a.num_layers / gpus) / a.num_layers if gpus > 1 else 1.0
    emb_bits = fmt.linear_bits if fmt.gguf else fmt.other_bits
    head_bits = fmt.head_bits if fmt.gguf else fmt.other_bits
    ends = max(counts.embedding * emb_bits, counts.lm_head * head_bits) / 8
    w_gpu = weights if gpus == 1 else (weights - ends) * share + ends
    prompt = min(s.step_tokens, s.context) if s.step_tokens is not None else s.context
    ubatch = s.step_tokens if s.step_tokens is not None else s.engine.prefill_tokens
    kv_total = c.kv_cache_bytes(
        a,
        s.held_tokens,
        s.batch,
        s.kv_bytes,
        1,
        s.engine.latent_mla,
        window_tokens(a, s, ubatch),
        s.engine.block_tokens,
    )
    kv_gpu = kv_total * share
    if s.engine.compute_buffer:
        act_gpu = llama_cpp_buffer(a, ubatch, s.held_tokens, s.batch, s.flash_attention)
        act_total = act_gpu * gpus
    else:
        act_bytes = 4 if fmt.name == "fp32" else c.ACT_BYTES
        whole = s.engine.prefill_tokens == 0
        step = s.batch * prompt if whole else min(s.engine.prefill_tokens, s.batch * prompt)
        act_gpu = c.forward_peak_bytes(a, step, 1, act_bytes)
        if not s.flash_attention:
            act_gpu += c.eager_attention_bytes(a, s.batch, prompt, 1)
        if not s.static_cache:  # DynamicCache grows by torch.cat: one layer's cache is briefly held twice
            act_gpu += kv_total / a.num_layers
        every_position = s.prefill_logits or s.release.prefill_logits
        logits = c.logits_bytes(a, s.batch * prompt if every_position else s.batch)
        act_total = act_gpu * gpus + logits
        act_gpu += logits
    return {
        "weights": Split(w_gpu, weights),
        "kv_cache": Split(kv_gpu, kv_total),
        "activations": Split(act_gpu, act_total),
    }


def llama_cpp_buffer(a: Architecture, ubatch: int, context: int, batch: int, flash_attention: bool) -> float:
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
