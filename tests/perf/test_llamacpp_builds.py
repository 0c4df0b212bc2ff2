"""llama.cpp's fitted bandwidth cap (about 1 TB/s per GPU) is a condition of the 2024 builds its calibration
rows ran, not of today's: planner's own estimates read a fast card at its fitted share of the bandwidth."""

from __future__ import annotations

from dataclasses import replace

import pytest

from planner.perf.api import estimate_performance
from planner.perf.efficiency import engine_speed

from scripts import benchmark_module


def _qwen3_8b_q4(gpu: str) -> float:
    perf = estimate_performance("qwen3-8b", gpu=gpu, precision="q4_k_m", engine="llama.cpp", batch=1)
    return perf.decode_tokens_per_s


def test_todays_llama_cpp_is_not_held_to_the_2024_cap() -> None:
    speed = engine_speed("llama.cpp")
    assert speed.bandwidth_capped is False and speed.bandwidth_cap_bytes_per_s < 1.1e12
    # Published: qwen3-8B Q4_K_M on an RTX 5090 under a llama.cpp CUDA build of 2026, 221.7 tokens/s
    # (github.com/CambrianTech/continuum pull 1627). Under the 2024 cap planner said 134.5 (-39 %).
    assert _qwen3_8b_q4("RTX 5090") == pytest.approx(221.7, rel=0.25)
    # The 5090 has 1.78x the 4090's bandwidth (1,792 against 1,008 GB/s): most of it shows at batch 1.
    assert _qwen3_8b_q4("RTX 5090") > 1.4 * _qwen3_8b_q4("RTX 4090")


def test_the_2024_rows_are_still_predicted_under_the_cap() -> None:
    capped = replace(engine_speed("llama.cpp"), bandwidth_capped=True, today=None)
    assert capped.bandwidth_capped
    data = benchmark_module("perf_data")
    rows = [c for c in data.load_cases([data.DATA / "throughput_calibration.csv"]) if c.engine == "llama.cpp"]
    h100 = [c for c in rows if "H100" in c.gpu and c.metric.startswith("decode") and not c.suspect]
    assert h100 and not any(c.current_build for c in rows)
    for c in h100:
        # A row of a 2024 build is predicted as the capped engine with the fitted costs predicts it, not as
        # today's.
        assert c.predicted(engine_speed("llama.cpp")) == pytest.approx(c.predicted(capped))


def test_todays_builds_cost_less_per_step_and_read_a_kv_head_once() -> None:
    speed = engine_speed("llama.cpp")
    assert speed.today is not None and speed.today.reads_kv_head_once
    assert speed.today.step_overhead_s < 0.25 * speed.step_overhead_s


def test_a_kv_head_read_once_per_query_head_would_need_more_bandwidth_than_the_cards_have() -> None:
    """llama.cpp pull requests #17505 and #17891 (2025): Llama-3-8B Q4_0 at 32,768 tokens of context decodes
    at 98.1 tokens/s on an RTX 4090 (1,008 GB/s) and 165.9 on an RTX 5090 (1,792 GB/s). A token reads the
    weights (about 4.3 GB less the embedding lookup) and 32 layers x 8 KV heads x 2 x 128 x 2 bytes = 128 KiB
    of cache per context token, 4.3 GB. Read once per query head (4 per KV head) the cache alone would take
    17.3 GB a token, 1.7 TB/s on the 4090: the kernels of these builds read each KV head once for its
    group."""
    data = benchmark_module("perf_data")
    rows = [
        c
        for c in data.load_cases([data.DATA / "throughput_llamacpp_2025.csv"])
        if c.model == "llama-3-8b" and c.input_tokens == 32768
    ]
    assert {c.gpu for c in rows} == {"GeForce RTX 4090", "GeForce RTX 5090"}
    for c in rows:
        context = c.input_tokens + (c.output_tokens + 1) / 2
        assert c.terms.kv_bytes_per_token == 32 * 8 * 2 * 128 * 2
        kv = c.terms.kv_bytes_per_token * context
        weights = c.terms.weight_bytes - c.terms.lookup_bytes
        assert (weights + 4 * kv) * c.value > 1.6 * c.hw.bandwidth_bytes_per_s
        assert (weights + kv) * c.value < c.hw.bandwidth_bytes_per_s
