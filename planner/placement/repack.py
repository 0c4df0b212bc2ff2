"""Large fleets, second pass: the GPUs the relaxed solve shared become exact co-location patterns.

The first solve (constraints.py, "large fleets") sizes shared GPUs by their total memory, which can promise
packings that do not exist. Here the shared replicas of each option are packed first-fit decreasing, every
packed GPU with two or more replicas becomes a pattern (on its option and on every option with the same GPU
memory where all of its workloads may share), the aggregate variables are dropped, and the exact model is
solved again. Its optimum is a plan whose cost is exactly what the solver priced and that is never worse
than keeping every replica alone, while the first solve's bound remains the lower bound of the gap.
"""

from __future__ import annotations

from dataclasses import replace

from planner.ilp.data import PatternData, ProblemData
from planner.ilp.solve import Solution
from planner.placement.assemble import pack_shared
from planner.placement.candidates import Candidates, Member, add_pattern


def repack(c: Candidates, solution: Solution) -> Candidates:
    patterns: list[PatternData] = list(c.data.patterns)
    members: dict[str, tuple[Member, ...]] = dict(c.members)
    sharers = {oid: {s.workload for s in c.data.shared_on.get(oid, ())} for oid in c.offers}
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for oid, offer in c.offers.items():
        for held in pack_shared(c, solution, oid):
            if len(held) < 2:
                continue
            names = tuple(sorted(m.workload for m in held))
            ids = {c.workload_id[m.workload] for m in held}
            for other, other_offer in c.offers.items():
                if other_offer.gpu.vram_bytes != offer.gpu.vram_bytes or not ids <= sharers[other]:
                    continue
                if (other, names) in seen:
                    continue
                seen.add((other, names))
                # "r" ids cannot collide with the first pass's "p" ids (some were pruned, so counts differ).
                add_pattern(patterns, members, other, other_offer, held, c.hours, c.workload_id, c.rates, "r")
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
    return replace(c, data=data, members=members, shared_members={})
