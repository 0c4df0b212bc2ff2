"""Accuracy of planner's speed model against published measurements.

Runs every row of benchmarks/data/throughput_*.csv (sources in throughput_calibration.md) through the speed
model and prints, per engine and metric family (decode: per-sequence, end-to-end and total output tokens/s;
prefill: prompt tokens/s; TTFT), the median and 90th-percentile absolute relative error |predicted /
measured - 1|, in three parts:

1. the fit set, the files the shipped constants (planner/perf/fitted.py) were fitted on (its FIT_COMMAND):
   planner beside the roofline alone (every efficiency 1, no overheads) and one constant efficiency for every
   engine and card (the median-error minimiser over a grid), then the targets;
2. every other file, predicted by the shipped constants without having been fitted on: held-out publishers,
   cards and engine versions;
3. leave one source out: for each source (a publisher, the first word of a row's ``source``), constants
   fitted by fit_perf.py's procedure on the other sources' rows of every file and tested on the held-out
   source's; an engine no other source measures gets one set pooled over every training row.

Rows the source marks ``suspect=yes`` are left out of the figures (counted). ``--by-gpu`` also leaves a third
of an engine's cards out at a time (new hardware, a known engine); ``--loso-source NAME`` leaves only that
source out (e.g. ``QwenLM/Qwen2.5``).
Usage: ``python benchmarks/perf_accuracy.py [--rows] [--no-loso] [--by-gpu] [--loso-source NAME]
[--full-fits]``; the held-out fits take several minutes (``--full-fits``: as long as fit_perf.py's,
per source).
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import statistics
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from fit_perf import fit, fit_engines
from perf_data import FAMILY, Case, load_cases

from planner.perf.efficiency import EngineSpeed, constants_engine, engine_speed
from planner.perf.fitted import FIT_COMMAND

TARGETS = {"decode": (0.08, 0.20), "ttft": (0.12, None), "prefill": (0.12, None)}
LOSO_DECODE_MEDIAN = 0.15
NO_OVERHEAD = {
    "step_overhead_s": 0.0,
    "layer_overhead_s": 0.0,
    "hop_overhead_s": 0.0,
    "expert_overhead_s": 0.0,
    "eager_layer_overhead_s": 0.0,
    "kv_group_exponent": 0.0,
    "expert_bandwidth_factor": 1.0,
    "tiled_dequant_factor": 1.0,
    "dequantizes_for_prefill": False,
    "overlap_exponent": 100.0,
    "half_efficiency_tokens": 1e-9,
    "quantized_bandwidth_factor": 1.0,
    "quantized_compute_factor": 1.0,
    "sequence_overhead_s": 0.0,
    "bandwidth_cap_bytes_per_s": math.inf,
    "compute_cap_flops_per_s": math.inf,
    "score_bytes": 0.0,
}


def constant(efficiency: float) -> Callable[[Case], EngineSpeed]:
    """Every engine at one efficiency for bandwidth, KV and FLOPs, without overheads."""

    def speed_of(c: Case) -> EngineSpeed:
        return replace(
            engine_speed(c.engine),
            bandwidth_efficiency=efficiency,
            kv_bandwidth_efficiency=efficiency,
            compute_efficiency=efficiency,
            **NO_OVERHEAD,
        )

    return speed_of


def errors(cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed]) -> list[float]:
    """Absolute relative error |predicted / measured - 1| per case."""
    return [abs(c.predicted(speed_of(c)) / c.value - 1) for c in cases]


def p90(values: Sequence[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def best_constant(cases: Sequence[Case]) -> float:
    """The one efficiency with the smallest median absolute log error over ``cases``."""
    grid = [i / 100 for i in range(5, 101)]

    def score(e: float) -> float:
        return statistics.median(abs(math.log(c.predicted(constant(e)(c)) / c.value)) for c in cases)

    return min(grid, key=score)


def _pct(x: float) -> str:
    return f"{100 * x:.1f} %"


def accuracy_table(cases: Sequence[Case]) -> tuple[list[str], dict[tuple[str, str], list[float]]]:
    efficiency = best_constant(cases)
    predictors: dict[str, Callable[[Case], EngineSpeed]] = {
        "planner": lambda c: engine_speed(c.engine),
        "roofline": constant(1.0),
        f"one efficiency ({efficiency:.2f})": constant(efficiency),
    }
    groups: dict[tuple[str, str], list[Case]] = defaultdict(list)
    for c in cases:
        groups[(c.engine, FAMILY[c.metric])].append(c)
        groups[("all", FAMILY[c.metric])].append(c)
    names = list(predictors)
    lines = [
        "| engine | metric | rows | " + " | ".join(f"{n} median | {n} p90" for n in names) + " |",
        "|---|---|---:|" + "---:|---:|" * len(names),
    ]
    planner_errors: dict[tuple[str, str], list[float]] = {}
    for key in sorted(groups, key=lambda k: (k[0] == "all", k)):
        rows = groups[key]
        cells = []
        for name, speed_of in predictors.items():
            e = errors(rows, speed_of)
            if name == "planner":
                planner_errors[key] = e
            cells.append(f"{_pct(statistics.median(e))} | {_pct(p90(e))}")
        lines.append(f"| {key[0]} | {key[1]} | {len(rows)} | " + " | ".join(cells) + " |")
    return lines, planner_errors


def fit_files() -> set[str] | None:
    """The files the shipped constants were fitted on, from FIT_COMMAND (None: every file)."""
    words = FIT_COMMAND.split()
    return set(words[words.index("--files") + 1 :]) if "--files" in words else None


HELD_OUT_ITERATIONS = 700
"""Nelder-Mead iterations of each held-out fit (fit_perf.py's own fit takes up to 2,500 and restarts): a
held-out source costs about a minute instead of five on a 2-core machine. ``--full-fits`` fits each held-out
source as fit_perf.py fits the shipped constants instead (``FULL_FIT``), so that the figure measures the
model, not a descent stopped short."""
HELD_OUT_RESTARTS = 1
FULL_FIT = (2500, 10)
"""fit_perf.fit's own iterations and restarts (its defaults)."""


def held_out_speeds(
    train: Sequence[Case], test: Sequence[Case], restarts: int | None = None, iterations: int | None = None
) -> Callable[[Case], EngineSpeed]:
    """Each ``test`` case's engine record with constants fitted on ``train`` alone, so that ``test``'s
    errors are honest: engines with rows in ``train`` get theirs as fit_perf.py fits them (an engine whose
    rows show no compute borrows the compute constants of those that do), an engine without gets one set
    pooled over every training row (shared physics, nothing known of the engine)."""
    restarts = HELD_OUT_RESTARTS if restarts is None else restarts
    iterations = HELD_OUT_ITERATIONS if iterations is None else iterations
    engines = {constants_engine(c.engine) for c in test}
    own = fit_engines(train, restarts=restarts, only=engines, iterations=iterations)
    pooled: dict[str, float] | None = None
    if engines - set(own):
        pooled = fit(train, lambda c: engine_speed(c.engine), restarts=restarts, iterations=iterations)

    def speed_of(c: Case) -> EngineSpeed:
        values = own.get(constants_engine(c.engine), pooled)
        assert values is not None
        fitted = {k: v for k, v in values.items() if k not in ("calibration_rows",)}
        return replace(engine_speed(c.engine), **fitted)

    return speed_of


def _held_out_errors(
    train: Sequence[Case], test: Sequence[Case], restarts: int | None = None, iterations: int | None = None
) -> tuple[list[float], list[float]]:
    """``test``'s decode and first-token errors under constants fitted on ``train`` (``held_out_speeds``)."""
    speed_of = held_out_speeds(train, test, restarts=restarts, iterations=iterations)
    decode = errors([c for c in test if FAMILY[c.metric] == "decode"], speed_of)
    first = errors([c for c in test if FAMILY[c.metric] != "decode"], speed_of)
    return decode, first


def _hold_out(
    cases: Sequence[Case], source: str, fit_settings: tuple[int, int]
) -> tuple[str, list[float], list[float]]:
    """``source``'s held-out decode and first-token errors; ``fit_settings``: (iterations, restarts), passed
    so that a worker process fits as its parent was asked to."""
    train = [c for c in cases if c.source_key != source]
    test = [c for c in cases if c.source_key == source]
    iterations, restarts = fit_settings
    return (source, *_held_out_errors(train, test, restarts=restarts, iterations=iterations))


def leave_one_source_out(
    cases: Sequence[Case], only: str | None = None, jobs: int = 1
) -> tuple[list[str], float]:
    """The table of held-out sources and the median decode error over every held-out row (``only``: that
    source alone held out; ``jobs``: sources fitted in that many processes at once, largest first)."""
    lines = [
        "| held-out source | rows | decode median | decode p90 | TTFT/prefill median |",
        "|---|---:|---:|---:|---:|",
    ]
    every_decode: list[float] = []
    sources = sorted({c.source_key for c in cases} if only is None else {only})
    settings = (HELD_OUT_ITERATIONS, HELD_OUT_RESTARTS)
    rows = Counter(c.source_key for c in cases)
    if jobs > 1:
        by_size = sorted(sources, key=lambda s: -rows[s])
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            done = {
                r[0]: r for r in pool.starmap(_hold_out, [(cases, s, settings) for s in by_size], chunksize=1)
            }
        results = [done[s] for s in sources]
    else:
        results = (_hold_out(cases, s, settings) for s in sources)
    for source, decode, first in results:
        every_decode += decode
        lines.append(
            f"| {source} | {rows[source]} | "
            + (f"{_pct(statistics.median(decode))} | {_pct(p90(decode))} | " if decode else "- | - | ")
            + (_pct(statistics.median(first)) if first else "-")
            + " |"
        )
        print(lines[-1], flush=True)
    pooled = statistics.median(every_decode)
    lines.append(f"| every held-out row | {len(cases)} | {_pct(pooled)} | {_pct(p90(every_decode))} | |")
    return lines, pooled


def held_out_gpus(cases: Sequence[Case], folds: int = 3) -> list[str]:
    """Per engine with rows on several cards: its cards in ``folds`` groups (sorted by name, dealt in turn);
    each group's rows predicted by constants fitted on the other groups' rows. Tests new hardware, where
    leaving a source out tests a new engine (each engine here comes from one source)."""
    lines = [
        "| engine | held-out cards | rows | decode median | decode p90 | TTFT/prefill median |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for engine in sorted({c.engine for c in cases}):
        mine = [c for c in cases if c.engine == engine]
        gpus = sorted({c.gpu for c in mine})
        if len(gpus) < 2 * folds:
            continue
        for k in range(folds):
            held = set(gpus[k::folds])
            train = [c for c in mine if c.gpu not in held]
            test = [c for c in mine if c.gpu in held]
            decode, first = _held_out_errors(train, test)
            lines.append(
                f"| {engine} | {', '.join(sorted(held))} | {len(test)} | {_pct(statistics.median(decode))} | "
                f"{_pct(p90(decode))} | " + (_pct(statistics.median(first)) if first else "-") + " |"
            )
    return lines


def targets(planner_errors: dict[tuple[str, str], list[float]]) -> list[str]:
    lines = []
    for family, (median_target, p90_target) in TARGETS.items():
        e = planner_errors[("all", family)]
        median = statistics.median(e)
        verdict = "met" if median <= median_target else "MISSED"
        text = f"  {family}: median {_pct(median)} (target {_pct(median_target)}, {verdict})"
        if p90_target is not None:
            verdict = "met" if p90(e) <= p90_target else "MISSED"
            text += f", p90 {_pct(p90(e))} (target {_pct(p90_target)}, {verdict})"
        lines.append(text)
    return lines


def held_out_files(cases: Sequence[Case]) -> list[str]:
    """Per file outside the fit set: the shipped constants' errors by metric family."""
    lines = [
        "| file | rows | decode median | decode p90 | TTFT median | prefill median |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    groups: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        groups[c.file].append(c)
        groups["every held-out file"].append(c)
    for file in sorted(groups, key=lambda f: (f.startswith("every"), f)):
        e = {
            family: errors(
                [c for c in groups[file] if FAMILY[c.metric] == family], lambda c: engine_speed(c.engine)
            )
            for family in ("decode", "ttft", "prefill")
        }
        cells = [
            _pct(statistics.median(e["decode"])) if e["decode"] else "-",
            _pct(p90(e["decode"])) if e["decode"] else "-",
            _pct(statistics.median(e["ttft"])) if e["ttft"] else "-",
            _pct(statistics.median(e["prefill"])) if e["prefill"] else "-",
        ]
        lines.append(f"| {file} | {len(groups[file])} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", action="store_true", help="print every row's prediction")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-source-out fits")
    parser.add_argument("--by-gpu", action="store_true", help="also leave cards out, a third at a time")
    parser.add_argument(
        "--loso-source", metavar="NAME", help="leave only this source out (e.g. QwenLM/Qwen2.5)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="N", help="fit held-out sources in N processes at once"
    )
    parser.add_argument(
        "--full-fits",
        action="store_true",
        help="fit each held-out source as fit_perf.py fits the shipped constants (slower)",
    )
    args = parser.parse_args()
    if args.full_fits:
        global HELD_OUT_ITERATIONS, HELD_OUT_RESTARTS
        HELD_OUT_ITERATIONS, HELD_OUT_RESTARTS = FULL_FIT
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    every = load_cases()
    cases = [c for c in every if not c.suspect]
    suspect = len(every) - len(cases)
    print(f"{len(every)} calibration rows, {suspect} marked suspect by their source left out\n")
    if args.rows:
        for c in cases:
            p = c.predicted(engine_speed(c.engine))
            print(
                f"{c.engine:13s} {c.model:24s} {c.gpu:24s} x{c.gpus} {c.precision:9s} b={c.batch:<4d} "
                f"in={c.input_tokens:<6d} out={c.output_tokens:<5d} {c.metric:25s} "
                f"measured {c.value:10.2f} predicted {p:10.2f} ({p / c.value - 1:+.1%})"
            )
        print()
    files = fit_files()
    fit_set = [c for c in cases if files is None or c.file in files]
    held = [c for c in cases if c not in fit_set]
    names = ", ".join(sorted(files)) if files is not None else "every throughput_*.csv"
    print(f"1. Fit set: {len(fit_set)} rows of {names} ({FIT_COMMAND})\n")
    lines, planner_errors = accuracy_table(fit_set)
    print("\n".join(lines))
    print("\nTargets (planner on the fit set):")
    print("\n".join(targets(planner_errors)))
    if held:
        print(f"\n2. Held out of the fit: {len(held)} rows of the other files, shipped constants\n")
        print("\n".join(held_out_files(held)))
        _, every_errors = accuracy_table(cases)
        print(f"\nEvery file, {len(cases)} rows (for comparison, not the targets):")
        print("\n".join(targets(every_errors)))
    if not args.no_loso:
        print(f"\n3. Leave one source out, every file (target: decode median <= {_pct(LOSO_DECODE_MEDIAN)}):")
        if args.loso_source and args.loso_source not in {c.source_key for c in cases}:
            parser.error(f"--loso-source: no source {args.loso_source!r}")
        lines, pooled = leave_one_source_out(cases, args.loso_source, max(args.jobs, 1))
        print("\n".join(lines))
        verdict = "met" if pooled <= LOSO_DECODE_MEDIAN else "MISSED"
        print(
            f"\n  held-out decode: median {_pct(pooled)} over every held-out row "
            f"(target {_pct(LOSO_DECODE_MEDIAN)}, {verdict})"
        )
    if args.by_gpu:
        print("\nLeave cards out, per engine (a third of its cards at a time):")
        print("\n".join(held_out_gpus(cases)))


if __name__ == "__main__":
    main()
