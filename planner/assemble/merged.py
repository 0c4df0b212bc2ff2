"""Merged workloads given back their names: the assembled replicas of a merged demand split among the
workloads merged into it (stage 5; the merge itself, and its label, is ``placement.merge``)."""

from __future__ import annotations

from collections import Counter

from planner.assemble.units import Assembled, Kept
from planner.placement.merge import Merged


def split_assembled(built: Assembled, merged: Merged, kept: Kept | None = None) -> Assembled:
    """Give the merged workload's replicas back to the originals, in order: the first ``replicas`` of the
    merged numbering to the first original, and so on. Equivalent workloads reserve and cost the same, so
    each assignment stays valid as it is. ``kept`` (demand over time: where the period before placed each
    original's replicas, by its own name): a merged replica on the unit and GPUs an original held goes back
    to that original first, so that chat-a does not take chat-b's GPU when the two run merged in one period
    and not in the one before; each original's replicas are numbered in the merged order."""
    if not merged.merged_any:
        return built
    held: Counter[tuple[str, int, int, int, str]] = Counter(
        (key, place, g, n, w)
        for key, units in (kept or {}).items()
        for place, unit in enumerate(units)
        for w, g, n in unit
    )
    owner: dict[int, str] = {}  # index in built.assignments -> its original
    left: dict[str, Counter[str]] = {name: Counter(dict(parts)) for name, parts in merged.parts.items()}
    mine = [i for i, a in enumerate(built.assignments) if len(merged.parts.get(a.workload, ())) > 1]
    for i in sorted(mine, key=lambda i: built.assignments[i].replica):
        a = built.assignments[i]
        if a.units or not a.gpu_indices or a.unit not in built.slots:
            continue
        key, place = built.slots[a.unit]
        for orig, _ in merged.parts[a.workload]:
            at = (key, place, a.gpu_indices[0], len(a.gpu_indices), orig)
            if held[at] > 0 and left[a.workload][orig] > 0:
                held[at] -= 1
                left[a.workload][orig] -= 1
                owner[i] = orig
                break
    for i in sorted(mine, key=lambda i: built.assignments[i].replica):
        if i in owner:
            continue
        name = built.assignments[i].workload
        orig = next(o for o, _ in merged.parts[name] if left[name][o] > 0)
        left[name][orig] -= 1
        owner[i] = orig
    number: Counter[str] = Counter()
    replica: dict[int, int] = {}
    for i in sorted(mine, key=lambda i: built.assignments[i].replica):
        number[owner[i]] += 1
        replica[i] = number[owner[i]]
    assignments = [
        a.model_copy(update={"workload": owner[i], "replica": replica[i]}) if i in owner else a
        for i, a in enumerate(built.assignments)
    ]
    return Assembled(
        units=built.units,
        assignments=assignments,
        cost_by_category=built.cost_by_category,
        slots=built.slots,
    )
