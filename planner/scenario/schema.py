"""Scenario records: what a team wants to run and what it may spend, as read from ``scenarios/*.yaml``.

Every field is explicit (no mini-languages); unknown fields are errors (``FrozenModel``), so a typo in a YAML
key fails loudly with the field's path instead of being ignored.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from planner.base import FrozenModel
from planner.catalog.schema import MAX_GPUS_PER_MACHINE
from planner.units import HOURS_PER_MONTH, parse_bytes

Task = Literal["inference", "lora", "qlora", "full"]
PricingName = Literal["on_demand", "spot", "reserved_1y", "reserved_3y"]


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PER_WEEK = 168


class Schedule(FrozenModel):
    """When a workload runs, the same every week: from ``start_hour`` to ``end_hour`` (exclusive) on each of
    ``days``; an end before the start runs past midnight into the next day. Workloads whose schedules never
    overlap may hold the same GPU memory at different times."""

    start_hour: int = Field(ge=0, le=23)
    end_hour: int = Field(ge=0, le=24)
    days: tuple[Day, ...] = DAYS

    @model_validator(mode="after")
    def _not_empty(self) -> Schedule:
        if self.start_hour == self.end_hour or not self.days:
            raise ValueError("a schedule needs start_hour != end_hour and at least one day")
        return self

    def slots(self) -> frozenset[int]:
        """Hours of the week it runs (0 = Monday 00:00-01:00, 167 = Sunday 23:00-24:00)."""
        length = (self.end_hour - self.start_hour) % 24 or 24
        return frozenset(
            (DAYS.index(day) * 24 + self.start_hour + h) % HOURS_PER_WEEK
            for day in self.days
            for h in range(length)
        )


class Workload(FrozenModel):
    """One thing to run: a model, a task and how much of it."""

    name: str = Field(min_length=1, max_length=100)
    model: str = Field(min_length=1)
    """Catalog model name, nominal size (``7b``) or path to a Hugging Face ``config.json``."""
    task: Task = "inference"
    precision: str = "bf16"
    engine: str | None = None
    """Inference engine (``vllm``, ``sglang``, ``transformers``, ``llama.cpp``); None lets the memory model
    pick."""
    engine_version: str | None = None
    """Engine release whose memory behaviour to model (``vllm>=0.17``, ``0.11``); None: the newest known."""
    context: int = Field(default=4096, gt=0)
    """Tokens per sequence held in memory (prompt + generation)."""
    batch: int = Field(default=1, gt=0, validation_alias=AliasChoices("batch", "concurrency"))
    """Concurrent sequences (serving; ``concurrency`` in YAML is the same) or micro-batch size (training)."""
    replicas: int = Field(default=1, gt=0, le=100_000)
    hours_per_month: float = Field(default=HOURS_PER_MONTH, ge=0, le=HOURS_PER_MONTH)
    """Hours the workload runs each month; 730 is always on."""
    interruptible: bool = False
    """May run on spot capacity (batch jobs, evaluations)."""
    headroom: float | None = Field(default=None, ge=0, lt=1)
    """Fraction of each GPU kept free on top of the estimate; None uses the scenario's."""
    kv_precision: str | None = None
    gradient_checkpointing: bool | None = None
    optimizer: str | None = None
    lora_rank: int | None = Field(default=None, gt=0)
    gpus_per_replica: int | None = Field(default=None, gt=0)
    """Pin the tensor/data-parallel degree; None lets the optimizer choose."""
    memory_per_gpu: str | None = None
    """A measured figure (``18GiB``) used instead of the memory model; needs ``gpus_per_replica`` when > 1."""
    schedule: Schedule | None = None
    """When it runs each week; None: at any time. ``hours_per_month`` still sets what it is billed."""
    exclusive_group: str | None = Field(default=None, min_length=1, max_length=100)
    """Workloads of one group never run at the same time (someone switches between them), so they may hold
    the same memory."""
    min_replicas: int | None = Field(default=None, gt=0, le=100_000)
    """Availability: at least this many replicas (``replicas`` is raised to it), no two of them in one
    ``spread`` domain, so losing one machine (or GPU) leaves the others serving. None: no such rule."""
    spread: Literal["gpu", "machine", "none"] = "machine"
    """The failure domain ``min_replicas`` spreads over: ``machine`` (default; what availability means to
    most teams), ``gpu`` (replicas may share a machine, never a GPU) or ``none`` (only the count)."""

    @model_validator(mode="before")
    @classmethod
    def _at_least_min_replicas(cls, data: object) -> object:
        """``min_replicas`` raises ``replicas`` (a workload asked for two for availability runs two)."""
        if isinstance(data, dict) and type(data.get("min_replicas")) is int:
            replicas = data.get("replicas", 1)
            if type(replicas) is int and replicas < data["min_replicas"]:
                data = {**data, "replicas": data["min_replicas"]}
        return data

    @property
    def time_shared(self) -> bool:
        """Whether it may hold memory that another workload holds at other times."""
        return self.schedule is not None or self.exclusive_group is not None

    def runs_at(self, slot: int) -> bool:
        """Whether it may run in hour ``slot`` of the week (always, without a schedule)."""
        return self.schedule is None or slot in self.schedule.slots()

    @property
    def spread_domain(self) -> Literal["gpu", "machine"] | None:
        """Where no two replicas may run together: every replica of a workload with ``min_replicas`` is in
        its own domain (the replicas beyond ``min_replicas`` too); None without the rule."""
        return None if self.min_replicas is None or self.spread == "none" else self.spread

    @field_validator("memory_per_gpu")
    @classmethod
    def _parse_memory(cls, value: str | None) -> str | None:
        if value is not None and parse_bytes(value) <= 0:
            raise ValueError("must be a positive size such as 18GiB")
        return value

    @property
    def measured_bytes(self) -> int | None:
        return None if self.memory_per_gpu is None else parse_bytes(self.memory_per_gpu)

    @property
    def pinned_gpus(self) -> int | None:
        """GPUs per replica fixed by the user (a measured figure is for one GPU unless stated)."""
        if self.gpus_per_replica is None and self.memory_per_gpu is not None:
            return 1
        return self.gpus_per_replica


