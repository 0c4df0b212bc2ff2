"""The estimate against hand-computed figures and published measurements (each cited where used)."""

from __future__ import annotations

import math

import pytest

from planner import estimate_memory
from planner.errors import ModelError, PlannerError
from planner.memory.estimate import BREAKDOWN_KEYS, MemoryEstimate
from planner.units import GB, GIB

LLAMA3_KV_PER_TOKEN = 2 * 8 * 128 * 2 * 32  # K and V x 8 KV heads x head_dim 128 x 2 bytes x 32 layers


def allocated(est: MemoryEstimate) -> float:
    """Allocated memory, comparable with torch.cuda.max_memory_allocated, in GiB."""
    b = est.breakdown
    return (est.total_bytes - b["cuda_context"] - b["allocator_overhead"]) / GIB


def test_breakdown_contract() -> None:
    est = estimate_memory("qwen2.5-7b")
    assert tuple(est.breakdown) == BREAKDOWN_KEYS
    assert est.total_bytes == sum(est.breakdown.values())
    assert est.per_gpu_bytes == sum(est.per_gpu_breakdown.values())
    assert est.params == 7_615_616_512
    assert all(isinstance(v, int) for v in est.breakdown.values())


def test_kv_cache_llama3_8b_by_hand() -> None:
    # 128 KiB per token; 32768 tokens x 4 sequences = 16 GiB exactly.
    est = estimate_memory("llama-3-8b", precision="q4_k_m", context=32768, batch=4, engine="llama.cpp")
    assert est.kv_bytes_per_token == LLAMA3_KV_PER_TOKEN == 131072
    assert est.breakdown["kv_cache"] == 16 * GIB
    q8 = estimate_memory(
        "llama-3-8b", precision="q4_k_m", context=32768, batch=4, engine="llama.cpp", kv_precision="q8_0"
    )
    assert q8.breakdown["kv_cache"] == 8.5 * GIB  # q8_0: 34 bytes per 32 elements instead of 64
    q4 = estimate_memory(
        "llama-3-8b", precision="q4_k_m", context=32768, batch=4, engine="llama.cpp", kv_precision="q4_0"
    )
    assert q4.breakdown["kv_cache"] == 4.5 * GIB  # q4_0: 18 bytes per 32 elements


def test_vllm_rounds_to_blocks_and_replicates_kv_heads() -> None:
    one = estimate_memory("qwen2.5-7b", context=17, engine="vllm")
    per_token = 2 * 4 * 128 * 2 * 28
    assert one.breakdown["kv_cache"] == per_token * 32  # 17 tokens -> two 16-token blocks
    # 4 KV heads over 4 GPUs: one head each; 8 KV heads of Llama-3-70B over 16 GPUs: replicated, one each.
    tp4 = estimate_memory("qwen2.5-7b", context=4096, engine="vllm", gpus=4)
    assert tp4.per_gpu_breakdown["kv_cache"] == 2 * 1 * 128 * 2 * 28 * 4096
    with pytest.raises(ModelError, match="28 attention heads"):
        estimate_memory("qwen2.5-7b", engine="vllm", gpus=8)
    tp8_llama = estimate_memory("llama-3-70b", context=4096, engine="vllm", gpus=8)
    tp16_heads = estimate_memory("llama-3-70b", context=4096, engine="vllm", gpus=16)
    assert tp16_heads.per_gpu_breakdown["kv_cache"] == tp8_llama.per_gpu_breakdown["kv_cache"]


def test_mla_latent_cache_under_vllm_and_decompressed_under_transformers() -> None:
    latent = estimate_memory("deepseek-v3", precision="fp8", context=1024, engine="vllm", gpus=8)
    assert latent.kv_bytes_per_token == (512 + 64) * 2 * 61
    # Not split across TP: every GPU holds the whole latent cache.
    assert latent.per_gpu_breakdown["kv_cache"] == (512 + 64) * 2 * 61 * 1024
    full = estimate_memory("deepseek-v3", precision="fp8", context=1024, gpus=8)
    assert full.kv_bytes_per_token == 128 * (128 + 64 + 128) * 2 * 61


