"""The speed fit's rules (benchmarks/fit_perf.py); what they buy against optimum's first token of Llama-2-13B
is tested with the other published first tokens in test_estimate.py.

A constant is free only where an engine's rows can show it: the compute constants need prefill or first-token
rows, or decode steps of many sequences; an engine whose rows are all small-batch decode borrows them from the
engines whose rows show compute. The shipped transformers record was once fitted free on batch-1 decode rows
alone and took 0.066 of peak FLOPs (a second per-step overhead), which prefilled 512 tokens of Llama-2-13B in
708 ms where optimum measured 99.
"""

from __future__ import annotations

import math
import sys
from dataclasses import replace

import pytest

from planner.perf.efficiency import ENGINE_SPEEDS
from planner.perf.terms import decode_bytes, decode_flops

from scripts import benchmark_module

_load = benchmark_module


def test_batch_one_decode_rows_do_not_free_the_compute_constants() -> None:
    fit = _load("fit_perf")
    data = sys.modules["perf_data"]
    rows = [c for c in data.load_cases([data.CSV]) if c.engine == "transformers" and not c.suspect]
    assert rows and all(c.batch == 1 for c in rows)  # the calibration file's transformers rows: batch 1

    def record(c: object) -> object:
        return ENGINE_SPEEDS["transformers"]

    free = fit.identifiable(rows, record)
    assert "compute_efficiency" not in free and "half_efficiency_tokens" not in free
    assert "quantized_compute_factor" not in free  # quantized rows, but none whose time is the products'
    assert "bandwidth_efficiency" in free and "step_overhead_s" in free
    # One first-token row shows the products and frees them, and so does a decode step whose FLOPs per byte
    # reach a quarter of the card's: Qwen2-7B in bf16 on an A100 (312 TFLOP/s / 2.04 TB/s = 153 FLOP/B) at a
    # context of 1,025 tokens does about 1 FLOP per weight byte a sequence (2 per 2-byte weight), so batch 64
    # (about 53 FLOP/B with its KV reads) shows them and batch 16 (about 15 FLOP/B) does not.
    with_prefill = fit.identifiable([*rows, replace(rows[0], metric="ttft_ms")], record)
    assert {"compute_efficiency", "half_efficiency_tokens"} <= set(with_prefill)
    qwen7b = next(c for c in rows if c.model.startswith("Qwen2-7B") and c.precision == "bf16")
    qwen7b = replace(qwen7b, input_tokens=1, output_tokens=2048)
    assert not fit.shows_compute(replace(qwen7b, batch=16))
    assert fit.shows_compute(replace(qwen7b, batch=64))
    with_batch = fit.identifiable([*rows, replace(qwen7b, batch=64)], record)
    assert {"compute_efficiency", "half_efficiency_tokens"} <= set(with_batch)


def test_a_borrowed_compute_constant_is_the_median_of_the_lenders() -> None:
    fit = _load("fit_perf")
    lenders = [
        {"compute_efficiency": 0.5, "half_efficiency_tokens": 10.0},
        {"compute_efficiency": 0.9, "half_efficiency_tokens": 40.0},
        {"compute_efficiency": 0.7, "half_efficiency_tokens": 20.0},
    ]
    shared = fit.shared_values(lenders)
    assert shared["compute_efficiency"] == pytest.approx(0.7)
    assert shared["half_efficiency_tokens"] == pytest.approx(20.0)
    # Two lenders: the midpoint of their logits (0.5 and 0.9 -> 0.75), of their logs (10 and 40 -> 20).
    two = fit.shared_values(lenders[:2])
    assert two["compute_efficiency"] == pytest.approx(0.75)
    assert two["half_efficiency_tokens"] == pytest.approx(20.0)


def test_shipped_records_without_compute_rows_borrow_the_others_compute() -> None:
    # The shipped fit set (FIT_COMMAND: throughput_calibration.csv) has transformers and vLLM at batch 1 only
    # (Qwen's rows), llama.cpp with prompt rows, TensorRT-LLM with first-token rows and batches of 64-1,024:
    # the first two take the midpoint of the last two's compute constants, in logits and logs.
    def logit(p: float) -> float:
        return math.log(p / (1 - p))

    lenders = [ENGINE_SPEEDS["llama.cpp"], ENGINE_SPEEDS["tensorrt-llm"]]
    efficiency = 1 / (1 + math.exp(-sum(logit(s.compute_efficiency) for s in lenders) / 2))
    half = math.exp(sum(math.log(s.half_efficiency_tokens) for s in lenders) / 2)
    for name in ("transformers", "vllm"):
        assert ENGINE_SPEEDS[name].compute_efficiency == pytest.approx(efficiency, rel=2e-3)
        assert ENGINE_SPEEDS[name].half_efficiency_tokens == pytest.approx(half, rel=2e-3)
        assert ENGINE_SPEEDS[name].quantized_compute_factor == 1.0