class Energy(FrozenModel):
    """Running costs of local hardware; None falls back to the catalog's defaults."""

    usd_per_kwh: float | None = Field(default=None, gt=0)
    region: str | None = None
    """Electricity region in the catalog (e.g. ``US-VA``); ignored when ``usd_per_kwh`` is given."""
    pue: float | None = Field(default=None, ge=1)
    gpu_utilisation: float = Field(default=0.7, gt=0, le=1)
    """Average GPU power draw while a workload runs, as a fraction of TDP."""
    hosting: Literal["colocation", "office"] = "colocation"
    always_on: bool | None = None
    """Whether local machines stay powered all month (base power 730 h) or only while their GPUs work.
    None: always on in colocation, only while busy in an office."""
    """``office``: no hosting fee and PUE 1 unless given; ``colocation``: per kW-month of peak IT power."""
    colocation_usd_per_kw_month: float | None = Field(default=None, ge=0)


class Hardware(FrozenModel):
    """What kinds of hardware the plan may use."""

    bought: bool = True
    cloud: bool = True
    providers: tuple[str, ...] | None = None
    """Cloud providers allowed (``aws``, ``gcp``, ...); None allows all."""
    regions: tuple[str, ...] | None = None
    pricing: tuple[PricingName, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y")
    gpus: tuple[str, ...] | None = None
    """GPU names allowed (catalog names or aliases); None allows all."""
    systems: tuple[str, ...] | None = None
    """Buyable system ids allowed; None allows all."""
    system_types: tuple[Literal["desktop", "workstation", "server"], ...] | None = None
    """Kinds of buyable system allowed (a data centre may want servers only); None allows all."""
    tensor_parallel_over_pcie: bool = True
    """A replica may split over the PCIe cards of one machine (vLLM, SGLang, llama.cpp and transformers
    all do); false keeps multi-GPU replicas to linked GPUs. Memory-feasible only: speed is not priced."""


class OwnedSystem(FrozenModel):
    """Hardware the team already has: a catalog system id, or a GPU and a count."""

    system: str | None = None
    gpu: str | None = None
    gpu_count: int = Field(default=1, gt=0, le=MAX_GPUS_PER_MACHINE)
    count: int = Field(default=1, gt=0)
    base_power_w: float = Field(default=150.0, ge=0)
    gpus_linked: bool | None = None
    """GPUs joined by NVLink/NVSwitch or Infinity Fabric; None: multi-GPU SXM/OAM boards are (they are
    built so), PCIe cards are not (tensor parallelism then runs over PCIe)."""
    name: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> OwnedSystem:
        if (self.system is None) == (self.gpu is None):
            raise ValueError("give either system (a catalog system id) or gpu")
        return self


class CustomOffer(FrozenModel):
    """A vendor's quote for a server, added to the buyable systems."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    name: str
    gpu: str
    gpu_count: int = Field(gt=0, le=MAX_GPUS_PER_MACHINE)
    price_usd: float = Field(gt=0)
    base_power_w: float = Field(default=500.0, ge=0)
    rack_units: int = Field(default=0, ge=0)
    gpus_linked: bool | None = None
    """As ``OwnedSystem.gpus_linked``: None links multi-GPU SXM/OAM boards."""
    source: str = "vendor quote"


class Budgets(FrozenModel):
    capex_usd: float | None = Field(default=None, ge=0)
    monthly_usd: float | None = Field(default=None, ge=0)
    """Average spend per month (energy, hosting, rent), not counting purchases."""


class Limits(FrozenModel):
    power_kw: float | None = Field(default=None, gt=0)
    """IT power of local hardware (GPUs at TDP + base), kW."""
    rack_units: int | None = Field(default=None, ge=0)
    stock: dict[str, int] = Field(default_factory=dict)
    """Most units of a system that can be bought (system id -> count)."""
    max_gpus_per_provider: dict[str, int] = Field(default_factory=dict)
    """Most cloud GPUs rented at once from a provider, every pricing counted (provider -> GPUs): the quota a
    provider grants an account."""

    @field_validator("stock", "max_gpus_per_provider")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for key, count in value.items():
            if count < 0:
                raise ValueError(f"{key} must be >= 0, got {count}")
        return value


class ReservedOverride(FrozenModel):
    one_year: float = Field(ge=0, lt=1)
    three_year: float = Field(ge=0, lt=1)


class Scenario(FrozenModel):
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    horizon_months: int = Field(default=36, gt=0, le=240)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    usd_to_currency: float = Field(default=1.0, gt=0)
    """Exchange rate applied to every USD price (1.0 for USD)."""
    headroom: float = Field(default=0.2, ge=0, lt=1)
    energy: Energy = Energy()
    hardware: Hardware = Hardware()
    owned: tuple[OwnedSystem, ...] = ()
    custom_offers: tuple[CustomOffer, ...] = ()
    purchase_prices_usd: dict[str, float] = Field(default_factory=dict)
    """Override the catalog purchase price of a system (system id -> USD)."""
    reserved_discounts: dict[str, ReservedOverride] = Field(default_factory=dict)
    budgets: Budgets = Budgets()
    limits: Limits = Limits()
    workloads: tuple[Workload, ...] = Field(min_length=1)

    @field_validator("purchase_prices_usd")
    @classmethod
    def _positive_prices(cls, value: dict[str, float]) -> dict[str, float]:
        for key, price in value.items():
            if price <= 0:
                raise ValueError(f"price of {key} must be > 0")
        return value

    @model_validator(mode="after")
    def _unique_names(self) -> Scenario:
        seen: set[str] = set()
        for w in self.workloads:
            if w.name in seen:
                raise ValueError(f"workload name {w.name!r} is used twice")
            seen.add(w.name)
        ids: set[str] = set()
        for quote in self.custom_offers:
            if quote.id in ids:
                raise ValueError(f"custom offer id {quote.id!r} is used twice")
            ids.add(quote.id)
        return self
