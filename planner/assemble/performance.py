"""The speed of a rate-stated workload as planned: what each replica's option serves, summed over the
replicas (``WorkloadSummary.performance``)."""

from __future__ import annotations

from planner.assemble.units import Assembled
from planner.placement.candidates import Candidates
from planner.placement.speed import RateOption
from planner.plan import Assignment, ReplicaPerformance, WorkloadPerformance
from planner.scenario.schema import Workload


def replica_speeds(w: Workload, c: Candidates, built: Assembled) -> list[tuple[Assignment, RateOption]]:
    """Each replica of ``w`` with its rate option, in replica order: found by the unit's offer and the
    replica's GPU count (offers of one machine at other prices serve the same)."""
    option_of = {u.id: u.option for u in built.units}
    speeds = c.speeds.get(w.name, {})
    by_offer: dict[tuple[str, int], RateOption] = {}
    for (oid, k), speed in speeds.items():
        if oid in c.offers:  # offers nothing fits on are gone from the candidates
            by_offer.setdefault((c.offers[oid].option, k), speed)
    placed = sorted((a for a in built.assignments if a.workload == w.name), key=lambda a: a.replica)
    return [(a, by_offer[(option_of[a.unit], len(a.gpu_indices))]) for a in placed]


def replica_performance(a: Assignment, r: RateOption) -> ReplicaPerformance:
    perf = r.capacity.performance
    return ReplicaPerformance(
        replica=a.replica,
        unit=a.unit,
        gpu=r.gpu,
        gpus=r.gpus,
        interconnect=r.interconnect,
        batch=r.capacity.batch,
        ttft_s=perf.ttft_s,
        tpot_s=perf.serving_tpot_s,
        decode_step_s=perf.tpot_s,
        requests_per_s=r.requests_per_s,
        output_tokens_per_s=r.capacity.output_tokens_per_s,
        limit=r.capacity.limit,
    )


def workload_performance(
    w: Workload, placed: list[tuple[Assignment, RateOption]]
) -> WorkloadPerformance | None:
    """None for a count-stated workload, or one the plan does not place."""
    if w.requests_per_second is None or not placed:
        return None
    replicas = [r for _, r in placed]
    capacity = sum(r.requests_per_s for r in replicas)
    first = replicas[0]
    slo = w.slo
    return WorkloadPerformance(
        requests_per_s_asked=w.requests_per_second,
        requests_per_s=capacity,
        utilisation=w.requests_per_second / capacity,
        ttft_s=max(r.capacity.performance.ttft_s for r in replicas),
        tpot_s=max(r.capacity.performance.serving_tpot_s for r in replicas),
        decode_step_s=max(r.capacity.performance.tpot_s for r in replicas),
        output_tokens_per_s=sum(r.capacity.output_tokens_per_s for r in replicas),
        batch=first.capacity.batch,
        binds="memory" if first.binds == "memory" else "speed",
        slo_ttft_s=None if slo is None or slo.ttft_ms is None else slo.ttft_ms / 1000,
        slo_tpot_s=None if slo is None or slo.tpot_ms is None else slo.tpot_ms / 1000,
        replicas=tuple(replica_performance(a, r) for a, r in placed),
    )