def test_an_engine_measured_on_one_model_borrows_every_shared_constant() -> None:
    # dstack's TensorRT-LLM rows are DeepSeek-R1 alone: with NVIDIA's tables held out they are all the fit
    # knows of the engine, and one architecture's kernels (MLA, expert parallel) cannot be told from the
    # engine's efficiencies and overheads, so it takes what the engines fitted before it share.
    fit = _load("fit_perf")
    data = sys.modules["perf_data"]
    dstack = data.load_cases([data.DATA / "throughput_dstack.csv"])
    rows = [c for c in dstack if c.engine == "tensorrt-llm" and not c.suspect]
    assert len(rows) == 18 and {c.model for c in rows} == {"deepseek-r1"}

    def record(c: object) -> object:
        return ENGINE_SPEEDS["tensorrt-llm"]

    shared = {"bandwidth_efficiency": 0.9, "layer_overhead_s": 4e-5, "step_overhead_s": 8e-4}
    free, fixed = fit.free_and_fixed(rows, record, shared)
    assert fixed["bandwidth_efficiency"] == 0.9 and fixed["layer_overhead_s"] == 4e-5
    assert not set(shared) & set(free)
    assert "kv_half_pairs" in free  # no engine before it shares one: still its own rows'
    # Its rows ran no FlashAttention-2: that kernel's constant KV share is borrowed, not fitted.
    assert "kv_bandwidth_efficiency" not in free
    # One row of a second model and the rows can tell the engine from the model: everything is fitted.
    nvidia = next(c for c in data.load_cases([data.CSV]) if c.engine == "tensorrt-llm" and not c.suspect)
    assert nvidia.model != "deepseek-r1"
    free, fixed = fit.free_and_fixed([*rows, nvidia], record, shared)
    assert set(shared) <= set(free) and not set(shared) & set(fixed)


def test_quantized_steps_free_the_quantized_compute_factor_not_the_sixteen_bit_share() -> None:
    # bitsandbytes' transformers rows at 32 sequences (64 tokens in and out). NF4 past one token writes a
    # 16-bit copy of every linear weight and reads it back: Llama-3.1-8B's 6.98e9 linear weights (8.03e9 less
    # two 128,256 x 4,096 embedding matrices) move 4 x 6.98e9 = 27.9 GB a step beside its ~5 GB of packed
    # weights and KV, so its 32 x 2 x 8.03e9 = 5.1e11 FLOPs come to ~16 per byte, far under a quarter of an
    # H100 SXM's 989 TFLOP/s / 3.35 TB/s = 295 (74); without the copy they would reach ~90 and pass.
    fit = _load("fit_perf")
    data = sys.modules["perf_data"]
    bnb = [c for c in data.load_cases([data.DATA / "throughput_bitsandbytes.csv"]) if not c.suspect]
    nf4 = next(c for c in bnb if c.precision == "nf4" and c.batch == 32 and c.gpu == "H100 SXM5")
    assert nf4.model == "llama-3.1-8b"
    context = nf4.input_tokens + (nf4.output_tokens + 1) / 2
    flops = decode_flops(nf4.terms, 32, context)
    packed = decode_bytes(nf4.terms, 32, context)
    assert flops == pytest.approx(5.1e11, rel=0.05)
    assert 74 < flops / packed < 110
    assert not fit.shows_compute(nf4)

    def record(c: object) -> object:
        return ENGINE_SPEEDS["transformers"]

    # LLM.int8 at 32 sequences (no copy: int8 products) shows compute, but a quantized kernel's: it frees the
    # quantized factor only, and the 16-bit share stays the other engines'.
    int8 = [c for c in bnb if c.precision == "int8" and c.batch == 32]
    assert any(fit.shows_compute(c) for c in int8)
    free = fit.identifiable(int8, record)
    assert "quantized_compute_factor" in free and "compute_efficiency" not in free
    sixteen = [c for c in bnb if c.precision in ("fp16", "bf16")]
    assert not any(fit.shows_compute(c) for c in sixteen)


def test_only_python_schedulers_at_several_sequences_free_the_cost_per_sequence() -> None:
    # Oracle's vLLM rows run batches of 1-256; the calibration file's vLLM rows (Qwen's) are batch 1 alone,
    # and TensorRT-LLM's batches of 64-1,024 ran a C++ benchmark: neither shows a Python scheduler's cost.
    fit = _load("fit_perf")
    data = sys.modules["perf_data"]
    oracle = [c for c in data.load_cases([data.DATA / "throughput_oracle.csv"]) if not c.suspect]
    calibration = [c for c in data.load_cases([data.CSV]) if not c.suspect]

    def record(c: object) -> object:
        return ENGINE_SPEEDS[c.engine]  # type: ignore[attr-defined]

    assert "sequence_overhead_s" in fit.identifiable(oracle, record)
    assert "sequence_overhead_s" not in fit.identifiable([c for c in oracle if c.batch < 4], record)
    qwen = [c for c in calibration if c.engine == "vllm"]
    assert qwen and all(c.batch == 1 for c in qwen)
    assert "sequence_overhead_s" not in fit.identifiable(qwen, record)
    trt = [c for c in calibration if c.engine == "tensorrt-llm"]
    assert max(c.batch for c in trt) >= 1024
    assert "sequence_overhead_s" not in fit.identifiable(trt, record)


