"""Engines as data, checked against the engines' own tests, sources and logs (each cited where used)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner import estimate_memory
from planner.errors import ModelError
from planner.memory.architecture import Architecture
from planner.memory.engines import ENGINES, default_engine, engine, llama_cpp_window, vllm_window
from planner.memory.fit import fit
from planner.memory.formats import KV_BYTES, WEIGHT_FORMATS
from planner.memory.launch import launch_settings
from planner.memory.resolve import resolve_model
from planner.units import GIB

NAMES = sorted(ENGINES)


@given(st.sampled_from(NAMES), st.sampled_from(sorted(KV_BYTES)))
def test_kv_allow_list_is_the_only_gate(name: str, kv: str) -> None:
    """An engine accepts exactly the KV types its record lists (q4_0 once slipped through to vLLM)."""
    eng = ENGINES[name]
    precision = "q8_0" if eng.default_for == "gguf" else "bf16"
    if kv in eng.kv_formats:
        assert estimate_memory("qwen2.5-0.5b", engine=name, precision=precision, kv_precision=kv).total_bytes
    else:
        with pytest.raises(ModelError, match=f"has no {kv} KV cache"):
            estimate_memory("qwen2.5-0.5b", engine=name, precision=precision, kv_precision=kv)


@given(st.sampled_from(NAMES), st.sampled_from(sorted(WEIGHT_FORMATS)))
def test_weight_allow_list_is_the_only_gate(name: str, precision: str) -> None:
    eng = ENGINES[name]
    if precision in eng.weight_formats:
        assert estimate_memory("qwen2.5-0.5b", engine=name, precision=precision).total_bytes > 0
    else:
        with pytest.raises(ModelError):
            estimate_memory("qwen2.5-0.5b", engine=name, precision=precision)


@given(st.sampled_from(NAMES), st.integers(1, 8), st.integers(1, 2**17))
def test_memory_never_shrinks_with_context_under_any_release(name: str, batch: int, context: int) -> None:
    eng = ENGINES[name]
    precision = "q8_0" if eng.default_for == "gguf" else "bf16"
    arch = resolve_model("gemma-2-2b")  # sliding-window layers: every engine's window rule is exercised
    for release in eng.releases:
        kw = {"engine": name, "precision": precision, "batch": batch, "engine_version": release.label}
        low = estimate_memory(arch, context=context, **kw)  # type: ignore[arg-type]
        high = estimate_memory(arch, context=context + 1, **kw)  # type: ignore[arg-type]
        assert high.per_gpu_bytes >= low.per_gpu_bytes


def test_every_record_is_complete() -> None:
    for eng in ENGINES.values():
        assert eng.releases and eng.launch.command and eng.source
        assert list(eng.releases) == sorted(eng.releases, key=lambda r: r.since)
        assert all(r.source for r in eng.releases)
        if eng.memory_fractions:
            assert eng.launch.memory_fraction and eng.fraction_covers in ("activations", "context")
    assert default_engine(True).name == "llama.cpp" and default_engine(False).name == "transformers"


def test_engine_version_picks_the_release() -> None:
    vllm = engine("vllm")
    assert vllm.release(None).label == ">=0.17"
    assert vllm.release("vllm>=0.17").label == ">=0.17"
    assert vllm.release("0.19.0").label == ">=0.17"
    assert vllm.release("0.11").label == "0.8-0.16 (V1)"
    assert vllm.release("vllm==0.6.5").label == "0.6 (V0)"
    hf = engine("transformers")
    assert hf.release("transformers<4.45").prefill_logits and not hf.release("4.45.0").prefill_logits
    with pytest.raises(ModelError, match="another engine"):
        vllm.release("llama.cpp>=1")
    with pytest.raises(ModelError, match="not a version"):
        vllm.release("latest")
    # A version that names an engine picks it when none is named.
    assert estimate_memory("qwen2.5-0.5b", engine_version="vllm>=0.17").inputs["engine"] == "vllm"


def test_transformers_before_4_45_kept_the_whole_prompts_logits() -> None:
    new = estimate_memory("qwen2.5-7b", context=8192)
    old = estimate_memory("qwen2.5-7b", context=8192, engine_version="transformers<4.45")
    # 8191 more positions x vocabulary 152,064 x (bf16 logits + fp32 upcast) = 6 bytes
    assert old.breakdown["activations"] - new.breakdown["activations"] == 8191 * 152_064 * 6
    assert (
        old.breakdown["activations"]
        == estimate_memory("qwen2.5-7b", context=8192, prefill_logits=True).breakdown["activations"]
    )


def test_static_cache_is_preallocated_for_max_seq_len() -> None:
    """A static cache (AutoAWQ fused modules, LitGPT, torchtune generation) holds max_seq_len whatever the
    request: Llama-3-8B at 128 KiB per token x 8192 = 1 GiB even for a 100-token prompt."""
    static = estimate_memory("llama-3-8b", context=100, max_seq_len=8192)
    assert static.breakdown["kv_cache"] == 131072 * 8192
    assert static.inputs["max_seq_len"] == 8192
    dynamic = estimate_memory("llama-3-8b", context=100)
    assert dynamic.breakdown["kv_cache"] == 131072 * 100
    with pytest.raises(ModelError, match="exceeds the static cache"):
        estimate_memory("llama-3-8b", context=9000, max_seq_len=8192)


# --- vLLM's own assertions (vllm-project/vllm tests/v1/core/test_kv_cache_utils.py at eaba533a)

QWEN15_7B = Architecture(  # the spec those tests build: 32 layers, 32 KV heads of 128, fp16
    name="qwen1.5-7b-shape",
    model_type="qwen2",
    hidden_size=4096,
    num_layers=32,
    num_heads=32,
    num_kv_heads=32,
    head_dim=128,
    intermediate_size=11008,
    vocab_size=151936,
    max_position_embeddings=32768,
)


@pytest.mark.parametrize(("max_model_len", "estimated"), [(16385, 16384), (16383, 16383)])
def test_estimate_max_model_len_as_vllm(max_model_len: int, estimated: int) -> None:
    """test_estimate_max_model_len: 8 GiB of KV hold 16,384 tokens of that spec, not 16,385."""
    per_request = estimate_memory(QWEN15_7B, precision="fp16", engine="vllm", context=estimated).breakdown[
        "kv_cache"
    ]
    assert per_request <= 8 * GIB
    if estimated == 16384:
        more = estimate_memory(QWEN15_7B, precision="fp16", engine="vllm", context=estimated + 16)
        assert more.breakdown["kv_cache"] > 8 * GIB


def test_blocks_per_request_as_vllm() -> None:
    """test_get_max_concurrency_for_kv_cache_config: max_model_len 16384, max_num_batched_tokens 1024,
    16-token blocks: a full-attention request takes 1024 blocks, a 1024-token sliding-window one 129
    (cdiv(1024 - 1 + 1024, 16) + 1), so 129 x 3 blocks hold 3 sliding requests."""
    assert vllm_window(1024, 16384, 1024, 16) == 129 * 16
    assert llama_cpp_window(1024, 16384, 512, 1) == 1536  # GGML_PAD(1024 + 512, 256)
    assert llama_cpp_window(4096, 1000, 512, 1) == 1024  # min(n_ctx, ...) then padded


def test_hybrid_model_blocks_as_vllm() -> None:
    """Same test, hybrid case: 32 full-attention and 32 sliding-window (1024) layers at max_model_len 16384
    and max_num_batched_tokens 1024 take 1024 + 129 blocks per request, so (1024 + 129) x 3 blocks hold 3."""
    from dataclasses import replace

    hybrid = replace(QWEN15_7B, num_layers=64, sliding_window=1024, sliding_layers=32)
    est = estimate_memory(hybrid, precision="fp16", engine="vllm", context=16384, prefill_tokens=1024)
    block_of_32_layers = 2 * 32 * 128 * 2 * 32 * 16  # K and V, 32 heads of 128, fp16, 32 layers, 16 tokens
    assert est.breakdown["kv_cache"] == (1024 + 129) * block_of_32_layers


def test_blocks_from_memory_as_vllm() -> None:
    """vllm-project/vllm tests/v1/worker/test_gpu_model_runner.py (430ad79f),
    test_init_kv_cache_without_kv_sharing: two layers of 8 KV heads of 64 in fp16, 20 GiB -> 327,680
    blocks ("20GB / 32KB / 2 (num layers)")."""
    from dataclasses import replace

    tiny = replace(QWEN15_7B, num_layers=2, num_heads=8, num_kv_heads=8, head_dim=64, hidden_size=512)
    one_block = estimate_memory(tiny, precision="fp16", engine="vllm", context=16).breakdown["kv_cache"]
    assert 20 * GIB // one_block == 327_680


# --- vLLM 0.19 logs: budget line and concurrency reproduced from the inputs

# jgchn/llm-d-planner accuracy/results/v0.19.0/results_raw.csv (commit 30ec05f7): H100 80GB (79.19 GiB),
# gpu_memory_utilization 0.95; "Available KV cache memory" (GiB), "GPU KV cache size" (tokens), "Maximum
# concurrency" at max_model_len.
V019 = [
    ("llama-3.1-8b", 1, 8192, None, 58.11, 476016, 58.11),
    ("llama-3.1-8b", 1, 32768, None, 58.11, 476016, 14.53),
    ("llama-3.1-8b", 2, 8192, None, 63.76, 1044688, 127.53),
    ("llama-3.1-8b", 4, 8192, None, 67.44, 2209792, 269.75),
    ("llama-3.1-8b", 1, 8192, "fp8", 58.11, 952032, 116.21),
    ("qwen2.5-7b", 1, 8192, None, 58.53, 1096000, 133.79),
    ("qwen2.5-7b", 4, 8192, None, 67.34, 5043280, 615.63),
    ("qwen3-8b", 1, 8192, None, 57.5, 418688, 51.11),
    ("gemma-2-2b", 1, 8192, None, 66.47, 670160, 81.73),
    ("gemma-2-9b", 1, 8192, None, 54.12, 168880, 20.6),
    ("gemma-2-27b", 1, 8192, None, 20.59, 58672, 7.16),
    ("phi-4", 1, 8192, None, 46.08, 241568, 29.49),
    ("mixtral-8x7b", 2, 8192, None, 28.44, 465936, 56.88),
    ("qwen3-30b-a3b", 1, 8192, None, 15.41, 168288, 20.54),
]


@pytest.mark.parametrize(("model", "tp", "length", "kv", "kv_gib", "tokens", "concurrency"), V019)
def test_fit_reproduces_vllm_019_logs(
    model: str, tp: int, length: int, kv: str | None, kv_gib: float, tokens: int, concurrency: float
) -> None:
    result = fit(
        resolve_model(model),
        round(79.19 * GIB),
        engine="vllm",
        context=length,
        gpus=tp,
        kv_precision=kv,
        memory_fraction=0.95,
    )
    assert result.engine_kv_bytes is not None and result.vllm_kv_tokens is not None
    assert result.engine_kv_bytes / GIB == pytest.approx(kv_gib, rel=0.02)
    assert result.vllm_kv_tokens == pytest.approx(tokens, rel=0.02)
    assert result.engine_max_concurrency == pytest.approx(concurrency, rel=0.02)


def test_fit_prints_the_engines_kv_tokens_with_thousands_separators() -> None:
    """The README's vLLM 0.19 line: 476,266 tokens and 8,192-token requests, as every other count fit prints
    ("at context 8,192"); it printed 476266 and 8192."""
    from planner.memory.report import fit_table

    result = fit(
        resolve_model("llama-3.1-8b"), round(79.19 * GIB), engine="vllm", context=8192, memory_fraction=0.95
    )
    line = fit_table(result, "79.19 GiB").splitlines()[4]
    assert line == (
        "vllm >=0.17 at --gpu-memory-utilization 0.95: 58.14 GiB of KV cache per GPU, 476,266 tokens, "
        "58.14 requests of 8,192 tokens at once"
    )


def test_vllm_019_budget_line_from_its_inputs() -> None:
    """The log's own arithmetic: 79.19 x 0.95 = 75.23; 75.23 - (14.99 + 1.89 + 0.25) = 58.11 GiB."""
    est = estimate_memory("llama-3.1-8b", engine="vllm", context=8192)
    parts = est.per_gpu_breakdown
    assert parts["weights"] / GIB == pytest.approx(14.99, abs=0.05)
    assert parts["activations"] / GIB == pytest.approx(1.89, abs=0.05)
    assert engine("vllm").default_release.non_torch(1) / GIB == pytest.approx(0.25, abs=0.005)
    assert engine("vllm").default_release.non_torch(2) / GIB == pytest.approx(2.1, abs=0.05)


