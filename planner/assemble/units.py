"""Stage 5 of the pipeline: turn solved integers into concrete units, GPU indices and a priced ``Plan``.

Packing: on each option, pattern copies are laid out largest first in aligned blocks of GPU slots. Every block
size divides the unit's GPU count, so no block straddles two units and the units used are exactly
``ceil(GPUs used / GPUs per unit)`` (Coffman, Garey and Johnson 1987); a replica over several machines is a
block of whole units (a multiple of the unit's GPUs), laid first, so the rule still holds. Units are numbered
per catalog offer (``option#1``, ``option#2``, ...) in option order, so the same solution always gives the
same ids.

Costs: a unit's cost is its fixed cost plus the energy of the patterns on it; each replica's share is the
unit's fixed cost split evenly over the GPUs in use, then over the replicas on a GPU by reserved bytes, plus
its part of that GPU's energy. Replica shares therefore sum to the plan total.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from planner import deadline
from planner.ilp.solve import Solution
from planner.placement.candidates import Candidates
from planner.placement.offers import Offer
from planner.placement.patterns import Member, group_energy
from planner.plan import CLOUD_CATEGORY, COST_CATEGORIES, Assignment, Launch, PlanUnit
from planner.solving.repack import pack_shared
from planner.units import HOURS_PER_MONTH

if TYPE_CHECKING:
    from planner.memory.launch import LaunchSettings


@dataclass
class _Block:
    """A run of GPUs on one unit holding one pattern copy (or one packed shared GPU)."""

    gpus: int
    members: tuple[Member, ...]
    energy: float
    unit: int = 0
    first_gpu: int = 0
    nodes: int = 1
    """Units the block spans (a replica over several machines); it fills each of them."""

    def on(self, unit: int) -> bool:
        return self.unit <= unit < self.unit + self.nodes


@dataclass
class Assembled:
    units: list[PlanUnit] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    cost_by_category: dict[str, float] = field(default_factory=dict)
    slots: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Unit id -> its offer's key and its place among the offer's units (from 0): the i-th unit of a bought
    system or a reservation is the same machine in every period of demand over time (``assemble.periods``),
    and a place may stay empty where a replica kept its machine (``Kept``)."""

    @property
    def total_cost(self) -> float:
        return sum(u.cost for u in self.units)


Kept = Mapping[str, Sequence[Sequence[tuple[str, int, int]]]]
"""Offer key -> for each of its units by place (``Assembled.slots``), what the unit held in the period before:
(workload, first GPU, GPUs) of each replica on it."""


def assemble(
    c: Candidates,
    solution: Solution,
    checkpoints: Mapping[str, str] | None = None,
    kept: Kept | None = None,
) -> Assembled:
    """Every option's pattern copies and packed shared GPUs laid out on numbered units, and each replica on
    its GPUs with its share of the cost. ``checkpoints``: workload name -> what its engine loads, where the
    scenario says (``Workload.checkpoint``). ``kept``: where the period before placed its replicas (demand
    over time): a replica that can stay on the same unit and GPUs stays (``_keep_places``)."""
    out = Assembled(cost_by_category=dict.fromkeys(COST_CATEGORIES, 0.0))
    number: dict[str, int] = defaultdict(int)
    replica_no: dict[str, int] = defaultdict(int)
    for oid, offer in c.offers.items():
        blocks = _blocks(c, solution, oid)
        if not blocks:
            continue
        first = number[offer.option] + 1
        bought = solution.units.get(oid, 0)
        spread = _spread_names(c)
        laid = _lay_out(blocks, offer.gpus, spread, bought)
        before = (kept or {}).get(offer.key, ())
        places = _keep_places(blocks, offer.gpus, laid, before, spread) if before else list(range(laid))
        by_unit: dict[int, list[_Block]] = defaultdict(list)  # once, not a pass over the blocks per unit
        for b in blocks:
            for u in range(b.unit, b.unit + b.nodes):
                by_unit[u].append(b)
        for u in places:
            deadline.check("laying out the plan's machines")
            number[offer.option] = first + u
            on_unit = by_unit[u]
            unit = _unit(c, offer, f"{offer.option}#{number[offer.option]}", on_unit)
            out.units.append(unit)
            out.slots[unit.id] = (offer.key, u)
            if offer.kind == "cloud":
                out.cost_by_category[CLOUD_CATEGORY[offer.pricing]] += offer.rent
            else:
                out.cost_by_category["purchase"] += offer.capex
                out.cost_by_category["residual"] -= offer.residual
                out.cost_by_category["energy"] += unit.energy_cost
                out.cost_by_category["hosting"] += offer.hosting
            heads = [
                b for b in on_unit if b.unit == u
            ]  # a replica over machines is listed once, on its first
            names = {
                b.unit: tuple(f"{offer.option}#{first + b.unit + i}" for i in range(b.nodes)) for b in heads
            }
            out.assignments += _assignments(
                c, offer, unit, on_unit, heads, names, replica_no, checkpoints or {}
            )
    return out


