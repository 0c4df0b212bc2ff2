"""Scenario records: what a team wants to run and what it may spend, as read from ``scenarios/*.yaml``.

Every field is explicit (no mini-languages); unknown fields are errors (``FrozenModel``), so a typo in a YAML
key fails loudly with the field's path instead of being ignored.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from typing import Annotated, Any, ClassVar, Literal

from pydantic import AliasChoices, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from planner import bounds as B
from planner.base import FrozenModel
from planner.catalog.schema import MAX_GPUS_PER_MACHINE
from planner.errors import quote
from planner.units import HOURS_PER_MONTH, parse_bytes

Task = Literal["inference", "lora", "qlora", "full"]
SystemType = Literal["desktop", "workstation", "server"]
DEFAULT_LIFE_MONTHS = 60
"""Useful life of bought hardware: computers and peripheral equipment are 5-year property under MACRS (IRS
Publication 946, "How To Depreciate Property", table of recovery periods)."""
PricingName = Literal["on_demand", "spot", "reserved_1y", "reserved_3y"]


class ScenarioModel(FrozenModel):
    """A scenario record: only ``true`` and ``false`` are booleans.

    The loader reads YAML 1.2, where ``yes``, ``no``, ``on`` and ``off`` are text; pydantic's lax mode would
    still read that text as a boolean (``interruptible: yes`` planned spot capacity). A boolean field takes
    a boolean alone, so what the docs promise holds: a workloads file turns its ``true``/``false`` cells
    into booleans before validation (``scenario.workloads_file``). Numbers may still be written as text in
    decimal (``"730"``, a CSV cell, ``010`` as 10)."""

    _bool_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fields = cls.model_fields.items()
        cls._bool_fields = frozenset(name for name, info in fields if _is_bool(info.annotation))

    @field_validator("*", mode="before")
    @classmethod
    def _only_true_or_false(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name in cls._bool_fields and value is not None and not isinstance(value, bool):
            raise ValueError(f"expected true or false, not {quote(value)}")
        return value


def _is_bool(annotation: Any) -> bool:
    """``bool`` or ``bool | None``: a field that holds a boolean and nothing else."""
    if annotation is bool:
        return True
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not types.NoneType]
        return args == [bool]
    return False


Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS_PER_WEEK = 168


class Schedule(ScenarioModel):
    """When a workload runs, the same every week: from ``start_hour`` to ``end_hour`` (exclusive) on each of
    ``days``; an end before the start runs past midnight into the next day. Workloads whose schedules never
    overlap may hold the same GPU memory at different times."""

    start_hour: int = Field(ge=0, le=23)
    """Hour of the day it starts, 0-23 (one clock for every workload's schedule)."""
    end_hour: int = Field(ge=0, le=24)
    """Hour of the day it stops, exclusive, 0-24; before ``start_hour``: the next day."""
    days: tuple[Day, ...] = DAYS
    """Days it starts on (``mon`` ... ``sun``); every day by default."""

    @model_validator(mode="after")
    def _not_empty(self) -> Schedule:
        if self.start_hour == self.end_hour or not self.days:
            raise ValueError("a schedule needs start_hour != end_hour and at least one day")
        twice = sorted({d for d in self.days if self.days.count(d) > 1}, key=DAYS.index)
        if twice:  # [mon, mon] counts Monday once: likely a typo for another day
            raise ValueError(f"days: {', '.join(twice)} given twice")
        return self

    def hours_per_month(self) -> float:
        """Hours it runs in an average month: its hours a week x 730 / 168 weeks."""
        return len(self.slots()) * HOURS_PER_MONTH / HOURS_PER_WEEK

    def slots(self) -> frozenset[int]:
        """Hours of the week it runs (0 = Monday 00:00-01:00, 167 = Sunday 23:00-24:00)."""
        length = (self.end_hour - self.start_hour) % 24 or 24
        return frozenset(
            (DAYS.index(day) * 24 + self.start_hour + h) % HOURS_PER_WEEK
            for day in self.days
            for h in range(length)
        )


class Slo(ScenarioModel):
    """Latency targets of a rate-stated workload, milliseconds at the edge (seconds inside); either may be
    left out (no target)."""

    ttft_ms: float | None = Field(default=None, gt=0, le=B.MAX_LATENCY_MS)
    """Time to first token: the prefill of one prompt."""
    tpot_ms: float | None = Field(default=None, gt=0, le=B.MAX_LATENCY_MS)
    """Time per output token as a user sees it: one decode step of the whole batch plus the prefills of the
    requests that join the batch meanwhile (planner perf's "while serving" line)."""


RATE_FIELDS = ("input_tokens", "output_tokens", "slo")
"""Fields that only mean something beside ``requests_per_second``."""


class Workload(ScenarioModel):
    """One thing to run: a model, a task and how much of it."""

    name: str = Field(min_length=1, max_length=B.MAX_NAME_CHARS)
    """Unique within the scenario; reports and errors name the workload by it."""
    model: str = Field(min_length=1, max_length=B.MAX_TEXT_CHARS)
    """Catalog model name, nominal size (``7b``) or path to a Hugging Face ``config.json``."""
    task: Task = "inference"
    """``inference`` (serving), or training: ``lora``, ``qlora`` (4-bit base) or ``full`` fine-tuning."""
    precision: str = Field(default="bf16", max_length=B.MAX_NAME_CHARS)
    """Weight format: ``bf16``, ``fp8``, ``int4``, ``awq-int4``, GGUF ``q4_k_m``, as ``planner estimate``."""
    engine: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Inference engine (``vllm``, ``sglang``, ``transformers``, ``llama.cpp``); None lets the memory model
    pick."""
    checkpoint: str | None = Field(default=None, min_length=1, max_length=B.MAX_TEXT_CHARS)
    """What the engine loads in the printed launch: a Hugging Face repository id (``owner/name``) or a local
    path (a GGUF file for llama.cpp; a repository of GGUF files: llama.cpp picks the planned type). It must
    hold the model in ``precision``; None: the catalog's instruction-tuned or quantized repository, or a
    placeholder naming the quantized checkpoint to find. The memory model reads ``model``, not this."""
    engine_version: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Engine release whose memory behaviour to model (``vllm>=0.17``, ``0.11``); None: the newest known."""
    context: int = Field(default=4096, gt=0, le=B.MAX_CONTEXT_TOKENS)
    """Tokens per sequence held in memory (prompt + generation). A load stated as a rate holds its mean
    request (input plus output tokens) per sequence, and its servers accept requests up to the larger of
    this context and that mean (vLLM's --max-model-len)."""
    batch: int = Field(default=1, gt=0, le=B.MAX_BATCH, validation_alias=AliasChoices("batch", "concurrency"))
    """Concurrent sequences (serving; ``concurrency`` in YAML is the same) or micro-batch size (training)."""
    replicas: int = Field(default=1, gt=0, le=B.MAX_REPLICAS)
    """Copies of the workload running at once (availability or throughput)."""
    hours_per_month: float = Field(default=HOURS_PER_MONTH, ge=0, le=HOURS_PER_MONTH)
    """Hours the workload runs each month; 730 is always on. With a ``schedule``: the hours it schedules
    (08-20 on weekdays is 260.7), or fewer."""
    interruptible: bool = False
    """May run on spot capacity (batch jobs, evaluations); on spot it runs ``hardware.spot_overhead`` more
    hours to redo the work preemptions lose."""
    headroom: float | None = Field(default=None, ge=0, lt=1)
    """Fraction of each GPU kept free on top of the estimate; None uses the scenario's."""
    kv_precision: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """KV-cache format (``16bit``, ``fp8``, ``q8_0``, ``q4_0``); None: 16-bit."""
    gradient_checkpointing: bool | None = None
    """Training: recompute activations instead of holding them; None: on."""
    optimizer: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Training optimizer (``adamw``, ``adamw-8bit``, ``sgd``); None: adamw."""
    lora_rank: int | None = Field(default=None, gt=0, le=B.MAX_LORA_RANK)
    """LoRA/QLoRA adapter rank; None: 16."""
    framework: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Training framework whose recipe sets the defaults below (``torchtune``, ``unsloth``, ...); None:
    ``hf-trainer``. Each recipe field overrides its own default (README: "Training recipes: --framework";
    docs/memory-model.md, "Training recipes")."""
    weights: Literal["amp", "pure-bf16"] | None = None
    """Training: how trainable weights and optimizer states are stored. ``amp``: 16-bit weights with an fp32
    master copy and fp32 states (AdamW 16 bytes per parameter); ``pure-bf16``: states in the weights' dtype,
    no master copy (8 bytes). None: the framework's."""
    optimizer_in_backward: bool | None = None
    """Training: step each parameter as its gradient is ready and free it (torchtune ``optimizer_in_bwd``),
    so only the largest gradient is alive. None: the framework's."""
    offload: Literal["none", "optimizer", "params"] | None = None
    """Training: what lives in host memory. ``optimizer``: optimizer states and master weights (ZeRO-Offload);
    ``params``: weights and gradients too, the GPU holding the layers being computed. None: the
    framework's."""
    activation_offload: bool | None = None
    """Training: checkpointed layer inputs kept in host memory (torchtune activation offloading, Unsloth's
    checkpointing); only the layers being computed stay on the GPU. None: the framework's."""
    loss: Literal["full", "chunked", "fused", "cce", "full-16bit"] | None = None
    """Training: how the loss holds the logits, bytes per token per vocabulary entry: ``full`` 12 (fp32
    upcast), ``full-16bit`` 6, ``chunked`` 3, ``fused`` 2, ``cce`` 0 (Cut Cross-Entropy never writes them).
    None: the framework's."""
    packing: bool | None = None
    """Training: several samples packed into each row of ``context`` tokens (no padding); without flash
    attention a block-causal mask is held. None: the framework's."""
    zero_stage: int | None = Field(default=None, ge=0, le=3)
    """Training over several GPUs: ZeRO/FSDP sharding. 1 shards optimizer states, 2 also gradients, 3 also
    weights; 0 shards nothing. None: the framework's (3 on more than one GPU)."""
    full_state_dict_save: bool | None = None
    """Training over several GPUs: checkpoints gather the whole model on rank 0 (accelerate
    ``FULL_STATE_DICT``), which that GPU must hold at save time. None: the framework's."""
    qlora_saved_inputs: bool | None = None
    """QLoRA: the 4-bit linear layers keep their inputs for the backward pass (bitsandbytes does, torchao's
    NF4 does not), adding each layer's attention and MLP inputs. None: the framework's."""
    gpus_per_replica: int | None = Field(default=None, gt=0, le=B.MAX_GPUS_PER_REPLICA)
    """Pin the tensor/data-parallel degree; None lets the optimizer choose."""
    memory_per_gpu: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """A measured figure (``18GiB``) used instead of the memory model; needs ``gpus_per_replica`` when > 1."""
    schedule: Schedule | None = None
    """When it runs each week; None: at any time. Its hours are the workload's ``hours_per_month`` unless
    that says fewer."""
    exclusive_group: str | None = Field(default=None, min_length=1, max_length=100)
    """Workloads of one group never run at the same time (someone switches between them), so they may hold
    the same memory."""
    min_replicas: int | None = Field(default=None, gt=0, le=100_000)
    """Availability: at least this many replicas (``replicas`` is raised to it), no two of them in one
    ``spread`` domain, so losing one machine (or GPU) leaves the others serving. None: no such rule."""
    requests_per_second: float | None = Field(default=None, gt=0, le=B.MAX_REQUESTS_PER_S)
    """Inference load as a peak rate instead of ``batch``/``replicas``: the optimizer picks the card, GPUs per
    replica and replica count that serve it within ``slo`` (docs/optimizer.md, "Load as a rate")."""
    input_tokens: int | None = Field(default=None, gt=0, le=B.MAX_CONTEXT_TOKENS)
    """Mean prompt tokens of a request (with ``requests_per_second``)."""
    output_tokens: int | None = Field(default=None, gt=0, le=B.MAX_CONTEXT_TOKENS)
    """Mean answer tokens of a request (with ``requests_per_second``)."""
    slo: Slo | None = None
    """Latency targets for a rate-stated load; None: only memory limits a replica's batch."""
    spread: Literal["gpu", "machine", "none"] = "machine"
    """The failure domain ``min_replicas`` spreads over: ``machine`` (default; what availability means to
    most teams), ``gpu`` (replicas may share a machine, never a GPU) or ``none`` (only the count)."""
    start_month: int = Field(default=1, ge=1, le=B.MAX_HORIZON_MONTHS)
    """First month (1-based, within ``horizon_months``) the workload runs; the plan buys or rents for it
    then (docs/optimizer.md, "Demand over time")."""
    end_month: int | None = Field(default=None, ge=1, le=B.MAX_HORIZON_MONTHS)
    """Last month it runs (inclusive); None: to the horizon's end."""
    growth_per_month: float = Field(default=0.0, ge=0, le=B.MAX_GROWTH_PER_MONTH)
    """Demand growth per month, compounding from ``start_month`` (0.05 = +5 % a month): on
    ``requests_per_second`` for a rate-stated load, else on ``replicas`` (rounded up)."""

    @model_validator(mode="before")
    @classmethod
    def _at_least_min_replicas(cls, data: object) -> object:
        """``min_replicas`` raises ``replicas`` (a workload asked for two for availability runs two)."""
        rate = isinstance(data, dict) and data.get("requests_per_second") is not None
        if isinstance(data, dict) and type(data.get("min_replicas")) is int and not rate:
            replicas = data.get("replicas", 1)
            if type(replicas) is int and replicas < data["min_replicas"]:
                data = {**data, "replicas": data["min_replicas"]}
        return data

    @model_validator(mode="before")
    @classmethod
    def _hours_from_schedule(cls, data: object) -> object:
        """A scheduled workload without ``hours_per_month`` runs (and is billed) the hours it schedules."""
        if isinstance(data, dict) and data.get("schedule") is not None and "hours_per_month" not in data:
            try:
                schedule = Schedule.model_validate(data["schedule"])
            except (ValidationError, TypeError):
                return data  # the field's own validation names what is wrong
            data = {**data, "hours_per_month": schedule.hours_per_month()}
        return data

    @model_validator(mode="after")
    def _hours_within_schedule(self) -> Workload:
        if self.schedule is None:
            return self
        scheduled = self.schedule.hours_per_month()
        if self.hours_per_month > scheduled * (1 + 1e-9):
            raise ValueError(
                f"hours_per_month {self.hours_per_month:g} is more than its schedule runs: "
                f"{len(self.schedule.slots())} h a week, {scheduled:.1f} h a month (leave hours_per_month "
                "out to take them, or widen the schedule)"
            )
        return self

    @model_validator(mode="after")
    def _rate_or_count(self) -> Workload:
        """A load is stated one way: a rate (the optimizer sizes batch and replicas) or a count."""
        if self.requests_per_second is None:
            given = [name for name in RATE_FIELDS if getattr(self, name) is not None]
            if given:
                raise ValueError(f"{given[0]} only goes with requests_per_second")
            return self
        # A count of 1 (the default) is what a dumped scenario (sweep, compare, workloads file) writes back.
        both = [n for n in ("replicas", "batch") if n in self.model_fields_set and getattr(self, n) != 1]
        if both:
            raise ValueError(
                f"give requests_per_second or {both[0]}, not both (a rate-stated load's batch and replicas "
                "are the optimizer's; min_replicas sets the floor)"
            )
        if self.task != "inference":
            raise ValueError("requests_per_second is for inference workloads")
        missing = [name for name in ("input_tokens", "output_tokens") if getattr(self, name) is None]
        if missing:
            raise ValueError(f"requests_per_second needs {missing[0]} (mean tokens per request)")
        if self.memory_per_gpu is not None:
            raise ValueError("requests_per_second sizes memory by the batch it serves; drop memory_per_gpu")
        return self

    @model_validator(mode="after")
    def _months_in_order(self) -> Workload:
        if self.end_month is not None and self.end_month < self.start_month:
            raise ValueError(f"end_month {self.end_month} is before start_month {self.start_month}")
        return self

    @property
    def varies(self) -> bool:
        """Whether its demand changes within a horizon (a start, an end or growth)."""
        return self.start_month != 1 or self.end_month is not None or self.growth_per_month > 0

    @property
    def replica_floor(self) -> int:
        """Fewest replicas the plan runs: ``replicas`` (raised to ``min_replicas``), for a rate-stated load
        ``min_replicas`` (default 1) below what its rate asks."""
        return max(self.replicas, self.min_replicas or 1)

    @property
    def rate_stated(self) -> bool:
        """Load given as requests per second (the optimizer sizes replicas and batch)."""
        return self.requests_per_second is not None

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

    @field_validator("framework")
    @classmethod
    def _known_framework(cls, value: str | None) -> str | None:
        """A misspelt framework is caught by ``planner validate``, with the name meant."""
        if value is not None:
            from planner.errors import PlannerError
            from planner.memory.frameworks import framework

            try:
                framework(value)
            except PlannerError as error:
                raise ValueError(str(error)) from None
        return value

    @field_validator("memory_per_gpu", mode="before")
    @classmethod
    def _bare_number_is_gib(cls, value: object) -> object:
        """``memory_per_gpu: 18`` is 18 GiB, as ``18`` in a CSV cell and ``--vram 18`` are."""
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

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


MEMORY_OPTIONS: tuple[str, ...] = (
    "engine",
    "engine_version",
    "kv_precision",
    "gradient_checkpointing",
    "optimizer",
    "lora_rank",
    "framework",
    "weights",
    "optimizer_in_backward",
    "offload",
    "activation_offload",
    "loss",
    "packing",
    "zero_stage",
    "full_state_dict_save",
    "qlora_saved_inputs",
)
"""Workload fields passed to the memory model when set (None leaves the model's default)."""


class Energy(ScenarioModel):
    """Running costs of local hardware; None falls back to the catalog's defaults."""

    usd_per_kwh: float | None = Field(default=None, gt=0, le=B.MAX_USD_PER_KWH)
    """Electricity price; None: the catalog's price for ``region``."""
    region: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """Electricity region in the catalog (e.g. ``US-VA``); ignored when ``usd_per_kwh`` is given."""
    pue: float | None = Field(default=None, ge=1, le=B.MAX_PUE)
    """Power usage effectiveness: facility power over IT power; None: the catalog's (1 in an office)."""
    gpu_utilisation: float = Field(default=0.7, gt=0, le=1)
    """Average GPU power draw while a workload runs, as a fraction of TDP."""
    gpu_idle_share_of_tdp: float | None = Field(default=None, ge=0, le=1)
    """Power a GPU draws while its machine is on and it computes nothing, as a fraction of TDP; None uses
    the figure for its card segment (data centre 12 %, desk cards 8 %: docs/optimizer.md)."""
    hosting: Literal["colocation", "office"] = "colocation"
    """``office``: no hosting fee and PUE 1 unless given; ``colocation``: per kW-month of peak IT power."""
    always_on: bool | None = None
    """Whether local machines stay powered all month (base power 730 h) or only while their GPUs work.
    None: always on in colocation, only while busy in an office."""
    colocation_usd_per_kw_month: float | None = Field(default=None, ge=0, le=B.MAX_USD_PER_KW_MONTH)
    """Colocation fee; None: the catalog's."""


class Hardware(ScenarioModel):
    """What kinds of hardware the plan may use."""

    bought: bool = True
    """May buy local systems."""
    cloud: bool = True
    """May rent cloud instances."""
    providers: tuple[str, ...] | None = None
    """Cloud providers allowed (``aws``, ``gcp``, ...); None allows all."""
    regions: tuple[str, ...] | None = None
    """Cloud regions allowed (``us-east-1``); None allows all."""
    pricing: tuple[PricingName, ...] = ("on_demand", "spot", "reserved_1y", "reserved_3y")
    """Cloud pricing kinds allowed; spot only for ``interruptible`` workloads."""
    gpus: tuple[str, ...] | None = None
    """GPU names allowed (catalog names or aliases); None allows all."""
    systems: tuple[str, ...] | None = None
    """Buyable system ids allowed; None allows all."""
    system_types: tuple[SystemType, ...] | None = None
    """Kinds of buyable system allowed, catalog systems and custom offers alike (a data centre may want
    servers only); None allows all."""
    spot_overhead: float = Field(default=0.1, ge=0, le=1)
    """Extra hours an interruptible job pays on spot, as a fraction of its hours: the work lost to
    preemptions (since the last checkpoint) and the restarts. 0.1 by default (docs/optimizer.md, spot)."""
    tensor_parallel_over_pcie: bool = True
    """A replica may split over the PCIe cards of one machine (vLLM, SGLang, llama.cpp and transformers
    all do); false keeps multi-GPU replicas to linked GPUs. Memory-feasible only: speed is not priced."""


class OwnedSystem(ScenarioModel):
    """Hardware the team already has: a catalog system id, or a GPU and a count."""

    system: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """A catalog system id (``planner catalog nodes``); or give ``gpu``."""
    gpu: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """A GPU name or alias from the catalog, for a machine not in the catalog."""
    gpu_count: int = Field(default=1, gt=0, le=MAX_GPUS_PER_MACHINE)
    """GPUs in each machine (with ``gpu``)."""
    count: int = Field(default=1, gt=0, le=B.MAX_UNITS)
    """How many such machines."""
    base_power_w: float = Field(default=150.0, ge=0, le=B.MAX_POWER_W)
    """Power of everything but the GPUs (with ``gpu``)."""
    gpus_linked: bool | None = None
    """GPUs joined by NVLink/NVSwitch or Infinity Fabric; None: multi-GPU SXM/OAM boards are (they are
    built so), PCIe cards are not (tensor parallelism then runs over PCIe)."""
    name: str | None = Field(default=None, max_length=B.MAX_NAME_CHARS)
    """What the reports call these machines; None: the system id or GPU."""
    system_type: SystemType | None = None
    """Where machines given by ``gpu`` stand: ``server`` in a rack (colocation charged), ``desktop`` or
    ``workstation`` by a desk (none). None: by a desk for consumer and workstation cards, in a rack for
    data-centre cards, as the catalog's systems with those cards are. A catalog ``system`` has its own."""

    @model_validator(mode="after")
    def _one_kind(self) -> OwnedSystem:
        if (self.system is None) == (self.gpu is None):
            raise ValueError("give either system (a catalog system id) or gpu")
        if self.system is not None and self.system_type is not None:
            raise ValueError(
                "system_type goes with gpu; a catalog system has its own (planner catalog nodes)"
            )
        return self


class CustomOffer(ScenarioModel):
    """A vendor's quote for a server, added to the buyable systems."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=B.MAX_NAME_CHARS)
    """Unique id, lower case (``hardware.systems`` and ``limits.stock`` refer to it)."""
    name: str = Field(max_length=B.MAX_NAME_CHARS)
    """What the reports call it."""
    gpu: str = Field(max_length=B.MAX_NAME_CHARS)
    """A GPU name or alias from the catalog."""
    gpu_count: int = Field(gt=0, le=MAX_GPUS_PER_MACHINE)
    """GPUs in one server."""
    price_usd: float = Field(gt=0, le=B.MAX_PRICE_USD)
    """Price of one whole server as quoted."""
    base_power_w: float = Field(default=500.0, ge=0, le=B.MAX_POWER_W)
    """Power of everything but the GPUs."""
    rack_units: int = Field(default=0, ge=0, le=B.MAX_RACK_UNITS_PER_MACHINE)
    """Height in the rack; 0 for a desk-side machine."""
    gpus_linked: bool | None = None
    """As ``OwnedSystem.gpus_linked``: None links multi-GPU SXM/OAM boards."""
    source: str = Field(default="vendor quote", max_length=B.MAX_TEXT_CHARS)
    """Where the price comes from (shown beside it in the reports)."""
    system_type: SystemType = "server"
    """``server``: in a rack, colocation charged; ``desktop`` or ``workstation``: by a desk, none."""


class Budgets(ScenarioModel):
    """What the plan may spend; None: no limit."""

    capex_usd: float | None = Field(default=None, ge=0, le=B.MAX_BUDGET_USD)
    """Most spent on purchases up front."""
    monthly_usd: float | None = Field(default=None, ge=0, le=B.MAX_BUDGET_USD)
    """Average spend per month (energy, hosting, rent), not counting purchases."""


class Limits(ScenarioModel):
    """Physical limits on local hardware; None: no limit."""

    it_power_kw: float | None = Field(
        default=None, gt=0, le=B.MAX_POWER_KW, validation_alias=AliasChoices("it_power_kw", "power_kw")
    )
    """IT load of local hardware at peak (GPUs at TDP + base power), kW, before cooling: what the circuits or
    the racks' power feeds carry. ``power_kw`` in YAML is the same (its former name)."""
    facility_power_kw: float | None = Field(default=None, gt=0, le=B.MAX_POWER_KW)
    """Facility load of local hardware: the IT load x PUE (cooling and distribution included), kW; what a
    data centre's contract or a site's connection caps."""

    @property
    def power_kw(self) -> float | None:
        """The IT limit by its former name (Python callers that read ``limits.power_kw``)."""
        return self.it_power_kw

    rack_units: int | None = Field(default=None, ge=0, le=B.MAX_UNITS)
    """Rack space for bought and owned servers."""
    stock: dict[str, Annotated[int, Field(le=B.MAX_UNITS)]] = Field(default_factory=dict)
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


class Finance(ScenarioModel):
    """How purchases are valued at the horizon's end, how later money is weighed, and what the
    alternatives keep."""

    useful_life_months: int | None = Field(default=DEFAULT_LIFE_MONTHS, gt=0, le=600)
    """Bought hardware loses its value in a straight line over this many months; at the horizon's end it is
    still worth ``price x max(0, 1 - horizon / life)`` (the residual value, subtracted from the cost). 60 by
    default: computers are 5-year property under MACRS (IRS Publication 946). None: worth nothing."""
    resale_share: float | None = Field(default=None, ge=0, le=1)
    """Share of the purchase price recovered by selling at the horizon's end; overrides
    ``useful_life_months`` where given (used-GPU prices fall faster than a straight line)."""
    discount_rate_per_year: float = Field(default=0.0, ge=0, lt=1)
    """Annual rate for the net present value of the monthly cash flows (0.08 is 8 % a year); 0 keeps the
    plain sum. Reported beside the totals; the plan is chosen on the undiscounted cost."""
    alternatives_keep_owned: bool = True
    """Alternatives keep the owned hardware (owned + rent against owned + buy): the decision is about what
    to add. False compares with renting or buying everything anew."""


class ReservedOverride(ScenarioModel):
    """A provider's committed-use discounts off on-demand, replacing the catalog's."""

    one_year: float = Field(ge=0, lt=1)
    """Discount for a 1-year commitment (0.37 = 37 % off)."""
    three_year: float = Field(ge=0, lt=1)
    """Discount for a 3-year commitment."""


class Scenario(ScenarioModel):
    """What a team wants to run and what it may spend: the top level of a scenario file."""

    name: str = Field(min_length=1, max_length=B.MAX_NAME_CHARS)
    """Names the plan and its default report file (``reports/<name>.xlsx``)."""
    description: str = Field(default="", max_length=B.MAX_TEXT_CHARS)
    """Free text, for people."""
    horizon_months: int = Field(default=36, gt=0, le=B.MAX_HORIZON_MONTHS)
    """Months over which purchases and running costs are compared."""
    currency: str = Field(default="USD", min_length=3, max_length=3)
    """Currency of the reports (ISO code); any but USD needs ``usd_to_currency``."""
    usd_to_currency: float = Field(default=1.0, gt=0, le=B.MAX_USD_TO_CURRENCY)
    """Exchange rate applied to every USD price: units of ``currency`` per USD (1.0 for USD). Required for any
    currency but USD: without it the USD figures would only be relabelled."""
    usd_to_currency_as_of: dt.date | None = None
    """Date of the exchange rate (YYYY-MM-DD), stated beside it in every report."""
    headroom: float = Field(default=0.2, ge=0, lt=1)
    """Fraction of each GPU kept free on top of the memory estimate (services keep 20-30 %)."""
    energy: Energy = Energy()
    """Running costs of local hardware."""
    hardware: Hardware = Hardware()
    """What kinds of hardware the plan may use."""
    owned: tuple[OwnedSystem, ...] = ()
    """Hardware the team already has (no purchase price)."""
    custom_offers: tuple[CustomOffer, ...] = ()
    """Vendor quotes added to the buyable systems."""
    purchase_prices_usd: dict[str, Annotated[float, Field(le=B.MAX_PRICE_USD)]] = Field(default_factory=dict)
    """Override the catalog purchase price of a system (system id -> USD)."""
    reserved_discounts: dict[str, ReservedOverride] = Field(default_factory=dict)
    """Override a provider's committed-use discounts (provider -> discounts)."""
    budgets: Budgets = Budgets()
    """Spending limits."""
    limits: Limits = Limits()
    """Power, rack space and stock limits."""
    finance: Finance = Finance()
    """Residual value, discounting and what the alternatives keep."""
    workloads: tuple[Workload, ...] = Field(min_length=1)
    """What to run: at least one workload."""
    workloads_file: str | None = None
    """A CSV or Excel file (``fleet.xlsx``, ``fleet.xlsx#Sheet``) with one workload per row, relative to the
    scenario file; its rows are added to ``workloads`` when the scenario is loaded."""

    @field_validator("purchase_prices_usd")
    @classmethod
    def _positive_prices(cls, value: dict[str, float]) -> dict[str, float]:
        for key, price in value.items():
            if price <= 0:
                raise ValueError(f"price of {key} must be > 0")
        return value

    @model_validator(mode="after")
    def _rate_for_currency(self) -> Scenario:
        """A currency other than USD needs its rate: every catalog price is in USD."""
        if self.currency.upper() != "USD" and "usd_to_currency" not in self.model_fields_set:
            raise PydanticCustomError(
                "currency_rate",
                "usd_to_currency is required for currency {currency}: catalog prices are in USD, so give "
                "{currency} per USD (e.g. usd_to_currency: 0.92) and its date (usd_to_currency_as_of)",
                {"currency": self.currency},
            )
        if self.currency.upper() == "USD" and self.usd_to_currency != 1.0:
            raise PydanticCustomError(
                "currency_rate",
                "usd_to_currency is {rate} but currency is USD: set currency to the one the rate converts to",
                {"rate": self.usd_to_currency},
            )
        return self

    @model_validator(mode="after")
    def _months_within_horizon(self) -> Scenario:
        """A workload's start and end lie inside the horizon."""
        for w in self.workloads:
            for name in ("start_month", "end_month"):
                month = getattr(w, name)
                if month is not None and month > self.horizon_months:
                    raise ValueError(
                        f"workload {w.name!r}: {name} {month} is past horizon_months {self.horizon_months}"
                    )
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> Scenario:
        seen: set[str] = set()
        for w in self.workloads:
            if w.name in seen:
                raise ValueError(f"workload name {w.name!r} is used twice")
            seen.add(w.name)
        ids: set[str] = set()
        for offer in self.custom_offers:
            if offer.id in ids:
                raise ValueError(f"custom offer id {offer.id!r} is used twice")
            ids.add(offer.id)
        return self