def test_vllm_budget_is_the_same_at_every_max_model_len() -> None:
    budgets = {
        fit(resolve_model("llama-3.1-8b"), round(79.19 * GIB), engine="vllm", context=n).engine_kv_bytes
        for n in (2048, 4096, 8192, 16384, 32768)
    }
    assert len(budgets) == 1


# --- llama.cpp per-format file sizes (ggml-org/llama.cpp tools/quantize/README.md at 311c2c9f)


@pytest.mark.parametrize(
    ("precision", "gib"),
    [("f16", 14.96), ("q8_0", 7.95), ("q6_k", 6.14), ("q5_k_m", 5.33), ("q4_k_m", 4.58)],
)
def test_llama_31_8b_gguf_sizes(precision: str, gib: float) -> None:
    est = estimate_memory("llama-3.1-8b", precision=precision, context=1)
    assert est.weights_only_bytes / GIB == pytest.approx(gib, rel=0.01)


# --- SGLang, added as one registry entry


def test_sglang_pool_from_its_rule() -> None:
    """model_runner.profile_max_num_token: rest = free_after_load - free_at_start x (1 - mem_fraction_static);
    with free_at_start = vram - context that is (vram - context) x f - weights."""
    vram = 80 * GIB
    result = fit(resolve_model("llama-3.1-8b"), vram, engine="sglang", context=8192)
    est = result.estimate
    assert result.memory_fraction == 0.88
    expected = (vram - est.per_gpu_breakdown["cuda_context"]) * 0.88 - est.per_gpu_breakdown["weights"]
    assert result.engine_kv_bytes == int(expected)
    assert result.vllm_kv_tokens == int(expected / 131072)  # 128 KiB a token, page size 1
    assert fit(resolve_model("llama-3.1-8b"), vram, engine="sglang", gpus=4).memory_fraction == 0.85


