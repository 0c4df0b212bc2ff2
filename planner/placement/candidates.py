"""Every feasible placement of every workload, as solver data (stage 3 of the pipeline).

For each workload and GPU count k (a divisor of a unit's GPUs; k > 1 on linked GPUs, and over PCIe inside
one machine unless ``hardware.tensor_parallel_over_pcie`` is false) the memory model
gives the bytes on the most loaded GPU; a placement fits where ``ceil(bytes / (1 - headroom)) <= GPU memory``.
These are enumerated in full: no heuristic pruning, so a larger card or an extra offer only adds placements.
On one option only the fewest GPUs per replica that fit are kept: more would take more GPUs and more energy
for nothing (dominance, which keeps the optimum).

Multi-node: where no GPU count of one machine holds a replica, an offer whose machines have a fabric and
linked GPUs offers it ``n`` whole machines (n = 2 .. ``MAX_NODES_PER_REPLICA``, the fewest that fit), for
workloads whose engine serves one replica over several machines (``Engine.multi_node``; the memory model
splits it in that engine's layout). Such a replica is a pattern of ``n x GPUs per unit`` GPUs: the capacity
row then buys whole machines for it, and assembly lays it over ``n`` units. Rate-stated workloads are not
spread over machines (the speed model prices no fabric hop).

Co-location: single-GPU replicas whose reservations fit together on one GPU form a pattern (a multiset of at
most ``MAX_PER_GPU`` replicas). A cloud instance of one hours class holds workloads of at most those hours
(it is rented for them; a workload of fewer hours runs within them); spot instances hold interruptible
workloads only. Past ``PATTERN_BUDGET`` patterns
(over distinct GPU classes) co-location switches to shared GPUs counted in aggregate (ilp.constraints explains
the relaxation; solving.large the patterns and the plan built from it); the switch is recorded in
``notes`` and in the plan's assumptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from planner import deadline
from planner.bounds import MAX_OFFER_WORKLOAD_PAIRS
from planner.catalog.schema import Catalog, GpuSpec
from planner.errors import PlannerError
from planner.ilp.data import OptionData, PatternData, ProblemData, SharedData
from planner.memory.engines import ENGINES
from planner.placement.colocation import PATTERN_BUDGET, colocation_patterns
from planner.placement.limits import Limit, scenario_limits, unit_costs
from planner.placement.memory import (
    Footprint,
    MemoryFn,
    model_memory,
    refused_on,
    reserved_bytes,
    serves_across_nodes,
)
from planner.placement.names import check_names
from planner.placement.offers import Offer, cloud_offers, local_offers, undominated
from planner.placement.patterns import Member, add_pattern, group_energy, group_hours, month_energy
from planner.placement.rates import CostRates, resolve_rates
from planner.placement.speed import RateOption, RateTable, check_servable
from planner.placement.timeshare import TimeShare, when_it_runs
from planner.scenario.schema import Scenario, Workload
from planner.units import GIB, HOURS_PER_MONTH

MAX_NODES_PER_REPLICA = 4
"""Most machines one replica spans: a modelling bound that keeps the options finite (DeepSeek-V3/R1 at fp8
needs two 8 x 80 GiB machines; vLLM's and SGLang's published multi-node examples use two to four)."""


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
    speeds: dict[str, dict[tuple[str, int], RateOption]] = field(default_factory=dict)
    """Rate-stated workload -> (option id, GPUs per replica) -> what one replica serves there."""
    node_footprints: dict[str, dict[tuple[int, int], Footprint]] = field(default_factory=dict)
    """Workload -> (GPUs per replica, machines) -> footprint, for replicas over several machines."""
    would_span: dict[str, tuple[int, str]] = field(default_factory=dict)
    """Workload whose engine serves on one machine only -> (machines, offer key) where it would fit under an
    engine that spans machines (for the infeasibility message)."""
    may: dict[str, frozenset[str]] = field(default_factory=dict)
    """Offer key -> the workloads that may run on it (``eligible``: pricing, hours and the card's formats)."""
    refused: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Workload -> why its engine cannot run its weight format on each allowed card that cannot (one line
    per GPU model, ``memory.support``), for the infeasibility message."""
    request_tokens: dict[str, int] = field(default_factory=dict)
    """Rate-stated workload -> the longest request (prompt + answer) its servers must accept: its
    ``context``, or the mean request where that is longer (the memory is sized by the mean)."""
    timeshare: TimeShare | None = None
    """Who holds memory in turns (None: every workload may run at any time)."""
    runs: dict[str, str] = field(default_factory=dict)
    """Time-shared workload -> when it runs, in words (its schedule, its exclusive group)."""

    @property
    def offers_by_key(self) -> dict[str, Offer]:
        return {o.key: o for o in self.considered}

    def footprint(self, workload: str, gpus: int, nodes: int = 1) -> Footprint | None:
        """The memory of one replica of ``workload`` on ``gpus`` GPUs over ``nodes`` machines."""
        if nodes > 1:
            return self.node_footprints.get(workload, {}).get((gpus, nodes))
        return self.footprints.get(workload, {}).get(gpus)


def build_candidates(
    scenario: Scenario, catalog: Catalog, memory: MemoryFn = model_memory, *, prune: bool = True
) -> Candidates:
    """Every allowed offer with every placement that fits on it, as the program's data. ``prune: False``
    keeps cloud offers another pricing of the same GPU beats over this scenario's months (demand over time:
    a reservation held to the horizon's end is priced over other months, ``solving.periods``)."""
    check_names(scenario, catalog)
    rates = resolve_rates(scenario, catalog)
    limits = scenario_limits(scenario)
    offers, eligible, refused = allowed_offers(scenario, catalog, rates, limits, prune=prune)
    option_of = {f"o{i + 1}": offer for i, offer in enumerate(offers)}
    wid = {w.name: f"w{i + 1}" for i, w in enumerate(scenario.workloads)}
    headroom = {w.name: scenario.headroom if w.headroom is None else w.headroom for w in scenario.workloads}
    hours = {w.name: w.hours_per_month for w in scenario.workloads}
    footprints = _Footprints(memory)
    for w in scenario.workloads:
        deadline.check("estimating memory")
        footprints.get(w, w.pinned_gpus or 1)  # an unknown model fails here, naming the workload
    patterns: list[PatternData] = []
    members: dict[str, tuple[Member, ...]] = {}
    speeds: dict[str, dict[tuple[str, int], RateOption]] = {
        w.name: {} for w in scenario.workloads if w.rate_stated
    }
    served: dict[str, float] = {}

    def add(oid: str, group: tuple[Member, ...]) -> None:
        hours_class = option_of[oid].hours_class
        if hours_class is not None and group_hours(group, hours) > hours_class:
            return  # the same sharing rule as local energy: the instance is rented while its GPU computes
        add_pattern(patterns, members, oid, option_of[oid], group, hours, wid, rates)
        alone = group[0]
        if alone.workload in speeds:  # a rate-stated replica: always alone on its GPUs
            served[patterns[-1].id] = speeds[alone.workload][(oid, alone.gpus)].requests_per_s

    table = RateTable(catalog)
    would_span: dict[str, tuple[int, str]] = {}
    singles_on = _single_placements(
        scenario, option_of, eligible, footprints, headroom, add, table, speeds, would_span
    )
    for w in scenario.workloads:
        if w.rate_stated:
            check_servable(w, list(speeds[w.name].values()))
    # A replica spread by GPU or machine never shares a GPU with another of its workload.
    demand = {w.name: 1 if w.spread_domain else w.replicas for w in scenario.workloads}
    timeshare = TimeShare.of(scenario)
    groups_on = colocation_patterns(option_of, singles_on, demand, timeshare.peak if timeshare else None)
    notes: list[str] = []
    shared: list[SharedData] = []
    shared_members: dict[str, Member] = {}
    if groups_on is not None:
        for oid, groups in groups_on.items():
            for group in groups:
                add(oid, group)
    else:
        # A rate-stated replica never shares its GPUs (it is not in ``singles_on``): on this path it keeps its
        # patterns alone, with their rate rows, in every program the strategy solves (solving.large).
        notes.append(
            f"co-location: more than {PATTERN_BUDGET} ways to share GPUs, so an aggregate relaxation bounds "
            "the cost, sharing patterns come from its packing and from column generation, and the gap is "
            "measured against the relaxation's bound (HiGHS's dual bound on it, or its linear relaxation's "
            "optimum) or column generation's Lagrangian bound, whichever is higher"
        )
        spread = {w.name for w in scenario.workloads if w.spread_domain or w.time_shared}
        if spread:
            notes.append(
                "co-location: replicas spread by GPU or machine (min_replicas) or time-shared (schedule, "
                "exclusive_group) do not share GPUs on this path, and the bound is over such plans"
            )
        sharing = {oid: [m for m in ms if m.workload not in spread] for oid, ms in singles_on.items()}
        shared, shared_members = _shared_entries(option_of, sharing, hours, wid, rates)
    with_patterns = {p.option for p in patterns}
    option_of = {oid: offer for oid, offer in option_of.items() if oid in with_patterns}  # nothing fits: out
    placed = {wl for p in patterns for wl, _ in p.counts}
    # Over PCIe too where the scenario forbids it: the message then says whether allowing it would help.
    counts = sorted({k for o in offers for k in _divisors(o.gpus, True)})
    for w in scenario.workloads:
        if wid[w.name] not in placed:
            for k in counts:  # for the message that says what would make it fit
                footprints.get(w, k)
    data = ProblemData(
        workloads=tuple(wid.values()),
        demand={wid[w.name]: w.replica_floor if w.rate_stated else w.replicas for w in scenario.workloads},
        options=tuple(_option_data(oid, offer, rates) for oid, offer in option_of.items()),
        patterns=tuple(patterns),
        limits=tuple(limit.row(option_of) for limit in limits),
        shared=tuple(shared),
        spread_machine=frozenset(wid[w.name] for w in scenario.workloads if w.spread_domain == "machine"),
        rate={wid[w.name]: w.requests_per_second for w in scenario.workloads if w.requests_per_second},
        served={pid: rate for pid, rate in served.items() if pid in {p.id for p in patterns}},
    )
    return Candidates(
        data,
        option_of,
        members,
        wid,
        footprints.found(),
        headroom,
        hours,
        rates,
        notes,
        tuple(offers),
        shared_members,
        {w.name: w.interruptible for w in scenario.workloads},
        speeds,
        footprints.found_nodes(),
        would_span,
        eligible,
        refused,
        {
            w.name: max(w.context, w.input_tokens + w.output_tokens)
            for w in scenario.workloads
            if w.input_tokens and w.output_tokens
        },
        timeshare,
        {w.name: when_it_runs(w) for w in scenario.workloads if w.time_shared},
    )


def allowed_offers(
    scenario: Scenario, catalog: Catalog, rates: CostRates, limits: tuple[Limit, ...], *, prune: bool = True
) -> tuple[list[Offer], dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """The offers the scenario allows that some workload may run on, the workloads each may run, and per
    workload why its engine cannot run its weights on the allowed cards that cannot (``memory.support``)."""

    def costs(offer: Offer) -> tuple[float, ...]:
        return unit_costs(offer, limits)

    hours_classes = sorted({w.hours_per_month for w in scenario.workloads})
    cloud = cloud_offers(scenario, catalog, rates, hours_classes, costs)
    offers = local_offers(scenario, catalog, rates) + cloud
    _check_size(len(scenario.workloads), len(offers), len(hours_classes))
    # The card check depends on the weight format, engine and card alone: asked once per such triple, not
    # per workload and offer (a thousand workloads on 370 offers took 2.6 s of the solve's time limit).
    answers: dict[tuple[str, str | None, str | None, str], str | None] = {}

    def refused_here(w: Workload, gpu: GpuSpec) -> str | None:
        key = (w.precision, w.engine, w.engine_version, gpu.name)
        if key not in answers:
            answers[key] = refused_on(w, gpu)
        return answers[key]

    may = {
        o.key: frozenset(w.name for w in scenario.workloads if eligible(w, o, refused_here)) for o in offers
    }
    kept = undominated(offers, may, same_gpu=True, costs=costs) if prune else offers
    cards = {o.gpu.name: o.gpu for o in offers}.values()
    refused = {
        w.name: tuple(r for g in cards if (r := refused_here(w, g)) is not None) for w in scenario.workloads
    }
    return [o for o in kept if may[o.key]], may, {name: why for name, why in refused.items() if why}


class _Footprints:
    """The memory model, called lazily: most workloads fit on one GPU and never need the others."""

    def __init__(self, memory: MemoryFn) -> None:
        self._memory = memory
        self._computed: dict[str, dict[int, Footprint | None]] = {}
        self._spread: dict[str, dict[tuple[int, int], Footprint | None]] = {}

    def get(self, w: Workload, k: int, nodes: int = 1) -> Footprint | None:
        if w.pinned_gpus not in (None, k):
            return None
        if nodes > 1:
            spread = self._spread.setdefault(w.name, {})
            if (k, nodes) not in spread:
                spread[(k, nodes)] = self._memory(w, k, nodes)
            return spread[(k, nodes)]
        computed = self._computed.setdefault(w.name, {})
        if k not in computed:
            computed[k] = self._memory(w, k)
        return computed[k]

    def found(self) -> dict[str, dict[int, Footprint]]:
        """Workload -> GPU count -> footprint, for every count the model allows and was asked about."""
        return {name: {k: f for k, f in fps.items() if f is not None} for name, fps in self._computed.items()}

    def trial(self, w: Workload, k: int, nodes: int) -> Footprint | None:
        """The memory of a workload as it is not (another engine), uncached: for messages only."""
        return self._memory(w, k, nodes)

    def found_nodes(self) -> dict[str, dict[tuple[int, int], Footprint]]:
        """Workload -> (GPU count, machines) -> footprint, for replicas over several machines."""
        return {name: {k: f for k, f in fps.items() if f is not None} for name, fps in self._spread.items()}


def _single_placements(
    scenario: Scenario,
    option_of: dict[str, Offer],
    may: dict[str, frozenset[str]],
    footprints: _Footprints,
    headroom: dict[str, float],
    add: Callable[[str, tuple[Member, ...]], None],
    table: RateTable,
    speeds: dict[str, dict[tuple[str, int], RateOption]],
    would_span: dict[str, tuple[int, str]],
) -> dict[str, list[Member]]:
    """One replica alone on the fewest GPUs of each option that hold it (a pattern each, through ``add``);
    returns the single-GPU replicas per option, which co-location combines.

    A rate-stated replica gets a pattern on every GPU count whose speed option serves at least one sequence
    (more GPUs may serve more requests per GPU: a larger batch, a faster step), its memory at that batch; it
    shares no GPU (docs/optimizer.md, "Load as a rate")."""
    singles_on: dict[str, list[Member]] = {}
    for oid, offer in option_of.items():
        deadline.check("building candidate placements")
        singles_on[oid] = []
        for w in scenario.workloads:
            if w.name not in may[offer.key]:
                continue
            placed = False  # a rate-stated replica fits this machine on some GPU count
            for k in _divisors(offer.gpus, offer.gpus_linked or scenario.hardware.tensor_parallel_over_pcie):
                fp = footprints.get(w, k)
                if fp is None:
                    continue
                h = headroom[w.name]
                if w.rate_stated:
                    linked = offer.gpus_linked
                    speed = table.get(w, offer.gpu, k, linked, h)
                    if speed is None:
                        continue
                    speeds[w.name][(oid, k)] = speed
                    if speed.footprint is None:
                        continue
                    need = speed.footprint.per_gpu_bytes
                    member = Member(w.name, k, need, reserved_bytes(need, h), h)
                    if member.reserved_bytes <= offer.gpu.vram_bytes:
                        add(oid, (member,))
                        placed = True
                    continue
                member = Member(w.name, k, fp.per_gpu_bytes, reserved_bytes(fp.per_gpu_bytes, h), h)
                if member.reserved_bytes <= offer.gpu.vram_bytes:
                    if k == 1:
                        singles_on[oid].append(member)
                    add(oid, (member,))
                    # More GPUs of the same option would only take more capacity and more energy: the
                    # fewest GPUs that fit dominate (exact pruning).
                    break
            else:
                if not offer.spans_nodes:
                    continue
                if w.rate_stated:
                    # A rate-stated replica never spans machines (its speed is modelled on one); where it
                    # fits no machine, the message says that replicas stated as a count would span them.
                    if w.name not in would_span and not placed:
                        spans = _fits_over_machines(w, offer, footprints, headroom[w.name])
                        if spans:
                            would_span[w.name] = (spans, offer.key)
                    continue
                if serves_across_nodes(w):
                    _add_multi_node(w, oid, offer, footprints, headroom[w.name], add)
                elif w.measured_bytes is None and w.name not in would_span:
                    spans = _fits_over_machines(w, offer, footprints, headroom[w.name])
                    if spans:
                        would_span[w.name] = (spans, offer.key)
    return singles_on


def _fits_over_machines(w: Workload, offer: Offer, footprints: _Footprints, headroom: float) -> int:
    """Machines of ``offer`` a replica of ``w`` would span under the first engine that serves that way (0:
    none up to ``MAX_NODES_PER_REPLICA``): why a workload whose own engine does not is unplaceable."""
    able = next(e for e in ENGINES.values() if e.multi_node)
    trial = w.model_copy(update={"engine": able.name, "engine_version": None})
    for nodes in range(2, MAX_NODES_PER_REPLICA + 1):
        fp = footprints.trial(trial, offer.gpus * nodes, nodes)
        if fp is not None and reserved_bytes(fp.per_gpu_bytes, headroom) <= offer.gpu.vram_bytes:
            return nodes
    return 0


def _add_multi_node(
    w: Workload,
    oid: str,
    offer: Offer,
    footprints: _Footprints,
    headroom: float,
    add: Callable[[str, tuple[Member, ...]], None],
) -> None:
    """A replica no machine of ``offer`` holds, over the fewest whole machines of it that do (if any)."""
    for nodes in range(2, MAX_NODES_PER_REPLICA + 1):
        k = offer.gpus * nodes
        fp = footprints.get(w, k, nodes)
        if fp is None:
            continue
        member = Member(
            w.name, k, fp.per_gpu_bytes, reserved_bytes(fp.per_gpu_bytes, headroom), headroom, nodes
        )
        if member.reserved_bytes <= offer.gpu.vram_bytes:
            add(oid, (member,))
            return


def _shared_entries(
    option_of: dict[str, Offer],
    singles_on: dict[str, list[Member]],
    hours: dict[str, float],
    wid: dict[str, str],
    rates: CostRates,
) -> tuple[list[SharedData], dict[str, Member]]:
    """Large fleets: every single-GPU replica that may share a GPU of an option, once per pool of it."""
    shared: list[SharedData] = []
    shared_members: dict[str, Member] = {}
    for oid, offer in option_of.items():
        deadline.check("building candidate placements")
        if offer.hours_class is not None and offer.hours_class < HOURS_PER_MONTH:
            # Replicas sharing a GPU need their hours summed (group_hours), a row the aggregate has only for
            # local "part" GPUs: on an instance rented part of the month they run alone in this mode.
            continue
        for m in singles_on[oid]:
            # Every single-GPU replica, also one of more than half a GPU: it shares with smaller ones, and
            # leaving it out made the relaxation's bound a bound over fewer plans than exist (not a bound).
            pools = [("full", 0.0)]
            if offer.kind != "cloud" and hours[m.workload] < HOURS_PER_MONTH:
                pools.append(("part", group_energy(offer, (m,), hours, rates)))
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
                        hours[m.workload],
                    )
                )
                shared_members[sid] = m
    return shared, shared_members


