"""Stage 6 of the pipeline: the plan, what was decided, built from the solved integer program.

A ``Plan`` is plain data (no pulp, no openpyxl): the verifier in ``check.py`` re-checks it and every report
writer (workbook, JSON, terminal, Markdown) reads it. ``to_json_dict`` is the output contract of
``planner solve --format json``: the fields named in the issue are fixed; add fields, never rename them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, field_validator

from planner.base import FrozenModel
from planner.catalog.pricing import PriceAge
from planner.catalog.schema import Fabric, GpuSpec

UnitKind = Literal["bought", "owned", "cloud"]
Pricing = Literal["purchase", "owned", "on_demand", "spot", "reserved_1y", "reserved_3y"]
PlanStatus = Literal["optimal", "feasible"]
TERM_MONTHS: Mapping[str, int] = {"reserved_1y": 12, "reserved_3y": 36}
"""Months of one term of each reserved pricing: every hour of each started term is paid."""
COST_CATEGORIES = (
    "purchase",
    "residual",
    "energy",
    "hosting",
    "cloud_on_demand",
    "cloud_spot",
    "cloud_reserved",
)
"""The parts ``Plan.cost_by_category`` splits the horizon's cost into."""
CLOUD_CATEGORY: Mapping[str, str] = {
    "on_demand": "cloud_on_demand",
    "spot": "cloud_spot",
    "reserved_1y": "cloud_reserved",
    "reserved_3y": "cloud_reserved",
}
"""The cost category of a cloud unit's rent, by its pricing."""


class PlanUnit(FrozenModel):
    """One concrete machine the plan uses: ``option#1`` is the first unit of that option."""

    id: str
    """``<option>#<n>``, e.g. ``workstation-2x-rtx-4090#1``."""
    option: str
    """The catalog offer id (system id, cloud offer id, or owned inventory name)."""
    option_name: str
    """Human-readable name of the offer."""
    kind: UnitKind
    pricing: Pricing
    gpu: str
    gpus: int
    gpu_memory_bytes: int
    cost: float
    """Cost of this unit over the horizon, in the plan's currency (capex - residual value + energy + hosting,
    or rent)."""
    capex: float = 0.0
    """Purchase price paid up front (bought units only)."""
    residual_value: float = 0.0
    """What a bought unit is still worth at the horizon's end (``finance``), subtracted from its cost."""
    opex_per_month: float = 0.0
    """Energy + hosting for bought units, rent for cloud units, per month."""
    energy_cost: float = 0.0
    """Electricity over the horizon (bought and owned units), PUE included."""
    hosting_cost: float = 0.0
    """Colocation over the horizon (bought and owned units)."""
    hours_per_month: float = 0.0
    """Hours per month the unit is paid for (cloud) or busy (local)."""
    unit_price: float = 0.0
    """Purchase price (bought) or price per hour (cloud) used for the cost."""
    power_w: float = 0.0
    """Power under load, GPUs and base system, watts (the IT load)."""
    facility_power_w: float = 0.0
    """``power_w`` x PUE, watts (the facility load)."""
    rack_units: int = 0
    provider: str = ""
    region: str = ""
    price_source: str = ""
    price_date: dt.date | None = None
    gpu_spec: GpuSpec | None = None
    """The GPU as the catalog describes it (memory, bandwidth, throughput, power, aliases), so that a report
    or a check computes from the plan alone; None only in plans made by hand without a catalog."""
    start_month: int = 1
    """First month the plan has the unit (1-based): a bought unit is bought when that month begins and kept
    to the horizon's end; a cloud unit is rented from then to ``end_month``."""
    end_month: int | None = None
    """Last month the plan has it; None: the horizon's end."""
    fabric: Fabric | None = None
    """The network to other units of its offer (InfiniBand, EFA, ...); None: a replica stays on this unit."""
    on_demand_months: int = 0
    """Reserved: its last months, past the last whole term, rented on demand all day at ``on_demand_price``
    because that costs less than one more term (0: every month on the reservation, a started term paid in
    full)."""
    on_demand_price: float = 0.0
    """Reserved units with ``on_demand_months``: the instance's on-demand price per hour (plan's currency)."""