def _unit(c: Candidates, offer: Offer, unit_id: str, on_unit: list[_Block]) -> PlanUnit:
    """One machine of ``offer`` holding ``on_unit``, priced as it runs."""
    energy = offer.fixed_energy + sum(b.energy / b.nodes for b in on_unit)
    cost = offer.capex - offer.residual + energy + offer.hosting + offer.rent
    busy = max(
        (min(HOURS_PER_MONTH, sum(_hours(c, m) for m in b.members)) for b in on_unit),
        default=0.0,
    )
    return PlanUnit(
        id=unit_id,
        option=offer.option,
        option_name=offer.name,
        kind=offer.kind,
        pricing=offer.pricing,
        gpu=offer.gpu.name,
        gpus=offer.gpus,
        gpu_memory_bytes=offer.gpu.vram_bytes,
        cost=cost,
        capex=offer.capex,
        residual_value=offer.residual,
        opex_per_month=(energy + offer.hosting + offer.rent) / c.rates.months,
        energy_cost=energy,
        hosting_cost=offer.hosting,
        hours_per_month=offer.billed_hours
        if offer.billed_hours is not None
        else (HOURS_PER_MONTH if offer.kind == "cloud" else busy),
        unit_price=offer.unit_price,
        power_w=offer.power_w,
        facility_power_w=offer.facility_power_w,
        rack_units=offer.rack_units,
        provider=offer.provider,
        region=offer.region,
        price_source=offer.price_source,
        price_date=offer.price_date,
        gpu_spec=offer.gpu,
        fabric=offer.fabric,
        on_demand_months=offer.on_demand_months,
        on_demand_price=offer.on_demand_price if offer.on_demand_months else 0.0,
    )


