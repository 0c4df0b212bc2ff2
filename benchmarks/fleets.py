"""Synthetic fleets for the solver benchmarks and the fuzz tests: seeded, deterministic, realistic mixes.

A fleet is a scenario with ``n`` workloads drawn from ``PROFILES`` (models of the built-in model catalog
with a task, precision, engine and the contexts and concurrencies people run them at), a duty cycle from
``DUTY_CYCLES`` and 1-4 replicas. Duty cycles come from a short list rather than a continuous range on
purpose: a real team has a handful of schedules (always on, working hours, nightly, weekly), and every
distinct hours-per-month value is a separate on-demand/spot option per cloud instance (an instance is rented
for the hours of its workloads).

Importable without the project's heavy modules: ``fleet_dict`` returns plain data; ``fleet_scenario``
validates it into a ``Scenario``.

    .venv/bin/python benchmarks/fleets.py 50 --seed 1     # prints the YAML of a 50-workload fleet
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from planner.scenario.schema import Scenario


@dataclass(frozen=True)
class Profile:
    """A kind of workload: model and settings, with the contexts and batches it is drawn from."""

    kind: str
    model: str
    task: str
    precision: str
    engine: str
    contexts: tuple[int, ...]
    batches: tuple[int, ...]
    interruptible_share: float = 0.0
    """Probability that a workload of this kind may run on spot capacity."""
    extra: tuple[tuple[str, Any], ...] = ()


PROFILES: tuple[Profile, ...] = (
    Profile("chat", "llama-3.1-8b", "inference", "fp8", "vllm", (4096, 8192, 16384), (8, 16, 32)),
    Profile("chat-small", "qwen3-4b", "inference", "bf16", "vllm", (4096, 8192), (4, 8, 16)),
    Profile("code", "qwen2.5-14b", "inference", "awq-int4", "vllm", (8192, 16384), (2, 4, 8)),
    Profile("chat-large", "llama-3.3-70b", "inference", "fp8", "vllm", (8192, 32768), (8, 16, 32)),
    Profile("moe", "qwen3-30b-a3b", "inference", "bf16", "vllm", (8192, 16384), (8, 16)),
    Profile("reasoning", "qwen3-32b", "inference", "fp8", "vllm", (16384, 32768), (4, 8)),
    Profile("embed", "qwen3-embedding-0.6b", "inference", "bf16", "transformers", (512, 2048), (16, 64)),
    Profile("local", "gemma-3-12b", "inference", "q4_k_m", "llama.cpp", (4096, 8192), (1, 2)),
    Profile("eval", "qwen2.5-7b", "inference", "bf16", "vllm", (4096,), (32, 64), interruptible_share=0.8),
    Profile(
        "qlora",
        "llama-3.1-8b",
        "qlora",
        "nf4",
        "transformers",
        (2048, 4096),
        (2, 4),
        interruptible_share=0.7,
        extra=(("lora_rank", 16),),
    ),
    Profile(
        "lora-70b",
        "llama-3.1-70b",
        "lora",
        "bf16",
        "transformers",
        (2048, 4096),
        (1, 2),
        interruptible_share=0.5,
        extra=(("lora_rank", 16),),
    ),
    Profile("full-1b", "llama-3.2-1b", "full", "bf16", "transformers", (2048, 4096), (4, 8), 0.5),
)
PROFILE_WEIGHTS: tuple[int, ...] = (6, 4, 3, 2, 2, 1, 4, 2, 2, 2, 1, 1)
"""Serving dominates a typical fleet; big training jobs are rarer."""

DUTY_CYCLES: tuple[float, ...] = (730.0, 730.0, 730.0, 220.0, 120.0, 40.0)
"""Hours per month: always on (weighted x3), working hours (10 h x 22 days), nightly 4 h, weekly 10 h."""


def fleet_dict(n: int, seed: int = 0, *, name: str | None = None) -> dict[str, Any]:
    """A scenario with ``n`` workloads as plain data (what ``yaml.safe_load`` of a scenario file gives)."""
    if n < 1:
        raise ValueError("a fleet needs at least one workload")
    rng = random.Random(f"planner-fleet-{seed}")
    workloads: list[dict[str, Any]] = []
    for i in range(n):
        p = rng.choices(PROFILES, weights=PROFILE_WEIGHTS)[0]
        hours = rng.choice(DUTY_CYCLES)
        workload: dict[str, Any] = {
            "name": f"{p.kind}-{i + 1:04d}",
            "model": p.model,
            "task": p.task,
            "precision": p.precision,
            "engine": p.engine,
            "context": rng.choice(p.contexts),
            "batch": rng.choice(p.batches),
            "replicas": rng.choice((1, 1, 1, 2, 2, 3, 4)),
            "hours_per_month": hours,
            "interruptible": hours < 730.0 and rng.random() < p.interruptible_share,
        }
        workload.update(dict(p.extra))
        workloads.append(workload)
    return {
        "name": name or f"fleet-{n}-seed-{seed}",
        "description": f"synthetic fleet of {n} workloads (benchmarks/fleets.py, seed {seed})",
        "horizon_months": 36,
        "currency": "USD",
        "headroom": 0.2,
        "workloads": workloads,
    }


def fleet_scenario(n: int, seed: int = 0) -> Scenario:
    """``fleet_dict`` validated into a ``Scenario``."""
    from planner.scenario.schema import Scenario

    return Scenario.model_validate(fleet_dict(n, seed))


def main() -> None:
    import yaml

    parser = argparse.ArgumentParser(description="Print a synthetic fleet scenario as YAML.")
    parser.add_argument("workloads", type=int)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(yaml.safe_dump(fleet_dict(args.workloads, args.seed), sort_keys=False), end="")


if __name__ == "__main__":
    main()