def test_sliding_window_held_as_each_engine_holds_it() -> None:
    kv_layer_token = 2 * 8 * 256 * 2  # gemma-2-9b: 8 KV heads x head_dim 256, 21 global + 21 sliding layers
    # vLLM keeps min(window - 1 + max_num_batched_tokens, max_model_len) tokens plus one block on a sliding
    # layer: at 8,192 tokens that is 512 + 1 blocks, which is why its log reads 20.6x concurrency, not 27.
    vllm = estimate_memory("gemma-2-9b", context=8192, engine="vllm")
    assert vllm.breakdown["kv_cache"] == kv_layer_token * (21 * 8192 + 21 * 513 * 16)
    # A shorter prefill chunk: window - 1 + 512 = 4607 tokens -> 288 blocks + 1.
    short = estimate_memory("gemma-2-9b", context=8192, engine="vllm", prefill_tokens=512)
    assert short.breakdown["kv_cache"] == kv_layer_token * (21 * 8192 + 21 * 289 * 16)
    # transformers gives Gemma 2 its HybridCache (the config's "cache_implementation": "hybrid"): the window.
    windowed = kv_layer_token * (21 * 8192 + 21 * 4096)
    assert estimate_memory("gemma-2-9b", context=8192).breakdown["kv_cache"] == windowed
    # llama.cpp: GGML_PAD(min(n_ctx, n_swa + n_ubatch), 256) = pad(4096 + 512) = 4608 cells per sliding layer.
    gguf = estimate_memory("gemma-2-9b", precision="q8_0", context=8192, engine="llama.cpp")
    assert gguf.breakdown["kv_cache"] == kv_layer_token * (21 * 8192 + 21 * 4608)
    # Mistral 7B v0.1 slides a 4096 window on every layer; transformers' DynamicCache keeps all 8192 tokens.
    mistral = estimate_memory("mistral-7b-v0.1", context=8192).breakdown["kv_cache"]
    assert mistral == 2 * 8 * 128 * 2 * 32 * 8192
    at_16k = estimate_memory("mistral-7b-v0.1", context=16384, engine="vllm").breakdown["kv_cache"]
    assert at_16k == 2 * 8 * 128 * 2 * 32 * (math.ceil((4096 - 1 + 8192) / 16) + 1) * 16


def test_weights_by_format_by_hand() -> None:
    # Qwen2.5-7B: 6,525,... linear params quantized; embeddings + lm_head (2 x 544,997,376) kept at 16 bit.
    bf16 = estimate_memory("qwen2.5-7b").breakdown["weights"]
    assert bf16 == 7_615_616_512 * 2
    gptq = estimate_memory("qwen2.5-7b", precision="gptq-int4").breakdown["weights"]
    embeddings = 2 * 544_997_376
    norms_and_biases = 28 * (2 * 3584 + 3584 + 2 * 512) + 3584
    linear = 7_615_616_512 - embeddings - norms_and_biases
    assert gptq == round((linear * (4 + 20 / 128) + (embeddings + norms_and_biases) * 16) / 8)
    # Microscaling FP4: 4-bit elements plus an 8-bit scale per 32 (MXFP4) or per 16 (NVFP4).
    for precision, bits in (("mxfp4", 4.25), ("nvfp4", 4.5)):
        fp4 = estimate_memory("qwen2.5-7b", precision=precision, engine="vllm").breakdown["weights"]
        assert fp4 == round((linear * bits + (embeddings + norms_and_biases) * 16) / 8)


@pytest.mark.parametrize(("model", "checkpoint_gib"), [("gpt-oss-120b", 60.8), ("gpt-oss-20b", 12.8)])
def test_gpt_oss_mxfp4_matches_its_checkpoint(model: str, checkpoint_gib: float) -> None:
    """gpt-oss stores its routed experts in MXFP4 and everything else in bf16; the model card (arXiv
    2508.10925, table 1) gives checkpoints of 60.8 and 12.8 GiB. Quantizing attention as well put the 20b 7 %
    low."""
    weights = estimate_memory(model, precision="mxfp4", engine="vllm").weights_only_bytes / GIB
    assert weights == pytest.approx(checkpoint_gib, rel=0.01)


@pytest.mark.parametrize(("version", "loaded_gib"), [("0.11", 13.47), ("vllm>=0.17", 13.64)])
def test_vllm_pads_gpt_oss_experts(version: str, loaded_gib: float) -> None:
    """vLLM loads gpt-oss-20b heavier than its 12.8 GiB checkpoint: its MXFP4 kernels pad the hidden size
    to 256 and, from 0.17, the expert width to 128 ("Model loading took" 13.47 GiB in llm-d-benchmark's
    empirical-vllm-memory-results.md, 13.64 GiB in jgchn/llm-d-planner accuracy/results/v0.19.0)."""
    est = estimate_memory("gpt-oss-20b", precision="mxfp4", engine="vllm", engine_version=version)
    assert est.breakdown["weights"] / GIB == pytest.approx(loaded_gib, rel=0.005)


