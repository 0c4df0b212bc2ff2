"""Large fleets: the GPUs the aggregate relaxation shared become exact co-location patterns.

The relaxation (constraints.py, "large fleets") sizes shared GPUs by sums of memory, replicas and hours,
which can promise packings that do not exist. Here the shared replicas of each option are packed for real
(placement.assemble.pack_shared), and every packed GPU with two or more replicas becomes a pattern on its
option and on every option whose GPUs hold it and where all of its workloads may share (so a GPU that did
not fit where the relaxation put it can move). The exact model over these patterns prices a plan exactly as
it will run; the relaxation's bound remains the lower bound of the gap.
"""

from __future__ import annotations

from dataclasses import replace

from planner.ilp.data import PatternData, ProblemData
from planner.ilp.solve import Solution
from planner.placement.assemble import pack_shared
from planner.placement.candidates import Candidates, Member, add_pattern
from planner.placement.offers import Offer


def repack(
    c: Candidates, solution: Solution | None, base: Candidates | None = None
) -> tuple[Candidates, dict[str, float]]:
    """``base`` (default ``c``) without shared entries, plus the packed GPUs of ``solution`` as patterns;
    and ``solution`` packed, as a start for the exact program (units and pattern copies by id).

    ``base`` may carry patterns of its own (column generation's): the exact program chooses among both."""
    base = c if base is None else base
    patterns: list[PatternData] = list(base.data.patterns)
    members: dict[str, tuple[Member, ...]] = dict(base.members)
    sharers = {oid: {s.workload for s in c.data.shared_on.get(oid, ())} for oid in c.offers}
    pattern_of = {(p.option, _names(base.members[p.id])): p.id for p in patterns}

    def add(oid: str, offer: Offer, held: tuple[Member, ...]) -> None:
        # "r" ids never collide with the "p" (enumerated) and "g" (generated) ids already in ``base``.
        add_pattern(patterns, members, oid, offer, held, c.hours, c.workload_id, c.rates, "r")
        pattern_of[(oid, _names(held))] = patterns[-1].id

    start: dict[str, float] = {}
    for oid in c.offers if solution is not None else ():
        assert solution is not None
        gpus = 0
        for p in c.data.patterns_on.get(oid, ()):
            if solution.use.get(p.id):
                start[p.id] = solution.use[p.id]
                gpus += p.gpus * solution.use[p.id]
        for held in pack_shared(c, solution, oid):
            names = _names(held)
            if (oid, names) not in pattern_of:
                add(oid, c.offers[oid], held)
                for other, offer in c.offers.items():
                    if (other, names) not in pattern_of and _holds(c, offer, held, sharers[other]):
                        add(other, offer, held)
            pid = pattern_of[(oid, names)]
            start[pid] = start.get(pid, 0.0) + 1
            gpus += 1
        if gpus:
            start[oid] = -(-gpus // c.offers[oid].gpus)
    data = ProblemData(
        workloads=c.data.workloads,
        demand=c.data.demand,
        options=c.data.options,
        patterns=tuple(patterns),
        capex_budget=c.data.capex_budget,
        monthly_budget=c.data.monthly_budget,
        power_limit_w=c.data.power_limit_w,
        rack_unit_limit=c.data.rack_unit_limit,
    )
    return replace(base, data=data, members=members, shared_members={}), start


def _names(group: tuple[Member, ...]) -> tuple[str, ...]:
    return tuple(sorted(m.workload for m in group))


def _holds(c: Candidates, offer: Offer, held: tuple[Member, ...], sharers: set[str]) -> bool:
    """Whether ``held`` may share a GPU of ``offer``: it fits and every workload in it may share there."""
    fits = offer.gpu.vram_bytes >= sum(m.reserved_bytes for m in held)
    return fits and {c.workload_id[m.workload] for m in held} <= sharers
