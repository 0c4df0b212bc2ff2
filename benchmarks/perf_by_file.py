"""The speed model's error per data file and engine, with the shipped constants (no fitting).

For each ``benchmarks/data/throughput_*.csv`` and engine: rows not marked suspect, and the median and 90th
percentile of |predicted / measured - 1| per metric family (decode, TTFT, prefill). Shows what a change of
physics does to each publisher's rows before any refit.

Usage: ``python benchmarks/perf_by_file.py [NAME ...]`` (default: every throughput file).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_data import CSVS, DATA, FAMILY, load_cases

from planner.perf.efficiency import engine_speed


def main() -> None:
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    paths = [DATA / name for name in sys.argv[1:]] if sys.argv[1:] else CSVS
    print("| file | engine | metric | rows | median | p90 |")
    print("|---|---|---|---:|---:|---:|")
    for path in paths:
        errors: dict[tuple[str, str], list[float]] = defaultdict(list)
        for case in load_cases([path]):
            if case.suspect:
                continue
            predicted = case.predicted(engine_speed(case.engine))
            errors[case.engine, FAMILY[case.metric]].append(abs(predicted / case.value - 1))
        for (engine, family), values in sorted(errors.items()):
            values.sort()
            p90 = values[min(len(values) - 1, int(0.9 * len(values)))]
            median = statistics.median(values)
            print(f"| {path.name} | {engine} | {family} | {len(values)} | {median:.1%} | {p90:.1%} |")


if __name__ == "__main__":
    main()
