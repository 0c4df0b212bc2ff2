"""Parameter counts against independent figures.

``tests/fixtures/model_configs/param_counts.json`` holds the exact ``sum(p.numel() for p in
model.parameters())`` of transformers for seven real configs (copied from the project's shared reference,
2026-11-25). PUBLISHED below are totals from the models' Hugging Face pages (safetensors metadata).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from planner import estimate_memory
from planner.catalog.models import load_model_catalog
from planner.errors import ModelError
from planner.memory.architecture import count_parameters, from_config, nominal_architecture

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "model_configs"
EXACT = json.loads((FIXTURES / "param_counts.json").read_text())

# Totals shown on the Hugging Face model pages (safetensors parameter count), independent of our counting.
PUBLISHED = {
    "llama-2-7b": 6_738_415_616,
    "llama-2-13b": 13_015_864_320,
    "llama-2-70b": 68_976_648_192,
    "llama-3-70b": 70_553_706_496,
    "llama-3.1-405b": 405_853_388_800,
    "llama-3.2-1b": 1_235_814_400,
    "llama-3.2-3b": 3_212_749_824,
    "qwen2.5-1.5b": 1_543_714_304,
    "qwen2.5-72b": 72_706_203_648,
    "qwen3-8b": 8_190_735_360,
    "qwen3-30b-a3b": 30_532_122_624,
    "gemma-2-2b": 2_614_341_888,
    "phi-3-mini": 3_821_079_552,
    "phi-4": 14_659_507_200,
    "glm-4-9b": 9_399_951_360,
    # gpt-oss: the model card (arXiv 2508.10925, table 1), 116.83B and 20.91B.
    "gpt-oss-120b": 116_830_000_000,
    "gpt-oss-20b": 20_910_000_000,
}


@pytest.mark.parametrize("name", sorted(EXACT))
def test_counts_match_transformers_exactly(name: str) -> None:
    config = json.loads((FIXTURES / f"{name}.json").read_text())
    counts = count_parameters(from_config(config, name))
    expected = EXACT[name]
    assert abs(counts.total - expected["params"]) / expected["params"] < 0.005
    assert counts.total == expected["params"]  # in fact exact, MoE and MLA included
    assert counts.embedding == expected["embedding_params"]
    assert (counts.lm_head == 0) == expected["tied"]


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_catalog_counts_match_published_totals(name: str) -> None:
    spec = next(s for s in load_model_catalog() if s.name == name)
    total = count_parameters(spec.architecture()).total
    assert abs(total - PUBLISHED[name]) / PUBLISHED[name] < 0.005


def test_catalog_has_thirty_sourced_models_of_the_named_families() -> None:
    specs = load_model_catalog()
    assert len(specs) >= 30
    assert all(s.source.startswith("huggingface.co/") and s.params for s in specs)
    families = {s.model_type for s in specs}
    assert {
        "llama",
        "mistral",
        "mixtral",
        "qwen2",
        "qwen3",
        "qwen3_moe",
        "gemma2",
        "gemma3_text",
        "phi3",
        "deepseek_v3",
        "glm",
    } <= families


def test_deepseek_v3_attention_is_mla_and_moe() -> None:
    config = json.loads((FIXTURES / "deepseek-v3.json").read_text())
    arch = from_config(config, "deepseek-v3")
    assert arch.is_mla and arch.is_moe
    assert arch.moe_layers == 61 - 3  # first_k_dense_replace = 3


def test_gemma_sliding_layers() -> None:
    gemma2 = from_config(json.loads((FIXTURES / "gemma-2-9b.json").read_text()), "gemma-2-9b")
    assert (gemma2.sliding_window, gemma2.sliding_layers) == (4096, 21)  # every other of 42 layers
    gemma3 = next(s for s in load_model_catalog() if s.name == "gemma-3-27b").architecture()
    assert gemma3.sliding_layers == 62 - 62 // 6  # five local layers per global one


def test_multimodal_text_config_is_unwrapped() -> None:
    config = {
        "model_type": "gemma3",
        "text_config": {
            "hidden_size": 64,
            "num_hidden_layers": 2,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,  # Gemma3TextConfig's default, 4, would exceed the 2 heads
            "intermediate_size": 128,
            "vocab_size": 100,
            "head_dim": 32,
        },
    }
    arch = from_config(config, "tiny")
    assert arch.model_type == "gemma3_text" and arch.qk_norm and arch.norms_per_layer == 4


def test_unknown_model_type_with_standard_fields_is_generic() -> None:
    llama = json.loads((FIXTURES / "llama-3-8b.json").read_text())
    arch = from_config({**llama, "model_type": "brand_new"}, "x")
    assert count_parameters(arch).total == EXACT["llama-3-8b"]["params"]


def test_a_config_without_tie_word_embeddings_takes_its_family_default() -> None:
    """Gemma 2's config.json on the Hub has no ``tie_word_embeddings``; Gemma2Config defaults it to true, so
    the lm_head is the embedding. Counting it apart added 256,000 x 3,584 = 0.92B to the exact 9.24B."""
    config = json.loads((FIXTURES / "gemma-2-9b.json").read_text())
    del config["tie_word_embeddings"]
    counts = count_parameters(from_config(config, "gemma-2-9b"))
    assert counts.total == EXACT["gemma-2-9b"]["params"] and counts.lm_head == 0
    llama = json.loads((FIXTURES / "llama-3-8b.json").read_text())
    del llama["tie_word_embeddings"]  # LlamaConfig defaults it to false
    assert count_parameters(from_config(llama, "llama-3-8b")).total == EXACT["llama-3-8b"]["params"]


def test_gpt2_config_without_n_inner() -> None:
    """openai-community/gpt2's config.json has no ``n_inner`` (an MLP of 4 x 768), ties its head and learns
    1,024 positions: 124,439,808 parameters on its model page (planner leaves out 66K of MLP and norm
    biases)."""
    config = {"model_type": "gpt2", "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024}
    arch = from_config({**config, "vocab_size": 50257}, "gpt2")
    assert arch.intermediate_size == 3072 and arch.tie_word_embeddings and arch.position_rows == 1024
    assert count_parameters(arch).total == pytest.approx(124_439_808, rel=0.001)


def test_gemma3_text_config_takes_gemma3textconfig_defaults() -> None:
    """google/gemma-3-4b-it's config.json names in its text_config only what differs from Gemma3TextConfig
    (no heads, KV heads, head_dim or vocabulary); it was refused as "missing num_attention_heads"."""
    config = {
        "model_type": "gemma3",
        "text_config": {
            "hidden_size": 2560,
            "intermediate_size": 10240,
            "model_type": "gemma3_text",
            "num_hidden_layers": 34,
            "sliding_window": 1024,
        },
    }
    catalog = next(s for s in load_model_catalog() if s.name == "gemma-3-4b")
    assert count_parameters(from_config(config, "gemma-3-4b")) == count_parameters(catalog.architecture())


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hidden_size": -4096}, "hidden_size must be a whole number >= 1, got -4096"),
        ({"intermediate_size": float("inf")}, "intermediate_size must be a whole number >= 1, got inf"),
        ({"num_hidden_layers": True}, "num_hidden_layers must be a whole number >= 1, got True"),
        ({"num_key_value_heads": 64}, "num_key_value_heads 64 must divide num_attention_heads 32"),
        ({"num_key_value_heads": 5}, "num_key_value_heads 5 must divide num_attention_heads 32"),
        ({"num_attention_heads": 30, "num_key_value_heads": 30}, "hidden_size 4096 is not a multiple of"),
        ({"sliding_window": -1}, "sliding_window must be a whole number >= 1, got -1"),
        ({"num_local_experts": 2, "num_experts_per_tok": 8}, "num_experts_per_tok 8 exceeds the 2 experts"),
        ({"num_local_experts": "8"}, "num_local_experts must be a whole number >= 1, got '8'"),
    ],
)
def test_impossible_sizes_are_one_line_errors(change: dict[str, object], message: str) -> None:
    """A negative hidden size gave negative memory that "fits"; an infinite one a traceback."""
    llama = json.loads((FIXTURES / "llama-3-8b.json").read_text())
    with pytest.raises(ModelError, match=re.escape(message)):
        from_config({**llama, **change}, "x")


def test_an_unknown_family_is_counted_as_llama_and_says_so() -> None:
    llama = json.loads((FIXTURES / "llama-3-8b.json").read_text())
    notes = estimate_memory(from_config({**llama, "model_type": "brand_new"}, "x")).notes
    assert any("model_type 'brand_new' is not a family planner knows" in n for n in notes)
    assert not estimate_memory("llama-3-8b").notes


def test_missing_fields_name_them() -> None:
    with pytest.raises(ModelError, match=r"missing num_attention_heads, vocab_size"):
        from_config({"hidden_size": 64, "num_hidden_layers": 2, "intermediate_size": 8}, "broken")


@pytest.mark.parametrize("billions", [0.5, 1, 3, 7, 13, 34, 70, 180, 405])
def test_nominal_sizes_land_on_their_count(billions: float) -> None:
    arch = nominal_architecture(billions)
    assert abs(count_parameters(arch).total - billions * 1e9) / (billions * 1e9) < 0.005
    assert arch.nominal_params == round(billions * 1e9)


def test_nominal_size_must_be_positive() -> None:
    with pytest.raises(ModelError, match="positive"):
        nominal_architecture(0)


# Families outside the seven exact fixtures, against the totals on their Hugging Face model pages.
OTHER_FAMILIES = {
    "gemma-7b (gemma)": (
        {
            "model_type": "gemma",
            "hidden_size": 3072,
            "num_hidden_layers": 28,
            "num_attention_heads": 16,
            "num_key_value_heads": 16,
            "head_dim": 256,
            "intermediate_size": 24576,
            "vocab_size": 256000,
            "tie_word_embeddings": True,
        },
        8_538_074_112,
    ),
    "DeepSeek-V2-Lite (deepseek_v2, MLA without q_lora_rank)": (
        {
            "model_type": "deepseek_v2",
            "hidden_size": 2048,
            "num_hidden_layers": 27,
            "num_attention_heads": 16,
            "num_key_value_heads": 16,
            "intermediate_size": 10944,
            "moe_intermediate_size": 1408,
            "n_routed_experts": 64,
            "n_shared_experts": 2,
            "num_experts_per_tok": 6,
            "first_k_dense_replace": 1,
            "q_lora_rank": None,
            "kv_lora_rank": 512,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
            "vocab_size": 102400,
        },
        15_706_484_224,
    ),
    # Two-matrix MLPs (up, down): counted as Llama's three, these came out 30-42 % heavy. Fields from each
    # model's config.json on the Hub; published totals (model pages; Pythia: the Pythia paper, table 1).
    "Pythia-6.9B (gpt_neox)": (
        {
            "model_type": "gpt_neox",
            "hidden_size": 4096,
            "intermediate_size": 16384,
            "num_attention_heads": 32,
            "num_hidden_layers": 32,
            "vocab_size": 50432,
            "tie_word_embeddings": False,
        },
        6_857_302_016,
    ),
    "Phi-2 (phi)": (
        {
            "model_type": "phi",
            "hidden_size": 2560,
            "intermediate_size": 10240,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "vocab_size": 51200,
            "tie_word_embeddings": False,
        },
        2_779_683_840,
    ),
    "Falcon-7B (falcon, multi-query, no ffn_hidden_size)": (
        {
            "model_type": "falcon",
            "hidden_size": 4544,
            "num_attention_heads": 71,
            "num_hidden_layers": 32,
            "vocab_size": 65024,
            "multi_query": True,
            "new_decoder_architecture": False,
            "parallel_attn": True,
            "bias": False,
        },
        6_921_720_704,
    ),
    "GPT-J-6B (gptj, no n_inner)": (
        {
            "model_type": "gptj",
            "n_embd": 4096,
            "n_layer": 28,
            "n_head": 16,
            "vocab_size": 50400,
            "n_positions": 2048,
        },
        6_053_381_344,
    ),
    "OPT-6.7B (opt, ffn_dim, learned positions)": (
        {
            "model_type": "opt",
            "hidden_size": 4096,
            "ffn_dim": 16384,
            "num_hidden_layers": 32,
            "num_attention_heads": 32,
            "vocab_size": 50272,
            "max_position_embeddings": 2048,
        },
        6_658_473_984,
    ),
    "MPT-7B (mpt field names)": (
        {
            "model_type": "mpt",
            "d_model": 4096,
            "n_heads": 32,
            "n_layers": 32,
            "expansion_ratio": 4,
            "vocab_size": 50432,
        },
        6_649_286_656,
    ),
    "BLOOM-7B1 (bloom, n_embed)": (
        {
            "model_type": "bloom",
            "n_embed": 4096,
            "n_layer": 30,
            "num_attention_heads": 32,
            "vocab_size": 250880,
        },
        7_069_016_064,
    ),
    "StarCoder2-15B (starcoder2)": (
        {
            "model_type": "starcoder2",
            "hidden_size": 6144,
            "intermediate_size": 24576,
            "num_hidden_layers": 40,
            "num_attention_heads": 48,
            "num_key_value_heads": 4,
            "vocab_size": 49152,
            "tie_word_embeddings": False,
        },
        15_957_889_024,
    ),
    "Qwen2-57B-A14B (qwen2_moe, shared expert)": (
        {
            "model_type": "qwen2_moe",
            "hidden_size": 3584,
            "num_hidden_layers": 28,
            "num_attention_heads": 28,
            "num_key_value_heads": 4,
            "intermediate_size": 18944,
            "moe_intermediate_size": 2560,
            "num_experts": 64,
            "num_experts_per_tok": 8,
            "shared_expert_intermediate_size": 20480,
            "vocab_size": 151936,
        },
        57_409_000_000,
    ),
}


@pytest.mark.parametrize("label", sorted(OTHER_FAMILIES))
def test_other_families_within_half_a_percent(label: str) -> None:
    config, published = OTHER_FAMILIES[label]
    total = count_parameters(from_config(config, label)).total
    assert abs(total - published) / published < 0.005