# --- launch settings


def test_vllm_launch_utilization_holds_the_estimate() -> None:
    est = estimate_memory("llama-3.1-8b", engine="vllm", context=8192, batch=16, gpus=2, kv_precision="fp8")
    vram = 80 * GIB
    s = launch_settings(est, vram)
    util = float(s.flag("--gpu-memory-utilization") or 0)
    assert s.flag("--max-model-len") == "8192" and s.flag("--max-num-seqs") == "16"
    assert s.flag("--tensor-parallel-size") == "2" and s.flag("--kv-cache-dtype") == "fp8"

    # vLLM's own rule at that utilization leaves the estimate's KV cache (and the allocator's share the
    # estimate adds), and 0.01 less does not.
    def kv_at(share: float) -> int:
        kw = {"engine": "vllm", "context": 8192, "batch": 16, "gpus": 2, "kv_precision": "fp8"}
        kv = fit(resolve_model("llama-3.1-8b"), vram, memory_fraction=share, **kw).engine_kv_bytes  # type: ignore[arg-type]
        assert kv is not None
        return kv

    needed = est.per_gpu_breakdown["kv_cache"] + est.per_gpu_breakdown["allocator_overhead"]
    assert kv_at(util) >= needed > kv_at(util - 0.01)
    assert s.argv()[:2] == ["vllm", "serve"]


