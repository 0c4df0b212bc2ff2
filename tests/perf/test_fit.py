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
