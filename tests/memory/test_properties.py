"""Laws the memory model must obey: memory never shrinks with more context, batch or bits.

The engines and their releases come from the registry, so a new engine is tested by being added."""

from __future__ import annotations

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from planner import estimate_memory
from planner.errors import PlannerError
from planner.memory.engines import ENGINES as REGISTRY

MODELS = ["qwen2.5-0.5b", "llama-3-8b", "gemma-2-9b", "mixtral-8x7b", "qwen3-30b-a3b", "deepseek-v3", "7b"]
ENGINES = sorted(REGISTRY)
TRAINER = next(name for name, e in REGISTRY.items() if e.trains)
# Formats in order of bits per weight within one family of storage.
FLOAT_LADDER = ["int4", "int8", "bf16", "fp32"]
QUANT_LADDER = ["nf4", "gptq-int4", "gptq-int8", "fp16"]
GGUF_LADDER = ["q2_k", "q3_k_m", "q4_0", "q4_k_m", "q5_k_m", "q6_k", "q8_0", "f16"]

workloads = st.fixed_dictionaries(
    {
        "model": st.sampled_from(MODELS),
        "task": st.sampled_from(["inference", "inference", "lora", "qlora", "full"]),
        "engine": st.sampled_from(ENGINES),
        "release": st.integers(0, 10),
        "context": st.integers(1, 40_000),
        "batch": st.integers(1, 64),
        "gpus": st.sampled_from([1, 2, 4, 8]),
    }
)


def _arguments(w: dict[str, object], change: dict[str, object]) -> dict[str, object]:
    """The workload as estimate_memory takes it: a trainer for training, GGUF weights where the engine
    runs those by default, and one of the engine's releases."""
    args = {**w, **change}
    if args["task"] != "inference":
        args["engine"] = TRAINER
    eng = REGISTRY[str(args["engine"])]
    if eng.default_for == "gguf" and "precision" not in change:
        args["precision"] = "q4_k_m"
    releases = eng.releases
    args["engine_version"] = releases[int(args.pop("release")) % len(releases)].label  # type: ignore[call-overload]
    return args


def _estimate(w: dict[str, object], **change: object) -> tuple[int, int]:
    args = _arguments(w, change)
    try:
        est = estimate_memory(**args)  # type: ignore[arg-type]
    except PlannerError:  # e.g. a GPU count the heads cannot be split over: not a workload
        reject()
    return est.total_bytes, est.per_gpu_bytes


@pytest.mark.parametrize(
    ("size", "more"),
    [("context", st.integers(1, 20_000)), ("batch", st.integers(1, 32))],
    ids=["more context", "more sequences"],
)
@settings(max_examples=60)
@given(w=workloads, data=st.data())
def test_more_tokens_held_never_need_less(
    size: str, more: st.SearchStrategy[int], w: dict[str, object], data: st.DataObject
) -> None:
    """Longer sequences, or more of them, never need less memory."""
    before = _estimate(w)
    after = _estimate(w, **{size: int(w[size]) + data.draw(more)})  # type: ignore[call-overload]
    assert after[0] >= before[0] and after[1] >= before[1]


@settings(max_examples=40)
@given(workloads, st.sampled_from([FLOAT_LADDER, QUANT_LADDER, GGUF_LADDER]), st.data())
def test_more_bits_never_need_less(w: dict[str, object], ladder: list[str], data: st.DataObject) -> None:
    w = {**w, "task": "inference"}
    if not set(ladder) <= REGISTRY[str(w["engine"])].weight_formats:  # an engine that loads the whole ladder
        w["engine"] = next(name for name in ENGINES if set(ladder) <= REGISTRY[name].weight_formats)
    low = data.draw(st.integers(0, len(ladder) - 2))
    high = data.draw(st.integers(low + 1, len(ladder) - 1))
    small = _estimate(w, precision=ladder[low])
    large = _estimate(w, precision=ladder[high])
    assert large[0] >= small[0] and large[1] >= small[1]


@settings(max_examples=30)
@given(workloads)
def test_total_is_the_sum_and_per_gpu_bounds_it(w: dict[str, object]) -> None:
    args = _arguments(w, {})
    try:
        est = estimate_memory(**args)  # type: ignore[arg-type]
    except PlannerError:
        reject()
    assert est.total_bytes == sum(est.breakdown.values())
    # the most loaded GPU bounds the total from below and, times the GPUs, from above (rounding aside)
    assert est.per_gpu_bytes <= est.total_bytes <= est.per_gpu_bytes * est.gpus + est.gpus
    assert all(v >= 0 for v in est.breakdown.values())
