"""Capacity under a latency target: the largest batch one replica serves within a TTFT and a TPOT target, and
whose memory (the memory model's, KV cache included) fits the replica's reservation.

The TPOT a target checks is the one a user sees, ``Performance.serving_tpot_s``: the decode step plus the
prefills of the requests that join an in-flight batch meanwhile (``batch / output`` prompts a step), not the
bare step. It grows with the batch and TTFT never shrinks with it (tests/perf check both laws), so the largest
batch meeting both is found by bisection. Requests per second at that batch are the GPU's time per request
inverted (``Performance.requests_per_s``: each prefill holds up the batch an in-flight engine decodes).
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError
from planner.perf.api import estimate_performance, gpu_spec
from planner.perf.estimate import Performance

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

SEARCH_CAP = 4096
"""Largest batch searched: more sequences than any engine's default scheduler admits (vLLM: 256-1024)."""
IN_FLIGHT_QUANTILE = 0.99
"""Share of arrivals that find a free slot in a replica sized for a rate (``capacity_within_slo``'s
``requests_per_s``). Requests arriving at random (Poisson) and each held for a time T are in flight as a
Poisson count of mean rate x T, whatever T's distribution (the M/G/infinity queue), so the batch that admits
99 % of arrivals at once is that count's 99th percentile: a replica sized so has room for the bursts of its
rate, where one sized to the mean rate would queue most of them."""


@dataclass(frozen=True, slots=True)
class Capacity:
    """``batch``: the largest batch within the targets (0: not even one sequence), or the smallest that
    carries the rate asked; ``limit``: what stops a larger one ("ttft", "tpot", "memory", "search cap", or
    "rate": a larger batch would hold memory the rate asked never fills); ``performance``: at ``batch`` (at
    batch 1 when it is 0, to say how far off the targets are)."""

    batch: int
    limit: str
    performance: Performance

    @property
    def requests_per_s(self) -> float:
        return self.performance.requests_per_s if self.batch else 0.0

    @property
    def output_tokens_per_s(self) -> float:
        """Answer tokens a second served at ``batch``: requests/s x each answer's tokens (``batch / serving
        TPOT`` in flight), not ``batch / decode step``, which leaves out the prefills of joining requests."""
        return self.requests_per_s * int(self.performance.inputs["output_tokens"])


def capacity_within_slo(
    model: str | Path | Any,
    *,
    gpu: str,
    ttft_s: float,
    tpot_s: float,
    memory_per_gpu_bytes: int | None = None,
    catalog: Catalog | None = None,
    requests_per_s: float | None = None,
    **replica: Any,
) -> Capacity:
    """The largest batch of ``model`` on ``gpus`` x ``gpu`` whose TTFT is at most ``ttft_s`` and serving TPOT
    (``Performance.serving_tpot_s``) at most ``tpot_s`` seconds, and whose memory per GPU (every sequence
    holding ``input + output`` tokens) fits ``memory_per_gpu_bytes`` (default: the card's memory).

    ``requests_per_s``: the rate the replica is asked to carry, where one replica can: then the batch is the
    smallest whose slots hold the requests in flight at that rate ``IN_FLIGHT_QUANTILE`` of the time (never
    more than the largest within the targets). A replica at the largest batch would reserve memory for
    hundreds of sequences that half a request a second never fills, and that memory could hold another
    model's replica. Where one replica cannot carry the rate, the largest batch stands.

    ``replica``: the rest of ``estimate_performance``'s keywords but ``batch`` (``precision``, ``engine``,
    ``gpus``, ``input_tokens``, ``output_tokens``, ``kv_precision``, ``interconnect``), with its defaults:
    the replica is described, checked and sized in that one place."""
    for name, value in (("ttft_s", ttft_s), ("tpot_s", tpot_s)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise PlannerError(f"{name} must be a positive number of seconds, got {value!r}")
    if "batch" in replica:
        raise PlannerError("batch is what capacity_within_slo finds; it cannot be given")
    spec = gpu_spec(gpu, catalog)
    budget = spec.vram_bytes if memory_per_gpu_bytes is None else memory_per_gpu_bytes

    @functools.cache
    def speed(batch: int) -> Performance:
        return estimate_performance(model, gpu=gpu, batch=batch, catalog=catalog, **replica)

    def fits(batch: int) -> bool:
        # The speed model carries the memory model's figure for the same replica and batch.
        need: int = speed(batch).inputs["memory_per_gpu_bytes"]
        return need <= budget

    checks: tuple[tuple[str, Callable[[int], bool]], ...] = (
        ("memory", fits),
        ("ttft", lambda b: speed(b).ttft_s <= ttft_s),
        ("tpot", lambda b: speed(b).serving_tpot_s <= tpot_s),
    )
    for limit, ok in checks:
        if not ok(1):
            return Capacity(0, limit, speed(1))

    # Batches 1..SEARCH_CAP meet every check up to the largest, none after it: the first that misses one, by
    # bisection (``speed`` is cached, so the checks share each batch's estimate).
    def misses(batch: int) -> bool:
        return not all(ok(batch) for _, ok in checks)

    largest = bisect.bisect_left(range(1, SEARCH_CAP + 1), True, key=misses)
    if largest == SEARCH_CAP:
        return _for_rate(Capacity(SEARCH_CAP, "search cap", speed(SEARCH_CAP)), speed, requests_per_s)
    limit = next(name for name, ok in checks if not ok(largest + 1))
    return _for_rate(Capacity(largest, limit, speed(largest)), speed, requests_per_s)


def _for_rate(
    largest: Capacity, speed: Callable[[int], Performance], requests_per_s: float | None
) -> Capacity:
    """``largest``, or the smallest batch below it whose slots hold the requests in flight at
    ``requests_per_s`` ``IN_FLIGHT_QUANTILE`` of the time. A request holds its slot batch / requests_per_s
    (the capacity model's time per request), so at batch b the mean in flight is rate x b / capacity(b); it
    grows more slowly than b, so the smallest batch that holds it is found by bisection."""
    if requests_per_s is None or not largest.batch:
        return largest

    def holds(batch: int) -> bool:
        in_flight = requests_per_s * batch / speed(batch).requests_per_s
        return _poisson_cdf(batch, in_flight) >= IN_FLIGHT_QUANTILE

    if not holds(largest.batch):
        return largest
    smallest = 1 + bisect.bisect_left(range(1, largest.batch + 1), True, key=holds)
    return largest if smallest == largest.batch else Capacity(smallest, "rate", speed(smallest))


def _poisson_cdf(k: int, mean: float) -> float:
    """P(N <= k) for N Poisson with ``mean``, summed in logs (e^-mean underflows past a mean of 745)."""
    if mean <= 0:
        return 1.0
    log_mean = math.log(mean)
    return math.fsum(math.exp(i * log_mean - mean - math.lgamma(i + 1)) for i in range(k + 1))
