"""Large fleets: the GPUs the aggregate relaxation shared become exact co-location patterns.

The relaxation (constraints.py, "large fleets") sizes shared GPUs by sums of memory, replicas and hours,
which can promise packings that do not exist. Here the shared replicas of each option are packed for real
(``pack_shared`` below) and the packing becomes a plan of the exact model: every packed GPU a
pattern, the relaxation's units kept, and GPUs that do not fit moved where one more costs least (a spare GPU
of any option whose GPUs hold it and where all of its workloads may share, or a new unit). The exact model
prices that plan exactly as it will run; the relaxation's bound remains the lower bound of the gap.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from planner import deadline
from planner.ilp.data import MAX_PER_GPU, POOLS, PatternData, pool_key
from planner.ilp.solve import Solution
from planner.placement.candidates import Candidates
from planner.placement.offers import Offer
from planner.placement.patterns import Member, add_pattern, group_energy
from planner.solving.overflow import Choices, Place, overflow_cost, place_overflow
from planner.solving.packing import first_fit_decreasing, minimum_bin_slack, pack_exact
from planner.units import HOURS_PER_MONTH


def repack(
    c: Candidates,
    solution: Solution | None,
    base: Candidates | None = None,
    packings: dict[str, list[tuple[Member, ...]]] | None = None,
) -> tuple[Candidates, dict[str, float]]:
    """``base`` (default ``c``) without shared entries, plus the packed GPUs of ``solution`` as patterns;
    and ``solution`` packed, as a start for the exact program (units and pattern copies by id).

    ``base`` may carry patterns of its own (column generation's): the exact program chooses among both. Only
    the patterns the start uses are added: adding each packed GPU on every option that could hold it gave
    the exact program thousands more columns and worse plans within the same time (figures:
    docs/benchmarks.md, "The figures behind the tuned constants").

    ``packings``: the packed GPUs by option, filled on the first call and reused by later calls for the same
    ``solution`` (packing a large fleet takes seconds)."""
    base = c if base is None else base
    patterns: list[PatternData] = list(base.data.patterns)
    members: dict[str, tuple[Member, ...]] = dict(base.members)
    sharers = {oid: {s.workload for s in c.data.shared_on.get(oid, ())} for oid in c.offers}
    pattern_of = {(p.option, _names(base.members[p.id])): p.id for p in patterns}
    by_id = {p.id: p for p in patterns}

    def add(oid: str, offer: Offer, held: tuple[Member, ...]) -> None:
        # "r" ids never collide with the "p" (enumerated) and "g" (generated) ids already in ``base``.
        add_pattern(patterns, members, oid, offer, held, c.hours, c.workload_id, c.rates, "r")
        pattern_of[(oid, _names(held))] = patterns[-1].id
        by_id[patterns[-1].id] = patterns[-1]

    start: dict[str, float] = {}
    if solution is not None:
        start = _start(c, solution, (pattern_of, by_id), add, sharers, {} if packings is None else packings)
    exact = replace(base, data=c.data.with_patterns(patterns), members=members, shared_members={})
    return exact, start


def _start(
    c: Candidates,
    solution: Solution,
    known: tuple[dict[tuple[str, tuple[str, ...]], str], dict[str, PatternData]],
    add: Callable[[str, Offer, tuple[Member, ...]], None],
    sharers: dict[str, set[str]],
    packings: dict[str, list[tuple[Member, ...]]],
) -> dict[str, float]:
    """``solution`` packed for real, as units and pattern copies of the exact program.

    Each option keeps the units the relaxation bought. Packed GPUs that do not fit there (the relaxation's
    rows are sums; the smallest are moved) first give their replicas to the memory left on the GPUs that did
    (``_fill_gaps``); the rest go onto spare GPUs of any option that may hold them, or new units: one group
    at a time where one more copy costs least (``_one_by_one``), or all at once by a small program
    (solving.overflow), whichever costs less. ``known``: the patterns by option and workloads, and by id (a
    replica's own pattern may take several GPUs)."""
    pattern_of, by_id = known
    used: dict[str, int] = {}
    start: dict[str, float] = {}
    kept: list[tuple[str, list[Member]]] = []
    overflow: list[tuple[Member, ...]] = []
    for oid, offer in c.offers.items():
        deadline.check("packing shared GPUs")
        used[oid] = 0
        for p in c.data.patterns_on.get(oid, ()):
            if solution.use.get(p.id):
                start[p.id] = solution.use[p.id]
                used[oid] += p.gpus * solution.use[p.id]
        room = solution.units.get(oid, 0) * offer.gpus - used[oid]
        if oid not in packings:
            packings[oid] = pack_shared(c, solution, oid)
        packed = sorted(packings[oid], key=lambda held: -sum(m.reserved_bytes for m in held))
        kept += [(oid, list(held)) for held in packed[: max(room, 0)]]
        overflow += packed[max(room, 0) :]
        used[oid] += min(len(packed), max(room, 0))
    overflow = _fill_gaps(c, kept, overflow, sharers)
    for oid, gpu in kept:
        group = tuple(gpu)
        if (oid, _names(group)) not in pattern_of:
            add(oid, c.offers[oid], group)
        pid = pattern_of[(oid, _names(group))]
        start[pid] = start.get(pid, 0) + 1
    units = {oid: -(-used[oid] // offer.gpus) for oid, offer in c.offers.items()}
    units = {oid: max(n, solution.units.get(oid, 0)) for oid, n in units.items()}

    spare = {oid: units[oid] * offer.gpus - used[oid] for oid, offer in c.offers.items()}

    def places(group: tuple[Member, ...]) -> list[Place]:
        """Every option that may hold one more copy of ``group``: its own pattern there, or one GPU that holds
        the group. A replica's own pattern may take several GPUs (tensor parallel), priced as it is."""
        out = []
        for oid, offer in c.offers.items():
            pid = pattern_of.get((oid, _names(group)))
            if pid is not None or (len(group) > 1 and _holds(c, offer, group, sharers[oid])):
                gpus = 1 if pid is None else by_id[pid].gpus
                energy = group_energy(offer, group, c.hours, c.rates) if pid is None else by_id[pid].cost
                out.append(Place(oid, gpus, energy))
        return out

    merged = _merge_leftovers(overflow, lambda group: _cheapest(c, group, places, (used, units))[0])
    greedy = _one_by_one(c, merged, places, (used, units))
    chosen = greedy
    if greedy:
        best = place_overflow(
            [m for held in overflow for m in held],
            [*merged, *overflow],
            places,
            spare,
            dict(c.data.option_by_id),
            {o.id: None if o.max_units is None else o.max_units - units[o.id] for o in c.data.options},
        )
        fixed = {oid: offer.fixed_cost for oid, offer in c.offers.items()}
        per_unit = {oid: offer.gpus for oid, offer in c.offers.items()}
        if (
            best is not None
            and overflow_cost(best, spare, per_unit, fixed)
            < overflow_cost(greedy, spare, per_unit, fixed) - 1e-6
        ):
            chosen = best
    for group, where in chosen:
        if (where.option, _names(group)) not in pattern_of:
            add(where.option, c.offers[where.option], group)
        pid = pattern_of[(where.option, _names(group))]
        per_unit_gpus = c.offers[where.option].gpus
        used[where.option] += by_id[pid].gpus
        units[where.option] = max(units[where.option], -(-used[where.option] // per_unit_gpus))
        start[pid] = start.get(pid, 0) + 1
    start.update({oid: n for oid, n in units.items() if n})
    return start


def _cheapest(
    c: Candidates,
    group: tuple[Member, ...],
    places: Choices,
    state: tuple[dict[str, int], dict[str, int]],
) -> tuple[float, Place | None]:
    """Where one more copy of ``group`` costs least, and what it costs there: its energy on spare GPUs, or
    with new units. ``state``: GPUs used and units bought per option."""
    used, units = state
    best: tuple[float, Place | None] = (math.inf, None)
    for where in places(group):
        offer = c.offers[where.option]
        more = max(0, -(-(used[where.option] + where.gpus) // offer.gpus) - units[where.option])
        cost = where.energy + offer.fixed_cost * more
        if cost < best[0]:
            best = (cost, where)
    return best


def _one_by_one(
    c: Candidates,
    groups: list[tuple[Member, ...]],
    places: Choices,
    state: tuple[dict[str, int], dict[str, int]],
) -> list[tuple[tuple[Member, ...], Place]]:
    """``groups`` placed one after another, each where one more copy costs least (``_cheapest``), or its
    replicas one by one where that costs less. ``state``: GPUs used and units bought per option (copied,
    not changed)."""
    used, units = dict(state[0]), dict(state[1])
    placed: list[tuple[tuple[Member, ...], Place]] = []

    def place(group: tuple[Member, ...], where: Place | None) -> None:
        if where is None:
            return  # nowhere to go: the plan then breaks a demand row, and ``evaluate`` rejects it
        used[where.option] += where.gpus
        units[where.option] = max(units[where.option], -(-used[where.option] // c.offers[where.option].gpus))
        placed.append((group, where))

    for held in groups:
        together = _cheapest(c, held, places, (used, units))
        # Every replica has its single-GPU pattern on its own option.
        alone = [_cheapest(c, (m,), places, (used, units)) for m in held]
        if len(held) == 1 or together[0] <= sum(cost for cost, _ in alone):
            place(held, together[1])
        else:
            for m in held:
                place((m,), _cheapest(c, (m,), places, (used, units))[1])
    return placed


def _fill_gaps(
    c: Candidates,
    kept: list[tuple[str, list[Member]]],
    overflow: list[tuple[Member, ...]],
    sharers: dict[str, set[str]],
) -> list[tuple[Member, ...]]:
    """Replicas of the GPUs that did not fit (GPU by GPU, largest first) onto the memory left on the packed
    GPUs that did, on any option where the replica may share, wherever it adds the least energy; the GPUs in
    ``kept`` gain them in place, and what is left of each GPU that did not fit is returned. Packings of pools
    the relaxation fills to the byte leave such gaps on most GPUs while a few small replicas have none:
    without this each of them costs a spare GPU or a new unit."""
    left: list[tuple[Member, ...]] = []
    for held in overflow:
        rest = []
        for m in sorted(held, key=lambda m: -m.reserved_bytes):
            best: tuple[float, int] | None = None
            for index, (oid, group) in enumerate(kept):
                offer = c.offers[oid]
                if len(group) >= MAX_PER_GPU or not _holds(c, offer, (*group, m), sharers[oid]):
                    continue
                extra = group_energy(offer, (*group, m), c.hours, c.rates) - group_energy(
                    offer, tuple(group), c.hours, c.rates
                )
                if best is None or extra < best[0]:
                    best = (extra, index)
            if best is None:
                rest.append(m)
            else:
                kept[best[1]][1].append(m)
        if rest:
            left.append(tuple(rest))
    return left


def _merge_leftovers(
    groups: list[tuple[Member, ...]], cost: Callable[[tuple[Member, ...]], float]
) -> list[tuple[Member, ...]]:
    """The replicas left after ``_fill_gaps`` (largest group first) merged onto shared GPUs wherever one GPU
    holding both groups costs less than the two apart. Each of them is otherwise a new GPU, often a new unit
    (200-workload benchmark fleet: three replicas of 10-35 GiB, three single-GPU units). There the 18.6 and
    10.1 GiB replicas share one for less than apart; the 34.9 GiB one, always on, costs more with either of
    them than alone (figures: docs/benchmarks.md, "The figures behind the tuned constants")."""
    merged: list[tuple[Member, ...]] = []
    for group in sorted(groups, key=lambda g: -sum(m.reserved_bytes for m in g)):
        best: tuple[float, int] | None = None
        for index, other in enumerate(merged):
            if len(other) + len(group) > MAX_PER_GPU:
                continue
            saving = cost(other) + cost(group) - cost((*other, *group))
            if saving > 1e-9 and (best is None or saving > best[0]):
                best = (saving, index)
        if best is None:
            merged.append(group)
        else:
            merged[best[1]] = (*merged[best[1]], *group)
    return merged


def _names(group: tuple[Member, ...]) -> tuple[str, ...]:
    return tuple(sorted(m.workload for m in group))


def _holds(c: Candidates, offer: Offer, held: tuple[Member, ...], sharers: set[str]) -> bool:
    """Whether ``held`` may share a GPU of ``offer``: it fits and every workload in it may share there."""
    fits = offer.gpu.vram_bytes >= sum(m.reserved_bytes for m in held)
    return fits and {c.workload_id[m.workload] for m in held} <= sharers


def pack_shared(c: Candidates, solution: Solution, oid: str) -> list[tuple[Member, ...]]:
    """The shared replicas the solver put on option ``oid``, each pool packed onto GPUs within what a real
    GPU allows: its memory, ``MAX_PER_GPU`` replicas, and on a "part" GPU a month of hours (constraints.py).

    The solver's rows are sums, so they can promise a packing that does not exist: the better of first-fit
    decreasing and minimum bin slack is kept where it fits the GPUs the solver counted, else an exact search
    tries them, else the heuristic packing needs more GPUs. Where it does, all pools together are packed as
    well, without the month of hours (a GPU whose replicas compute longer than that pays the month, which
    costs less, not more), and the cheaper packing is kept (``_packing_cost``): on the 1,000-workload
    benchmark fleet the two MI325X pools, 164 GPUs by the relaxation, take 168 GPUs packed apart and 165
    together."""
    memory = c.offers[oid].gpu.vram_bytes
    out: list[tuple[Member, ...]] = []
    everything: list[Member] = []
    counted = pools = 0
    for pool in POOLS:
        items = [
            c.shared_members[s.id]
            for s in c.data.shared_on.get(oid, ())
            if s.pool == pool
            for _ in range(solution.share.get(s.id, 0))
        ]
        if not items:
            continue
        gpus = solution.shared_gpus.get(pool_key(oid, pool), 0)
        out += _pack(c, items, gpus, memory, HOURS_PER_MONTH if pool == "part" else math.inf)
        everything += items
        counted += gpus
        pools += 1
    if pools > 1 and len(out) > counted:
        together = _pack(c, everything, counted, memory, math.inf, search=False)
        if _packing_cost(c, oid, together) < _packing_cost(c, oid, out) - 1e-6:
            return together
    return out


def _packing_cost(c: Candidates, oid: str, gpus: list[tuple[Member, ...]]) -> float:
    """What a packing of option ``oid``'s pools costs, for choosing between two: each GPU's energy and its
    share of a unit's price. Fewer GPUs is not always cheaper: the "full" pool's replicas add up to more than
    a month of hours per GPU, so each of its GPUs pays a month; packed with the "part" pool's replicas onto
    fewer GPUs in all, they spread over more GPUs that each pay a month (200-workload benchmark fleet, the
    4-GPU workstation's pools, 100 GPUs counted: together 103 GPUs and more energy than the relaxation
    priced, apart 104 GPUs and none, and the whole plan cheaper apart; figures: docs/benchmarks.md, "The
    figures behind the tuned constants")."""
    offer = c.offers[oid]
    per_gpu = offer.fixed_cost / offer.gpus
    return sum(per_gpu + group_energy(offer, held, c.hours, c.rates) for held in gpus)


def _pack(
    c: Candidates, items: list[Member], gpus: int, memory: int, max_hours: float, *, search: bool = True
) -> list[tuple[Member, ...]]:
    """``items`` onto as few GPUs as first-fit decreasing or minimum bin slack manage; where that is more than
    ``gpus``, an exact search for ``gpus`` (skipped with ``search=False``: it spends its whole node limit
    whenever no such packing exists)."""
    items = sorted(items, key=lambda m: (-m.reserved_bytes, m.workload))
    sizes = [(m.reserved_bytes, _hours(c, m)) for m in items]
    bins = min(
        first_fit_decreasing(sizes, memory, max_hours),
        minimum_bin_slack(sizes, memory, max_hours),
        key=len,
    )
    if len(bins) > gpus and search:
        bins = pack_exact(sizes, gpus, memory, max_hours) or bins
    return [tuple(items[i] for i in held) for held in bins if held]


def _hours(c: Candidates, m: Member) -> float:
    return c.hours[m.workload]
