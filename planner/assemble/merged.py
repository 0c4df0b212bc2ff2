"""Merged workloads given back their names: the assembled replicas of a merged demand split among the
workloads merged into it (stage 5; the merge itself, and its label, is ``placement.merge``)."""

from __future__ import annotations

from planner.assemble.units import Assembled
from planner.placement.merge import Merged


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
    return Assembled(
        units=built.units,
        assignments=assignments,
        cost_by_category=built.cost_by_category,
        slots=built.slots,
    )