@pytest.mark.parametrize(
    ("model", "precision", "measured_gib"),
    # llama.cpp file sizes (benchmarks/data/vram_calibration.csv, weights rows): Llama-3.1-8B from the
    # quantize README; Q2_K and Q3_K_M from TheBloke's Llama-2-7B files (the 2023 mixes).
    [
        ("llama-3.1-8b", "q8_0", 7.95),
        ("llama-3.1-8b", "q6_k", 6.14),
        ("llama-3.1-8b", "q5_k_m", 5.33),
        ("llama-3.1-8b", "q4_k_m", 4.58),
        ("llama-3.1-8b", "q4_0", 4.34),
        ("llama-2-7b", "q3_k_m", 3.07),
        ("llama-2-7b", "q2_k", 2.64),
    ],
)
def test_gguf_weights_match_llama_cpp_file_sizes(model: str, precision: str, measured_gib: float) -> None:
    est = estimate_memory(model, precision=precision, engine="llama.cpp", context=1)
    assert est.breakdown["weights"] / GIB == pytest.approx(measured_gib, rel=0.03)


@pytest.mark.parametrize(
    ("model", "precision", "prompt", "gpus", "measured_gib"),
    # Qwen2.5 speed benchmark (QwenLM/Qwen2.5 @a912d239, docs/source/benchmark/speed_benchmark.rst):
    # transformers 4.46, FlashAttention 2, 2048 generated tokens, torch.cuda.max_memory_allocated.
    [
        ("qwen2.5-7b", "bf16", 1, 1, 14.38),
        ("qwen2.5-7b", "bf16", 30720, 1, 19.97),
        ("qwen2.5-14b", "gptq-int4", 14336, 1, 13.81),
        ("qwen2.5-0.5b", "bf16", 30720, 1, 2.34),
        ("qwen2.5-72b", "bf16", 30720, 3, 164.79),
    ],
)
def test_inference_matches_qwen25_measurements(
    model: str, precision: str, prompt: int, gpus: int, measured_gib: float
) -> None:
    est = estimate_memory(model, precision=precision, context=prompt + 2048, prefill_tokens=prompt, gpus=gpus)
    assert allocated(est) == pytest.approx(measured_gib, rel=0.05)


def test_long_prompt_activations_are_the_mlp_peak() -> None:
    # Prefill of 30720 tokens in Qwen2.5-7B: (2 x 3584 + 3 x 18944) x 2 bytes per token at the MLP.
    short = estimate_memory("qwen2.5-7b", context=30720 + 2048, prefill_tokens=1)
    long = estimate_memory("qwen2.5-7b", context=30720 + 2048, prefill_tokens=30720)
    grown = long.breakdown["activations"] - short.breakdown["activations"]
    assert grown == pytest.approx(30719 * (2 * 3584 + 3 * 18944) * 2, rel=1e-6)


def test_lora_trainable_parameters_llama3_8b() -> None:
    # r=16 on all 7 linear layers of Llama-3-8B = 41.9M; by hand 32 x 1,310,720 = 41,943,040.
    est = estimate_memory("llama-3-8b", task="lora", lora_rank=16)
    assert est.trainable_params == 41_943_040
    assert est.breakdown["adapters"] == 41_943_040 * 4  # fp32 adapters (PEFT)
    assert est.breakdown["optimizer_states"] == 41_943_040 * 8  # AdamW m and v
    assert estimate_memory("llama-3-8b", task="lora", lora_targets="qv").trainable_params == 32 * 16 * (
        (4096 + 4096) + (4096 + 1024)
    )


@pytest.mark.parametrize(("optimizer", "bytes_per_param"), [("adamw", 16), ("adamw-8bit", 10), ("sgd", 12)])
def test_full_finetune_bytes_per_parameter(optimizer: str, bytes_per_param: int) -> None:
    # AMP: bf16 weights 2 + bf16 grads 2 + fp32 master 4 + states (AdamW 8, 8-bit AdamW 2, SGD 4), all held
    # at once where the gradients are preallocated (lazy_gradients=False).
    est = estimate_memory("7b", task="full", optimizer=optimizer, lazy_gradients=False)
    b = est.breakdown
    assert b["weights"] + b["gradients"] + b["optimizer_states"] == est.params * bytes_per_param


