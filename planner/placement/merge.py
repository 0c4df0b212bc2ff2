"""Aggregation of equivalent workloads: one demand with a replica count instead of many identical rows.

Two workloads are equivalent when everything but their name and replica count is equal (model, task,
precision, engine, context, batch, hours, interruptible flag, headroom, measured memory, ...). Their
footprints on every GPU count are then equal, so they fit on the same offers with the same reservations, are
eligible for the same cloud hours classes and spot capacity, and price the same energy: any plan for the
originals is a plan for the merged workload with the same cost and the converse holds by splitting its
replicas in order. The optimum is therefore unchanged, while the integer program loses one demand row, and
one column per option, per merged workload, and co-location enumerates multisets over far fewer kinds.

Synthetic fleets of 1,000 workloads drawn from a dozen profiles hold only a few hundred distinct kinds
(benchmarks/fleets.py), which is where this pays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario, Workload

_IDENTITY = frozenset({"name", "replicas"})


@dataclass(frozen=True)
class Merged:
    """A scenario with equivalent workloads merged, and how to split the merged replicas back."""

    scenario: Scenario
    parts: dict[str, tuple[tuple[str, int], ...]]
    """Merged workload name -> (original name, replicas) in scenario order; the first is the merged name."""

    @property
    def merged_any(self) -> bool:
        return any(len(p) > 1 for p in self.parts.values())


def _key(w: Workload) -> str:
    key = json.dumps(w.model_dump(mode="json", exclude=set(_IDENTITY)), sort_keys=True)
    # Spread replicas keep apart from their own workload's only: two such workloads merged would keep all
    # four replicas apart, a stricter rule than the two the scenario sets.
    # Likewise workloads of an exclusive group: merged, they would run at the same time. A rate-stated load
    # has no replica count to add up (its rate row is its own).
    alone = w.spread_domain is not None or w.exclusive_group is not None or w.rate_stated
    return f"{key}\0{w.name}" if alone else key


def merge_equivalent(scenario: Scenario) -> Merged:
    """Merge workloads equal in all but name and replicas. The merged one is named after every workload it
    stands for ("chat-a + chat-b", ``stands_for``), so that what the stages after the merge say about it (a
    workload that fits nowhere, what each workload reserves on the owned hardware, the solver's notes) names
    all of them, not the first alone; the split back (``split_assembled``) maps the label to the originals,
    whose names the plan keeps."""
    groups: dict[str, list[Workload]] = {}
    for w in scenario.workloads:
        groups.setdefault(_key(w), []).append(w)
    labels = [g[0].name if len(g) == 1 else stands_for([w.name for w in g]) for g in groups.values()]
    parts = {
        label: tuple((w.name, w.replicas) for w in g)
        for label, g in zip(labels, groups.values(), strict=True)
    }
    if all(len(g) == 1 for g in groups.values()):
        return Merged(scenario, parts)
    # model_copy skips validation on purpose: a merged replica count may pass the per-workload maximum.
    workloads = tuple(
        g[0].model_copy(update={"name": label, "replicas": sum(w.replicas for w in g)})
        for label, g in zip(labels, groups.values(), strict=True)
    )
    return Merged(scenario.model_copy(update={"workloads": workloads}), parts)


NAMED_AT_MOST = 10
"""Names a merged workload's label lists before it counts the rest ("and 40 more"): fleets merge hundreds."""


def stands_for(names: list[str] | tuple[str, ...]) -> str:
    """The label of a workload merged from ``names``: each of them, joined by " + " (commas already separate
    the workloads a message lists)."""
    shown = " + ".join(names[:NAMED_AT_MOST])
    rest = len(names) - NAMED_AT_MOST
    return f"{shown} and {rest} more identical" if rest > 0 else shown


def split_candidates(c: Candidates, merged: Merged) -> Candidates:
    """The per-workload maps of ``c`` under every original name too (the summaries look workloads up by
    name)."""
    if not merged.merged_any:
        return c
    alias = {orig: name for name, parts in merged.parts.items() for orig, _ in parts}
    return replace(
        c,
        workload_id={o: c.workload_id[n] for o, n in alias.items()},
        footprints={o: c.footprints[n] for o, n in alias.items()},
        node_footprints={o: c.node_footprints[n] for o, n in alias.items() if n in c.node_footprints},
        headroom={o: c.headroom[n] for o, n in alias.items()},
        hours={o: c.hours[n] for o, n in alias.items()},
        interruptible={o: c.interruptible[n] for o, n in alias.items()},
    )


def split_demand(c: Candidates, merged: Merged) -> dict[str, tuple[int, ...]]:
    """Solver workload id -> the replica counts of the originals merged into it (for the per-workload
    baseline, which prices each original workload alone)."""
    return {c.workload_id[name]: tuple(count for _, count in parts) for name, parts in merged.parts.items()}