class Launch(FrozenModel):
    """The engine settings that realise one assignment: its reservation, context, concurrency and GPU split
    (``planner.memory.launch``, from the engine's record)."""

    engine: str
    command: str
    flags: tuple[tuple[str, str], ...] = ()
    """Flag and value, in order; a value of "" is a bare switch."""
    kwargs: dict[str, Any] = Field(default_factory=dict)
    """Keyword arguments for an engine that is a Python library (transformers' ``device_map``, ...)."""
    argv: tuple[str, ...] = ()
    """The command line: ``command`` split, then each flag and its value; empty for a library."""
    nodes: int = 1
    """Machines the replica spans; ``setup`` says how the command runs over them."""
    setup: tuple[str, ...] = ()
    """What to run before ``argv`` for a replica over several machines (a Ray cluster for vLLM; SGLang runs
    ``argv`` on every machine with its ``--node-rank``); empty on one machine."""
    env: dict[str, str] = Field(default_factory=dict)
    """Environment to run under on each machine: the vendor's visible-devices variable
    (``CUDA_VISIBLE_DEVICES``, ``HIP_VISIBLE_DEVICES``) listing the assignment's GPU indices, so the engine
    uses those GPUs only (it numbers them from 0)."""
    shell: str = ""
    """The command as a shell runs it: ``env`` then ``argv`` (a library: the Python interpreter)."""
    call: str = ""
    """A library's loading call, valid Python (``AutoModel.from_pretrained('repo', device_map=...)``)."""
    imports: tuple[str, ...] = ()
    """The library's classes ``call`` names, in its order (the loader, then a quantization config's class):
    what a script running it imports from the library."""
    generation: dict[str, Any] = Field(default_factory=dict)
    """A library's generation settings (``max_length``, ``batch_size``), apart from the loading call."""
    checkpoint: str = ""
    """What the engine loads: a Hugging Face repository id, a local path, or a placeholder in angle brackets
    naming the quantized checkpoint that is needed where none is known (``notes`` says so)."""
    checkpoint_file: str | None = None
    """The file the engine fetches from ``checkpoint`` (llama.cpp's GGUF file; "": the engine picks it by
    the type ``checkpoint`` ends with); None: ``checkpoint`` is loaded as named."""
    checkpoint_source: str = ""
    """Where ``checkpoint`` comes from: ``workload`` (its ``checkpoint``), ``catalog`` (with who published a
    quantized one), ``name`` (the model as written) or ``placeholder``."""
    runs: str | None = None
    """When a time-shared replica runs (its schedule, its exclusive group): it must not be started beside
    the replicas it shares memory with in turns; None: at any time."""
    notes: tuple[str, ...] = ()
    """What a reader must know to deploy it as printed: the start order on a shared card where a setting
    depends on it, a request the settings cannot serve as sized."""

    @field_validator("kwargs")
    @classmethod
    def _gpu_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        """``max_memory`` is keyed by GPU index (accelerate counts only int keys as GPUs); JSON keys are text,
        so a plan read back from JSON gets its int keys back."""
        memory = value.get("max_memory")
        if isinstance(memory, dict):
            value = {**value, "max_memory": {int(k) if str(k).isdigit() else k: v for k, v in memory.items()}}
        return value


