"""Replicas onto GPUs: what one real GPU holds (memory, ``MAX_PER_GPU`` replicas, a month of hours where
asked), packed by first-fit decreasing or by an exact search. Items are ``(reserved bytes, hours per month)``,
sorted largest first by the caller; results are item indices per GPU. No pulp, no candidates."""

from __future__ import annotations

import math

from planner.ilp.data import MAX_PER_GPU

PACK_NODE_LIMIT = 50_000
"""Most placements the exact packing search tries per pool before it settles for first-fit decreasing."""
PACK_MAX_ITEMS = 400
"""Pools with more replicas than this go straight to first-fit decreasing."""


def _fits(load: tuple[int, int, float], size: int, hours: float, memory: int, max_hours: float) -> bool:
    used, count, busy = load
    return used + size <= memory and count < MAX_PER_GPU and busy + hours <= max_hours + 1e-9


def first_fit_decreasing(
    sizes: list[tuple[int, float]], memory: int, max_hours: float = math.inf
) -> list[list[int]]:
    """Each item (sorted largest first) onto the first GPU it fits on, or a new GPU: item indices by GPU."""
    bins: list[list[int]] = []
    loads: list[tuple[int, int, float]] = []
    for i, (size, hours) in enumerate(sizes):
        for b, load in enumerate(loads):
            if _fits(load, size, hours, memory, max_hours):
                bins[b].append(i)
                loads[b] = (load[0] + size, load[1] + 1, load[2] + hours)
                break
        else:
            bins.append([i])
            loads.append((size, 1, hours))
    return bins


def pack_exact(
    sizes: list[tuple[int, float]], gpus: int, memory: int, max_hours: float
) -> list[list[int]] | None:
    """Items (sorted largest first) onto ``gpus`` GPUs by depth-first search, or None (none found within
    ``PACK_NODE_LIMIT``). GPUs with the same load are interchangeable, so only the first of them is tried."""
    if gpus <= 0 or sum(s for s, _ in sizes) > gpus * memory or len(sizes) > gpus * MAX_PER_GPU:
        return None
    if len(sizes) > PACK_MAX_ITEMS:
        return None  # the search recurses once per item: stay far below Python's recursion limit
    bins: list[list[int]] = [[] for _ in range(gpus)]
    loads: list[tuple[int, int, float]] = [(0, 0, 0.0)] * gpus
    nodes = 0

    def place(i: int) -> bool:
        nonlocal nodes
        if i == len(sizes):
            return True
        nodes += 1
        if nodes > PACK_NODE_LIMIT:
            return False
        size, hours = sizes[i]
        tried: set[tuple[int, int, float]] = set()
        for b in range(gpus):
            load = loads[b]
            if load in tried or not _fits(load, size, hours, memory, max_hours):
                continue
            tried.add(load)
            bins[b].append(i)
            loads[b] = (load[0] + size, load[1] + 1, load[2] + hours)
            if place(i + 1):
                return True
            bins[b].pop()
            loads[b] = load
        return False

    return bins if place(0) else None
