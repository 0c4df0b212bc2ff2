"""Every feasible placement of every workload, as solver data (stage 3 of the pipeline).

For each workload and GPU count k (a divisor of a unit's GPUs; k > 1 only on linked GPUs) the memory model
gives the bytes on the most loaded GPU; a placement fits where ``ceil(bytes / (1 - headroom)) <= GPU memory``.
These are enumerated in full: no heuristic pruning, so a larger card or an extra offer only adds placements.
On one option only the fewest GPUs per replica that fit are kept: more would take more GPUs and more energy
for nothing (dominance, which keeps the optimum).

Co-location: single-GPU replicas whose reservations fit together on one GPU form a pattern (a multiset of at
most ``MAX_PER_GPU`` replicas). A cloud instance of one hours class holds workloads of at most those hours
(it is rented for them; a workload of fewer hours runs within them); spot instances hold interruptible
workloads only. Past ``PATTERN_BUDGET`` patterns
(over distinct GPU classes) co-location switches to shared GPUs counted in aggregate (constraints.py explains
the relaxation; pipeline.py the patterns and the plan built from it); the switch is recorded in ``notes`` and
in the plan's assumptions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from planner import deadline
from planner.bounds import MAX_OFFER_WORKLOAD_PAIRS
from planner.catalog.schema import Catalog
from planner.errors import InfeasibleError, PlannerError, ScenarioError
from planner.ilp.data import MAX_PER_GPU, OptionData, PatternData, ProblemData, SharedData
from planner.placement.offers import (
    CostRates,
    Offer,
    check_names,
    cloud_offers,
    energy_cost,
    local_offers,
    resolve_rates,
    undominated,
)
from planner.scenario.schema import HOURS_PER_MONTH, Scenario, Workload
from planner.units import GIB, fmt_gib

PATTERN_BUDGET = 3000
"""Most co-location patterns enumerated (over distinct GPU classes) before co-location switches to
column generation."""
COLUMN_BUDGET = 20000
"""Most co-location columns (patterns x the options that share them) in an enumerated program."""


@dataclass(frozen=True)
class Footprint:
    """Memory of one replica spread over ``gpus`` GPUs: the most loaded GPU, and the estimate behind it."""

    gpus: int
    per_gpu_bytes: int
    estimate: Any = None
    """The memory model's ``MemoryEstimate`` (None for a measured figure)."""


MemoryFn = Callable[[Workload, int], Footprint | None]
"""(workload, GPUs per replica) -> footprint, or None where that GPU count is impossible for the model."""

_OPTIONAL_ARGS = ("engine", "kv_precision", "gradient_checkpointing", "optimizer", "lora_rank")


def model_memory(workload: Workload, gpus: int) -> Footprint | None:
    """The memory model's estimate; a measured ``memory_per_gpu`` wins at its pinned GPU count."""
    if workload.measured_bytes is not None:
        return Footprint(gpus, workload.measured_bytes) if gpus == workload.pinned_gpus else None
    from planner.memory.api import estimate_memory

    extra = {name: getattr(workload, name) for name in _OPTIONAL_ARGS if getattr(workload, name) is not None}
    try:
        estimate = estimate_memory(
            workload.model,
            task=workload.task,
            precision=workload.precision,
            context=workload.context,
            batch=workload.batch,
            gpus=gpus,
            **extra,
        )
    except PlannerError as error:
        if gpus == 1:
            raise ScenarioError(f"workload {workload.name!r}: {error}") from None
        return None  # e.g. more GPUs than the model has heads to split
    return Footprint(gpus, int(estimate.per_gpu_bytes), estimate)


def reserved_bytes(per_gpu_bytes: int, headroom: float) -> int:
    """``per_gpu_bytes / (1 - headroom)`` rounded up: what a replica reserves on each of its GPUs."""
    return math.ceil(per_gpu_bytes / (1 - headroom) - 1e-9)


@dataclass(frozen=True)
class Member:
    """One replica inside a pattern."""

    workload: str
    gpus: int
    per_gpu_bytes: int
    reserved_bytes: int
    headroom: float