def _option_data(oid: str, offer: Offer, rates: CostRates) -> OptionData:
    return OptionData(
        oid,
        offer.gpus,
        offer.fixed_cost,
        max_units=offer.max_units,
        label=offer.key,
        gpu_memory_gib=offer.gpu.vram_bytes / GIB,
        shared_gpu_cost=month_energy(offer, rates),
        shared_gpu_monthly=month_energy(offer, rates) / rates.months,
    )


def without_dominated(c: Candidates) -> Candidates:
    """The candidates with cloud offers dominated by another GPU type's removed (``offers.undominated``).

    Kept apart from ``build_candidates`` because the best-single-GPU alternative needs every GPU type."""
    eligible = {o.key: frozenset(w for w in c.hours if _eligible_name(w, c, o)) for o in c.offers.values()}
    option_of = {o.key: oid for oid, o in c.offers.items()}

    def costs(offer: Offer) -> tuple[float, ...]:
        oid = option_of[offer.key]
        return (offer.fixed_cost, *(row.coefficient(oid) for row in c.data.limits))

    busy = [o for o in c.offers.values() if not _idle(o)]
    # Memory alone says a larger card holds whatever a smaller one does; speed does not (a rate-stated load
    # may be served more cheaply by a faster, smaller card), so with one only offers of a GPU type compete.
    spanning = frozenset(c.offers[p.option].key for p in c.data.patterns if c.members[p.id][0].nodes > 1)
    kept = undominated(busy, eligible, same_gpu=bool(c.data.rate), costs=costs, spanning=spanning)
    keep_keys = {o.key for o in kept} | _cheapest_idle(c)
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
    if offer.key in c.may:
        return workload in c.may[offer.key]
    return _may_run(offer, c.hours[workload], c.interruptible[workload])


def _divisors(gpus: int, splits: bool) -> list[int]:
    """GPUs per replica a machine offers: every divisor of its GPU count where a replica may split over
    them (linked GPUs, or PCIe cards where the scenario allows it), else one."""
    return [k for k in range(1, gpus + 1) if gpus % k == 0] if splits else [1]


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


def eligible(
    w: Workload, offer: Offer, refused: Callable[[Workload, GpuSpec], str | None] = refused_on
) -> bool:
    """Whether ``w`` may run on ``offer``: its pricing and hours allow it, and the workload's engine runs its
    weight format on the offer's card (``memory.support``: no fp8 under vLLM on an RDNA3 card; ``refused``
    answers that, memoised where many workloads meet many offers)."""
    return _may_run(offer, w.hours_per_month, w.interruptible) and refused(w, offer.gpu) is None


def _may_run(offer: Offer, hours: float, interruptible: bool) -> bool:
    """Spot holds interruptible work only; an on-demand or spot instance rented for an hours class holds
    workloads of at most those hours (they run within them)."""
    if offer.interruptible_only and not interruptible:
        return False
    return offer.hours_class is None or offer.hours_class >= hours
