"""What bitsandbytes' quantized linear layers cost beyond their bytes, per layer, on the host that runs them.

For each row of benchmarks/data/throughput_bitsandbytes.csv with a 16-bit row of the same card, model and
batch (same host, same benchmark): the time per token beyond that 16-bit row's, less the difference in bytes
read (the format's weights, and past one token for the 4-bit formats the 16-bit copy their dequantize kernel
writes and the GEMM reads back) at transformers' fitted bandwidth efficiency, per quantized linear layer;
beside it the host's own cost per decoder layer (the 16-bit row's time less its reads, over its layers) and
the ratio of the two, the share ``planner/perf/terms.py`` keeps per format (``HOST_DISPATCH_SHARE``). Prints
the median share per format over the H100 rows (two models, batches 1-32) and over every card.

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
    print("| GPU | model | format | batch | host per layer, us | extra per quantized linear, us | share |")
    print("|---|---|---|---:|---:|---:|---:|")
    for c in cases:
        base = sixteen.get((c.gpu, c.model, c.batch))
        if base is None or not c.terms.quantized:
            continue
        rate = c.hw.bandwidth_bytes_per_s * efficiency
        host_layer = (1 / base.value - step_weight_bytes(base.terms, c.batch) / rate) / base.terms.layers
        read = step_weight_bytes(c.terms, c.batch)
        if c.precision in SINGLE_TOKEN_KERNEL_FORMATS and c.batch > 1:
            read += dequantized_bytes(c.terms, c.batch)
        extra = 1 / c.value - 1 / base.value - (read - step_weight_bytes(base.terms, c.batch)) / rate
        per_linear = extra / c.terms.linear_modules
        share = per_linear / host_layer
        shares["H100" if "H100" in c.gpu else "other", c.precision].append(share)
        shares["all", c.precision].append(share)
        print(
            f"| {c.gpu} | {c.model} | {c.precision} | {c.batch} | {host_layer * 1e6:,.0f} "
            f"| {per_linear * 1e6:,.0f} | {share:.2f} |"
        )
    print()
    print("| cards | format | rows | median share | range |")
    print("|---|---|---:|---:|---|")
    for (cards, precision), values in sorted(shares.items()):
        if cards == "other":
            continue
        low, high = min(values), max(values)
        median = statistics.median(values)
        print(f"| {cards} | {precision} | {len(values)} | {median:.2f} | {low:.2f} to {high:.2f} |")


if __name__ == "__main__":
    main()