@dataclass
class Candidates:
    data: ProblemData
    offers: dict[str, Offer]
    """Solver option id -> offer."""
    members: dict[str, tuple[Member, ...]]
    """Solver pattern id -> the replicas one copy holds."""
    workload_id: dict[str, str]
    footprints: dict[str, dict[int, Footprint]]
    headroom: dict[str, float]
    hours: dict[str, float]
    rates: CostRates
    notes: list[str] = field(default_factory=list)
    considered: tuple[Offer, ...] = ()
    """Every allowed offer, including those nothing fits on (for the infeasibility message)."""
    shared_members: dict[str, Member] = field(default_factory=dict)
    """Solver shared-entry id -> the replica it stands for (large fleets only)."""
    interruptible: dict[str, bool] = field(default_factory=dict)


def build_candidates(scenario: Scenario, catalog: Catalog, memory: MemoryFn = model_memory) -> Candidates:
    check_names(scenario, catalog)
    rates = resolve_rates(scenario, catalog)
    hours_classes = sorted({w.hours_per_month for w in scenario.workloads})
    offers = local_offers(scenario, catalog, rates) + cloud_offers(scenario, catalog, rates, hours_classes)
    _check_size(len(scenario.workloads), len(offers), len(hours_classes))
    eligible = {o.key: frozenset(w.name for w in scenario.workloads if _eligible(w, o)) for o in offers}
    offers = [o for o in undominated(offers, eligible, same_gpu=True) if eligible[o.key]]
    option_of = {f"o{i + 1}": offer for i, offer in enumerate(offers)}
    wid = {w.name: f"w{i + 1}" for i, w in enumerate(scenario.workloads)}
    headroom = {w.name: scenario.headroom if w.headroom is None else w.headroom for w in scenario.workloads}
    counts = sorted({k for o in offers for k in _divisors(o.gpus, o.gpus_linked)})
    computed: dict[str, dict[int, Footprint | None]] = {w.name: {} for w in scenario.workloads}

    def footprint(w: Workload, k: int) -> Footprint | None:
        """The memory model, called lazily: most workloads fit on one GPU and never need the others."""
        if w.pinned_gpus not in (None, k):
            return None
        if k not in computed[w.name]:
            computed[w.name][k] = memory(w, k)
        return computed[w.name][k]

    for w in scenario.workloads:
        deadline.check("estimating memory")
        footprint(w, w.pinned_gpus or 1)  # an unknown model fails here, naming the workload
    options: list[OptionData] = []
    patterns: list[PatternData] = []
    members: dict[str, tuple[Member, ...]] = {}
    notes: list[str] = []
    shared_members: dict[str, Member] = {}
    hours_of = {w.name: w.hours_per_month for w in scenario.workloads}
    demand = {w.name: w.replicas for w in scenario.workloads}
    singles_on: dict[str, list[Member]] = {}
    for oid, offer in option_of.items():
        deadline.check("building candidate placements")
        singles_on[oid] = []
        for w in scenario.workloads:
            if w.name not in eligible[offer.key]:
                continue
            for k in _divisors(offer.gpus, offer.gpus_linked):
                fp = footprint(w, k)
                if fp is None:
                    continue
                h = headroom[w.name]
                member = Member(w.name, k, fp.per_gpu_bytes, reserved_bytes(fp.per_gpu_bytes, h), h)
                if member.reserved_bytes <= offer.gpu.vram_bytes:
                    if k == 1:
                        singles_on[oid].append(member)
                    add_pattern(patterns, members, oid, offer, (member,), hours_of, wid, rates)
                    # More GPUs of the same option would only take more capacity and more energy: the
                    # fewest GPUs that fit dominate (exact pruning).
                    break
    groups_on = _colocation_patterns(option_of, singles_on, demand)
    shared: list[SharedData] = []
    if groups_on is not None:
        for oid, groups in groups_on.items():
            for group in groups:
                add_pattern(patterns, members, oid, option_of[oid], group, hours_of, wid, rates)
    else:
        notes.append(
            f"co-location: more than {PATTERN_BUDGET} ways to share GPUs, so an aggregate relaxation bounds "
            "the cost, sharing patterns come from its packing and from column generation, and the gap is "
            "measured against the relaxation's bound"
        )
        for oid, offer in option_of.items():
            deadline.check("building candidate placements")
            for m in singles_on[oid]:
                if 2 * m.reserved_bytes > offer.gpu.vram_bytes:
                    continue  # two never fit together: it only runs alone
                pools = [("full", 0.0)]
                if offer.kind != "cloud" and hours_of[m.workload] < HOURS_PER_MONTH:
                    pools.append(("part", group_energy(offer, (m,), hours_of, rates)))
                for pool, cost in pools:
                    sid = f"s{len(shared) + 1}"
                    shared.append(
                        SharedData(
                            sid,
                            oid,
                            wid[m.workload],
                            m.reserved_bytes / GIB,
                            cost,
                            cost / rates.months,
                            pool,
                            hours_of[m.workload],
                        )
                    )
                    shared_members[sid] = m
    with_patterns = {p.option for p in patterns}
    for oid, offer in option_of.items():
        if oid not in with_patterns:
            continue  # nothing fits on it: leave it out of the model
        options.append(
            OptionData(
                id=oid,
                gpus_per_unit=offer.gpus,
                fixed_cost=offer.fixed_cost,
                capex=offer.capex,
                monthly_cost=(offer.fixed_cost - offer.capex) / rates.months,
                power_w=offer.power_w,
                rack_units=offer.rack_units,
                max_units=offer.max_units,
                label=offer.key,
                gpu_memory_gib=offer.gpu.vram_bytes / GIB,
                shared_gpu_cost=month_energy(offer, rates),
                shared_gpu_monthly=month_energy(offer, rates) / rates.months,
            )
        )
    placed = {wl for p in patterns for wl, _ in p.counts}
    for w in scenario.workloads:
        if wid[w.name] not in placed:
            for k in counts:  # for the message that says what would make it fit
                footprint(w, k)
    footprints = {name: {k: f for k, f in fps.items() if f is not None} for name, fps in computed.items()}
    used = {o.id for o in options}
    option_of = {oid: offer for oid, offer in option_of.items() if oid in used}
    data = ProblemData(
        workloads=tuple(wid.values()),
        demand={wid[w.name]: w.replicas for w in scenario.workloads},
        options=tuple(options),
        patterns=tuple(patterns),
        capex_budget=_fx(scenario.budgets.capex_usd, rates),
        monthly_budget=_fx(scenario.budgets.monthly_usd, rates),
        power_limit_w=None if scenario.limits.power_kw is None else scenario.limits.power_kw * 1000,
        rack_unit_limit=scenario.limits.rack_units,
        shared=tuple(shared),
    )
    hours = {w.name: w.hours_per_month for w in scenario.workloads}
    return Candidates(
        data,
        option_of,
        members,
        wid,
        footprints,
        headroom,
        hours,
        rates,
        notes,
        tuple(offers),
        shared_members,
        {w.name: w.interruptible for w in scenario.workloads},
    )


