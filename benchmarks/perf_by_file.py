"""The speed model's error per data file and engine, with the shipped constants (no fitting).

For each ``benchmarks/data/throughput_*.csv`` and engine: rows not marked suspect, and the median and 90th
percentile of |predicted / measured - 1| per metric family (decode, TTFT, prefill). Shows what a change of
physics does to each publisher's rows before any refit.

Usage: ``python benchmarks/perf_by_file.py [--no-mla] [--no-serving-tpot] [NAME ...]`` (default: every
throughput file). ``--no-mla``: price a latent MLA cache as split across GPUs and its decode attention
decompressed, as before those terms; ``--no-serving-tpot``: take a serving benchmark's TPOT as the bare
decode step (no interleaved prefills).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import perf_data
from perf_data import CSVS, DATA, FAMILY, load_cases

from planner.perf.efficiency import engine_speed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", metavar="NAME", help="files of benchmarks/data (default: all)")
    parser.add_argument("--no-mla", action="store_true", help="latent MLA split across GPUs, not absorbed")
    parser.add_argument("--no-serving-tpot", action="store_true", help="serving TPOT = the decode step")
    args = parser.parse_args()
    if args.no_serving_tpot:
        perf_data.SERVING_TPOT = frozenset()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    paths = [DATA / name for name in args.files] if args.files else CSVS
    print("| file | engine | metric | rows | median | p90 |")
    print("|---|---|---|---:|---:|---:|")
    for path in paths:
        errors: dict[tuple[str, str], list[float]] = defaultdict(list)
        for case in load_cases([path]):
            if case.suspect:
                continue
            if args.no_mla:
                bare = replace(case.terms, kv_replicated=False, decode_attention_width=0.0)
                case = replace(case, terms=bare)
            predicted = case.predicted(engine_speed(case.engine))
            errors[case.engine, FAMILY[case.metric]].append(abs(predicted / case.value - 1))
        for (engine, family), values in sorted(errors.items()):
            values.sort()
            p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
            median = statistics.median(values)
            print(f"| {path.name} | {engine} | {family} | {len(values)} | {median:.1%} | {p90:.1%} |")


if __name__ == "__main__":
    main()
