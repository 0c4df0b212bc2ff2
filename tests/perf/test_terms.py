"""Roofline terms against hand-computed figures from published architectures."""

from __future__ import annotations

import pytest

from planner.memory.formats import weight_format
from planner.memory.resolve import resolve_model
from planner.perf.terms import (
    ModelTerms,
    allreduce_bytes_per_gpu,
    decode_bytes,
    decode_flops,
    model_terms,
    prefill_flops,
    step_weight_bytes,
)

# Llama-3-8B (config.json): 32 layers, hidden 4096, 32 query heads and 8 KV heads of 128, 8,030,261,248
# parameters (transformers' count). KV per token in 16 bit: 32 x 2 x 8 x 128 x 2 bytes = 131,072.
LLAMA3_8B_PARAMS = 8_030_261_248
KV_PER_TOKEN = 32 * 2 * 8 * 128 * 2
# Its input embedding is not tied to the output head: 128,256 rows of 4,096, 1,050,673,152 bytes in bf16, of
# which a pass gathers one 8,192-byte row per token.
EMBEDDING_ROW = 4096 * 2
EMBEDDING = 128_256 * EMBEDDING_ROW


@pytest.fixture(scope="module")
def llama() -> ModelTerms:
    return model_terms(resolve_model("llama-3-8b"), weight_format("bf16"), KV_PER_TOKEN)


def test_dense_model_reads_every_weight_and_each_sequences_cache(llama: ModelTerms) -> None:
    assert llama.params == LLAMA3_8B_PARAMS
    assert llama.weight_bytes == 2 * LLAMA3_8B_PARAMS
    weights_read = 2 * LLAMA3_8B_PARAMS - EMBEDDING + 4 * EMBEDDING_ROW
    assert decode_bytes(llama, 4, 1000) == pytest.approx(weights_read + KV_PER_TOKEN * 1000 * 4, rel=1e-12)
    assert llama.query_heads_per_kv_head == 4


def test_an_untied_input_embedding_is_looked_up_a_row_per_token_and_a_tied_one_read_whole(
    llama: ModelTerms,
) -> None:
    # Llama-3-8B's output head is its own matrix: a step reads it whole, and of the input embedding one row.
    assert step_weight_bytes(llama, 1) == pytest.approx(2 * LLAMA3_8B_PARAMS - EMBEDDING + EMBEDDING_ROW)
    # A prompt of more tokens than the vocabulary has rows reads each row at most once.
    assert step_weight_bytes(llama, 200_000) == pytest.approx(2 * LLAMA3_8B_PARAMS)
    # Qwen2.5-0.5B ties them (config.json): the head multiplies by the embedding, so every byte is read.
    tied = model_terms(resolve_model("qwen2.5-0.5b"), weight_format("bf16"), 0)
    assert tied.lookup_bytes == 0
    assert step_weight_bytes(tied, 1) == tied.weight_bytes
    # A GGUF file quantizes the embedding like the linear layers (Q4_0: 4.5 bits a weight), the head at Q6_K.
    q4 = model_terms(resolve_model("llama-3-8b"), weight_format("q4_0"), 0)
    assert q4.lookup_bytes == pytest.approx(128_256 * 4096 * 4.5 / 8)


def test_flops_are_two_per_parameter_plus_causal_attention(llama: ModelTerms) -> None:
    width = 32 * 128
    assert prefill_flops(llama, 512) == 2 * LLAMA3_8B_PARAMS * 512 + 2 * 32 * width * 512**2
    assert decode_flops(llama, 8, 2048) == 8 * (2 * LLAMA3_8B_PARAMS + 4 * 32 * width * 2048)


def test_ring_allreduce_sends_twice_the_message_times_t_minus_one_over_t(llama: ModelTerms) -> None:
    # Two all-reduces per layer, each of tokens x hidden x 2 bytes; ring: 2 (t-1)/t of it per GPU.
    assert allreduce_bytes_per_gpu(llama, 1, 1) == 0
    assert allreduce_bytes_per_gpu(llama, 1, 2) == 2 * 32 * 2 * 0.5 * 4096 * 2
    assert allreduce_bytes_per_gpu(llama, 10, 8) == pytest.approx(2 * 32 * 2 * 7 / 8 * 10 * 4096 * 2)


def test_mixture_of_experts_multiplies_by_the_experts_a_token_picks() -> None:
    # Mixtral 8x7B: 46.7B parameters, 12.9B active per token (2 of 8 experts; Mistral AI's announcement).
    m = model_terms(resolve_model("mixtral-8x7b"), weight_format("bf16"), 0)
    assert m.params / 1e9 == pytest.approx(46.7, abs=0.1)
    assert m.active_params / 1e9 == pytest.approx(12.9, abs=0.1)
    # One token reads its 2 experts of 8 per layer; many tokens read nearly all of them.
    # Its untied input embedding (32,000 rows of 4,096, 16 bit) is a lookup of one row per token.
    embedding = 32_000 * 4096 * 2
    one = step_weight_bytes(m, 1)
    assert one == pytest.approx(m.weight_bytes - m.routed_expert_bytes * 0.75 - embedding * (1 - 1 / 32_000))
    assert step_weight_bytes(m, 64) == pytest.approx(m.weight_bytes - embedding * (1 - 64 / 32_000), rel=1e-6)
    assert one < step_weight_bytes(m, 4) < step_weight_bytes(m, 16)
