"""Speed figures of rate-stated workloads for every report (terminal, Markdown, workbook): one row per
replica, on the card it runs on, and one total row per workload against the rate it asked for.

They come from the plan alone (``WorkloadSummary.performance``): the speed model's figures at each replica's
batch, as the optimizer priced them (docs/speed-model.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from planner.plan import Plan, ReplicaPerformance, WorkloadPerformance

LIMIT_LABELS: Mapping[str, str] = {
    "memory": "memory",
    "ttft": "speed (TTFT)",
    "tpot": "speed (TPOT)",
    "search cap": "speed (batch cap)",
    "rate": "rate asked",
}
"""What stops a larger batch, as a reader says it: the card's memory, or a latency target (speed)."""


@dataclass(frozen=True)
class SpeedRow:
    """A replica (``replica`` 1-based) or, with ``replica`` None, its workload's total: capacity summed over
    the replicas, latencies the worst replica's, and the rate asked with the share of capacity it uses."""

    workload: str
    replica: int | None
    replicas: int
    """The workload's replica count on a total row; 1 on a replica's."""
    runs_on: str
    """The card of a replica (``2 x H100 SXM (nvlink)`` when split); for a total, the number of replicas."""
    unit: str
    """The replica's unit id; empty for a total."""
    batch: int | None
    ttft_s: float
    tpot_s: float
    output_tokens_per_s: float
    requests_per_s: float
    requests_per_s_asked: float | None
    utilisation: float | None
    binds: str
    slo_ttft_s: float | None
    slo_tpot_s: float | None

    @property
    def label(self) -> str:
        """The workload's name on its total row, ``  #2`` (indented under it) on a replica's."""
        return self.workload if self.replica is None else f"  #{self.replica}"


def workload_binds(p: WorkloadPerformance) -> str:
    """What binds the workload: its replicas' limits, each once (``memory``, or ``speed (TPOT)``, ...)."""
    if not p.replicas:
        return p.binds
    seen = dict.fromkeys(LIMIT_LABELS.get(r.limit, r.limit) for r in p.replicas)
    return ", ".join(seen)


def _speeds(p: WorkloadPerformance | ReplicaPerformance) -> dict[str, float]:
    """The figures a workload's total row and a replica's row both carry, under the row's field names."""
    return {
        "ttft_s": p.ttft_s,
        "tpot_s": p.tpot_s,
        "output_tokens_per_s": p.output_tokens_per_s,
        "requests_per_s": p.requests_per_s,
    }


def speed_rows(plan: Plan) -> list[SpeedRow]:
    """Every rate-stated workload: its total row, then a row per replica."""
    rows: list[SpeedRow] = []
    for w in plan.workloads:
        p = w.performance
        if p is None:
            continue
        rows.append(
            SpeedRow(
                workload=w.name,
                replica=None,
                replicas=w.replicas,
                runs_on=f"{w.replicas} replica{'s' if w.replicas != 1 else ''}",
                unit="",
                batch=None if p.replicas else p.batch,
                requests_per_s_asked=p.requests_per_s_asked,
                utilisation=p.utilisation,
                binds=workload_binds(p),
                **_speeds(p),
                slo_ttft_s=p.slo_ttft_s,
                slo_tpot_s=p.slo_tpot_s,
            )
        )
        for r in p.replicas:
            where = r.gpu if r.gpus == 1 else f"{r.gpus} x {r.gpu} ({r.interconnect})"
            rows.append(
                SpeedRow(
                    workload=w.name,
                    replica=r.replica,
                    replicas=1,
                    runs_on=where,
                    unit=r.unit,
                    batch=r.batch,
                    requests_per_s_asked=None,
                    utilisation=None,
                    binds=LIMIT_LABELS.get(r.limit, r.limit),
                    **_speeds(r),
                    slo_ttft_s=p.slo_ttft_s,
                    slo_tpot_s=p.slo_tpot_s,
                )
            )
    return rows


def slo_text(row: SpeedRow) -> str:
    """The SLO as the scenario stated it, in milliseconds (``TTFT 1,000 ms, TPOT 60 ms``)."""
    parts = [
        f"{name} {value * 1000:,.0f} ms"
        for name, value in (("TTFT", row.slo_ttft_s), ("TPOT", row.slo_tpot_s))
        if value is not None
    ]
    return ", ".join(parts) or "none"