def without_dominated(c: Candidates) -> Candidates:
    """The candidates with cloud offers dominated by another GPU type's removed (``offers.undominated``).

    Kept apart from ``build_candidates`` because the best-single-GPU alternative needs every GPU type."""
    eligible = {o.key: frozenset(w for w in c.hours if _eligible_name(w, c, o)) for o in c.offers.values()}
    busy = [o for o in c.offers.values() if not _idle(o)]
    keep_keys = {o.key for o in undominated(busy, eligible, same_gpu=False)} | _cheapest_idle(c)
    keep = {oid for oid, o in c.offers.items() if o.key in keep_keys}
    if len(keep) == len(c.offers):
        return c
    return replace(c, data=c.data.restricted(keep), offers={k: v for k, v in c.offers.items() if k in keep})


def _idle(offer: Offer) -> bool:
    """An on-demand or spot instance rented 0 hours a month: it costs nothing, whatever the machine."""
    return offer.kind == "cloud" and offer.hours_class == 0


def _cheapest_idle(c: Candidates) -> set[str]:
    """Per workload of 0 hours a month, the key of the instance cheapest per hour that holds a replica.

    Every idle instance costs nothing, so dominance (at equal cost, more memory wins) and the solver (any
    of them is optimal) picked the largest: an 8 x B300 instance for a 1B model left at 0 hours. Only such
    workloads may run on idle instances, and each keeps one that holds it, so the optimum is unchanged;
    the plan then names what a user would rent."""
    idle = {oid: o for oid, o in c.offers.items() if _idle(o)}
    keep: set[str] = set()
    for name, wid in c.workload_id.items():
        if c.hours[name] != 0:
            continue
        holding = [idle[p.option] for p, _ in c.data.patterns_with[wid] if p.option in idle]
        if holding:
            keep.add(min(holding, key=lambda o: (o.unit_price, o.gpus, o.key)).key)
    return keep


