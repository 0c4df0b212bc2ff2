"""End-to-end latency of the commands people type, against the project's latency targets (README).

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/cli_latency.py [--repeat 5]

Each command runs as a fresh process (what a user waits for, interpreter start-up included); the script prints
the median and the best of the repeats and whether the median meets the target.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def planner_executable() -> list[str]:
    """The console script next to this interpreter, else ``python -m planner``."""
    script = Path(sys.executable).with_name("planner")
    return [str(script)] if script.exists() else [sys.executable, "-m", "planner"]


def time_command(argv: list[str], repeat: int) -> list[float]:
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.strip()[:300]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    planner = planner_executable()
    out_dir = Path(tempfile.mkdtemp(prefix="planner-latency-"))
    cases = [
        ("planner --help", [*planner, "--help"], 0.3),
        ("planner estimate llama-3-8b", [*planner, "estimate", "llama-3-8b"], 0.5),
        (
            "planner solve scenarios/startup.yaml (with workbook)",
            [*planner, "solve", "scenarios/startup.yaml", "-o", str(out_dir / "startup.xlsx")],
            3.0,
        ),
    ]
    print(f"{'command':<55} {'median s':>9} {'best s':>8} {'target s':>9}  result")
    try:
        for label, argv, target in cases:
            seconds = time_command(argv, args.repeat)
            median = statistics.median(seconds)
            verdict = "ok" if median <= target else "MISSED"
            print(f"{label:<55} {median:>9.3f} {min(seconds):>8.3f} {target:>9.1f}  {verdict}")
    finally:
        shutil.rmtree(out_dir, ignore_errors=True)
    print(f"python {sys.version.split()[0]}, {args.repeat} runs each, fresh process per run")


if __name__ == "__main__":
    main()