class Assignment(FrozenModel):
    """One replica of a workload on concrete GPUs of a unit."""

    workload: str
    replica: int
    """1-based replica number."""
    unit: str
    """A ``PlanUnit.id``."""
    gpu_indices: tuple[int, ...]
    per_gpu_bytes: int
    """Memory the replica needs on each of its GPUs (the memory model's most loaded GPU)."""
    headroom: float
    reserved_bytes: int
    """``per_gpu_bytes / (1 - headroom)``, rounded up: what the replica reserves on each of its GPUs."""
    cost: float
    """This replica's share of the plan's cost over the horizon."""
    launch: Launch | None = None
    """Settings that make the engine hold what was reserved (None for a measured memory figure)."""
    interconnect: str | None = None
    """How the GPUs of a replica split over several talk: ``nvlink``, ``infinity-fabric`` (linked boards) or
    ``pcie`` (tensor parallelism over PCIe, whose speed is not priced); None on one GPU."""
    start_month: int = 1
    """First month the replica runs there (demand over time: one assignment per period it runs in)."""
    end_month: int | None = None
    """Last month it runs there; None: the horizon's end."""
    units: tuple[str, ...] = ()
    """Every machine of a replica over several (``unit`` first, the head), each running it on
    ``gpu_indices``; empty on one machine."""
    fabric: str | None = None
    """The network between those machines (``infiniband``, ``efa``, ...); None on one machine."""

    @property
    def machines(self) -> tuple[str, ...]:
        """Every unit the replica holds GPUs on: ``units`` over several machines, else its one ``unit``."""
        return self.units or (self.unit,)

    @property
    def nodes(self) -> int:
        """Machines the replica runs on."""
        return len(self.machines)

    @property
    def gpu_count(self) -> int:
        """GPUs of the replica on all its machines."""
        return len(self.gpu_indices) * self.nodes

    @property
    def where(self) -> str:
        """``unit GPU 0,1`` on one machine; ``u#1+u#2 GPU 0-7 each`` over several."""
        gpus = ",".join(str(g) for g in self.gpu_indices)
        if self.nodes == 1:
            return f"{self.unit} GPU {gpus}"
        return f"{'+'.join(self.units)} GPU {gpus} each"


class ReplicaPerformance(FrozenModel):
    """One replica of a rate-stated workload on its own option: replicas of one workload may run on different
    cards, each at the largest batch its card serves within the SLO, or the smallest its rate needs."""

    replica: int
    """1-based, as in ``Assignment.replica``."""
    unit: str
    gpu: str
    gpus: int
    interconnect: str
    """``nvlink`` or ``pcie`` (what the speed model priced the split over; ``pcie`` also on one GPU)."""
    batch: int
    ttft_s: float
    tpot_s: float
    """The TPOT a user sees and the SLO checks: the decode step plus the prefills of the requests that join
    meanwhile (``Performance.serving_tpot_s``)."""
    decode_step_s: float
    """One decode step of the batch alone (``Performance.tpot_s``)."""
    requests_per_s: float
    output_tokens_per_s: float
    """Output tokens served per second: ``requests_per_s`` x the answer's tokens (prefills included)."""
    limit: str
    """What stops a larger batch: ``memory``, ``ttft``, ``tpot``, ``search cap``, or ``rate`` (the smallest
    batch that holds the requests in flight at the rate asked, where one replica carries it)."""


class WorkloadPerformance(FrozenModel):
    """How a rate-stated workload is served (the speed model's figures, docs/speed-model.md): each replica
    runs the largest batch within the SLO that fits its memory, or, where one replica carries the whole rate,
    the smallest batch that holds its requests in flight (perf.capacity.IN_FLIGHT_QUANTILE); latencies are
    at that batch, the worst over the replicas' options."""

    requests_per_s_asked: float
    """The workload's ``requests_per_second`` (peak)."""
    requests_per_s: float
    """What its replicas sustain together (``Performance.requests_per_s`` at each replica's batch)."""
    utilisation: float
    """Asked over capacity: at most 1."""
    ttft_s: float
    tpot_s: float
    """The TPOT the SLO checks, the worst replica's: decode step plus the prefills of joining requests."""
    decode_step_s: float
    """The longest decode step alone over the replicas."""
    output_tokens_per_s: float
    """Output tokens per second all replicas serve at their batch (requests/s x answer tokens)."""
    batch: int
    """Sequences each replica decodes at once (the first replica's option)."""
    binds: Literal["memory", "speed"]
    """What stops a larger batch on the first replica's option: its memory, or a latency target."""
    slo_ttft_s: float | None = None
    slo_tpot_s: float | None = None
    replicas: tuple[ReplicaPerformance, ...] = ()
    """Each replica's own figures, in replica order."""


class ReplicaMemory(FrozenModel):
    """What one replica holds on each of its GPUs where it runs: a workload's replicas may sit on different
    cards (a rate-stated load's second replica on a smaller card reserves less), so the workload's one figure,
    its first replica's, is not every replica's."""

    replica: int
    """1-based, as in ``Assignment.replica``."""
    unit: str
    """The ``PlanUnit.id`` it runs on (the head machine of a replica over several)."""
    gpu: str
    gpus: int
    """GPUs of the replica on each machine it runs on."""
    per_gpu_bytes: int
    reserved_bytes: int
    """``per_gpu_bytes / (1 - headroom)``, rounded up, as in ``Assignment.reserved_bytes``."""