def test_zero3_shards_states_over_gpus() -> None:
    one = estimate_memory("llama-3-8b", task="full", gpus=1, lazy_gradients=False)
    four = estimate_memory("llama-3-8b", task="full", gpus=4, lazy_gradients=False)
    assert four.per_gpu_breakdown["optimizer_states"] == pytest.approx(
        one.breakdown["optimizer_states"] / 4, 1
    )
    assert four.per_gpu_breakdown["gradients"] == pytest.approx(one.breakdown["gradients"] / 4, abs=1)
    assert four.per_gpu_bytes < one.per_gpu_bytes / 2
    # "Weights only" is the model's 16 GB, not the four GPUs' shards plus their gathered layers.
    assert one.weights_only_bytes == four.weights_only_bytes == 8_030_261_248 * 2
    assert four.breakdown["weights"] > four.weights_only_bytes


def test_qlora_uses_a_4bit_base() -> None:
    est = estimate_memory("llama-3-8b", task="qlora")
    assert est.inputs["precision"] == "nf4"
    # 6.98B linear weights at 4.127 bits, 1.05B embedding/head parameters kept at 16 bit in the file and cast
    # to fp32 for training by PEFT's prepare_model_for_kbit_training (the default hf-trainer recipe).
    assert est.weights_only_bytes == pytest.approx((6_979_588_096 * 4.127 + 1_050_673_152 * 16) / 8, rel=1e-4)
    assert est.breakdown["weights"] == pytest.approx(
        (6_979_588_096 * 4.127 + 1_050_673_152 * 32) / 8 + 266_240 * 2, rel=1e-4
    )  # and the norms' 266,240 parameters


def test_training_logits_at_8k_tokens() -> None:
    # 8192 tokens x 128,256 vocabulary x (2 + 4 + 4 + 2) bytes (bf16, fp32 upcast, log-softmax, gradient).
    on = estimate_memory("llama-3-8b", task="lora", context=8192)
    assert on.breakdown["activations"] > 8192 * 128_256 * 12


@pytest.mark.parametrize(
    ("size", "precision", "task", "low_gb", "high_gb"),
    # The worked cases of the rule of thumb (docs/memory-model.md) (GB = 10^9 bytes).
    [
        ("7b", "fp16", "inference", 18.2, 18.2),
        ("7b", "int4", "qlora", 10.5, 15.75),
        ("13b", "fp16", "inference", 33.8, 33.8),
    ],
)
def test_rule_of_thumb_worked_cases(
    size: str, precision: str, task: str, low_gb: float, high_gb: float
) -> None:
    est = estimate_memory(size, precision=precision, task=task)
    assert est.rule_of_thumb_bytes == (round(low_gb * GB), round(high_gb * GB))


