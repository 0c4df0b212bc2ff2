"""Scenario records: what a team wants to run and what it may spend, as read from ``scenarios/*.yaml``.

Every field is explicit (no mini-languages); unknown fields are errors (``FrozenModel``), so a typo in a YAML
key fails loudly with the field's path instead of being ignored.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator, model_validator

from planner import bounds as B
from planner.base import FrozenModel
from planner.catalog.schema import MAX_GPUS_PER_MACHINE
from planner.units import parse_bytes

Task = Literal["inference", "lora", "qlora", "full"]
PricingName = Literal["on_demand", "spot", "reserved_1y", "reserved_3y"]
HOURS_PER_MONTH = 730.0
"""Average hours in a month (8,760 / 12): a workload with 730 hours per month is always on."""


class Workload(FrozenModel):
    """One thing to run: a model, a task and how much of it."""

    name: str = Field(min_length=1, max_length=B.MAX_NAME_CHARS)
    model: str = Field(min_length=1, max_length=B.MAX_TEXT_CHARS)
    """Catalog model name, nominal size (``7b``) or path to a Hugging Face ``config.json``."""
    task: Task = "inference"
    precision: str = Field(default="bf16", max_length=B.MAX_NAME_CHARS)
    engine: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Inference engine (``vllm``, ``transformers``, ``llama.cpp``); None lets the memory model pick."""
    context: int = Field(default=4096, gt=0, le=B.MAX_CONTEXT_TOKENS)
    """Tokens per sequence held in memory (prompt + generation)."""
    batch: int = Field(default=1, gt=0, le=B.MAX_BATCH, validation_alias=AliasChoices("batch", "concurrency"))
    """Concurrent sequences (serving; ``concurrency`` in YAML is the same) or micro-batch size (training)."""
    replicas: int = Field(default=1, gt=0, le=B.MAX_REPLICAS)
    hours_per_month: float = Field(default=HOURS_PER_MONTH, ge=0, le=HOURS_PER_MONTH)
    """Hours the workload runs each month; 730 is always on."""
    interruptible: bool = False
    """May run on spot capacity (batch jobs, evaluations)."""
    headroom: float | None = Field(default=None, ge=0, lt=1)
    """Fraction of each GPU kept free on top of the estimate; None uses the scenario's."""
    kv_precision: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    gradient_checkpointing: bool | None = None
    optimizer: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    lora_rank: int | None = Field(default=None, gt=0, le=B.MAX_LORA_RANK)
    gpus_per_replica: int | None = Field(default=None, gt=0, le=B.MAX_GPUS_PER_REPLICA)
    """Pin the tensor/data-parallel degree; None lets the optimizer choose."""
    memory_per_gpu: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """A measured figure (``18GiB``) used instead of the memory model; needs ``gpus_per_replica`` when > 1."""

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

    usd_per_kwh: float | None = Field(default=None, gt=0, le=B.MAX_USD_PER_KWH)
    region: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Electricity region in the catalog (e.g. ``US-VA``); ignored when ``usd_per_kwh`` is given."""
    pue: float | None = Field(default=None, ge=1, le=B.MAX_PUE)
    gpu_utilisation: float = Field(default=0.7, gt=0, le=1)
    """Average GPU power draw while a workload runs, as a fraction of TDP."""
    hosting: Literal["colocation", "office"] = "colocation"
    always_on: bool | None = None
    """Whether local machines stay powered all month (base power 730 h) or only while their GPUs work.
    None: always on in colocation, only while busy in an office."""
    """``office``: no hosting fee and PUE 1 unless given; ``colocation``: per kW-month of peak IT power."""
    colocation_usd_per_kw_month: float | None = Field(default=None, ge=0, le=B.MAX_USD_PER_KW_MONTH)


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


class OwnedSystem(FrozenModel):
    """Hardware the team already has: a catalog system id, or a GPU and a count."""

    system: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    gpu: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    gpu_count: int = Field(default=1, gt=0, le=MAX_GPUS_PER_MACHINE)
    count: int = Field(default=1, gt=0, le=B.MAX_UNITS)
    base_power_w: float = Field(default=150.0, ge=0, le=B.MAX_POWER_W)
    gpus_linked: bool = False
    name: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)

    @model_validator(mode="after")
    def _one_kind(self) -> OwnedSystem:
        if (self.system is None) == (self.gpu is None):
            raise ValueError("give either system (a catalog system id) or gpu")
        return self


class CustomOffer(FrozenModel):
    """A vendor's quote for a server, added to the buyable systems."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=B.MAX_NAME_CHARS)
    name: str = Field(max_length=B.MAX_NAME_CHARS)
    gpu: str = Field(max_length=B.MAX_NAME_CHARS)
    gpu_count: int = Field(gt=0, le=MAX_GPUS_PER_MACHINE)
    price_usd: float = Field(gt=0, le=B.MAX_PRICE_USD)
    base_power_w: float = Field(default=500.0, ge=0, le=B.MAX_POWER_W)
    rack_units: int = Field(default=0, ge=0, le=B.MAX_RACK_UNITS_PER_MACHINE)
    gpus_linked: bool = False
    source: str = Field(default="vendor quote", max_length=B.MAX_TEXT_CHARS)


class Budgets(FrozenModel):
    capex_usd: float | None = Field(default=None, ge=0, le=B.MAX_BUDGET_USD)
    monthly_usd: float | None = Field(default=None, ge=0, le=B.MAX_BUDGET_USD)
    """Average spend per month (energy, hosting, rent), not counting purchases."""


class Limits(FrozenModel):
    power_kw: float | None = Field(default=None, gt=0, le=B.MAX_POWER_KW)
    """IT power of local hardware (GPUs at TDP + base), kW."""
    rack_units: int | None = Field(default=None, ge=0, le=B.MAX_UNITS)
    stock: dict[str, Annotated[int, Field(le=B.MAX_UNITS)]] = Field(default_factory=dict)
    """Most units of a system that can be bought (system id -> count)."""

    @field_validator("stock")
    @classmethod
    def _non_negative(cls, value: dict[str, int]) -> dict[str, int]:
        for key, count in value.items():
            if count < 0:
                raise ValueError(f"stock of {key} must be >= 0")
        return value


class ReservedOverride(FrozenModel):
    one_year: float = Field(ge=0, lt=1)
    three_year: float = Field(ge=0, lt=1)


class Scenario(FrozenModel):
    name: str = Field(min_length=1, max_length=B.MAX_NAME_CHARS)
    description: str = Field(default="", max_length=B.MAX_TEXT_CHARS)
    horizon_months: int = Field(default=36, gt=0, le=B.MAX_HORIZON_MONTHS)
    currency: str = Field(default="USD", min_length=3, max_length=3)
    usd_to_currency: float = Field(default=1.0, gt=0, le=B.MAX_USD_TO_CURRENCY)
    """Exchange rate applied to every USD price (1.0 for USD)."""
    headroom: float = Field(default=0.2, ge=0, lt=1)
    energy: Energy = Energy()
    hardware: Hardware = Hardware()
    owned: tuple[OwnedSystem, ...] = ()
    custom_offers: tuple[CustomOffer, ...] = ()
    purchase_prices_usd: dict[str, Annotated[float, Field(le=B.MAX_PRICE_USD)]] = Field(default_factory=dict)
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
