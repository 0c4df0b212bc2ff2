"""Model resolution (catalog, size, config path) and the capacity questions of ``fit``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from planner import estimate_memory
from planner.errors import ModelError, PlannerError
from planner.memory.fit import fit, largest_headroom
from planner.memory.report import fit_table
from planner.memory.resolve import resolve_model
from planner.units import GIB

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "model_configs"


@pytest.mark.parametrize("name", ["Qwen2.5-7B", "qwen2.5-7b-instruct", "Qwen/Qwen2.5-7B", " QWEN2.5-7B "])
def test_catalog_names_and_aliases_ignore_case(name: str) -> None:
    assert resolve_model(name).name == "qwen2.5-7b"


def test_config_path_file_and_directory(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    shutil.copy(FIXTURES / "mistral-7b-v0.1.json", file)
    by_file = estimate_memory(str(file))
    by_dir = estimate_memory(str(tmp_path))
    by_path = estimate_memory(file)
    assert by_file.params == by_dir.params == by_path.params == 7_241_732_096


def test_a_config_file_is_named_by_itself_and_config_json_by_its_directory(tmp_path: Path) -> None:
    """``mistral.json`` in a working directory read as the directory's name ("k-newuser4-work: 8.03B
    parameters"); ``Mistral-7B/config.json`` is the checkpoint's directory, as downloaded."""
    (tmp_path / "Mistral-7B").mkdir()
    shutil.copy(FIXTURES / "mistral-7b-v0.1.json", tmp_path / "Mistral-7B" / "config.json")
    shutil.copy(FIXTURES / "mistral-7b-v0.1.json", tmp_path / "mistral.json")
    assert resolve_model(str(tmp_path / "Mistral-7B" / "config.json")).name == "Mistral-7B"
    assert resolve_model(str(tmp_path / "Mistral-7B")).name == "Mistral-7B"
    assert resolve_model(str(tmp_path / "mistral.json")).name == "mistral"


def test_a_count_given_as_zero_is_out_of_range_not_missing(tmp_path: Path) -> None:
    """``num_attention_heads: 0`` was refused as "missing num_attention_heads": the field is there."""
    config = json.loads((FIXTURES / "mistral-7b-v0.1.json").read_text(encoding="utf-8"))
    file = tmp_path / "config.json"
    file.write_text(json.dumps({**config, "num_attention_heads": 0}))
    with pytest.raises(ModelError, match=r"num_attention_heads must be a whole number >= 1, got 0"):
        estimate_memory(str(file))


@pytest.mark.parametrize(
    ("quantization", "found"),
    [
        ({"quant_method": "awq", "bits": 4}, "awq-int4"),
        ({"quant_method": "gptq", "bits": 8}, "gptq-int8"),
        ({"quant_method": "fp8", "fmt": "e4m3"}, "fp8"),
        ({"quant_method": "bitsandbytes", "load_in_4bit": True, "bnb_4bit_quant_type": "nf4"}, "nf4"),
        ({"quant_method": "hqq", "bits": 2}, "hqq 2-bit"),
    ],
)
def test_a_quantized_checkpoints_config_is_noted_not_silently_sized_at_bf16(
    tmp_path: Path, quantization: dict[str, object], found: str
) -> None:
    """An AWQ checkpoint's config.json, given by path, was sized at bf16 with no word that the config says
    4-bit: the estimate keeps the precision asked for and says what the config names."""
    config = json.loads((FIXTURES / "mistral-7b-v0.1.json").read_text(encoding="utf-8"))
    file = tmp_path / "config.json"
    file.write_text(json.dumps({**config, "quantization_config": quantization}))
    note = f"the config.json's quantization_config says the checkpoint holds {found} weights"
    at_bf16 = estimate_memory(str(file))
    assert any(n.startswith(note) and "sized at bf16" in n for n in at_bf16.notes)
    assert at_bf16.params == 7_241_732_096  # the architecture is the same
    if found != "hqq 2-bit":
        assert not any("quantization_config" in n for n in estimate_memory(str(file), precision=found).notes)


def test_config_without_fields_is_a_clear_error(tmp_path: Path) -> None:
    file = tmp_path / "config.json"
    file.write_text(json.dumps({"model_type": "llama", "hidden_size": 4096}))
    with pytest.raises(ModelError, match=r"config.json: missing num_hidden_layers"):
        estimate_memory(str(file))