def test_rule_of_thumb_long_context() -> None:
    short = estimate_memory("7b", precision="fp16", context=4096).rule_of_thumb_bytes[0]
    assert estimate_memory("7b", precision="fp16", context=32768).rule_of_thumb_bytes[0] == round(short * 1.5)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"context": 0}, ModelError, "context must be a whole number >= 1"),
        ({"batch": 0}, ModelError, "batch must be"),
        ({"gpus": 0}, ModelError, "gpus must be"),
        ({"precision": "int3"}, ModelError, "unknown precision 'int3'"),
        ({"engine": "tgi"}, ModelError, "unknown engine 'tgi'"),
        ({"task": "pretrain"}, PlannerError, "unknown task 'pretrain'"),
        ({"kv_precision": "int2"}, ModelError, "unknown KV-cache precision"),
        ({"precision": "q4_k_m", "engine": "vllm"}, ModelError, "GGUF format; use engine llama.cpp"),
        ({"task": "lora", "engine": "vllm"}, PlannerError, "does not train"),
        ({"optimizer": "lion", "task": "full"}, PlannerError, "unknown optimizer"),
        ({"gpus": 29}, ModelError, "exceed its 28 layers"),
        ({"lora_targets": "qkv", "task": "lora"}, PlannerError, "unknown LoRA target"),
        ({"colour": "blue"}, PlannerError, "unknown estimate option"),
        # Names that are not strings once raised AttributeError; a fractional rank was accepted.
        ({"precision": None}, ModelError, "precision must be a name"),
        ({"task": None}, ModelError, "task must be a name"),
        ({"task": "lora", "lora_rank": 2.5}, ModelError, "lora_rank must be a whole number"),
        ({"task": "full", "gradient_checkpointing": "no"}, ModelError, "gradient_checkpointing must be True"),
        # Combinations no engine runs: they were estimated anyway.
        ({"task": "full", "precision": "nf4"}, ModelError, "full fine-tuning updates every weight"),
        ({"task": "full", "precision": "awq-int4"}, ModelError, "precision awq-int4 is quantized"),
        ({"engine": "vllm", "kv_precision": "q4_0"}, ModelError, "engine vllm has no q4_0 KV cache"),
        ({"engine": "llama.cpp", "kv_precision": "fp8"}, ModelError, "engine llama.cpp has no fp8 KV cache"),
        ({"engine": "llama.cpp", "precision": "nf4"}, ModelError, "llama.cpp runs GGUF files"),
    ],
)
def test_bad_input_raises_one_clear_line(
    kwargs: dict[str, object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message) as info:
        estimate_memory("qwen2.5-7b", **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(info.value)


def test_llama_cpp_without_flash_attention_holds_the_score_matrix() -> None:
    # n_ctx x n_ubatch x heads x 4 bytes: 8192 x 512 x 32 x 4 = 512 MiB for Llama-3-8B, less the f16 mask.
    fa = estimate_memory("llama-3-8b", precision="q4_k_m", context=8192)
    eager = estimate_memory("llama-3-8b", precision="q4_k_m", context=8192, flash_attention=False)
    grown = eager.breakdown["activations"] - fa.breakdown["activations"]
    assert grown == 8192 * 512 * 32 * 4 - 8192 * 512 * 2


def test_old_transformers_kept_logits_for_the_whole_prompt() -> None:
    # vram_calibration.md: Qwen2 under transformers 4.38 grows by vocab x prompt x (2 + 4) bytes.
    new = estimate_memory("qwen2.5-7b", context=8192, prefill_tokens=6144)
    old = estimate_memory("qwen2.5-7b", context=8192, prefill_tokens=6144, prefill_logits=True)
    grown = old.breakdown["activations"] - new.breakdown["activations"]
    assert grown == (6144 - 1) * 152_064 * 6


@pytest.mark.parametrize(
    ("model", "gpus", "limit", "sizes"),
    [
        # Phi-3-medium: 40 attention heads, 10 KV heads. 4 divides 40; the KV heads are what 4 cannot split.
        # Sizes dividing 40 whose KV split works: 1, 2, 5, 10 divide 10; 20 and 40 are multiples of it.
        ("phi-3-medium", 4, "the 10 KV heads", "1, 2, 5, 10, 20 or 40"),
        # Qwen2.5-7B: 28 attention heads, 4 KV heads. 3 divides neither; 14 divides 28 but 4 neither
        # divides 14 nor is divided by it; 28 is a multiple of 4.
        ("qwen2.5-7b", 3, "28 attention heads", "1, 2, 4 or 28"),
    ],
)
def test_a_tensor_split_that_fails_names_the_heads_that_bind_and_the_sizes_that_work(
    model: str, gpus: int, limit: str, sizes: str
) -> None:
    with pytest.raises(ModelError) as raised:
        estimate_memory(model, engine="vllm", gpus=gpus)
    message = str(raised.value)
    assert f"{limit} do not split over {gpus} GPUs" in message and f"(use {sizes} GPUs)" in message
    for n in map(int, sizes.replace(" or", ",").split(", ")):
        estimate_memory(model, engine="vllm", gpus=n)  # every size offered is accepted


@pytest.mark.parametrize(
    ("model", "batch", "prompt", "out", "measured_gib"),
    [
        ("qwen2.5-7b", 1, 32768, 16, 20.37),
        ("llama-3.1-8b", 64, 4096, 32, 76.12),
        ("qwen3-30b-a3b", 16, 1024, 32, 60.67),
    ],
)
def test_transformers_generate_peak_as_measured_on_our_h200(
    model: str, batch: int, prompt: int, out: int, measured_gib: float
) -> None:
    # Our own runs (benchmarks/gpu_measure.py, transformers 5.17 generate() with SDPA, random weights, one
    # H200, 2026-12-04): torch.cuda.max_memory_allocated over the generate call, so without the CUDA context
    # and the allocator's share. Long prompts, a large batch and an MoE: within 6 %.
    est = estimate_memory(model, context=prompt + out, batch=batch, prefill_tokens=prompt)
    b = est.breakdown
    allocated = (est.total_bytes - b["cuda_context"] - b["allocator_overhead"]) / GIB
    assert allocated == pytest.approx(measured_gib, rel=0.06)
