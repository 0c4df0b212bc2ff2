"""Replicas onto GPUs: what one real GPU holds (memory, ``MAX_PER_GPU`` replicas, a month of hours where
asked), packed by first-fit decreasing, by minimum bin slack or by an exact search. Items are
``(reserved bytes, hours per month)``, sorted largest first by the caller; results are item indices per GPU.
No pulp, no candidates."""

from __future__ import annotations

import math

from planner import deadline
from planner.ilp.data import MAX_PER_GPU

PACK_NODE_LIMIT = 50_000
"""Most placements the exact packing search tries per pool before it gives up (the caller keeps the
heuristics' packing)."""
PACK_WORK_LIMIT = 400_000
"""Most GPUs the exact packing search looks at per pool (each placement looks at every GPU of the pool): on
pools with no packing the node limit alone let it look millions of times, seconds of a loaded machine for
one pool, and a 10 s run ran out of time while packing (figures: docs/benchmarks.md, "The figures behind
the tuned constants")."""
PACK_MAX_ITEMS = 400
"""Pools with more replicas than this go straight to the heuristics."""
SLACK_NODE_LIMIT = 2_000
"""Most subsets minimum bin slack tries for one GPU before it keeps the fullest found so far."""


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
        deadline.check("packing shared GPUs")
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
    ``PACK_NODE_LIMIT`` and ``PACK_WORK_LIMIT``). GPUs with the same load are interchangeable, so only the
    first of them is tried."""
    if gpus <= 0 or fewest_gpus([s for s, _ in sizes], memory) > gpus:
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
        if nodes > PACK_NODE_LIMIT or nodes * gpus > PACK_WORK_LIMIT:
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


def fewest_gpus(sizes: list[int], memory: int) -> int:
    """A lower bound on the GPUs any packing of ``sizes`` needs: the most of Martello and Toth's L2 bound
    (1990), by memory alone, and the replicas over ``MAX_PER_GPU`` a GPU. L2, for each threshold k up to
    half a GPU: the items too large to share with one of size k or more each take a GPU; those over half a
    GPU take one each; what the items from k to half a GPU need beyond the room those leave, in whole GPUs.

    ``pack_exact`` asks it first: its search spends its whole node limit wherever no packing exists, and L2
    proves most of those (most of the pools the heuristics overflow on the benchmark fleets; figures:
    docs/benchmarks.md, "The figures behind the tuned constants")."""
    if not sizes:
        return 0
    best = max(-(-sum(sizes) // memory), -(-len(sizes) // MAX_PER_GPU))
    half = memory / 2
    large = sorted(s for s in sizes if s > half)
    small = sorted(s for s in sizes if s <= half)
    small_total = sum(small)
    below = 0  # the sum of the small items under the threshold
    taken = 0
    for k in sorted(set(small)):
        while taken < len(small) and small[taken] < k:
            below += small[taken]
            taken += 1
        # Items over half a GPU take one each; only those of at most memory - k leave room for these.
        beside = [s for s in large if s <= memory - k]
        room = len(beside) * memory - sum(beside)
        best = max(best, len(large) + max(0, -(-(small_total - below - room) // memory)))
    return best


def minimum_bin_slack(
    sizes: list[tuple[int, float]], memory: int, max_hours: float = math.inf
) -> list[list[int]]:
    """GPU by GPU, the largest item left and the subset of the others that leaves the least memory free
    (minimum bin slack, Gupta and Ho 1999): item indices by GPU.

    First-fit decreasing fills each GPU with whatever comes next and strands the gaps; on pools the
    relaxation fills to the byte it needs many more GPUs than this (figures: docs/benchmarks.md, "The
    figures behind the tuned constants"). Greedy
    all the same: on other pools it needs one GPU more than first-fit decreasing, so callers keep the better
    of the two. Items of the same size and hours are interchangeable, so the search runs over distinct kinds
    with their multiplicities."""
    kinds: dict[tuple[int, float], list[int]] = {}
    for i, item in enumerate(sizes):
        kinds.setdefault(item, []).append(i)
    bins: list[list[int]] = []
    while kinds:
        deadline.check("packing shared GPUs")
        order = sorted(kinds, key=lambda k: (-k[0], k[1]))
        held = []
        for j in _fullest(order, [len(kinds[k]) for k in order], memory, max_hours):
            held.append(kinds[order[j]].pop(0))
            if not kinds[order[j]]:
                del kinds[order[j]]
        bins.append(held)
    return bins


def _fullest(order: list[tuple[int, float]], left: list[int], memory: int, max_hours: float) -> list[int]:
    """Positions in ``order`` (item kinds, largest first, ``left[j]`` of kind j) of the fullest GPU that holds
    the first kind, searched depth first within ``SLACK_NODE_LIMIT``; a kind appears once per item taken."""
    best: list[int] = []
    best_used = -1
    chosen = [0]  # the largest item left opens the GPU
    left = [left[0] - 1, *left[1:]]
    nodes = 0

    def search(start: int, used: int, hours: float) -> bool:
        """Extends ``chosen`` from kind ``start`` on; True once the GPU is exactly full (nothing beats it)."""
        nonlocal best, best_used, nodes
        if used > best_used:
            best, best_used = list(chosen), used
            if used == memory:
                return True
        nodes += 1
        if nodes > SLACK_NODE_LIMIT or len(chosen) == MAX_PER_GPU:
            return False
        for j in range(start, len(order)):
            size, h = order[j]
            if left[j] == 0 or not _fits((used, len(chosen), hours), size, h, memory, max_hours):
                continue
            left[j] -= 1
            chosen.append(j)
            if search(j, used + size, hours + h):
                return True
            chosen.pop()
            left[j] += 1
        return False

    search(0, order[0][0], order[0][1])
    return best
