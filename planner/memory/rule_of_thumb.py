"""The rule of thumb most users know, reported beside the analytic estimate (docs/memory-model.md).

inference = weights x 1.3 (4-bit weights: x 1.5); LoRA/QLoRA = inference x 2-3; full training = inference x
6-10; 32K+ context: x 1.5 more. Weights here are nominal: parameters x the bits the format is named after.
Worked cases (GB = 10^9): 7B FP16 inference 18.2; 7B INT4 QLoRA 10.5-15.75; 13B FP16 inference 33.8.
"""

from __future__ import annotations

from itertools import pairwise

from planner.memory.formats import WeightFormat

INFERENCE_FACTOR = 1.3
INFERENCE_FACTOR_4BIT = 1.5
TASK_FACTORS: dict[str, tuple[float, float]] = {
    "inference": (1.0, 1.0),
    "lora": (2.0, 3.0),
    "qlora": (2.0, 3.0),
    "full": (6.0, 10.0),
}
LONG_CONTEXT_TOKENS = 32768
LONG_CONTEXT_FACTOR = 1.5


def rule_of_thumb_bytes(params: int, fmt: WeightFormat, task: str, context: int) -> tuple[int, int]:
    """(low, high) bytes by the rule of thumb."""
    bits = fmt.rule_bits
    weights = params * bits / 8
    inference = weights * (INFERENCE_FACTOR_4BIT if bits <= 4 else INFERENCE_FACTOR)
    low, high = TASK_FACTORS[task]
    scale = LONG_CONTEXT_FACTOR if context >= LONG_CONTEXT_TOKENS else 1.0
    return round(inference * low * scale), round(inference * high * scale)


# Rules of thumb fine-tuning projects publish, shown beside planner's where they apply (GB = 10^9 bytes per
# billion parameters x). LLaMA-Factory's README "Hardware Requirement" table (hiyouga/LLaMA-Factory @ff6d4d12,
# 2026-08): full AMP 18x, full pure_bf16 8x, LoRA 2x, QLoRA x (8-bit), x/2 (4-bit), x/4 (2-bit).
LLAMA_FACTORY_GB_PER_BILLION: dict[tuple[str, str], float] = {
    ("full", "amp"): 18.0,
    ("full", "pure-bf16"): 8.0,
    ("lora", ""): 2.0,
    ("qlora", "8"): 1.0,
    ("qlora", "4"): 0.5,
    ("qlora", "2"): 0.25,
}
# Unsloth's "Unsloth Requirements" page
# (unsloth.ai/docs/get-started/fine-tuning-for-beginners/unsloth-requirements): the absolute minimum in GB
# by model size, QLoRA (4-bit) and LoRA (16-bit); interpolated between sizes.
UNSLOTH_MINIMUM_GB: dict[str, tuple[tuple[float, float], ...]] = {
    "qlora": (
        (3, 3.5),
        (7, 5),
        (8, 6),
        (9, 6.5),
        (11, 7.5),
        (14, 8.5),
        (27, 22),
        (32, 26),
        (40, 30),
        (70, 41),
    ),
    "lora": ((3, 8), (7, 19), (8, 22), (9, 24), (11, 29), (14, 33), (27, 64), (32, 76), (40, 96), (70, 164)),
}


def published_rules_bytes(params: int, fmt: WeightFormat, task: str, weights_recipe: str) -> dict[str, int]:
    """The projects' own rules for this task, in bytes: ``{"llama-factory": ..., "unsloth": ...}`` where
    each applies (Unsloth's table covers LoRA and QLoRA between 3B and 70B)."""
    billions = params / 1e9
    key = {
        "full": weights_recipe,
        "lora": "",
        "qlora": str(min((8, 4, 2), key=lambda b: abs(b - fmt.rule_bits))),
    }
    out: dict[str, int] = {}
    factor = LLAMA_FACTORY_GB_PER_BILLION.get((task, key.get(task, "")))
    if factor is not None:
        out["llama-factory"] = round(factor * billions * 1e9)
    points = UNSLOTH_MINIMUM_GB.get(task)
    if points and points[0][0] <= billions <= points[-1][0]:
        for (x0, y0), (x1, y1) in pairwise(points):
            if x0 <= billions <= x1:
                out["unsloth"] = round((y0 + (y1 - y0) * (billions - x0) / (x1 - x0)) * 1e9)
                break
    return out
