"""The speed fit's rules (benchmarks/fit_perf.py) and what they buy against a published figure.

A constant is free only where an engine's rows can show it: the compute constants need prefill or first-token
rows, or decode steps of many sequences; an engine whose rows are all small-batch decode borrows them from the
engines whose rows show compute. The shipped transformers record was once fitted free on batch-1 decode rows
alone and took 0.066 of peak FLOPs (a second per-step overhead), which prefilled 512 tokens of Llama-2-13B in
708 ms where optimum measured 99.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from dataclasses import replace
from pathlib import Path
from types import ModuleType

import pytest

from planner import estimate_performance
from planner.perf.efficiency import ENGINE_SPEEDS

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _load(name: str) -> ModuleType:
    if name in sys.modules:
        return sys.modules[name]
    sys.path.insert(0, str(BENCHMARKS))  # fit_perf imports perf_data as a sibling script does
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def test_transformers_first_token_of_a_13b_on_an_a100() -> None:
    # huggingface/optimum tests/benchmark/README.md @4e98776 (2024-02-15): Llama-2-13b-chat fp16 on one
    # A100-SXM4-80GB, transformers 4.37.2, batch 1, the generate call for one token after a 512-token prompt:
    # 98.89 ms. 2 x 13.0e9 x 512 FLOPs at 312 TFLOP/s is 43 ms at the peak; 708 ms before the fit's rule.
    p = estimate_performance(
        "llama-2-13b",
        gpu="A100 80GB SXM4",
        engine="transformers",
        precision="fp16",
        input_tokens=512,
        output_tokens=1,
    )
    assert p.ttft_s * 1000 == pytest.approx(98.89, rel=0.35)


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
    # One first-token row, or one decode row of 16 sequences, shows the products and frees them.
    with_prefill = fit.identifiable([*rows, replace(rows[0], metric="ttft_ms")], record)
    assert {"compute_efficiency", "half_efficiency_tokens"} <= set(with_prefill)
    with_batch = fit.identifiable([*rows, replace(rows[0], batch=16)], record)
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
