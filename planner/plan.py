"""Stage 6 of the pipeline: the plan, what was decided, built from the solved integer program.

A ``Plan`` is plain data (no pulp, no openpyxl): the verifier in ``check.py`` re-checks it and every report
writer (workbook, JSON, terminal, Markdown) reads it. ``to_json_dict`` is the output contract of
``planner solve --format json``: the fields named in the issue are fixed; add fields, never rename them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field

from planner.base import FrozenModel
from planner.catalog.schema import GpuSpec

UnitKind = Literal["bought", "owned", "cloud"]
Pricing = Literal["purchase", "owned", "on_demand", "spot", "reserved_1y", "reserved_3y"]
PlanStatus = Literal["optimal", "feasible"]


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
    """Cost of this unit over the horizon, in the plan's currency (capex + energy + hosting, or rent)."""
    capex: float = 0.0
    """Purchase price paid up front (bought units only)."""
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
    """Power under load, GPUs and base system, watts."""
    rack_units: int = 0
    provider: str = ""
    region: str = ""
    price_source: str = ""
    price_date: dt.date | None = None
    gpu_spec: GpuSpec | None = None
    """The GPU as the catalog describes it (memory, bandwidth, throughput, power, aliases), so that a report
    or a check computes from the plan alone; None only in plans made by hand without a catalog."""


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
    """The command line: ``command`` split, then each flag and its value."""


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
    breakdown_bytes: dict[str, int]
    """Memory components of one replica, summed over its GPUs (keys as in ``MemoryEstimate.breakdown``)."""
    per_gpu_bytes: int
    total_bytes: int
    rule_of_thumb_bytes: tuple[int, int]
    headroom: float
    reserved_bytes: int
    cost: float
    """Sum of the workload's replica costs over the horizon."""
    min_replicas: int | None = None
    """Availability asked (``min_replicas``); None where the scenario sets none."""
    spread: str = "none"
    """The failure domain its replicas keep apart in (``machine``, ``gpu``), or ``none``."""
    domains: int = 0
    """Distinct machines (``spread: machine``) or GPUs (``gpu``) its replicas run on; 0 without a spread."""


class Alternative(FrozenModel):
    """A simpler plan solved beside the optimum, for comparison."""

    name: str
    """``all_cloud``, ``all_bought``, ``best_single_gpu``, ``cheapest_per_workload``."""
    description: str = ""
    total_cost: float | None
    """None where that alternative is infeasible."""
    status: str
    saving: float | None = None
    """``total_cost - plan.total_cost``: what the plan saves over this alternative."""
    best_bound: float | None = None
    """No plan of this alternative costs less (the solver's bound; for large fleets the aggregate
    relaxation's). Where it is below ``total_cost`` the alternative is not proven, and the saving over the
    best such plan is at least ``best_bound - plan.total_cost``."""


class Assumption(FrozenModel):
    """One figure the plan relied on, with where it came from."""

    category: str
    name: str
    value: str
    source: str = ""
    as_of: str = ""


class Plan(FrozenModel):
    scenario: str
    status: PlanStatus
    currency: str
    horizon_months: int
    total_cost: float
    capex: float
    opex: float
    """Running costs over the whole horizon (energy, hosting, rent)."""
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
    """Horizon cost split into ``purchase``, ``energy``, ``hosting``, ``cloud_on_demand``, ``cloud_spot``,
    ``cloud_reserved``."""
    planner_version: str = ""

    def placements(self) -> dict[str, tuple[Assignment, ...]]:
        """Workload -> its replicas' assignments in replica order: where each workload runs. The one answer
        reports read (the terminal's "Runs on", the workbook's and the Markdown's placements, the charts)."""
        found: dict[str, list[Assignment]] = {}
        for a in self.assignments:
            found.setdefault(a.workload, []).append(a)
        return {w: tuple(sorted(replicas, key=lambda a: a.replica)) for w, replicas in found.items()}

    def to_json_dict(self) -> dict[str, Any]:
        """The ``--format json`` object (fields are added, never renamed: scripts read them).

        ``solve_seconds`` is left out: it is the wall time of this run, not a property of the input, and the
        same input must give byte-identical JSON. The workbook's Assumptions sheet still shows it.
        """
        return self.model_dump(mode="json", exclude={"solve_seconds"})
