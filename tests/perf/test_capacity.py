"""Capacity under a latency target: the largest batch within TTFT, TPOT and memory, checked by brute force."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner import estimate_memory, estimate_performance
from planner.perf.capacity import capacity_within_slo
from planner.perf.estimate import serving_tpot_s
from planner.units import GIB


def _meets(batch: int, ttft: float, tpot: float, budget: int, **kw: object) -> bool:
    p = estimate_performance("llama-3-8b", batch=batch, **kw)  # type: ignore[arg-type]
    m = estimate_memory(
        "llama-3-8b",
        context=1024 + 256,
        batch=batch,
        engine=str(kw.get("engine", "vllm")),
        precision=str(kw.get("precision", "bf16")),
    )
    # vLLM batches in flight: between two of a sequence's tokens, batch / 256 prompts join and are prefilled.
    seen = p.tpot_s + p.ttft_s * batch / 256
    return p.ttft_s <= ttft and seen <= tpot and m.per_gpu_bytes <= budget


@pytest.mark.parametrize(
    ("ttft", "tpot", "budget"), [(1.0, 0.03, 72 * GIB), (1.0, 1.0, 40 * GIB), (0.2, 0.02, 72 * GIB)]
)
def test_the_largest_batch_meets_the_targets_and_one_more_does_not(
    ttft: float, tpot: float, budget: int
) -> None:
    c = capacity_within_slo(
        "llama-3-8b", gpu="H100 SXM5", ttft_s=ttft, tpot_s=tpot, memory_per_gpu_bytes=budget
    )
    assert c.batch >= 1
    assert _meets(c.batch, ttft, tpot, budget, gpu="H100 SXM5")
    assert not _meets(c.batch + 1, ttft, tpot, budget, gpu="H100 SXM5")
    # vLLM batches in flight: each request costs its own prefill plus a batch-th of its 256 decode steps.
    p = c.performance
    assert c.requests_per_s == pytest.approx(1 / (p.ttft_s + 256 * p.tpot_s / c.batch))


def test_memory_binds_where_the_latency_target_is_loose() -> None:
    c = capacity_within_slo(
        "llama-3-8b", gpu="H100 SXM5", ttft_s=10, tpot_s=10, memory_per_gpu_bytes=20 * GIB
    )
    assert c.limit == "memory"


def test_a_target_no_batch_meets_says_by_how_much() -> None:
    c = capacity_within_slo(
        "llama-3-70b", gpu="RTX 4090", gpus=2, engine="llama.cpp", precision="q4_k_m", ttft_s=0.1, tpot_s=1
    )
    assert c.batch == 0 and c.limit == "ttft" and c.requests_per_s == 0
    assert c.performance.ttft_s > 0.1


@settings(max_examples=15)
@given(st.floats(0.05, 2.0), st.floats(0.01, 0.2), st.floats(1.0, 3.0))
def test_a_looser_target_never_serves_fewer(ttft: float, tpot: float, looser: float) -> None:
    tight = capacity_within_slo("qwen2.5-7b", gpu="L40S", ttft_s=ttft, tpot_s=tpot)
    loose = capacity_within_slo("qwen2.5-7b", gpu="L40S", ttft_s=ttft * looser, tpot_s=tpot * looser)
    assert loose.batch >= tight.batch
    assert loose.requests_per_s >= tight.requests_per_s * (1 - 1e-9)


def test_the_serving_tpot_holds_the_prefills_of_the_requests_that_join() -> None:
    # 32 sequences of 128 answer tokens: 32 / 128 = a quarter of a 2,048-token prefill runs per decode step.
    p = estimate_performance("llama-3-8b", gpu="H100 SXM5", batch=32, input_tokens=2048, output_tokens=128)
    assert p.serving_tpot_s == pytest.approx(p.tpot_s + p.ttft_s / 4)
    assert p.serving_tpot_s > p.tpot_s * 1.1  # the stall is no rounding error at this prompt length
    # Little's law on the batch's slots: each yields one token a serving TPOT, a request takes 128 of them.
    assert p.requests_per_s == pytest.approx(32 / (128 * p.serving_tpot_s))
    # A static batch is prefilled before it decodes and admits no one meanwhile: its tokens are a step apart.
    s = estimate_performance("qwen2.5-7b", gpu="A100 80GB SXM", engine="transformers", batch=8)
    assert s.serving_tpot_s == s.tpot_s


def test_a_tpot_target_the_bare_step_meets_can_be_missed_once_prefills_count() -> None:
    # 8,192-token prompts, 64-token answers: each sequence sees batch / 8 long prefills per step.
    kw: dict[str, Any] = {"gpu": "H100 SXM5", "input_tokens": 8192, "output_tokens": 64}
    c = capacity_within_slo("llama-3-8b", ttft_s=10, tpot_s=0.05, **kw)
    assert c.limit == "tpot" and c.batch >= 1
    at = estimate_performance("llama-3-8b", batch=c.batch, **kw)
    over = estimate_performance("llama-3-8b", batch=c.batch + 1, **kw)
    assert at.tpot_s + at.ttft_s * c.batch / 64 <= 0.05 < over.tpot_s + over.ttft_s * (c.batch + 1) / 64
    assert over.tpot_s < 0.05  # the decode step alone would have admitted the larger batch


@settings(max_examples=8)
@given(st.integers(64, 8192), st.floats(1.1, 8.0), st.floats(0.02, 0.2))
def test_a_longer_prompt_never_raises_capacity_under_a_tpot_target(
    prompt: int, longer: float, tpot: float
) -> None:
    kw: dict[str, Any] = {"gpu": "L40S", "ttft_s": 1e3, "tpot_s": tpot, "output_tokens": 256}
    short = capacity_within_slo("qwen2.5-7b", input_tokens=prompt, **kw)
    long = capacity_within_slo("qwen2.5-7b", input_tokens=round(prompt * longer), **kw)
    assert long.batch <= short.batch
    assert long.requests_per_s <= short.requests_per_s * (1 + 1e-9)


def test_a_prompt_only_pass_has_the_step_as_its_serving_tpot() -> None:
    # Prefill rows of the calibration data decode no answer (0 output tokens): no prompts join between tokens
    # that do not exist, and the formula's batch / output would divide by zero (perf_accuracy.py crashed on
    # the fit set's llama.cpp prompt rows).
    assert serving_tpot_s(0.02, 0.3, batch=8, output_tokens=0, static=False) == 0.02
    assert serving_tpot_s(0.02, 0.3, batch=8, output_tokens=300, static=False) == pytest.approx(0.028)


def test_poisson_tail_against_hand_figures() -> None:
    """P(N <= k) for N Poisson: mean 1, e^-1 (1 + 1 + 1/2 + 1/6) = 0.98101 and + 1/24 -> 0.99634; mean 3
    to 7 and 8: 0.98810 and 0.99620 (tables); a mean of 1,000 (e^-1000 underflows) lies half below 1,000
    and all below 1,200."""
    from planner.perf.capacity import _poisson_cdf

    assert _poisson_cdf(3, 1.0) == pytest.approx(0.98101, abs=1e-5)
    assert _poisson_cdf(4, 1.0) == pytest.approx(0.99634, abs=1e-5)
    assert _poisson_cdf(7, 3.0) == pytest.approx(0.98810, abs=1e-5)
    assert _poisson_cdf(8, 3.0) == pytest.approx(0.99620, abs=1e-5)
    assert 0.5 < _poisson_cdf(1000, 1000.0) < 0.52 and _poisson_cdf(1200, 1000.0) > 0.99999


def test_a_rate_one_replica_carries_takes_the_batch_its_bursts_need() -> None:
    """A replica whose requests each hold a slot 2 s, whatever the batch (requests/s = batch / 2), asked
    1.5 requests/s: 3 in flight on average, and a Poisson count of mean 3 stays at or under 8 99.6 % of the
    time, at or under 7 only 98.8 %: batch 8 of the 45 the targets allow. Asked 30 requests/s, 60 in
    flight on average do not fit 45 slots: the largest batch stands (more replicas carry the rate)."""
    from types import SimpleNamespace
    from typing import cast

    from planner.perf.capacity import Capacity, _for_rate
    from planner.perf.estimate import Performance

    def speed(batch: int) -> Performance:
        return cast(Performance, SimpleNamespace(requests_per_s=batch / 2.0))

    largest = Capacity(45, "tpot", speed(45))
    sized = _for_rate(largest, speed, 1.5)
    assert (sized.batch, sized.limit, sized.requests_per_s) == (8, "rate", 4.0)
    assert _for_rate(largest, speed, 30.0) is largest
    assert _for_rate(largest, speed, None) is largest


@settings(max_examples=15, deadline=None)
@given(st.floats(0.05, 5.0), st.floats(1.0, 3.0))
def test_more_requests_never_take_a_smaller_batch(rate: float, more: float) -> None:
    def batch(asked: float) -> int:
        return capacity_within_slo(
            "llama-3-8b",
            gpu="H100 SXM5",
            ttft_s=1.0,
            tpot_s=0.06,
            input_tokens=1000,
            output_tokens=300,
            requests_per_s=asked,
        ).batch

    assert batch(rate * more) >= batch(rate)
