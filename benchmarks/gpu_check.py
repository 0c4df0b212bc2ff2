"""planner's predictions against our own GPU measurements (benchmarks/gpu_measure.py's rows).

Neither model was fitted on these rows: they check, on a card, engine version and host that no published
row covers (an H200 with transformers 5.17 on a virtual machine's host), how far the memory and speed
models are from a run whose every condition we know. Prints one line per row and the median absolute error
per task (memory) and per metric (speed).

    python benchmarks/gpu_check.py [--vram FILE] [--speed FILE]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import accuracy  # a sibling script: run from benchmarks/ as the others are
from perf_data import load_cases

from planner.perf.efficiency import engine_speed

DATA = Path(__file__).resolve().parent / "data"


def memory(path: Path) -> list[str]:
    results, skipped = accuracy.run(path)
    lines = ["| task | model | measured GiB | planner GiB | error |", "|---|---|---|---|---|"]
    by_task: dict[str, list[float]] = {}
    for r in results:
        error = r.planner_gib / r.measured_gib - 1
        by_task.setdefault(r.task, []).append(abs(error))
        lines.append(f"| {r.task} | {r.model} | {r.measured_gib:.2f} | {r.planner_gib:.2f} | {error:+.1%} |")
    lines.append("")
    for task, errors in by_task.items():
        lines.append(f"memory, {task}: {len(errors)} rows, median {statistics.median(errors):.1%}")
    if skipped:
        lines.append(f"skipped: {skipped}")
    return lines


def speed(path: Path) -> list[str]:
    lines = [
        "| model | batch | input | output | metric | measured | planner | error |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_metric: dict[str, list[float]] = {}
    for c in load_cases([path]):
        predicted = c.predicted(engine_speed(c.engine))
        error = predicted / c.value - 1
        by_metric.setdefault(c.metric, []).append(abs(error))
        lines.append(
            f"| {c.model} | {c.batch} | {c.input_tokens} | {c.output_tokens} | {c.metric} | {c.value:.2f} | "
            f"{predicted:.2f} | {error:+.1%} |"
        )
    lines.append("")
    for metric, errors in by_metric.items():
        lines.append(f"speed, {metric}: {len(errors)} rows, median {statistics.median(errors):.1%}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--vram", type=Path, default=DATA / "own_h200_vram.csv")
    parser.add_argument("--speed", type=Path, default=DATA / "own_h200_throughput.csv")
    args = parser.parse_args(argv)
    print("\n".join(memory(args.vram)))
    print()
    print("\n".join(speed(args.speed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