def _eligible_name(workload: str, c: Candidates, offer: Offer) -> bool:
    return _may_run(offer, c.hours[workload], c.interruptible[workload])


def _fx(usd: float | None, rates: CostRates) -> float | None:
    return None if usd is None else usd * rates.fx


def _check_size(workloads: int, offers: int, hours_classes: int) -> None:
    """Refuse, at once and in one line, a problem whose candidate building alone would outgrow the memory
    bound (``bounds.MAX_OFFER_WORKLOAD_PAIRS``) instead of running until the machine kills it."""
    if workloads * offers > MAX_OFFER_WORKLOAD_PAIRS:
        raise PlannerError(
            f"too large to plan: {workloads:,} workloads x {offers:,} offers ({hours_classes:,} distinct "
            f"hours_per_month values, each a separate on-demand and spot offer per cloud instance) is more "
            f"than the {MAX_OFFER_WORKLOAD_PAIRS:,} pairs planner handles within 2 GiB; use fewer distinct "
            "hours_per_month values, fewer GPU types or providers, or split the scenario"
        )


def _divisors(gpus: int, linked: bool) -> list[int]:
    return [k for k in range(1, gpus + 1) if gpus % k == 0] if linked else [1]


def _eligible(w: Workload, offer: Offer) -> bool:
    return _may_run(offer, w.hours_per_month, w.interruptible)


def _may_run(offer: Offer, hours: float, interruptible: bool) -> bool:
    """Spot holds interruptible work only; an on-demand or spot instance rented for an hours class holds
    workloads of at most those hours (they run within them)."""
    if offer.interruptible_only and not interruptible:
        return False
    return offer.hours_class is None or offer.hours_class >= hours


def _colocation_patterns(
    option_of: dict[str, Offer], singles_on: dict[str, list[Member]], demand: dict[str, int]
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
            cache[key] = _colocations(singles_on[oid], offer.gpu.vram_bytes, demand, left)
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
    singles: list[Member], vram_bytes: int, demand: dict[str, int], limit: int
) -> list[tuple[Member, ...]] | None:
    """Multisets of 2..MAX_PER_GPU single-GPU replicas whose reservations fit on one GPU together (at most
    ``demand`` of one workload), by depth-first search over replicas sorted by size, so only fitting
    combinations are visited; None when there are more than ``limit``."""
    small = sorted(
        (m for m in singles if 2 * m.reserved_bytes <= vram_bytes),
        key=lambda m: (m.reserved_bytes, m.workload),
    )
    found: list[tuple[Member, ...]] = []

    def extend(group: list[Member], start: int, used: int) -> bool:
        for i in range(start, len(small)):
            m = small[i]
            if used + m.reserved_bytes > vram_bytes:
                return True  # sorted by size: nothing after this fits either
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


def group_energy(offer: Offer, group: tuple[Member, ...], hours: dict[str, float], rates: CostRates) -> float:
    """Electricity of one copy on local hardware; 0 on cloud, whose rent is the option's fixed cost.

    A GPU draws power while any of its replicas computes; replicas sharing it take turns. When machines are
    not always on, the GPU's share of the base power runs with it.
    """
    if offer.kind == "cloud":
        return 0.0
    busy_hours = min(HOURS_PER_MONTH, sum(hours[m.workload] for m in group))
    watts_per_gpu = offer.gpu.tdp_w * rates.gpu_utilisation + offer.base_w_per_busy_gpu
    return energy_cost(watts_per_gpu * group[0].gpus, busy_hours, rates)


