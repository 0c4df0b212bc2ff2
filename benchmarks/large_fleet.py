"""The whole ``planner solve`` run on large fleets: wall time and peak memory against the stated bounds.

Run from the repository root with the project's environment:

    .venv/bin/python benchmarks/large_fleet.py                          # 1,000 and 10,000 workloads, 60 s
    .venv/bin/python benchmarks/large_fleet.py --sizes 10000 --time-limit 5 --repeat 3

Each case runs the command line (``python -m planner solve FLEET -o REPORT --time-limit S``) in a fresh
process, as a user does: loading, candidates, packing, every solver pass, the alternatives and the reports.
It prints the wall time, the process's peak resident memory (``ru_maxrss`` from ``wait4``, solver included),
the exit status and the last line of stderr, with the median of ``--repeat`` runs. Fleets come from
``benchmarks/fleets.py``; ``distinct`` is the adversarial case of many workloads with distinct
``hours_per_month`` values (each a separate cloud offer), which planner refuses at once in one line.

The bounds (docs/limits.md): the run ends by the time limit plus ``SLACK_S`` (a stage runs on to its next
check; a workbook is never abandoned half-written), within ``MEMORY_BOUND_MIB``, with exit status 0 (a plan)
or 2 (the limit ran out before a plan existed, or the problem is too large: one line saying which).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
HERE = Path(__file__).resolve().parent
MEMORY_BOUND_MIB = 2048.0
SLACK_S = 10.0


def _fleet(size: str, seed: int) -> dict[str, Any]:
    sys.path.insert(0, str(HERE))
    from fleets import fleet_dict

    if size.startswith("distinct"):
        n = int(size.removeprefix("distinct") or 1000)
        workloads = [
            {"name": f"w{i}", "model": "qwen2.5-0.5b", "hours_per_month": 100 + i * 0.5} for i in range(n)
        ]
        return {"name": f"distinct-{n}", "workloads": workloads}
    return fleet_dict(int(size), seed)


def run_once(fleet: Path, time_limit: float, out: Path) -> dict[str, Any]:
    argv = [
        sys.executable,
        "-m",
        "planner",
        "solve",
        str(fleet),
        "-o",
        str(out),
        "--time-limit",
        f"{time_limit:g}",
    ]
    start = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    lines = [line for line in err.splitlines() if not line.startswith("warning:")]
    return {
        "wall_s": wall,
        "peak_mib": usage.ru_maxrss / 1024,
        "exit": process.returncode,
        "last": lines[-1] if lines else "",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", default="1000,10000,distinct1000", help="fleet sizes; distinctN: adversarial"
    )
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; the median is printed")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, time limit {args.time_limit:g} s")
    head = f"{'fleet':>13} {'run':>3} {'wall s':>7} {'peak MiB':>8} {'exit':>4}  bounds  last line"
    print(head)
    print("-" * len(head))
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for size in [s for s in args.sizes.split(",") if s]:
            fleet = Path(tmp) / f"{size}.yaml"
            fleet.write_text(yaml.safe_dump(_fleet(size, args.seed), sort_keys=False), encoding="utf-8")
            runs = []
            for i in range(args.repeat):
                r = run_once(fleet, args.time_limit, Path(tmp) / f"{size}.xlsx")
                runs.append(r)
                ok = (
                    r["wall_s"] <= args.time_limit + SLACK_S
                    and r["peak_mib"] <= MEMORY_BOUND_MIB
                    and r["exit"] in (0, 2)
                )
                failed |= not ok
                print(
                    f"{size:>13} {i + 1:>3} {r['wall_s']:7.1f} {r['peak_mib']:8.0f} {r['exit']:>4}  "
                    f"{'ok' if ok else 'MISSED':<6}  {r['last'][:110]}"
                )
            if len(runs) > 1:
                print(
                    f"{size:>13} med {statistics.median(r['wall_s'] for r in runs):7.1f} "
                    f"{statistics.median(r['peak_mib'] for r in runs):8.0f}"
                )
    print(f"bounds: wall <= time limit + {SLACK_S:g} s, peak <= {MEMORY_BOUND_MIB:g} MiB, exit 0 or 2")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
