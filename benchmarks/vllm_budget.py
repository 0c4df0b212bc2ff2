"""planner fit against vLLM's own start-up logs: the KV budget, KV tokens and maximum concurrency.

Reads benchmarks/data/vllm_logs.csv (described in benchmarks/data/README.md) and prints, per log line,
planner's figure beside vLLM's and the relative error, then the largest error per vLLM version.

    .venv/bin/python benchmarks/vllm_budget.py
"""

from __future__ import annotations

import csv
from pathlib import Path

from planner.memory.fit import fit
from planner.memory.resolve import resolve_model
from planner.units import GIB

DATA = Path(__file__).parent / "data" / "vllm_logs.csv"


def _error(mine: float, theirs: str) -> str:
    return f"{(mine / float(theirs) - 1) * 100:+5.1f}%" if theirs else "     -"


def main() -> None:
    worst: dict[str, float] = {}
    print(
        f"{'vLLM':6} {'model':14} {'tp':>2} {'max_len':>7} | {'KV GiB':>13} {'err':>6} | "
        f"{'tokens':>19} {'err':>6} | {'concurrency':>15} {'err':>6}"
    )
    with DATA.open(encoding="utf-8") as file:
        for row in csv.DictReader(file):
            result = fit(
                resolve_model(row["model"]),
                round(float(row["gpu_memory_gib"]) * GIB),
                engine="vllm",
                engine_version=row["vllm_version"],
                precision=row["precision"],
                context=int(row["max_model_len"]),
                gpus=int(row["tp"]),
                kv_precision=row["kv_cache_dtype"] or None,
                memory_fraction=float(row["gpu_memory_utilization"]),
            )
            kv = (result.engine_kv_bytes or 0) / GIB
            tokens = result.vllm_kv_tokens or 0
            conc = result.engine_max_concurrency or 0.0
            err = abs(kv / float(row["kv_cache_gib"]) - 1)
            worst[row["vllm_version"]] = max(worst.get(row["vllm_version"], 0.0), err)
            print(
                f"{row['vllm_version']:6} {row['model']:14} {row['tp']:>2} {row['max_model_len']:>7} | "
                f"{kv:6.2f}/{float(row['kv_cache_gib']):6.2f} {_error(kv, row['kv_cache_gib'])} | "
                f"{tokens:9}/{row['kv_cache_tokens'] or '-':>9} {_error(tokens, row['kv_cache_tokens'])} | "
                f"{conc:7.2f}/{row['max_concurrency'] or '-':>7} {_error(conc, row['max_concurrency'])}"
            )
    for version, err in worst.items():
        print(f"vLLM {version}: largest KV-budget error {err * 100:.1f}%")


if __name__ == "__main__":
    main()
