"""The integer program's sets and parameters as plain, frozen data (no pulp).

``placement.candidates`` turns a scenario and a catalog into a ``ProblemData``; ``ilp.solve`` turns it into a
PuLP model. Keeping this layer free of pulp lets tests state small problems with hand-computed numbers.

Ids are solver-safe (``^[a-z][a-z0-9_]*$``) so constraint names ``family__id`` survive PuLP unchanged; the
human-readable names live beside them in ``OptionData.label`` and in the pipeline's own maps.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from planner.ilp.limits import LimitRow

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class OptionData:
    """Something the plan can have units of: a bought system, owned inventory, or a cloud instance type at one
    pricing (and, for on-demand and spot, one hours-per-month class). Costs are over the whole horizon."""

    id: str
    gpus_per_unit: int
    fixed_cost: float
    """Cost of one unit over the horizon whatever runs on it (purchase, base power, hosting, rent). What a
    unit counts against each budget and limit is on the limit rows (``ProblemData.limits``)."""
    max_units: int | None = None
    """Stock or owned count; None for unlimited."""
    label: str = ""
    gpu_memory_gib: float = 0.0
    """Memory of one GPU, GiB (only the shared-GPU memory rows use it)."""
    shared_gpu_cost: float = 0.0
    """Energy over the horizon of one shared GPU of the "full" pool (busy all month); 0 on cloud."""
    shared_gpu_monthly: float = 0.0


@dataclass(frozen=True)
class PatternData:
    """What a group of GPUs on one option runs: ``gpus`` GPUs holding ``counts[w]`` replicas of each workload.

    A replica spread over k GPUs is a pattern with ``gpus = k`` and one workload (k a multiple of the unit's
    GPUs for a replica over several machines); co-located small replicas on one GPU are a pattern with
    ``gpus = 1`` and several. ``cost`` is the usage cost of one copy (energy by
    duty cycle on local hardware; 0 on cloud, whose rent is the option's fixed cost).
    """

    id: str
    option: str
    gpus: int
    counts: tuple[tuple[str, int], ...]
    cost: float = 0.0
    monthly_cost: float = 0.0


MAX_PER_GPU = 8
"""Most replicas one GPU holds (co-location patterns, and the count rows of shared GPUs): a modelling rule,
stated in docs/optimizer.md, not a memory limit. Each replica is an engine process with its own CUDA context
and scheduler; past a handful they time-slice the card, and the rule keeps the sharing patterns finite. The
exhaustive oracle (tests/solving/test_oracle.py) restates it."""
POOLS = ("full", "part")
"""Shared GPUs of an option come in two pools (large fleets, constraints.py): "full" GPUs are paid a whole
month of energy whatever they hold; "part" GPUs hold replicas whose hours add up to at most a month and pay
each replica's own hours. On cloud only "full" exists, at no energy cost."""


def pool_key(option: str, pool: str) -> str:
    """The id of one pool of an option's shared GPUs (``shared_gpus`` variables and solution keys)."""
    return f"{option}_{pool}"


def split_pool_key(key: str) -> tuple[str, str]:
    """(option, pool) of a ``pool_key``; option ids may hold underscores, pool names do not."""
    option, pool = key.rsplit("_", 1)
    return option, pool


@dataclass(frozen=True)
class SharedData:
    """Single-GPU replicas of ``workload`` that may go onto the shared GPUs of one pool of ``option`` (large
    fleets).

    Instead of enumerating co-location patterns, shared GPUs are counted per option and pool, and their
    memory, replica count and hours are constrained in aggregate; the assembly step packs the replicas onto
    GPUs afterwards (see constraints.py).
    """

    id: str
    option: str
    workload: str
    reserved_gib: float
    cost: float = 0.0
    """Energy of one replica on a "part" GPU (its own hours); 0 on a "full" GPU (the pool pays)."""
    monthly_cost: float = 0.0
    pool: str = "full"
    hours: float = 0.0
    """Hours per month the replica computes (the "part" pool's hours row)."""


@dataclass(frozen=True)
class PoolRow:
    """One row over the replicas of one pool of shared GPUs (large fleets): sum_s weight[s] * share[s] <=
    shared_gpus[pool], valid because every GPU one real packing of the pool can hold weighs at most 1
    (solving.poolbound builds them and proves it; constraints.py states them)."""

    pool: str
    """The pool's ``pool_key``."""
    weights: tuple[tuple[str, float], ...]
    """(shared entry id, weight >= 0) of the pool's entries; an entry not named weighs 0."""


@dataclass(frozen=True)
class ProblemData:
    """The whole program as data: workloads and their demand, options, patterns, shared entries (large fleets)
    and the budget and limit rows. Derived maps are built once here; ``restricted``, ``with_patterns`` and
    ``with_gpu_fill`` copy the data as a whole, so a field added here reaches every program built from it."""

    workloads: tuple[str, ...]
    demand: Mapping[str, int]
    options: tuple[OptionData, ...]
    patterns: tuple[PatternData, ...]
    limits: tuple[LimitRow, ...] = ()
    """Budget and limit rows (``ilp.limits``), in the order the program states them."""
    shared: tuple[SharedData, ...] = ()
    spread_machine: frozenset[str] = frozenset()
    """Workloads whose replicas each run on their own machine (``min_replicas`` with ``spread: machine``):
    the ``spread`` rows of constraints.py."""
    rate: Mapping[str, float] = field(default_factory=dict)
    """Rate-stated workloads: requests/s asked. Their ``demand`` is the floor (``min_replicas``, default 1),
    and the ``rate`` row asks sum_p served[p] * count[p, w] * use[p] >= rate[w] (constraints.py)."""
    served: Mapping[str, float] = field(default_factory=dict)
    """Pattern id -> requests/s one replica of its (rate-stated, alone on its GPUs) workload serves."""
    packing_cuts: bool = False
    """Whether every pool of shared GPUs also gets the ``ccm`` rows of constraints.py, one per replica size
    under half a GPU (valid for every packing). Off in the pipeline: on the benchmark fleets they raise the
    linear relaxation by a hair for twice the rows, and the restricted relaxation with them, stopped by its
    time limit, packed worse (docs/benchmarks.md); ``benchmarks/packing_gap.py --ccm`` measures them."""
    pool_rows: tuple[PoolRow, ...] = ()
    """Gilmore-Gomory rows of shared-GPU pools (``PoolRow``; solving.poolbound): valid for every packing, so
    the relaxation with them still bounds every plan."""
    links: tuple[tuple[str, str], ...] = ()
    """(earlier, later) option ids: units bought in one period stay in every later one, so
    units[later] >= units[earlier] (demand over time, ``solving.periods``; the ``link`` rows)."""
    option_by_id: Mapping[str, OptionData] = field(init=False, repr=False)
    pattern_by_id: Mapping[str, PatternData] = field(init=False, repr=False)
    patterns_on: Mapping[str, tuple[PatternData, ...]] = field(init=False, repr=False)
    patterns_with: Mapping[str, tuple[tuple[PatternData, int], ...]] = field(init=False, repr=False)
    shared_on: Mapping[str, tuple[SharedData, ...]] = field(init=False, repr=False)
    shared_with: Mapping[str, tuple[SharedData, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = (*self.workloads, *(o.id for o in self.options), *(p.id for p in self.patterns))
        for ident in (*ids, *(s.id for s in self.shared)):
            if not _ID_RE.match(ident):
                raise ValueError(f"id {ident!r} is not solver-safe (^[a-z][a-z0-9_]*$)")
        by_id = {o.id: o for o in self.options}
        on: dict[str, list[PatternData]] = {o.id: [] for o in self.options}
        with_: dict[str, list[tuple[PatternData, int]]] = {w: [] for w in self.workloads}
        for p in self.patterns:
            if p.option not in by_id:
                raise ValueError(f"pattern {p.id} names unknown option {p.option}")
            unit = by_id[p.option].gpus_per_unit
            if unit % p.gpus and p.gpus % unit:  # a multiple: a replica over several machines
                raise ValueError(
                    f"pattern {p.id} uses {p.gpus} GPUs, neither a divisor nor a multiple of its unit's GPUs"
                )
            on[p.option].append(p)
            for w, n in p.counts:
                with_[w].append((p, n))
        shared_on: dict[str, list[SharedData]] = {o.id: [] for o in self.options}
        shared_with: dict[str, list[SharedData]] = {w: [] for w in self.workloads}
        for s in self.shared:
            if s.pool not in POOLS:
                raise ValueError(f"shared entry {s.id} names unknown pool {s.pool}")
            shared_on[s.option].append(s)
            shared_with[s.workload].append(s)
        object.__setattr__(self, "shared_on", {k: tuple(v) for k, v in shared_on.items()})
        object.__setattr__(self, "shared_with", {k: tuple(v) for k, v in shared_with.items()})
        object.__setattr__(self, "option_by_id", by_id)
        object.__setattr__(self, "pattern_by_id", {p.id: p for p in self.patterns})
        object.__setattr__(self, "patterns_on", {k: tuple(v) for k, v in on.items()})
        object.__setattr__(self, "patterns_with", {k: tuple(v) for k, v in with_.items()})

    def restricted(self, keep_option: set[str]) -> ProblemData:
        """The same problem with only some options (for the alternatives: all cloud, one GPU type, ...)."""
        return replace(
            self,
            options=tuple(o for o in self.options if o.id in keep_option),
            patterns=tuple(p for p in self.patterns if p.option in keep_option),
            shared=tuple(s for s in self.shared if s.option in keep_option),
            pool_rows=tuple(r for r in self.pool_rows if split_pool_key(r.pool)[0] in keep_option),
            links=tuple(pair for pair in self.links if keep_option.issuperset(pair)),
        )

    def with_patterns(self, patterns: Iterable[PatternData]) -> ProblemData:
        """The same program over ``patterns`` and without shared entries: the exact pattern model that column
        generation and the packing of the aggregate relaxation build (large fleets)."""
        return replace(self, patterns=tuple(patterns), shared=(), pool_rows=())

    def with_gpu_fill(self, fill: float) -> ProblemData:
        """The same program with every GPU's memory, as the shared GPUs' rows see it, scaled by ``fill``: a
        relaxation that leaves room to pack (large fleets, solving.large.PACKING_FILL); not a bound."""
        return replace(
            self, options=tuple(replace(o, gpu_memory_gib=o.gpu_memory_gib * fill) for o in self.options)
        )

    @functools.cached_property
    def spread_rows(self) -> tuple[tuple[str, str, tuple[tuple[str, int], ...]], ...]:
        """The ``spread`` rows of constraints.py as (workload, option, (pattern id, coefficient) ...), each
        ``sum coefficient x use[pattern] <= units[option]``: a replica of a workload spread by machine on part
        of a unit counts one, and a pattern that fills whole units counts the units it fills (they hold
        nothing else), on every option where the workload has a pattern on part of a unit. One definition for
        the program and for the check of a plan made without it (``ilp.incumbent``)."""
        whole: dict[str, tuple[tuple[str, int], ...]] = {}
        rows = []
        for w in sorted(self.spread_machine):
            part: dict[str, list[tuple[str, int]]] = {}
            for p, n in self.patterns_with[w]:
                if self.option_by_id[p.option].gpus_per_unit > p.gpus:
                    part.setdefault(p.option, []).append((p.id, n))
            for option, terms in part.items():
                if option not in whole:
                    per_unit = self.option_by_id[option].gpus_per_unit
                    on = self.patterns_on[option]
                    whole[option] = tuple((p.id, p.gpus // per_unit) for p in on if p.gpus >= per_unit)
                rows.append((w, option, (*terms, *whole[option])))
        return tuple(rows)

    def most_replicas(self, workload: str, pattern: str) -> int:
        """Replicas of ``workload`` a plan needs on ``pattern`` alone: its demand, or for a rate-stated load
        the floor or what the rate asks of replicas serving ``served[pattern]`` each, whichever is more."""
        if workload not in self.rate:
            return self.demand[workload]
        return max(self.demand[workload], math.ceil(self.rate[workload] / self.served[pattern] - 1e-9))

    def placeable(self, workload: str) -> bool:
        return bool(self.patterns_with[workload] or self.shared_with[workload])