class WorkloadSummary(FrozenModel):
    """A workload as it was planned, with its memory breakdown (what the report's Workloads sheet shows)."""

    name: str
    model: str
    params: int
    task: str
    precision: str
    engine: str
    context: int
    batch: int
    replicas: int
    hours_per_month: float
    interruptible: bool
    gpus_per_replica: int
    nodes_per_replica: int = 1
    """Machines one replica spans (more than one only where an engine serves over a fabric)."""
    breakdown_bytes: dict[str, int]
    """Memory components of one replica, summed over its GPUs (keys as in ``MemoryEstimate.breakdown``)."""
    per_gpu_bytes: int
    """Memory per GPU of its first replica (every replica's where they all run on one kind of card;
    ``replica_memory`` has each replica's)."""
    total_bytes: int
    rule_of_thumb_bytes: tuple[int, int]
    headroom: float
    reserved_bytes: int
    """What its first replica reserves on each of its GPUs (``replica_memory`` has each replica's)."""
    cost: float
    """Sum of the workload's replica costs over the horizon."""
    min_replicas: int | None = None
    """Availability asked (``min_replicas``); None where the scenario sets none."""
    spread: str = "none"
    """The failure domain its replicas keep apart in (``machine``, ``gpu``), or ``none``."""
    domains: int = 0
    """Distinct machines (``spread: machine``) or GPUs (``gpu``) its replicas run on; 0 without a spread."""
    performance: WorkloadPerformance | None = None
    """Speed and capacity of a rate-stated workload (``requests_per_second``); None for a count-stated one."""
    exclusive_group: str | None = None
    """Time-sharing: workloads of one group never run at once (the scenario's ``exclusive_group``)."""
    hours_of_week: tuple[int, ...] = ()
    """Time-sharing: the hours of the week its ``schedule`` runs in (0 is Monday 00:00-01:00); empty: any
    hour. With ``exclusive_group``, what the reports need to say how much of a GPU is held at once."""
    replica_memory: tuple[ReplicaMemory, ...] = ()
    """Each replica's memory per GPU where it runs, in replica order (``Plan.replica_memory``); over periods
    of changing demand, one entry per distinct unit and figure a replica has."""


class Alternative(FrozenModel):
    """A simpler plan solved beside the optimum, for comparison. Alternatives keep the owned hardware unless
    ``finance.alternatives_keep_owned`` is false: the decision compared is what to add to it."""

    name: str
    """``all_cloud``, ``all_bought``, ``best_single_gpu``, ``cheapest_per_workload``; over periods also
    ``all_bought_up_front``."""
    description: str = ""
    total_cost: float | None
    """None where that alternative is infeasible."""
    status: str
    reason: str = ""
    """Where infeasible or skipped: why, and by how much where a budget or limit binds ("the capex budget
    (budgets.capex_usd) is short by 25,000 USD")."""
    capex: float | None = None
    """Purchases paid up front; None where infeasible."""
    opex: float | None = None
    """Running costs over the horizon (energy, hosting, rent); None where infeasible."""
    residual_value: float | None = None
    """What its purchases are still worth at the horizon's end; None where infeasible."""
    saving: float | None = None
    """``total_cost - plan.total_cost``: what the plan saves over this alternative."""
    best_bound: float | None = None
    """No plan of this alternative costs less (the solver's bound; for large fleets the aggregate
    relaxation's). Where it is below ``total_cost`` the alternative is not proven, and the saving over the
    best such plan is at least ``best_bound - plan.total_cost``."""


class CashFlowMonth(FrozenModel):
    """Money out in one month of the horizon (month 0 is the day of purchase), in the plan's currency."""

    month: int
    up_front: float
    """Purchases (month 0 only)."""
    running: float
    """Energy, hosting and rent paid over the month (months 1 to the horizon)."""
    residual: float
    """What the purchases are still worth, recovered at the horizon's end (the last month; money in)."""
    net: float
    """``up_front + running - residual``."""
    cumulative: float
    """Net spend from month 0 to this month; at the horizon's end the total cost."""
    discounted_cumulative: float
    """The same with each month's net discounted to month 0 (``finance.discount_rate_per_year``); at the
    horizon's end the net present value."""


