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


@pytest.fixture(scope="module")
def llama() -> ModelTerms:
    return model_terms(resolve_model("llama-3-8b"), weight_format("bf16"), KV_PER_TOKEN)


def test_dense_model_reads_every_weight_and_each_sequences_cache(llama: ModelTerms) -> None:
    assert llama.params == LLAMA3_8B_PARAMS
    assert llama.weight_bytes == 2 * LLAMA3_8B_PARAMS
    assert decode_bytes(llama, 4, 1000) == 2 * LLAMA3_8B_PARAMS + KV_PER_TOKEN * 1000 * 4
    assert llama.query_heads_per_kv_head == 4


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
    one = step_weight_bytes(m, 1)
    assert one == pytest.approx(m.weight_bytes - m.routed_expert_bytes * 0.75)
    assert step_weight_bytes(m, 64) == pytest.approx(m.weight_bytes, rel=1e-6)
    assert one < step_weight_bytes(m, 4) < step_weight_bytes(m, 16)
