"""What bitsandbytes' quantized linear layers cost beyond their bytes, per layer, on the host that runs them.

transformers launches its kernels from Python ahead of the GPU (``EngineSpeed.host_runs_ahead``): where a
row's reads take the GPU less time than the row takes, its time is its host's. For each row of
benchmarks/data/throughput_bitsandbytes.csv with a 16-bit row of the same card, model and batch (same host,
same benchmark), both host-bound so: the quantized row's time over the 16-bit row's, less one, per quantized
linear layer of a decoder layer. That is the extra host time of each quantized linear layer as a share of
the host's fixed cost per layer (the 16-bit row's time over its layers), the share
``planner/perf/terms.py`` keeps per format (``HOST_DISPATCH_SHARE``), for one token a pass and for more
(past one token the 4-bit layers launch another chain: dequantize to a 16-bit copy, then a GEMM). Prints
every row and the median share per format and pass size over the H100 rows (two models, batches 1-32),
whose host is the slowest against its GPU, so that every row there is host-bound.

Usage: ``python benchmarks/bnb_host_cost.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_data import DATA, load_cases

from planner.perf.efficiency import engine_speed
from planner.perf.estimate import dequantized_bytes
from planner.perf.terms import SINGLE_TOKEN_KERNEL_FORMATS, step_weight_bytes


def main() -> None:
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    cases = [c for c in load_cases([DATA / "throughput_bitsandbytes.csv"]) if not c.suspect]
    sixteen = {(c.gpu, c.model, c.batch): c for c in cases if not c.terms.quantized}
    efficiency = engine_speed("transformers").bandwidth_efficiency
    shares: dict[tuple[str, str], list[float]] = defaultdict(list)
    print(
        "| GPU | model | format | batch | 16-bit ms (reads) | quantized ms (reads) | host per layer, ms "
        "| share |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for c in cases:
        base = sixteen.get((c.gpu, c.model, c.batch))
        if base is None or not c.terms.quantized:
            continue
        rate = c.hw.bandwidth_bytes_per_s * efficiency
        read = step_weight_bytes(c.terms, c.batch)
        if c.precision in SINGLE_TOKEN_KERNEL_FORMATS and c.batch > 1:
            read += dequantized_bytes(c.terms, c.batch)
        base_s, row_s = 1 / base.value, 1 / c.value
        base_reads, row_reads = step_weight_bytes(base.terms, c.batch) / rate, read / rate
        per_layer = c.terms.linear_modules / c.terms.layers
        host_bound = base_reads < base_s and row_reads < row_s
        share = (row_s / base_s - 1) / per_layer
        if host_bound:
            pass_size = "one token" if c.batch == 1 else "more tokens"
            shares["H100" if "H100" in c.gpu else "other", f"{c.precision}, {pass_size}"].append(share)
        print(
            f"| {c.gpu} | {c.model} | {c.precision} | {c.batch} "
            f"| {base_s * 1e3:.1f} ({base_reads * 1e3:.1f}) "
            f"| {row_s * 1e3:.1f} ({row_reads * 1e3:.1f}) | {base_s / c.terms.layers * 1e3:.2f} "
            f"| {share:.3f}{'' if host_bound else ' (not host-bound)'} |"
        )
    print()
    print("| cards | format, pass | rows | median share | range |")
    print("|---|---|---:|---:|---|")
    for (cards, kind), values in sorted(shares.items()):
        if cards == "other":
            continue
        low, high = min(values), max(values)
        median = statistics.median(values)
        print(f"| {cards} | {kind} | {len(values)} | {median:.3f} | {low:.3f} to {high:.3f} |")


if __name__ == "__main__":
    main()
