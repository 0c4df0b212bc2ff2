"""Today's llama.cpp costs: the fixed costs and KV read of 2025-2026 builds, measured on their rows.

The speed model's llama.cpp constants are fitted on May-2024 llama-bench rows (throughput_calibration.csv).
The batch-1 decode rows of 2025-2026 builds (``build=current`` in throughput_llamacpp_2025.csv) run faster
than those constants say, and not only by bandwidth (``EngineSpeed.bandwidth_capped``): at depth 0 an RTX
5090 decodes Llama-3.2-1B in BF16 at 1.53 ms a token, about what its 2.47 GB take at the weights' fitted
share of 1,792 GB/s, leaving nothing for the 2024 builds' 1.8 ms of per-step and per-layer costs; and at
32K tokens of context the KV cache, read once per query head at the 2024 rate, would need more bandwidth
than the card has. So this script

1. prints, per row at 32K context, the bandwidth the row needs if its KV cache is read once per query head
   at the 2024 builds' KV rate, and if it is read once per KV head (FlashAttention kernels of 2025 serve a
   KV head's whole group of query heads in one block);
2. fits today's per-step cost, per-layer cost and KV share of bandwidth (the other constants: the fitted
   2024 ones, no bandwidth cap, a KV head read once) on the nine decode rows: soft-L1 loss of
   ln(predicted / measured), as benchmarks/fit_perf.py fits, and prints them;
3. fits them again without each row in turn and predicts that row (leave one out), so that the error of
   constants measured on nine rows shows on rows they did not see.

Usage: ``python benchmarks/llamacpp_today.py``; the values go into ``_TODAY`` in planner/perf/efficiency.py.
"""

from __future__ import annotations

import math
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from fit_perf import SOFT_L1_SCALE, nelder_mead
from perf_data import DATA, Case, load_cases

from planner.perf.efficiency import BuildCosts, EngineSpeed, engine_speed
from planner.perf.estimate import decode_step
from planner.perf.terms import step_weight_bytes

STARTS = np.array([math.log(1e-3), math.log(1e-5), 1.0])  # ln step, ln layer, logit of the KV share


def _speed(x: np.ndarray) -> EngineSpeed:
    costs = BuildCosts(
        step_overhead_s=math.exp(x[0]),
        layer_overhead_s=math.exp(x[1]),
        kv_bandwidth_efficiency=1 / (1 + math.exp(-x[2])),
        reads_kv_head_once=True,
    )
    return replace(engine_speed("llama.cpp"), bandwidth_capped=False, today=costs)


def _fit(rows: Sequence[Case]) -> np.ndarray:
    def loss(x: np.ndarray) -> float:
        speed = _speed(x)
        errors = np.array([math.log(c.predicted(speed) / c.value) for c in rows])
        soft = 2 * SOFT_L1_SCALE**2 * (np.sqrt(1 + (errors / SOFT_L1_SCALE) ** 2) - 1)
        return float(np.mean(soft) + 1e-4 * np.sum((x - STARTS) ** 2))

    x = STARTS.copy()
    for _ in range(4):
        x = nelder_mead(loss, x, 1500)
    return x


def main() -> None:
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    rows = [
        c
        for c in load_cases([DATA / "throughput_llamacpp_2025.csv"])
        if c.current_build and c.metric == "decode_tok_s_per_seq" and not c.suspect
    ]
    fitted = engine_speed("llama.cpp")
    print("1. Rows at 32K context: bandwidth needed, GB/s, KV read per query head at the 2024 rate / once")
    print("| GPU | model | tok/s | card GB/s | per query head, 2024 | once per KV head, weights' rate |")
    print("|---|---|---:|---:|---:|---:|")
    for c in rows:
        if c.input_tokens < 32768:
            continue
        context = c.input_tokens + (c.output_tokens + 1) / 2
        weights = step_weight_bytes(c.terms, 1)
        kv = c.terms.kv_bytes_per_token * context
        group = c.terms.query_heads_per_kv_head**fitted.kv_group_exponent
        old = (weights / fitted.bandwidth_efficiency + kv * group / fitted.kv_bandwidth_efficiency) * c.value
        once = (weights + kv) / fitted.bandwidth_efficiency * c.value
        print(
            f"| {c.gpu} | {c.model} | {c.value:.1f} | {c.hw.bandwidth_bytes_per_s / 1e9:,.0f} "
            f"| {old / 1e9:,.0f} | {once / 1e9:,.0f} |"
        )
    x = _fit(rows)
    today = _speed(x).today
    assert today is not None
    print()
    print(
        f"2. Today's costs, fitted on {len(rows)} rows: per step {today.step_overhead_s * 1e3:.3f} ms, "
        f"per layer {today.layer_overhead_s * 1e6:.1f} us, "
        f"KV at {today.kv_bandwidth_efficiency:.3f} of bandwidth "
        f"(2024 builds: {fitted.step_overhead_s * 1e3:.3f} ms, {fitted.layer_overhead_s * 1e6:.1f} us, "
        f"{fitted.kv_bandwidth_efficiency:.3f}, a KV head read group^{fitted.kv_group_exponent:.2f} times)"
    )
    print()
    print("3. Each row predicted by the 2024 costs, by today's fitted on all nine, and on the other eight")
    print("| GPU | model | precision | context | tok/s | 2024 costs | today's | today's, row left out |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    old_err, all_err, loo_err = [], [], []
    uncapped = replace(fitted, bandwidth_capped=False, today=None)
    for i, c in enumerate(rows):
        left = _fit([r for j, r in enumerate(rows) if j != i])
        errors = [c.predicted(s) / c.value - 1 for s in (uncapped, _speed(x), _speed(left))]
        old_err.append(abs(errors[0]))
        all_err.append(abs(errors[1]))
        loo_err.append(abs(errors[2]))
        print(
            f"| {c.gpu} | {c.model} | {c.precision} | {c.input_tokens:,} | {c.value:.1f} | "
            + " | ".join(f"{e:+.1%}" for e in errors)
            + " |"
        )
    print()
    for name, errs in (("2024 costs", old_err), ("today's", all_err), ("today's, left out", loo_err)):
        errs = sorted(errs)
        p90 = errs[min(len(errs) - 1, int(0.9 * len(errs)))]
        print(f"{name}: median {statistics.median(errs):.1%}, p90 {p90:.1%}")
    step = decode_step(rows[0].terms, rows[0].hw, _speed(x), gpus=1, batch=1, context=256)[0]
    print(f"(first row's step, today's costs: {step * 1e3:.2f} ms)")


if __name__ == "__main__":
    main()