def _assignments(
    c: Candidates,
    offer: Offer,
    unit: PlanUnit,
    on_unit: list[_Block],
    heads: list[_Block],
    names: dict[int, tuple[str, ...]],
    replica_no: dict[str, int],
    checkpoints: Mapping[str, str],
) -> list[Assignment]:
    """Each replica that starts on ``unit`` (``heads``) with its GPUs and its share of the cost: the unit's
    fixed cost split evenly over the GPUs in use, then over a GPU's replicas by reserved bytes, plus its part
    of the GPU's energy by hours (``replica_no`` numbers each workload's replicas across units). A replica
    over n machines fills each, so it pays n units' fixed cost (its GPUs count n times this unit's) and its
    whole energy; ``names`` gives its units."""
    gpus_used = sum(b.gpus // b.nodes for b in on_unit)
    # base power is part of the fixed cost; pattern energy is added per slot below
    fixed = unit.cost - unit.energy_cost + offer.fixed_energy
    fixed_per_gpu = fixed / gpus_used if gpus_used else 0.0
    out = []
    ports = iter(range(FIRST_PORT, FIRST_PORT + 10_000))  # servers sharing this machine each get their own
    for block in heads:
        total_reserved = sum(m.reserved_bytes for m in block.members)
        hours = sum(_hours(c, m) for m in block.members)
        started: list[tuple[Member, str]] = []  # replicas on this block's GPU, in the order printed
        for m in block.members:
            replica_no[m.workload] += 1
            share = m.reserved_bytes / total_reserved if total_reserved else 1 / len(block.members)
            energy_share = _hours(c, m) / hours if hours else 1 / len(block.members)
            devices = tuple(range(block.first_gpu, block.first_gpu + m.gpus // m.nodes))
            before = [(o, label) for o, label in started if _together(c, o, m)]
            started.append((m, f"{m.workload} #{replica_no[m.workload]}"))
            out.append(
                Assignment(
                    workload=m.workload,
                    replica=replica_no[m.workload],
                    unit=unit.id,
                    gpu_indices=devices,
                    per_gpu_bytes=m.per_gpu_bytes,
                    headroom=m.headroom,
                    reserved_bytes=m.reserved_bytes,
                    cost=fixed_per_gpu * m.gpus * share + block.energy * energy_share,
                    launch=_launch(c, offer, m, ports, devices, before, checkpoints.get(m.workload)),
                    interconnect=interconnect(offer) if m.gpus > 1 else None,
                    units=names[block.unit] if m.nodes > 1 else (),
                    fabric=offer.fabric.kind if m.nodes > 1 and offer.fabric else None,
                )
            )
    return out


def _blocks(c: Candidates, solution: Solution, oid: str) -> list[_Block]:
    """Pattern copies, then shared replicas packed first-fit decreasing onto single GPUs; largest first."""
    blocks = [
        _Block(p.gpus, c.members[p.id], p.cost, nodes=c.members[p.id][0].nodes)
        for p in c.data.patterns_on[oid]
        for _ in range(solution.use.get(p.id, 0))
    ]
    # The plan prices each packed GPU as it will run (a "full" GPU whose replicas compute less than a month
    # costs less than the solver counted).
    offer = c.offers[oid]
    blocks += [
        _Block(1, held, group_energy(offer, held, c.hours, c.rates)) for held in pack_shared(c, solution, oid)
    ]
    # Largest blocks first keeps every block inside one unit (sizes divide the unit's GPU count).
    return sorted(blocks, key=lambda b: -b.gpus)


FIRST_PORT = 8000
"""Port of the first server on a machine; the next replica on the same machine takes the next one."""


def _together(c: Candidates, a: Member, b: Member) -> bool:
    """Whether two replicas on one GPU may hold their memory at the same time (not time-shared apart)."""
    return c.timeshare is None or c.timeshare.together(a.workload, b.workload)


def _launch(
    c: Candidates,
    offer: Offer,
    m: Member,
    ports: Iterator[int],
    devices: tuple[int, ...],
    before: list[tuple[Member, str]],
    checkpoint: str | None = None,
) -> Launch | None:
    """The engine settings for one replica on GPUs ``devices`` of ``offer``, sized to its reservation
    (shared GPUs: each engine takes its own share, not the engine's default of most of the card; ``before``:
    the replicas printed before it on its GPU that run while it runs, which an engine sizing its share of the
    free memory finds there when it starts; ``checkpoint``: what the workload says its engine loads); None
    for a training job (its framework's recipe is the
    estimate's, not an engine's) and for a measured figure."""
    fp = c.footprint(m.workload, m.gpus, m.nodes)
    speeds = c.speeds.get(m.workload, {})  # a rate-stated replica runs the batch its option serves
    fp = next((s.footprint for (o, k), s in speeds.items() if k == m.gpus and c.offers.get(o) is offer), fp)
    if fp is None or fp.estimate is None or fp.estimate.inputs.get("task") != "inference":
        return None
    from planner.assemble.checkpoint import weights_to_load
    from planner.memory.engines import engine
    from planner.memory.launch import launch_settings

    # Engines take whole hundredths of the card, rounded up: size them to the reservation less one
    # hundredth (never below the estimate), so that the share stays within what the plan reserved and
    # replicas sharing a GPU fit together (with no headroom to spare it can still pass it by < 1 %).
    vram = offer.gpu.vram_bytes
    reserved = max(m.per_gpu_bytes, m.reserved_bytes - vram // 100)
    # vLLM and SGLang make fp8 from a 16-bit checkpoint after loading it whole onto the replica's GPUs:
    # where those weights exceed the cards, the replica loads a checkpoint published in fp8 instead.
    precision = str(fp.estimate.inputs["precision"])
    fits = 2 * fp.estimate.params / max(1, m.gpus) <= vram
    weights = weights_to_load(
        fp.estimate.model, precision, fp.estimate.engine, checkpoint, sixteen_bit_fits=fits
    )
    by_order = engine(fp.estimate.engine).fraction_covers == "context" and before
    settings = launch_settings(
        fp.estimate,
        vram,
        reserved,
        model=weights.model,
        hub_file=weights.hub_file,
        port=next(ports),
        devices=devices,
        vendor=offer.gpu.vendor,
        held_bytes=sum(o.reserved_bytes for o, _ in before) if by_order else 0,
        max_request_tokens=c.request_tokens.get(m.workload),
        loader=model_loader(fp.estimate.model),
        prequantized=weights.quantized_ahead,
    )
    notes = settings.notes + ((weights.note,) if weights.note else ())
    if by_order:
        after = ", ".join(label for _, label in before)
        flag = engine(fp.estimate.engine).launch.memory_fraction
        notes = (
            f"start it after {after} on this GPU {'have' if len(before) > 1 else 'has'} loaded: its {flag} "
            f"{settings.flag(flag)} is a share of "
            "the memory free at its start, counting what those hold",
            *notes,
        )
    return Launch(
        engine=settings.engine,
        command=settings.command,
        flags=settings.flags,
        kwargs=settings.kwargs,
        argv=tuple(settings.argv()),
        nodes=settings.nodes,
        setup=settings.setup,
        env=dict(settings.env),
        shell=settings.shell(),
        call=settings.call(),
        imports=_imports(settings, fp.estimate.engine, precision),
        generation=settings.generation,
        checkpoint=weights.model,
        checkpoint_file=weights.hub_file,
        checkpoint_source=weights.source,
        runs=c.runs.get(m.workload),
        notes=notes,
    )


def _imports(settings: LaunchSettings, engine_name: str, precision: str) -> tuple[str, ...]:
    """The classes a library's loading call names, in its order: the loader, then the class of the
    quantization config where the call quantizes as it loads (the engine's record names it)."""
    from planner.memory.engines import engine

    if not settings.loader:
        return ()
    config = dict(engine(engine_name).launch.quantization_classes).get(precision)
    quantizes = config is not None and "quantization_config" in settings.kwargs
    return (settings.loader, *((config,) if quantizes else ()))


def model_loader(name: str) -> str:
    """transformers' class that loads a model: ``AutoModel`` for one the catalog notes as an embedding model
    (no language-model head), else ``AutoModelForCausalLM``."""
    from planner.catalog.models import find_model, load_model_catalog

    spec = find_model(load_model_catalog(), name)
    embedding = spec is not None and (spec.notes or "").startswith("embedding model")
    return "AutoModel" if embedding else "AutoModelForCausalLM"


LINKS = {"NVIDIA": "nvlink", "AMD": "infinity-fabric"}
"""What links the GPUs of a linked board, by vendor (SXM: NVLink/NVSwitch; OAM: Infinity Fabric)."""


def interconnect(offer: Offer) -> str:
    """How a replica split over GPUs of ``offer`` exchanges activations: the board's link, else PCIe."""
    return LINKS.get(offer.gpu.vendor, "gpu-link") if offer.gpus_linked else "pcie"


def _spread_names(c: Candidates) -> frozenset[str]:
    return frozenset(name for name, wid in c.workload_id.items() if wid in c.data.spread_machine)


def _lay_out(blocks: list[_Block], gpus_per_unit: int, spread: frozenset[str], units: int = 0) -> int:
    """Blocks (largest first) onto units: each at the first aligned free run of its size on a unit that
    holds no replica of a workload spread by machine that it also holds; returns the units used.

    Without spread workloads this is the sequential layout of the module docstring. With them, a block that
    would land beside a replica of its own spread workload moves to the next unit that has none. The program
    (constraints.add_spread_constraints) bought ``units`` machines; where that first fit opens more (two
    2-GPU replicas of one workload fill a 4-GPU machine that two 1-GPU replicas spread by machine then
    cannot share), a bounded search looks for a layout on the machines bought, since a machine more is one
    the inventory may not have and the program did not price. Only where none is found within the search's
    budget does the plan open more units, and its cost and gap say so (assemble.plan measures the plan as
    built), or the verifier refuses one that the inventory cannot hold."""
    if not any(m.workload in spread for b in blocks for m in b.members):
        position = 0
        for block in sorted(blocks, key=lambda b: -b.gpus):
            block.unit, block.first_gpu = divmod(position, gpus_per_unit)
            position += block.gpus
        return -(-position // gpus_per_unit)
    ordered = sorted(blocks, key=lambda b: -b.gpus)
    used = _first_fit(ordered, gpus_per_unit, spread)
    if units <= 0 or used <= units:
        return used
    # Whole machines first, then largest first, spread replicas before the others of their size.
    hardest = sorted(ordered, key=lambda b: (-b.nodes, -b.gpus, not {m.workload for m in b.members} & spread))
    if _search(hardest, gpus_per_unit, spread, units):
        return units
    return used  # the search sets a block's place only on success: the blocks still hold the first fit


def _keep_places(
    blocks: list[_Block],
    gpus_per_unit: int,
    laid: int,
    before: Sequence[Sequence[tuple[str, int, int]]],
    spread: frozenset[str],
) -> list[int]:
    """The places of an offer's units in the period before (``before``, one per unit) kept where the blocks
    allow: a tie-break among layouts of the same cost, so that a platform team does not redeploy a replica
    for nothing (a replica on unit #1 in months 1-6 laid on #2 in months 7-12, #1 still held, because a
    larger replica starting in month 7 is laid first). Returns the places of the units used (the blocks'
    ``unit`` is its place), with gaps where a unit held before holds nothing now.

    First each block whose replicas can go back to the same unit and GPUs goes there, then the others first
    fit; taken where it uses no more units than the layout ``laid`` (the same units bought, rented or run:
    the same cost). Otherwise (and where a replica spans machines, whose units are named in a row) the
    units are renumbered whole: each to the place whose replicas it holds most of."""
    places = max(laid, len(before))
    if not any(b.nodes > 1 for b in blocks) and _repack(blocks, gpus_per_unit, laid, places, before, spread):
        return sorted({b.unit for b in blocks})
    if any(b.nodes > 1 for b in blocks):
        return list(range(laid))  # a replica over machines names consecutive units
    held = [Counter((w, n) for w, _, n in unit) for unit in before]
    score = {
        (u, p): sum(
            (Counter((m.workload, m.gpus) for b in blocks if b.on(u) for m in b.members) & held[p]).values()
        )
        for u in range(laid)
        for p in range(len(before))
    }
    to: dict[int, int] = {}
    for (u, p), n in sorted(score.items(), key=lambda item: (-item[1], item[0][1], item[0][0])):
        if n > 0 and u not in to and p not in to.values():
            to[u] = p
    free = iter(p for p in range(places) if p not in to.values())
    for u in range(laid):
        if u not in to:
            to[u] = next(free)
    for b in blocks:
        b.unit = to[b.unit]
    return sorted(to.values())


def _repack(
    blocks: list[_Block],
    gpus_per_unit: int,
    laid: int,
    places: int,
    before: Sequence[Sequence[tuple[str, int, int]]],
    spread: frozenset[str],
) -> bool:
    """``_keep_places``' first way: blocks back on their unit and GPUs (each where most of its replicas
    were), the rest first fit, a workload spread by machine never twice on one unit; True (and each block's
    unit and first GPU set) where that uses at most ``laid`` units, else False, nothing changed."""
    free = [[True] * gpus_per_unit for _ in range(places)]
    holds: list[set[str]] = [set() for _ in range(places)]
    left: dict[tuple[int, int], Counter[tuple[str, int]]] = {}  # (place, first GPU) -> replicas held there
    for p, unit in enumerate(before):
        for w, g, n in unit:
            left.setdefault((p, g), Counter())[(w, n)] += 1
    at: dict[int, tuple[int, int]] = {}
    ordered = sorted(range(len(blocks)), key=lambda i: (-blocks[i].gpus, -len(blocks[i].members)))

    def put(i: int, p: int, g: int) -> None:
        block = blocks[i]
        free[p][g : g + block.gpus] = [False] * block.gpus
        holds[p] |= {m.workload for m in block.members} & spread
        at[i] = (p, g)

    def fits(i: int, p: int, g: int) -> bool:
        block = blocks[i]
        names = {m.workload for m in block.members} & spread
        return g % block.gpus == 0 and all(free[p][g : g + block.gpus]) and not names & holds[p]

    for i in ordered:
        block = blocks[i]
        wants = Counter((m.workload, m.gpus) for m in block.members)
        matches = [
            (sum((wants & there).values()), spot)
            for spot, there in left.items()
            if wants & there and fits(i, *spot)
        ]
        if not matches:
            continue
        _, spot = max(matches, key=lambda item: (item[0], -item[1][0], -item[1][1]))
        put(i, *spot)
        left[spot] -= wants
    for i in ordered:
        if i in at:
            continue
        room = next(
            ((p, g) for p in range(places) for g in range(0, gpus_per_unit, blocks[i].gpus) if fits(i, p, g)),
            None,
        )
        if room is None:
            return False
        put(i, *room)
    if len({p for p, _ in at.values()}) > laid:
        return False
    for i, (p, g) in at.items():
        blocks[i].unit, blocks[i].first_gpu = p, g
    return True


def _first_fit(ordered: list[_Block], gpus_per_unit: int, spread: frozenset[str]) -> int:
    """Each block at the first unit that has room and no replica of its spread workloads; units used."""
    free: list[list[bool]] = []
    holds: list[set[str]] = []
    # Units only fill up, so a unit that refused a block refuses every later one of the same spread workloads
    # and size: each such block starts where the last one went (100,000 replicas spread by machine took
    # minutes of scanning the units before them).
    first: dict[tuple[frozenset[str], int], int] = {}
    for block in ordered:
        names = {m.workload for m in block.members} & spread
        if block.nodes > 1:  # whole machines of its own
            block.unit, block.first_gpu = len(free), 0
            free += [[False] * gpus_per_unit for _ in range(block.nodes)]
            holds += [set(names) for _ in range(block.nodes)]
            continue
        key = (frozenset(names), block.gpus)
        for u in range(first.get(key, 0), len(free) + 1):
            if u == len(free):
                free.append([True] * gpus_per_unit)
                holds.append(set())
            if names & holds[u]:
                continue
            start = _room(free[u], block.gpus)
            if start is None:
                continue
            free[u][start : start + block.gpus] = [False] * block.gpus
            holds[u] |= names
            block.unit, block.first_gpu = u, start
            first[key] = u
            break
    return len(free)


def _room(free: list[bool], gpus: int) -> int | None:
    """The first aligned run of ``gpus`` free GPUs on a unit."""
    return next((g for g in range(0, len(free), gpus) if all(free[g : g + gpus])), None)


SEARCH_STEPS = 20_000
"""Placements the layout search tries before it gives up (a few milliseconds of Python): plans whose first
fit opens a unit more are small (a handful of spread replicas), and a large one keeps the first fit."""


def _search(ordered: list[_Block], gpus_per_unit: int, spread: frozenset[str], units: int) -> bool | None:
    """Depth-first: every block on one of ``units`` machines, spread replicas on machines of their own;
    True with each block's unit and first GPU set (and no block touched otherwise), False where none exists,
    None where no layout was found within ``SEARCH_STEPS``.
    Machines in the same state are tried once per block (they are interchangeable)."""
    free = [[True] * gpus_per_unit for _ in range(units)]
    holds: list[set[str]] = [set() for _ in range(units)]
    names = [frozenset({m.workload for m in b.members} & spread) for b in ordered]
    left = [0] * (len(ordered) + 1)  # GPUs the blocks from i on need
    for i in range(len(ordered) - 1, -1, -1):
        left[i] = left[i + 1] + ordered[i].gpus * ordered[i].nodes
    steps = 0

    def place(i: int) -> bool | None:
        nonlocal steps
        if i == len(ordered):
            return True
        if left[i] > sum(map(sum, free)):
            return False
        block, seen = ordered[i], set()
        runs = [
            u
            for u in range(units - block.nodes + 1)
            if all(all(free[v]) for v in range(u, u + block.nodes)) or block.nodes == 1
        ]
        for u in runs:
            state = (tuple(free[u]), frozenset(holds[u]))
            if state in seen or names[i] & holds[u]:
                continue
            seen.add(state)
            start = 0 if block.nodes > 1 else _room(free[u], block.gpus)
            if start is None:
                continue
            steps += 1
            if steps > SEARCH_STEPS:
                return None
            span, width = range(u, u + block.nodes), gpus_per_unit if block.nodes > 1 else block.gpus
            for v in span:
                free[v][start : start + width] = [False] * width
            added = [names[i] - holds[v] for v in span]
            for v, new in zip(span, added, strict=True):
                holds[v] |= new
            result = place(i + 1)
            if result:
                block.unit, block.first_gpu = u, start
                return True
            for v, new in zip(span, added, strict=True):
                free[v][start : start + width] = [True] * width
                holds[v] -= new
            if result is None:
                return None
        return False

    return place(0)


def _hours(c: Candidates, m: Member) -> float:
    return c.hours[m.workload]