class CashFlow(FrozenModel):
    """Month-by-month spend of the plan or of one alternative."""

    name: str
    """``plan`` or the alternative's name."""
    months: tuple[CashFlowMonth, ...]
    total: float
    """Undiscounted net spend over the horizon (the plan's or alternative's ``total_cost``)."""
    npv: float
    """Net present value of the monthly spend at ``finance.discount_rate_per_year`` (``total`` at 0)."""
    payback_month: int | None = None
    """Alternatives: from the first month the plan's discounted cumulative spend is above this alternative's,
    the first month in which it is at or below it again (0 where the plan never spends more; over periods,
    the months before a later purchase are no payback); None where it stays above to the horizon's end.
    None on the plan's own cash flow."""
    payback_months: float | None = None
    """Alternatives: the extra up-front spend over the monthly saving, ``(plan up-front - this up-front) /
    (this running - plan running per month)``, up-front spend summed over the horizon and running costs
    averaged over it (over periods they change); None where the plan spends no more up front or saves
    nothing per month."""


class PlanPeriod(FrozenModel):
    """Months of constant demand (``start_month``..``end_month``) and what the plan does in them, for a
    scenario whose demand changes over time (docs/optimizer.md, "Demand over time")."""

    start_month: int
    end_month: int
    replicas: dict[str, int] = Field(default_factory=dict)
    """Workload -> replicas placed in these months (those that run)."""
    requests_per_s: dict[str, float] = Field(default_factory=dict)
    """Rate-stated workload -> requests/s its replicas serve in these months."""
    bought: tuple[str, ...] = ()
    """Units bought when the period begins."""
    rented: tuple[str, ...] = ()
    """Cloud units rented for these months."""
    capex: float = 0.0
    """Purchases paid when the period begins."""
    running: float = 0.0
    """Energy, hosting and rent over the period (every unit held or rented in it): ``energy + hosting`` plus
    the sum of ``rent``."""
    energy: float = 0.0
    """Electricity over the period of the bought and owned units held or run in it (PUE included)."""
    hosting: float = 0.0
    """Colocation over the period of the bought and owned units held or run in it."""
    rent: dict[str, float] = Field(default_factory=dict)
    """Cloud unit -> its rent over the period (a reservation's, its rent spread evenly over the months it is
    held). Apart from energy and hosting so that a report can restate each from the input it comes from."""


class IdleOwned(FrozenModel):
    """Owned machines the plan leaves unused, and what they still cost while they stay in place."""

    option: str
    name: str
    gpu: str
    gpus_per_unit: int
    count: int
    """Unused units of this owned system."""
    still_costs_per_month: float
    """Per month for all of them: hosting (colocation continues while they stay in the rack) and, where
    machines are always on, base and idle GPU power. Not in the plan's total, which prices what is used."""
    still_costs: float
    """The same over the horizon."""


class Assumption(FrozenModel):
    """One figure the plan relied on, with where it came from."""

    category: str
    name: str
    value: str
    source: str = ""
    as_of: str = ""
    key: str = ""
    """Identifier of a figure the reports compute with (``usd_per_kwh``, ``budget_capex_usd``): the workbook
    names its input cell so; empty for a figure given only as text."""
    number: float | None = None
    """The figure as a number in ``unit`` (``value`` is the same figure as a reader's text)."""
    unit: str = ""