def test_bad_json_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ModelError, match="not valid JSON"):
        estimate_memory(str(bad))
    with pytest.raises(ModelError, match="not found"):
        estimate_memory(str(tmp_path / "absent.json"))


@pytest.mark.parametrize("text", ["a\x00b.json", "dir\x00/x", "x" * 300 + ".json", "x" * 300 + "/y"])
def test_text_that_is_no_valid_path_is_a_model_error(text: str) -> None:
    """A NUL byte or a name too long for the file system makes Path.is_dir and Path.stat raise; the user
    gets the usual one-line model error instead."""
    with pytest.raises(ModelError, match=r"not found|unknown model"):
        estimate_memory(text)


def test_unknown_model_names_the_ways_to_give_one() -> None:
    with pytest.raises(ModelError, match=r"unknown model 'gpt-17': not a catalog name .* size like 7b"):
        estimate_memory("gpt-17")


@pytest.mark.parametrize(("size", "billions"), [("7b", 7), ("70B", 70), ("0.5b", 0.5), ("350m", 0.35)])
def test_nominal_sizes(size: str, billions: float) -> None:
    assert estimate_memory(size).params == pytest.approx(billions * 1e9, rel=0.005)


def test_fit_answers_are_consistent_with_the_estimate() -> None:
    arch = resolve_model("qwen2.5-7b")
    result = fit(arch, 24 * GIB, headroom=0.2, context=4096, batch=1)
    budget = int(24 * GIB * 0.8)
    assert result.budget_bytes == budget and result.fits

    def need(ctx: int, b: int) -> int:
        return estimate_memory(arch, context=ctx, batch=b).per_gpu_bytes

    assert need(result.max_context, 1) <= budget < need(result.max_context + 1, 1)
    assert need(4096, result.max_batch) <= budget < need(4096, result.max_batch + 1)


def test_fit_when_weights_alone_do_not_fit() -> None:
    result = fit(resolve_model("llama-3-70b"), 24 * GIB)
    assert not result.fits and result.max_context == 0 and result.max_batch == 0
    assert result.context_limit == "weights"


@pytest.mark.parametrize(
    ("required", "vram", "headroom"),
    [
        (90, 100, 0.10),
        (91, 100, 0.09),
        (100, 100, 0.0),
        (101, 100, None),
        (1, 100, 0.99),
        (80 * GIB, 100 * GIB, 0.2),
    ],
)
def test_largest_headroom_by_hand(required: int, vram: int, headroom: float | None) -> None:
    """90 of 100 bytes leave 10 %: the budget int(100 x 0.9) = 90 holds them, int(100 x 0.89) = 89 not."""
    assert largest_headroom(required, vram) == headroom


@pytest.mark.parametrize(
    ("model", "gib", "options"),
    [
        (
            "gpt-oss-120b",
            79.646,
            {"engine": "vllm", "precision": "mxfp4"},
        ),  # H100 SXM5 as the driver reports it
        ("qwen2.5-14b", 12.0, {"precision": "q4_k_m", "context": 8192}),  # RTX 3060 12GB
    ],
)
def test_a_model_over_the_headroom_budget_but_within_the_card_says_so(
    model: str, gib: float, options: dict[str, object]
) -> None:
    """gpt-oss-120b in MXFP4 needs about 71 GiB of an 80 GiB H100 (its 65.8 GiB of weights fit the card) but
    the default 20 % headroom leaves 63.7 GiB: the table said "the weights alone do not fit". It now names
    the headroom, and the headroom it gives fits while 0.01 more does not."""
    vram = round(gib * GIB)
    result = fit(resolve_model(model), vram, **options)  # type: ignore[arg-type]
    assert not result.fits and result.required_bytes <= vram
    assert result.max_headroom is not None and 0 < result.max_headroom < 0.2
    table = fit_table(result, "card")
    assert "weights alone" not in table
    assert f"does NOT fit in the {result.budget_bytes / GIB:.1f} GiB usable at 20% headroom" in table
    assert f"with --headroom {result.max_headroom:.2f} or less" in table
    at = fit(resolve_model(model), vram, headroom=result.max_headroom, **options)  # type: ignore[arg-type]
    over = fit(resolve_model(model), vram, headroom=result.max_headroom + 0.01, **options)  # type: ignore[arg-type]
    assert at.fits and not over.fits
    if result.weights_bytes > result.budget_bytes:  # gpt-oss: the weights fit the card, not the budget
        assert "none within the headroom" in table and "lower --headroom" in table


