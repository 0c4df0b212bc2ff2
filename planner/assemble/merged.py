"""Merged workloads given back their names: the assembled replicas of a merged demand split among the
workloads merged into it (stage 5; the merge itself is ``placement.merge``)."""

from __future__ import annotations

from planner.assemble.units import Assembled
from planner.placement.merge import Merged

NAMED_AT_MOST = 10
"""Names a merged workload's label lists before it counts the rest ("and 40 more"): fleets merge hundreds."""


def stands_for(names: list[str] | tuple[str, ...]) -> str:
    """The label of a workload merged from ``names``: each of them, joined by " + " (commas already separate
    the workloads a message lists)."""
    shown = " + ".join(names[:NAMED_AT_MOST])
    rest = len(names) - NAMED_AT_MOST
    return f"{shown} and {rest} more identical" if rest > 0 else shown


def named_for_all(merged: Merged) -> Merged:
    """``merged`` with each merged workload named after every workload it stands for ("chat-a + chat-b"), so
    that what the stages after the merge say about it (a workload that fits nowhere, what each workload
    reserves on the owned hardware, the solver's notes) names all of them, not the first alone. The split
    back (``split_assembled``) maps the label to the originals, whose names the plan keeps."""
    if not merged.merged_any:
        return merged
    rename = {
        name: stands_for([orig for orig, _ in parts])
        for name, parts in merged.parts.items()
        if len(parts) > 1
    }
    workloads = tuple(
        w.model_copy(update={"name": rename.get(w.name, w.name)}) for w in merged.scenario.workloads
    )
    return Merged(
        merged.scenario.model_copy(update={"workloads": workloads}),
        {rename.get(name, name): parts for name, parts in merged.parts.items()},
    )


def split_assembled(built: Assembled, merged: Merged) -> Assembled:
    """Give the merged workload's replicas back to the originals, in order: the first ``replicas`` of the
    merged numbering to the first original, and so on. Equivalent workloads reserve and cost the same, so
    each assignment stays valid as it is."""
    if not merged.merged_any:
        return built
    owners: dict[str, list[tuple[str, int]]] = {}
    for name, parts in merged.parts.items():
        owners[name] = [(orig, r + 1) for orig, count in parts for r in range(count)]
    assignments = []
    for a in built.assignments:
        orig, replica = owners[a.workload][a.replica - 1]
        assignments.append(a.model_copy(update={"workload": orig, "replica": replica}))
    return Assembled(units=built.units, assignments=assignments, cost_by_category=built.cost_by_category)
