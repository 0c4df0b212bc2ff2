"""Wall time of a sweep with one process and with several: what ``--jobs`` buys.

    .venv/bin/python benchmarks/sweep_speed.py --points 12 --jobs 1,2 --repeat 3

Sweeps the startup scenario's horizon over ``--points`` values (3 to 36 months) and prints, per job count, the
median wall time of ``--repeat`` runs (worker start-up included: each run spawns fresh interpreters) and
whether the rows equal the serial run's. Prints ``uptime`` first: on a shared machine the load moves the
figures.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=12)
    parser.add_argument("--jobs", default="1,2")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from planner.catalog.load import load_catalog
    from planner.explore.sweep import sweep
    from planner.scenario.load import load_scenario

    print(subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip())
    scenario = load_scenario(ROOT / "scenarios" / "startup.yaml")
    catalog = load_catalog()
    vary = [f"horizon_months=3:36:{args.points}"]
    serial = None
    for jobs in (int(j) for j in args.jobs.split(",")):
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            frame = sweep(scenario, vary, catalog=catalog, jobs=jobs)
            times.append(time.perf_counter() - start)
        serial = frame if serial is None else serial
        same = frame.equals(serial)
        print(
            f"jobs={jobs}: {args.points} points, median {statistics.median(times):.2f} s "
            f"(runs {', '.join(f'{t:.2f}' for t in times)}), rows equal to the first job count's: {same}"
        )


if __name__ == "__main__":
    main()
