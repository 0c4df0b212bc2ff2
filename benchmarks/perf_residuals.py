"""Where the speed model misses held out: leave-one-source-out residuals grouped by physical condition.

perf_accuracy.py's leave-one-source-out figure is one median over every held-out decode row; this script
says which rows carry it. For each source it fits constants on the other sources' rows exactly as
perf_accuracy.py does (``held_out_speeds``: fit_perf.py's procedure, 700 Nelder-Mead iterations, one start),
predicts the held-out source's rows, and then groups every held-out decode row by one condition at a time:
the source and engine (which fixes the engine version), the weight format, the sequences decoding at once,
the mean context, dense / MoE / MLA, the card, the GPUs. Per group: rows, median |predicted / measured - 1|,
the signed median of ln(predicted / measured) (positive: predicted too fast) and the rows over the 15 %
target, so a term can be aimed at the conditions that hold the rows above the median, and checked against
the ones it must not move.

Usage: ``python benchmarks/perf_residuals.py [--jobs N] [--rows PATH] [--by NAME ...]``; ``--rows`` writes
every held-out row's prediction as JSON. As long as ``perf_accuracy.py``'s part 3 (about 7 minutes with
``--jobs 2`` on the shared 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import statistics
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from perf_accuracy import LOSO_DECODE_MEDIAN, held_out_speeds
from perf_data import FAMILY, Case, load_cases


def _hold_out(cases: Sequence[Case], source: str) -> list[tuple[int, float]]:
    """(index into ``cases``, predicted value) of each of ``source``'s rows, fitted without them."""
    train = [c for c in cases if c.source_key != source]
    test = [i for i, c in enumerate(cases) if c.source_key == source]
    speed_of = held_out_speeds(train, [cases[i] for i in test])
    return [(i, cases[i].predicted(speed_of(cases[i]))) for i in test]


def held_out_predictions(cases: Sequence[Case], jobs: int = 1) -> list[float]:
    """Each case's value as predicted by constants fitted without its source (largest sources first)."""
    sizes: dict[str, int] = defaultdict(int)
    for c in cases:
        sizes[c.source_key] += 1
    sources = sorted(sizes, key=lambda s: -sizes[s])
    if jobs > 1:
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.starmap(_hold_out, [(cases, s) for s in sources], chunksize=1)
    else:
        parts = [_hold_out(cases, s) for s in sources]
    predicted = [math.nan] * len(cases)
    for part in parts:
        for i, value in part:
            predicted[i] = value
    return predicted


def _band(value: float, edges: Sequence[tuple[float, str]], last: str) -> str:
    return next((name for edge, name in edges if value <= edge), last)


def architecture(c: Case) -> str:
    """dense, MoE, or MoE with a latent MLA cache (DeepSeek-V3/R1)."""
    if c.terms.kv_replicated:
        return "MoE + MLA"
    return "MoE" if c.terms.routed_expert_bytes else "dense"


CONDITIONS: dict[str, Callable[[Case], str]] = {
    "source and engine": lambda c: f"{c.source_key[:40]} ({c.engine})",
    "format": lambda c: c.precision,
    "sequences at once": lambda c: _band(
        c.concurrency, [(1, "1"), (8, "2-8"), (32, "9-32"), (128, "33-128")], "over 128"
    ),
    "mean context": lambda c: _band(
        c.input_tokens + (c.output_tokens + 1) / 2,
        [(1024, "under 1K"), (4096, "1K-4K"), (16384, "4K-16K")],
        "over 16K",
    ),
    "architecture": architecture,
    "card": lambda c: c.gpu,
    "GPUs": lambda c: str(c.gpus),
}


def grouped(cases: Sequence[Case], predicted: Sequence[float], condition: str) -> list[str]:
    """A markdown table of the held-out decode rows grouped by ``condition``, most rows over target first."""
    groups: dict[str, list[float]] = defaultdict(list)  # ln(predicted / measured) per row
    for c, p in zip(cases, predicted, strict=True):
        if FAMILY[c.metric] == "decode":
            groups[CONDITIONS[condition](c)].append(math.log(p / c.value))
    target = f"{LOSO_DECODE_MEDIAN:.0%}"
    lines = [
        f"| {condition} | rows | median error | signed median ln(pred/meas) | rows over {target} |",
        "|---|---:|---:|---:|---:|",
    ]

    def over(logs: list[float]) -> int:
        return sum(abs(math.exp(x) - 1) > LOSO_DECODE_MEDIAN for x in logs)

    for name in sorted(groups, key=lambda n: (-over(groups[n]), n)):
        logs = groups[name]
        error = statistics.median(abs(math.exp(x) - 1) for x in logs)
        lines.append(
            f"| {name} | {len(logs)} | {100 * error:.1f} % | {statistics.median(logs):+.3f} | {over(logs)} |"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="fit sources in N processes at once")
    parser.add_argument("--rows", metavar="PATH", help="write every held-out row's prediction as JSON")
    parser.add_argument("--by", nargs="+", choices=list(CONDITIONS), help="these conditions only")
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    cases = [c for c in load_cases() if not c.suspect]
    predicted = held_out_predictions(cases, max(args.jobs, 1))
    errors = [
        abs(p / c.value - 1) for c, p in zip(cases, predicted, strict=True) if FAMILY[c.metric] == "decode"
    ]
    print(
        f"{len(errors)} held-out decode rows: median error {100 * statistics.median(errors):.1f} %, "
        f"{sum(e <= LOSO_DECODE_MEDIAN for e in errors)} at or under {LOSO_DECODE_MEDIAN:.0%} "
        f"({(len(errors) + 1) // 2} needed for the median to meet it)"
    )
    for condition in args.by or CONDITIONS:
        print()
        print("\n".join(grouped(cases, predicted, condition)))
    if args.rows:
        rows = [
            {
                "source": c.source_key,
                "engine": c.engine,
                "model": c.model,
                "gpu": c.gpu,
                "gpus": c.gpus,
                "precision": c.precision,
                "batch": c.batch,
                "concurrency": c.concurrency,
                "input_tokens": c.input_tokens,
                "output_tokens": c.output_tokens,
                "metric": c.metric,
                "measured": c.value,
                "predicted": p,
            }
            for c, p in zip(cases, predicted, strict=True)
        ]
        Path(args.rows).write_text(json.dumps(rows, indent=1) + "\n")
        print(f"\nwrote {len(rows)} rows to {args.rows}")


if __name__ == "__main__":
    main()
