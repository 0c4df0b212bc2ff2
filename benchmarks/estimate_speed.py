"""How long one ``estimate_memory`` call takes, as the fleet optimizer makes them (model resolved once).

Prints microseconds per call for a mix of models, engines and GPU counts (1, 2, 4, 8), and the first,
uncached call that reads the catalog. Usage: ``python benchmarks/estimate_speed.py [--calls N]``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time

from planner import estimate_memory
from planner.errors import PlannerError

CASES = [
    ("qwen2.5-7b", "vllm", "bf16"),
    ("llama-3.1-70b", "vllm", "fp8"),
    ("deepseek-v3", "vllm", "fp8"),
    ("gemma-3-27b", "transformers", "bf16"),
    ("qwen3-30b-a3b", "llama.cpp", "q4_k_m"),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time estimate_memory calls.")
    parser.add_argument("--calls", type=int, default=20_000)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    estimate_memory("mixtral-8x7b")
    print(f"first call (reads catalogs/models.yaml): {(time.perf_counter() - start) * 1e3:.1f} ms")
    combos = itertools.cycle(itertools.product(CASES, (1, 2, 4, 8), (4096, 32768)))
    done = errors = 0
    start = time.perf_counter()
    for (model, engine, precision), gpus, context in itertools.islice(combos, args.calls):
        try:
            estimate_memory(model, engine=engine, precision=precision, gpus=gpus, context=context, batch=8)
        except PlannerError:
            errors += 1
        done += 1
    elapsed = time.perf_counter() - start
    print(
        f"{done} calls ({errors} raised for GPU counts a model cannot use): "
        f"{elapsed / done * 1e6:.1f} us per call"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