def test_a_per_expert_cost_is_lent_only_between_engines_that_pay_it_alike() -> None:
    # transformers' Python loop (85 us an expert, every expert) and a fused kernel (1 us a picked expert):
    # everything else is pooled over both, the per-expert cost over the engines of the same kind only.
    fit = _load("fit_perf")
    loop = {"expert_overhead_s": 8e-5, "bandwidth_efficiency": 0.5}
    fused = {"expert_overhead_s": 1e-6, "bandwidth_efficiency": 0.9}
    lent = [(loop, True), (fused, False)]
    for loops, expert in ((False, 1e-6), (True, 8e-5)):
        shared = fit.shared_for(loops, lent)
        assert shared["expert_overhead_s"] == pytest.approx(expert)
        assert shared["bandwidth_efficiency"] == pytest.approx(0.75)  # the midpoint of the logits
    # No engine of the same kind before it: nothing to borrow (its rows, else the starting value, decide).
    assert "expert_overhead_s" not in fit.shared_for(True, [(fused, False)])


def test_rows_whose_step_is_the_eager_host_do_not_free_a_bandwidth_cap() -> None:
    """transformers' host runs ahead of the GPU, so a row whose weights the card reads in less than the host's
    typical cost (HOST_BOUND_LAYER_S, 0.5 ms a layer) takes the host's time and says nothing of how fast reads
    could go. bitsandbytes' Llama 3.1 8B in bf16 on an H100: 15.0 GB of weights read per token (16.06 GB less
    the untied input embedding's 1.05 GB, looked up a row a token) at 3.35 TB/s is 4.5 ms, against 32 layers x
    0.5 ms = 16 ms (measured: 24.4 ms a token). Its Qwen2.5-3B in fp16 on a T4: 6.2 GB (tied embedding) at 320
    GB/s is 19 ms against 36 x 0.5 = 18 ms, so that row shows the reads. Without its H100 and RTX 4090 rows
    the file has one card whose rows show reads, and no cap is free (held out of Qwen's rows a free cap
    settled at 1.3 TB/s and read Qwen2-72B on A100s at 65 % of their 2.04 TB/s); llama.cpp's rows, whose host
    does not run ahead, keep theirs free."""
    fit = _load("fit_perf")
    data = sys.modules["perf_data"]
    bnb = [c for c in data.load_cases([data.DATA / "throughput_bitsandbytes.csv"]) if not c.suspect]
    bf16 = [c for c in bnb if c.precision in ("bf16", "fp16")]
    h100 = next(c for c in bf16 if c.model == "llama-3.1-8b" and c.gpu == "H100 SXM5")
    t4 = next(c for c in bf16 if c.model == "qwen2.5-3b" and c.gpu == "T4")
    reads_h100 = decode_bytes(h100.terms, 1, 0) / h100.hw.bandwidth_bytes_per_s
    assert reads_h100 == pytest.approx(4.5e-3, rel=0.03)
    assert decode_bytes(t4.terms, 1, 0) / t4.hw.bandwidth_bytes_per_s == pytest.approx(19.3e-3, rel=0.03)
    assert not fit.shows_reads(h100, fit._shape) and fit.shows_reads(t4, fit._shape)
    assert {c.gpu for c in bnb} == {"T4", "GeForce RTX 4090", "H100 SXM5"}
    assert {c.gpu for c in bnb if fit.shows_reads(c, fit._shape)} == {"T4"}
    assert "bandwidth_cap_bytes_per_s" not in fit.identifiable(bnb, fit._shape)
    llama = [c for c in data.load_cases([data.CSV]) if c.engine == "llama.cpp" and not c.suspect]
    assert "bandwidth_cap_bytes_per_s" in fit.identifiable(llama, fit._shape)


def test_caps_are_lent_to_no_engine() -> None:
    # A cap is one engine's kernels (llama.cpp's 2024 builds near 1.0 TB/s on A100/H100, TensorRT-LLM near
    # 3.3): the next engine borrows the others' efficiencies (here the midpoint of the logits of 0.5 and
    # 0.9), never their caps, which its own rows set or leave at none.
    fit = _load("fit_perf")
    llama = {
        "bandwidth_cap_bytes_per_s": 1.0e12,
        "compute_cap_flops_per_s": 3.9e14,
        "bandwidth_efficiency": 0.5,
    }
    trt = {
        "bandwidth_cap_bytes_per_s": 3.3e12,
        "compute_cap_flops_per_s": 1.1e15,
        "bandwidth_efficiency": 0.9,
    }
    shared = fit.shared_for(False, [(llama, False), (trt, False)])
    assert shared["bandwidth_efficiency"] == pytest.approx(0.75)
    assert "bandwidth_cap_bytes_per_s" not in shared and "compute_cap_flops_per_s" not in shared