class Plan(FrozenModel):
    scenario: str
    status: PlanStatus
    currency: str
    horizon_months: int
    total_cost: float
    """``capex + opex - residual_value``: what the plan costs over the horizon, undiscounted."""
    capex: float
    opex: float
    """Running costs over the whole horizon (energy, hosting, rent)."""
    residual_value: float = 0.0
    """What the purchases are still worth at the horizon's end (``finance``)."""
    npv: float | None = None
    """Net present value of the monthly cash flow at ``discount_rate_per_year``; ``total_cost`` at 0."""
    discount_rate_per_year: float = 0.0
    opex_per_month: float = 0.0
    best_bound: float
    gap: float
    """Relative gap between the plan's cost and the best bound (0 when proven optimal)."""
    solver: str = ""
    solve_seconds: float = 0.0
    units: tuple[PlanUnit, ...]
    assignments: tuple[Assignment, ...]
    workloads: tuple[WorkloadSummary, ...] = ()
    alternatives: tuple[Alternative, ...] = ()
    assumptions: tuple[Assumption, ...] = ()
    cost_by_category: dict[str, float] = Field(default_factory=dict)
    """Horizon cost split into ``purchase``, ``residual`` (negative: value left at the end), ``energy``,
    ``hosting``, ``cloud_on_demand``, ``cloud_spot``, ``cloud_reserved``."""
    cash_flows: tuple[CashFlow, ...] = ()
    """Month by month: the plan's first, then each feasible alternative's."""
    idle_owned: tuple[IdleOwned, ...] = ()
    """Owned machines the plan does not use."""
    periods: tuple[PlanPeriod, ...] = ()
    """Demand over time: the periods of constant demand, in order; empty where demand never changes."""
    planner_version: str = ""
    usd_to_currency: float = 1.0
    """Units of ``currency`` per USD the plan converted catalog prices with (1.0 for USD)."""
    usd_to_currency_as_of: dt.date | None = None
    """The exchange rate's date, as the scenario gave it (None: not given)."""

    def oldest_price(self, today: dt.date | None = None) -> PriceAge:
        """How old the prices are that this plan relies on (bought and rented units; owned ones have none).

        The reports state it and warn past ``PRICE_STALE_AFTER_DAYS``; ``today`` defaults to the clock."""
        from planner.catalog.pricing import price_age

        priced = [
            (f"{u.option_name or u.option} ({u.pricing.replace('_', ' ')})", u.price_date)
            for u in self.units
            if u.kind != "owned"
        ]
        return price_age(priced, today or dt.date.today())

    def placements(self) -> dict[str, tuple[Assignment, ...]]:
        """Workload -> its replicas' assignments in replica order: where each workload runs. The one answer
        reports read (the terminal's "Runs on", the workbook's and the Markdown's placements, the charts)."""
        found: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            found.setdefault(a.workload, []).append(a)
        return {w: tuple(sorted(replicas, key=lambda a: a.replica)) for w, replicas in found.items()}

    def replica_memory(self) -> dict[str, tuple[ReplicaMemory, ...]]:
        """Workload -> what each of its replicas holds per GPU where it runs, from the assignments: the one
        derivation behind ``WorkloadSummary.replica_memory`` and the reports' per-replica figures."""
        gpus = {u.id: u.gpu for u in self.units}
        out: dict[str, tuple[ReplicaMemory, ...]] = {}
        for name, placed in self.placements().items():
            seen = {
                ReplicaMemory(
                    replica=a.replica,
                    unit=a.unit,
                    gpu=gpus.get(a.unit, a.unit),
                    gpus=len(a.gpu_indices),
                    per_gpu_bytes=a.per_gpu_bytes,
                    reserved_bytes=a.reserved_bytes,
                ): None
                for a in placed
            }
            out[name] = tuple(seen)
        return out

    def with_replica_memory(self) -> Plan:
        """This plan with every workload's ``replica_memory`` filled from its assignments (what the
        assembly does last, once the units have their final ids)."""
        memory = self.replica_memory()
        return self.model_copy(
            update={
                "workloads": tuple(
                    w.model_copy(update={"replica_memory": memory.get(w.name, ())}) for w in self.workloads
                )
            }
        )

    def to_json_dict(self) -> dict[str, Any]:
        """The ``--format json`` object (fields are added, never renamed: scripts read them).

        ``solve_seconds`` is left out: it is the wall time of this run, not a property of the input, and the
        same input must give byte-identical JSON. The workbook's Assumptions sheet still shows it.
        """
        return self.model_dump(mode="json", exclude={"solve_seconds"})

    def to_frames(self) -> dict[str, Any]:
        """The plan's tables as pandas DataFrames (``planner.explore.frames``; pandas imported on call)."""
        from planner.explore.frames import plan_frames

        return dict(plan_frames(self))
