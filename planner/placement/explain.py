"""A workload that fits nowhere: what would make it fit (stage 3, before the program: no solve needed)."""

from __future__ import annotations

import json

from planner.errors import InfeasibleError
from planner.memory.engines import ENGINES
from planner.placement.candidates import Candidates, eligible
from planner.placement.memory import reserved_bytes, workload_engine
from planner.placement.offers import Offer
from planner.scenario.schema import Scenario, Workload
from planner.units import fmt_gib


def explain_unplaceable(scenario: Scenario, candidates: Candidates) -> None:
    """Raise ``InfeasibleError`` for the first workload with no placement, saying what would make it fit."""
    for w in scenario.workloads:
        if candidates.data.placeable(candidates.workload_id[w.name]):
            continue
        offers = [o for o in candidates.considered if eligible(w, o)]
        if not offers and w.name in candidates.refused:
            reasons = candidates.refused[w.name]
            more = f" (and {len(reasons) - 1} more allowed card(s))" if len(reasons) > 1 else ""
            raise InfeasibleError(
                f"workload {w.name!r}: no allowed card runs its weights: {reasons[0]}{more}; allow such a "
                "card, or choose another precision or engine"
            )
        if not offers:
            filters = ", ".join(
                f"{k}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in scenario.hardware.model_dump(exclude_defaults=True, mode="json").items()
            )
            why = (
                f"hardware ({filters or 'the defaults'}) leaves no machine to buy or own, no cloud instance"
                if not candidates.considered
                else "check hardware: bought/cloud/providers/gpus; spot needs interruptible: true"
            )
            raise InfeasibleError(f"workload {w.name!r}: no allowed hardware can run it: {why}")
        fps = candidates.footprints[w.name]
        if not fps:
            raise InfeasibleError(f"workload {w.name!r}: the memory model found no valid GPU count")
        # Per GPU count, the need against the largest card that comes with that many linked GPUs: the
        # largest card overall may come one to a machine (2 x 90 GiB does not fit a 96 GiB desktop card).
        closest: tuple[float, int, int, Offer] | None = None  # (need / memory, GPUs, need, host)
        splits = scenario.hardware.tensor_parallel_over_pcie
        linked = "" if splits else "linked "
        for k, f in sorted(fps.items()):
            hosts = [o for o in offers if k == 1 or ((o.gpus_linked or splits) and o.gpus % k == 0)]
            if not hosts:
                continue
            host = max(hosts, key=lambda o: (o.gpu.vram_bytes, o.key))
            need = reserved_bytes(f.per_gpu_bytes, candidates.headroom[w.name])
            if closest is None or need / host.gpu.vram_bytes < closest[0]:
                closest = (need / host.gpu.vram_bytes, k, need, host)
        if closest is None:
            k = min(fps)
            raise InfeasibleError(
                f"workload {w.name!r} fits nowhere: it runs on {k} {linked}GPUs, and no allowed machine has "
                f"{k} {linked}GPUs; allow larger machines, or change gpus_per_replica"
            )
        _, k, need, host = closest
        _refuse_engine_without_multi_node(w, candidates)
        if not splits:
            _refuse_pcie_split(w, candidates, offers)
        card = (
            f"the largest allowed card with {k} {linked}GPUs in one machine"
            if k > 1
            else "the largest allowed card"
        )
        raise InfeasibleError(
            f"workload {w.name!r} fits nowhere: it needs {fmt_gib(need)} per GPU with headroom "
            f"{candidates.headroom[w.name]:.0%} on {k} GPU(s), but {card} ({host.gpu.name}) has "
            f"{fmt_gib(host.gpu.vram_bytes)}; use a smaller precision, a shorter context or batch, less "
            f"headroom, or allow larger or more GPUs"
        )


def _refuse_pcie_split(w: Workload, candidates: Candidates, offers: list[Offer]) -> None:
    """A workload that would fit split over the PCIe cards of one allowed machine, which
    ``hardware.tensor_parallel_over_pcie: false`` forbids: say that this setting is why."""
    headroom = candidates.headroom[w.name]
    for k, f in sorted(candidates.footprints[w.name].items()):
        need = reserved_bytes(f.per_gpu_bytes, headroom)
        hosts = [
            o for o in offers
            if k > 1 and not o.gpus_linked and o.gpus % k == 0 and need <= o.gpu.vram_bytes
        ]  # fmt: skip
        host = min(hosts, key=lambda o: (o.gpus, o.gpu.vram_bytes, o.key), default=None)
        if host is not None:
            raise InfeasibleError(
                f"workload {w.name!r} fits no allowed machine with "
                "hardware.tensor_parallel_over_pcie: false; "
                f"split over {k} PCIe GPUs of {host.name} it would need {fmt_gib(need)} of the "
                f"{fmt_gib(host.gpu.vram_bytes)} per GPU: set tensor_parallel_over_pcie: true, or allow "
                "machines with linked GPUs (NVLink) or larger cards"
            )


def _refuse_engine_without_multi_node(w: Workload, candidates: Candidates) -> None:
    """A workload that fits no single machine but would fit over several machines with a fabric under an
    engine that serves that way (``Candidates.would_span``): say that its engine is why."""
    found = candidates.would_span.get(w.name)
    if found is None:
        return
    eng, nodes, offer = workload_engine(w), found[0], candidates.offers_by_key[found[1]]
    able = [e.name for e in ENGINES.values() if e.multi_node]
    if w.rate_stated:
        raise InfeasibleError(
            f"workload {w.name!r} fits on no single machine, and a replica of a workload stated as a rate "
            f"(requests_per_second) runs within one machine; it would fit {nodes} x {offer.name} over "
            f"{offer.fabric.kind if offer.fabric else 'its fabric'} as a replica stated by count: give "
            "replicas instead of requests_per_second, allow machines with more GPU memory, or use a smaller "
            "precision"
        )
    raise InfeasibleError(
        f"workload {w.name!r} fits on no single machine, and its engine {eng.name if eng else '?'} does not "
        f"serve one replica across machines; under {' or '.join(able)} it would fit {nodes} x {offer.name} "
        f"over {offer.fabric.kind if offer.fabric else 'its fabric'}: use engine: {able[0]}, a smaller "
        "precision, or a shorter context or batch"
    )
