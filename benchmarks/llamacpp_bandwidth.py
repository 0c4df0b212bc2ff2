"""How much of each card's memory bandwidth llama.cpp's batch-1 decode rows reach, by build.

For every llama.cpp decode row (not suspect) of the given throughput files: the bytes one token needs (the
speed model's ``decode_bytes`` at the row's mean context: weights, of an untied input embedding the one row a
token looks up, plus the KV cache), times the measured tokens/s,
over the card's bandwidth; beside it the shipped constants' prediction error. Rows whose notes carry
``build=current`` (2025-2026 builds) are marked, the rest are the 2024 builds the constants were fitted on.
Shows whether the fitted per-GPU bandwidth cap is a property of llama.cpp or of its May-2024 builds.

Usage: ``python benchmarks/llamacpp_bandwidth.py [NAME ...]`` (default: throughput_llamacpp_2025.csv).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_data import DATA, load_cases

from planner.perf.efficiency import engine_speed
from planner.perf.hardware import GB
from planner.perf.terms import decode_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="NAME", default=["throughput_llamacpp_2025.csv"])
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print("| build | GPU | model | precision | context | tok/s | read GB/s | of bandwidth | model error |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    best: dict[tuple[str, str], tuple[float, float]] = defaultdict(lambda: (0.0, 0.0))
    for case in load_cases([DATA / name for name in args.files]):
        if case.engine != "llama.cpp" or case.suspect or case.metric != "decode_tok_s_per_seq":
            continue
        context = case.input_tokens + (case.output_tokens + 1) / 2
        read = decode_bytes(case.terms, 1, context) * case.value
        share = read / case.hw.bandwidth_bytes_per_s
        error = case.predicted(engine_speed(case.engine)) / case.value - 1
        build = "current" if case.current_build else "2024"
        best[build, case.gpu] = max(best[build, case.gpu], (read, share))
        print(
            f"| {build} | {case.gpu} | {case.model} | {case.precision} | {context:,.0f} | {case.value:.1f} "
            f"| {read / GB:,.0f} | {share:.0%} | {error:+.0%} |"
        )
    print()
    print("| build | GPU | fastest read GB/s | its share of bandwidth |")
    print("|---|---|---:|---:|")
    for (build, gpu), (read, share) in sorted(best.items()):
        print(f"| {build} | {gpu} | {read / GB:,.0f} | {share:.0%} |")


if __name__ == "__main__":
    main()