def test_weights_over_the_card_say_the_weights_alone_do_not_fit() -> None:
    """Llama 3 70B in bf16: 70.6e9 x 2 bytes = 131.4 GiB of weights, over a 24 GiB card."""
    result = fit(resolve_model("llama-3-70b"), 24 * GIB)
    assert result.max_headroom is None and result.weights_bytes > 24 * GIB
    table = fit_table(result, "24 GiB")
    assert "does NOT fit: more than the card's 24.0 GiB" in table
    assert f"none (the weights alone, {result.weights_bytes / GIB:.2f} GiB per GPU, exceed the card)" in table


def test_a_model_over_the_card_is_told_how_many_such_gpus_hold_it() -> None:
    """Llama-3.3-70B in q4_k_m under llama.cpp on a 24 GiB card: 41.48 GiB on one GPU, 21.51 GiB per GPU
    over two (over the 19.2 GiB usable at 20 % headroom), about 14 over three (39.48 GiB of weights / 3 =
    13.2, plus a third of the 1.25 GiB of KV cache and the 0.3 GiB context). ``fit`` exited 3 saying only
    "more than the card's 24.0 GiB", not what would make it fit."""
    model = resolve_model("llama-3.3-70b")
    result = fit(model, 24 * GIB, precision="q4_k_m")
    assert not result.fits and result.max_headroom is None
    assert result.min_gpus == 3
    assert not fit(model, 24 * GIB, precision="q4_k_m", gpus=2).fits
    assert fit(model, 24 * GIB, precision="q4_k_m", gpus=3).fits
    table = fit_table(result, "GeForce RTX 4090")
    verdict = "does NOT fit: more than the card's 24.0 GiB; it fits on 3 such GPUs at 20% headroom (--gpus 3)"
    assert verdict in table


def test_the_gpus_suggested_skip_splits_the_engine_refuses() -> None:
    """Llama-3.3-70B in AWQ under vLLM on 24 GiB: tensor parallelism splits 64 attention heads over 1, 2, 4
    or 8 GPUs, never 3 (an error, skipped), and two do not hold it: the answer is 4."""
    result = fit(resolve_model("llama-3.3-70b"), 24 * GIB, precision="awq-int4", engine="vllm")
    assert not result.fits and result.min_gpus == 4
    assert "(--gpus 4)" in fit_table(result, "24 GiB")


def test_a_headroom_miss_also_names_the_gpus_and_a_fit_names_none() -> None:
    """Qwen2.5-32B q4_k_m at 16,384 tokens on a 4090: 23.18 GiB, within the card but over the 19.2 usable;
    lowering the headroom is one way, two GPUs (about half the weights each) the other."""
    result = fit(resolve_model("qwen2.5-32b"), 24 * GIB, precision="q4_k_m", context=16384)
    assert result.max_headroom is not None and result.min_gpus == 2
    assert "with --headroom 0.03 or less, or on 2 such GPUs (--gpus 2)" in fit_table(result, "24 GiB")
    assert fit(resolve_model("qwen2.5-7b"), 24 * GIB).min_gpus is None


def test_nothing_is_suggested_past_one_eight_gpu_machine() -> None:
    """Llama-3.1-405B in bf16 (756 GiB of weights) does not fit eight 24 GiB cards: no --gpus is offered."""
    result = fit(resolve_model("llama-3.1-405b"), 24 * GIB)
    assert result.min_gpus is None
    assert "such GPUs" not in fit_table(result, "24 GiB")


def test_one_sequence_is_singular() -> None:
    """Qwen2.5-7B in bf16 (14.19 GiB of weights) at 16,384 tokens on 24 GiB holds one sequence, not two."""
    result = fit(resolve_model("qwen2.5-7b"), 24 * GIB, context=16384)
    assert result.max_batch == 1
    assert "largest batch at context 16,384: 1 sequence\n" in fit_table(result, "24 GiB") + "\n"


