"""Co-location: single-GPU replicas whose reservations fit together on one GPU, whatever their sizes,
enumerated as patterns up to a budget (stage 3). Past it the program counts shared GPUs in aggregate instead
(ilp.constraints, large fleets)."""

from __future__ import annotations

from collections.abc import Callable

from planner.ilp.data import MAX_PER_GPU
from planner.placement.offers import Offer
from planner.placement.patterns import Member

PATTERN_BUDGET = 3000
"""Most co-location patterns enumerated (over distinct GPU classes) before co-location switches to
column generation."""


COLUMN_BUDGET = 20000
"""Most co-location columns (patterns x the options that share them) in an enumerated program."""


def colocation_patterns(
    option_of: dict[str, Offer],
    singles_on: dict[str, list[Member]],
    demand: dict[str, int],
    peak: Callable[[tuple[Member, ...]], int] | None = None,
) -> dict[str, list[tuple[Member, ...]]] | None:
    """Co-location patterns for every option, or None once their number passes ``PATTERN_BUDGET``."""
    cache: dict[tuple[int, tuple[str, ...]], list[tuple[Member, ...]] | None] = {}
    out: dict[str, list[tuple[Member, ...]]] = {}
    left = PATTERN_BUDGET
    columns = 0
    for oid, offer in option_of.items():
        key = (offer.gpu.vram_bytes, tuple(m.workload for m in singles_on[oid]))
        if key not in cache:
            # The budget counts distinct GPU classes (memory size and the workloads allowed on it), not
            # options: many offers share a class and with it the same patterns, enumerated once.
            cache[key] = _colocations(singles_on[oid], offer.gpu.vram_bytes, demand, left, peak)
            groups = cache[key]
            if groups is None:
                return None
            left -= len(groups)
        groups = cache[key]
        assert groups is not None
        columns += len(groups)
        if columns > COLUMN_BUDGET:
            return None
        out[oid] = groups
    return out


def _colocations(
    singles: list[Member],
    vram_bytes: int,
    demand: dict[str, int],
    limit: int,
    peak: Callable[[tuple[Member, ...]], int] | None = None,
) -> list[tuple[Member, ...]] | None:
    """Multisets of 2..MAX_PER_GPU single-GPU replicas whose reservations fit on one GPU together (at most
    ``demand`` of one workload), by depth-first search over replicas sorted by size, so only fitting
    combinations are visited; None when there are more than ``limit``. ``peak`` (time-sharing,
    placement.timeshare) gives what a group holds at once where that is less than the sum."""
    # Every single-GPU replica may share: one of more than half a card shares with smaller ones (a 45.67 GiB
    # replica beside a 48.82 GiB one on a 96 GiB card). Sorted by size, a group's members grow, so the search
    # stops at the first replica that no longer fits.
    small = sorted(singles, key=lambda m: (m.reserved_bytes, m.workload))
    found: list[tuple[Member, ...]] = []

    def extend(group: list[Member], start: int, used: int) -> bool:
        for i in range(start, len(small)):
            m = small[i]
            if peak is None:
                if used + m.reserved_bytes > vram_bytes:
                    return True  # sorted by size: nothing after this fits either
            elif peak((*group, m)) > vram_bytes:
                continue  # time-shared: a larger replica that runs at other hours may still fit
            if group.count(m) >= demand[m.workload]:
                continue
            group.append(m)
            if len(group) >= 2:
                if len(found) >= limit:
                    return False
                found.append(tuple(group))
            if len(group) < MAX_PER_GPU and not extend(group, i, used + m.reserved_bytes):
                return False
            group.pop()
        return True

    return found if extend([], 0, 0) else None