def test_other_engines_launch_flags() -> None:
    sg = launch_settings(estimate_memory("qwen2.5-7b", engine="sglang", gpus=2, batch=8), 80 * GIB)
    assert sg.flag("--tp") == "2" and sg.flag("--max-running-requests") == "8"
    assert 0 < float(sg.flag("--mem-fraction-static") or 0) < 0.5
    cpp = launch_settings(
        estimate_memory("llama-3-8b", precision="q4_k_m", context=4096, batch=4, gpus=2), 24 * GIB
    )
    assert cpp.flag("-c") == str(4096 * 4) and cpp.flag("-np") == "4"
    assert cpp.flag("-ngl") == "999" and cpp.flag("--split-mode") == "layer"
    hf = launch_settings(estimate_memory("qwen2.5-7b", gpus=2), 24 * GIB, reserved_bytes=20 * GIB)
    # from_pretrained's keywords only; the length and batch are generation settings, printed apart
    assert hf.kwargs == {"device_map": "auto", "max_memory": {0: "20GiB", 1: "20GiB"}}
    assert hf.generation == {"max_length": 4096, "batch_size": 1}
    assert hf.argv() == []  # a Python library: keyword arguments, no command line
    with pytest.raises(Exception, match="does not fit"):
        launch_settings(estimate_memory("qwen2.5-7b"), 8 * GIB)


def test_estimate_names_the_engine_it_chose() -> None:
    """Plans read the engine off the estimate: a GGUF workload with no engine named ran on llama.cpp but
    its Engine column was blank (the field did not exist)."""
    assert estimate_memory("llama-3-8b", precision="q4_k_m").engine == "llama.cpp"
    assert estimate_memory("llama-3-8b").engine == "transformers"


def test_scenario_workload_takes_engine_version() -> None:
    """A workload's engine_version reaches the memory model: the same endpoint on vLLM 0.11's profile run
    (logits for every batched token) needs about 2.9 GiB more per GPU than on 0.17."""
    from planner.errors import ScenarioError
    from planner.placement.candidates import model_memory
    from planner.scenario.schema import Workload

    base = {"name": "chat", "model": "llama-3.1-8b", "engine": "vllm", "context": 8192}
    old = model_memory(Workload(**base, engine_version="0.11"), 1)  # type: ignore[arg-type]
    new = model_memory(Workload(**base), 1)  # type: ignore[arg-type]
    assert old is not None and new is not None
    assert (old.per_gpu_bytes - new.per_gpu_bytes) / GIB == pytest.approx(2.9, abs=0.1)
    with pytest.raises(ScenarioError, match="workload 'chat': engine_version 'junk'"):
        model_memory(Workload(**base, engine_version="junk"), 1)  # type: ignore[arg-type]