def test_fit_when_the_batch_is_what_does_not_fit() -> None:
    """4,096 sequences of Qwen2.5-7B on 24 GiB: no context fits, but the 14.19 GiB of weights do; the table
    said "the weights alone do not fit" beside "largest batch at context 4096: 5 sequences"."""
    result = fit(resolve_model("qwen2.5-7b"), 24 * GIB, batch=4096)
    assert result.max_context == 0 and result.context_limit == "batch" and result.max_batch == 5
    assert "not one token fits at that batch" in fit_table(result, "24 GiB")


def test_fit_past_the_trained_context_carries_the_note() -> None:
    """At 20,000 tokens Llama-3-8B "fits" 80 GiB, but it was trained to 8,192: the table now says so."""
    table = fit_table(fit(resolve_model("llama-3-8b"), 80 * GIB, context=20000), "80 GiB")
    assert "note: context 20000 exceeds the model's max_position_embeddings 8192" in table


def test_vllm_kv_tokens_do_not_hang_on_the_last_block() -> None:
    """The last 16-token block's padding was spread over the context: 650,794 tokens at context 16,
    345,731 at 17, for one pool."""
    arch = resolve_model("qwen3-0.6b")
    tokens = [fit(arch, round(79.18 * GIB), engine="vllm", context=n).vllm_kv_tokens for n in (16, 17)]
    assert tokens[0] is not None and tokens[1] is not None
    assert abs(tokens[0] - tokens[1]) <= 0.001 * tokens[0]


def test_fit_limited_by_the_model_context() -> None:
    result = fit(resolve_model("qwen2.5-0.5b"), 80 * GIB, engine="vllm")
    assert result.max_context == 32768 and result.context_limit == "model"


def test_fit_rejects_bad_headroom() -> None:
    with pytest.raises(PlannerError, match="headroom"):
        fit(resolve_model("7b"), 24 * GIB, headroom=1.0)


@pytest.mark.parametrize(
    ("model", "measured_kv_gib"),
    # llm-d/llm-d-benchmark config_explorer/empirical-vllm-memory-results.md: vLLM on an H100 (79.18 GiB),
    # gpu_memory_utilization 0.9, TP=1, max-model-len 16000: "KV Cache (GiB)" as vLLM logged it. Those logs
    # predate 0.17 (logits for every batched token in the profile run), hence engine_version 0.11.
    [("llama-3.1-8b", 51.38), ("qwen3-0.6b", 64.45), ("qwen3-32b", 4.45)],
)
def test_vllm_kv_capacity_matches_vllm_logs(model: str, measured_kv_gib: float) -> None:
    arch = resolve_model(model)
    old = {"engine": "vllm", "engine_version": "0.11", "context": 16000}
    result = fit(arch, round(79.18 * GIB), **old)  # type: ignore[arg-type]
    assert result.engine_kv_bytes is not None
    assert result.engine_kv_bytes / GIB == pytest.approx(measured_kv_gib, rel=0.01)
    kv_per_token = estimate_memory(
        arch, engine="vllm", engine_version="0.11", context=16000
    ).kv_bytes_per_token
    assert result.vllm_kv_tokens is not None
    assert result.vllm_kv_tokens * kv_per_token / GIB == pytest.approx(measured_kv_gib, rel=0.03)


def test_vllm_activation_peak_matches_the_profile_run() -> None:
    # Same source: Llama-3.1-8B peak activation 4.76 GiB (logits for 8192 batched tokens); vLLM 0.19 logs
    # 1.89 GiB for the same model (jgchn/llm-d-planner accuracy/results/v0.19.0/results_raw.csv).
    est = estimate_memory("llama-3.1-8b", engine="vllm", engine_version="0.11", context=16000)
    assert est.breakdown["activations"] / GIB == pytest.approx(4.76, rel=0.03)
    new = estimate_memory("llama-3.1-8b", engine="vllm", context=16000)
    assert new.breakdown["activations"] / GIB == pytest.approx(1.89, rel=0.03)
    assert est.breakdown["weights"] / GIB == pytest.approx(14.99, rel=0.01)
