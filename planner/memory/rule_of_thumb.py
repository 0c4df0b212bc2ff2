"""The rule of thumb most users know, reported beside the analytic estimate (docs/memory-model.md).

inference = weights x 1.3 (4-bit weights: x 1.5); LoRA/QLoRA = inference x 2-3; full training = inference x
6-10; 32K+ context: x 1.5 more. Weights here are nominal: parameters x the bits the format is named after.
Worked cases (GB = 10^9): 7B FP16 inference 18.2; 7B INT4 QLoRA 10.5-15.75; 13B FP16 inference 33.8.
"""

from __future__ import annotations

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