def month_energy(offer: Offer, rates: CostRates) -> float:
    """Electricity over the horizon of one GPU of ``offer`` busy all month (0 on cloud)."""
    busy = Member("__month__", 1, 0, 0, 0.0)
    return group_energy(offer, (busy,), {busy.workload: HOURS_PER_MONTH}, rates)


def add_pattern(
    patterns: list[PatternData],
    members: dict[str, tuple[Member, ...]],
    oid: str,
    offer: Offer,
    group: tuple[Member, ...],
    hours_of: dict[str, float],
    wid: dict[str, str],
    rates: CostRates,
    prefix: str = "p",
) -> None:
    pid = f"{prefix}{len(patterns) + 1}"
    gpus = group[0].gpus
    cost = group_energy(offer, group, hours_of, rates)
    patterns.append(PatternData(pid, oid, gpus, pattern_counts(group, wid), cost, cost / rates.months))
    members[pid] = group


def pattern_counts(group: tuple[Member, ...], wid: dict[str, str]) -> tuple[tuple[str, int], ...]:
    """Replicas per solver workload id in ``group``, sorted: a pattern's ``counts``, and its identity."""
    counts: dict[str, int] = {}
    for m in group:
        counts[wid[m.workload]] = counts.get(wid[m.workload], 0) + 1
    return tuple(sorted(counts.items()))


def explain_unplaceable(scenario: Scenario, candidates: Candidates) -> None:
    """Raise ``InfeasibleError`` for the first workload with no placement, saying what would make it fit."""
    for w in scenario.workloads:
        if candidates.data.placeable(candidates.workload_id[w.name]):
            continue
        offers = [o for o in candidates.considered if _eligible(w, o)]
        if not offers:
            filters = ", ".join(
                f"{k}: {json.dumps(v, ensure_ascii=False)}"
                for k, v in scenario.hardware.model_dump(exclude_defaults=True, mode="json").items()
            )
            why = (
                f"hardware ({filters or 'the defaults'}) leaves no machine to buy or own, no cloud instance"
                if not candidates.considered
                else "check hardware: bought/cloud/providers/gpus; spot needs interruptible: true"
            )
            raise InfeasibleError(f"workload {w.name!r}: no allowed hardware can run it: {why}")
        fps = candidates.footprints[w.name]
        if not fps:
            raise InfeasibleError(f"workload {w.name!r}: the memory model found no valid GPU count")
        # Per GPU count, the need against the largest card that comes with that many linked GPUs: the
        # largest card overall may come one to a machine (2 x 90 GiB does not fit a 96 GiB desktop card).
        closest: tuple[float, int, int, Offer] | None = None  # (need / memory, GPUs, need, host)
        for k, f in sorted(fps.items()):
            hosts = [o for o in offers if k == 1 or (o.gpus_linked and o.gpus % k == 0)]
            if not hosts:
                continue
            host = max(hosts, key=lambda o: (o.gpu.vram_bytes, o.key))
            need = reserved_bytes(f.per_gpu_bytes, candidates.headroom[w.name])
            if closest is None or need / host.gpu.vram_bytes < closest[0]:
                closest = (need / host.gpu.vram_bytes, k, need, host)
        if closest is None:
            k = min(fps)
            raise InfeasibleError(
                f"workload {w.name!r} fits nowhere: it runs on {k} linked GPUs, and no allowed machine has "
                f"{k} linked GPUs; allow larger machines, or change gpus_per_replica"
            )
        _, k, need, host = closest
        card = f"the largest allowed card with {k} linked GPUs" if k > 1 else "the largest allowed card"
        raise InfeasibleError(
            f"workload {w.name!r} fits nowhere: it needs {fmt_gib(need)} per GPU with headroom "
            f"{candidates.headroom[w.name]:.0%} on {k} GPU(s), but {card} ({host.gpu.name}) has "
            f"{fmt_gib(host.gpu.vram_bytes)}; use a smaller precision, a shorter context or batch, less "
            f"headroom, or allow larger or more GPUs"
        )
