"""Catalog records (stage 1): what hardware exists, what it costs, and where each figure came from.

Every price carries a source and the date of that source (``price_date``, ``as_of``), because a plan is only
as current as its prices; where the date was not recorded it is None and the reports say so. Memory is
in bytes (usable memory, which is what a workload can fill), money in US dollars.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import Field

from planner import bounds as B
from planner.base import FrozenModel
from planner.units import MAX_BYTES

PriceKind = Literal["launch_msrp", "street", "quote", "estimate"]
FabricKind = Literal["infiniband", "efa", "roce", "gpudirect-tcpx"]
"""Networks that carry one replica's traffic between machines: InfiniBand, AWS Elastic Fabric Adapter, RDMA
over Converged Ethernet, and Google's GPUDirect-TCPX (A3 machines)."""
MAX_GPUS_PER_MACHINE = 64
"""More GPUs than any machine has (the largest in the catalogs hold 8-16): a typo, not hardware. A million
GPUs in one imported row made a solve run for minutes past its time limit, building per-GPU rows."""


class GpuSpec(FrozenModel):
    """One GPU model, as a card or a module."""

    name: str
    """Canonical name, e.g. ``RTX 4090`` or ``H100 SXM 80GB``."""
    aliases: tuple[str, ...] = ()
    """Other spellings users and cloud catalogs use (``H100``, ``NVIDIA H100 80GB HBM3``)."""
    vendor: Literal["NVIDIA", "AMD", "Intel"]
    segment: Literal["consumer", "workstation", "datacenter"]
    architecture: str
    compute_capability: str = Field(default="", max_length=16, pattern=r"^(|\d+\.\d+|gfx[0-9a-f]+)$")
    """What engines check before they choose a kernel: NVIDIA's CUDA compute capability (``"8.9"``) or
    AMD's LLVM target (``"gfx942"``); "" where unknown (an engine's hardware rule then allows no format it
    limits, ``memory.support``)."""
    vram_bytes: int = Field(gt=0, le=B.MAX_DEVICE_BYTES)
    """Usable device memory in bytes: what ``nvidia-smi`` reports as total, which is what a process gets
    (ECC and the driver's reserve taken off: a T4 has 15,360 MiB of its 16 GiB). The fit and the fleet plan
    read it. Where the catalog gives no usable figure, the nominal one (a "24 GB" card has 24 GiB)."""
    nominal_vram_bytes: int | None = Field(default=None, gt=0, le=B.MAX_DEVICE_BYTES)
    """The memory the card is sold with, where the usable figure differs (``vram`` in gpus.yaml)."""
    usable_vram_source: str = ""
    """Where the usable figure was read (an ``nvidia-smi`` log, a cloud catalog)."""
    vram_note: str = ""
    """Where the usable figure differs from the nominal one (e.g. A10G: 22,888 MiB)."""
    mem_bandwidth_gb_per_s: float = Field(gt=0, le=B.MAX_BANDWIDTH_GB_PER_S)
    """Memory bandwidth, GB/s (10^9 bytes per second)."""
    bf16_dense_tflops: float = Field(ge=0, le=B.MAX_TFLOPS)
    """Dense 16-bit tensor throughput with fp32 accumulate, TFLOP/s."""
    fp16_accumulate_tflops: float | None = Field(default=None, gt=0, le=B.MAX_TFLOPS)
    """Dense fp16 tensor throughput with fp16 accumulate, TFLOP/s, where it differs (GeForce: twice)."""
    tdp_w: float = Field(gt=0, le=B.MAX_POWER_W)
    """Board power (TDP/TBP), watts."""
    form_factor: str
    nvlink: bool
    fp8_dense_tflops: float | None = Field(default=None, gt=0, le=B.MAX_TFLOPS)
    """Dense 8-bit floating-point tensor throughput, TFLOP/s; None where the card has no fp8 tensor cores."""
    gpu_link_gb_per_s: float | None = Field(default=None, gt=0, le=B.MAX_BANDWIDTH_GB_PER_S)
    """GPU-to-GPU link (NVLink, a bridge, Infinity Fabric) per GPU, both directions, GB/s; None: none."""
    pcie_gb_per_s: float = Field(default=32, gt=0, le=B.MAX_BANDWIDTH_GB_PER_S)
    """Host link (PCIe) per GPU, both directions, GB/s; tensor parallelism without a GPU link runs over it."""
    memory_type: str = ""
    price_usd: float | None = Field(default=None, gt=0, le=B.MAX_PRICE_USD)
    """Purchase price of one card in USD; None where no public price exists."""
    price_kind: PriceKind | None = None
    price_date: dt.date | None = None
    """Date of the price's source (launch announcement, article, quote); None where it is not known."""
    price_source: str = ""
    source: str
    """Where the specs came from (vendor datasheet URL)."""
    notes: str = ""
    """How a figure was derived where it is not copied from the source (e.g. dense = sparse / 2)."""

    @property
    def sold_vram_bytes(self) -> int:
        """The memory the card is sold with: what a user means by "a 48 GB card"."""
        return self.nominal_vram_bytes or self.vram_bytes

    def answers_to(self, name: str) -> bool:
        """Whether ``name`` is this GPU's canonical name or an alias, ignoring case and spaces/dashes."""
        wanted = _normalise(name)
        return wanted == _normalise(self.name) or wanted in {_normalise(a) for a in self.aliases}


class Fabric(FrozenModel):
    """The network between machines of one offer that lets a replica span several of them (multi-node
    serving): its kind, its bandwidth per machine where the source gives it, and the source."""

    kind: FabricKind
    gbps_per_node: float | None = Field(default=None, gt=0, le=B.MAX_FABRIC_GBPS)
    """Network bandwidth of one machine, Gbit/s (all its adapters together); None where not published."""
    source: str


class SystemOffer(FrozenModel):
    """A buyable local system: a card in a desktop, a workstation or a multi-GPU server."""

    id: str
    """Stable identifier, lower case, e.g. ``server-8x-h100-sxm``."""
    name: str
    gpu: str
    """Canonical GPU name (must exist in the GPU catalog)."""
    gpu_count: int = Field(gt=0, le=MAX_GPUS_PER_MACHINE)
    base_price_usd: float = Field(ge=0, le=B.MAX_PRICE_USD)
    """Chassis, CPU, memory, storage and networking, without the GPUs."""
    total_price_usd: float | None = Field(default=None, gt=0, le=B.MAX_PRICE_USD)
    """Whole-system price where it is quoted as one figure (overrides base + GPUs)."""
    base_power_w: float = Field(ge=0, le=B.MAX_POWER_W)
    """Power drawn by everything except the GPUs under load, watts."""
    rack_units: int = Field(ge=0, le=B.MAX_RACK_UNITS_PER_MACHINE)
    """Rack units; 0 for a desk-side machine."""
    gpus_linked: bool
    """Whether the GPUs are linked (NVLink/NVSwitch/Infinity Fabric) well enough for tensor parallelism."""
    price_kind: PriceKind
    price_date: dt.date | None = None
    """Date of the price's source (the quote, the vendor page); None where nobody recorded it. Never the day
    the catalog was compiled."""
    price_source: str
    system_type: Literal["desktop", "workstation", "server"] = "server"
    """Desk-side machines pay no colocation; servers go in a rack."""
    notes: str = ""
    fabric: Fabric | None = None
    """The machines' network for a replica over several of them; None: one machine per replica."""


class CloudOffer(FrozenModel):
    """One cloud instance type in one region, as listed in SkyPilot's catalog."""

    id: str
    """``provider:instance_type:region``."""
    provider: str
    instance_type: str
    gpu: str
    """Canonical GPU name (must exist in the GPU catalog)."""
    gpu_count: int = Field(gt=0, le=MAX_GPUS_PER_MACHINE)
    vcpus: float = Field(ge=0, le=B.MAX_VCPUS)
    host_memory_bytes: int = Field(ge=0, le=MAX_BYTES)
    region: str
    price_usd_per_hour: float = Field(gt=0, le=B.MAX_PRICE_USD_PER_HOUR)
    """On-demand price of the whole instance, USD per hour."""
    spot_price_usd_per_hour: float | None = Field(default=None, gt=0, le=B.MAX_PRICE_USD_PER_HOUR)
    """Spot price, USD per hour; None where the catalog lists none (or it was excluded as an anomaly)."""
    gpus_linked: bool = True
    """Multi-GPU cloud instances are NVLink/NVSwitch machines unless the catalog says otherwise."""
    source_file: str
    source_commit: str
    as_of: dt.date | None = None
    """Date of the price's source: the catalog commit's date, or the day a hosted catalog was fetched. None
    (an empty cell) where it was not recorded; the reports then say the date is unknown."""
    note: str = ""
    catalog_gpu_name: str = ""
    """The accelerator name as the source catalog spells it (``A100-80GB``), before alias resolution."""
    fabric: Fabric | None = None
    """The instances' network for a replica over several of them (from ``fabrics.yaml``, by provider and
    instance type; SkyPilot's price catalog has no such column); None: one instance per replica."""


class CloudFabric(FrozenModel):
    """The fabric of one cloud instance type (``fabrics.yaml``), in every region the price catalog lists."""

    provider: str
    instance_type: str
    fabric: Fabric


class ExcludedCloudRow(FrozenModel):
    """A source catalog row planner does not offer to the optimizer, kept so the exclusion is visible."""

    provider: str
    instance_type: str
    accelerator_name: str
    gpu_count: str
    """As written in the source (may be fractional, e.g. ``0.25``)."""
    region: str
    price_usd_per_hour: float | None = Field(default=None, ge=-1e12, le=1e12)
    """As written in the source, anomalies included; never priced."""
    spot_price_usd_per_hour: float | None = Field(default=None, ge=-1e12, le=1e12)
    source_file: str
    source_commit: str
    reason: str


class ReservedDiscount(FrozenModel):
    """Committed-use discount off on-demand for one provider (fraction, 0.37 = 37 % off)."""

    provider: str
    one_year: float = Field(ge=0, lt=1)
    three_year: float = Field(ge=0, lt=1)
    verified: bool
    """False for headline figures ("up to 72 %") nobody checked against a GPU-instance price list."""
    source: str


class ElectricityPrice(FrozenModel):
    region: str
    usd_per_kwh: float = Field(gt=0, le=B.MAX_USD_PER_KWH)
    source: str
    as_of: dt.date | None = None
    """The date of the source's figure (its release); None: unknown, and the reports say so."""


class EnergyDefaults(FrozenModel):
    """Running costs of bought hardware: electricity, data-centre overhead (PUE) and colocation."""

    electricity: tuple[ElectricityPrice, ...]
    default_region: str
    pue: float = Field(ge=1, le=B.MAX_PUE)
    pue_source: str
    pue_as_of: dt.date | None = None
    """The date of the PUE's source; None: unknown."""
    colocation_usd_per_kw_month: float = Field(ge=0, le=B.MAX_USD_PER_KW_MONTH)
    colocation_source: str
    colocation_as_of: dt.date | None = None
    """The date of the colocation rate's source; None: unknown."""
    as_of: dt.date
    """When the file was compiled, not the date of its figures (each figure carries its own)."""


class Catalog(FrozenModel):
    """Everything the optimizer may choose from. Built by ``planner.catalog.load.load_catalog``."""

    gpus: tuple[GpuSpec, ...]
    systems: tuple[SystemOffer, ...]
    cloud: tuple[CloudOffer, ...]
    reserved_discounts: tuple[ReservedDiscount, ...]
    energy: EnergyDefaults
    as_of: dt.date
    """The oldest ``as_of`` of the files it was built from."""
    excluded_cloud: tuple[ExcludedCloudRow, ...] = ()
    """Source rows left out as anomalies, each with its reason (``planner catalog cloud --excluded``)."""

    def gpu(self, name: str) -> GpuSpec:
        """Look a GPU up by canonical name or alias, ignoring case and spaces/dashes.

        Raises ``KeyError`` with the unknown name; callers turn it into a user-facing error.
        """
        for spec in self.gpus:
            if spec.answers_to(name):
                return spec
        raise KeyError(name)

    def unknown_gpu(self, name: str) -> str:
        """The one-line answer to a GPU name the catalog does not know, with the closest name it does."""
        import difflib

        names = {_normalise(n): spec.name for spec in self.gpus for n in (spec.name, *spec.aliases)}
        typed = _normalise(name)
        # A model number is part of a card's name ("4070": the RTX 4070 Ti SUPER), and spelling distance alone
        # offered the RTX 4090 for it: names holding what was typed come first.
        holding = list(dict.fromkeys(full for n, full in names.items() if typed and typed in n))
        close = holding or [names[c] for c in difflib.get_close_matches(typed, list(names), n=1, cutoff=0.6)]
        meant = f" (did you mean {' or '.join(repr(c) for c in close[:3])}?)" if close else ""
        return f"unknown GPU {name!r}{meant}; see `planner catalog gpus`"

    def unknown_system(self, system_id: str, also: Iterable[str] = ()) -> str:
        """The one-line answer to a system id the catalog does not know (``server-8x-h100`` for
        ``server-8x-h100-sxm``), with the closest id it does; ``also``: other ids a scenario may name (its
        custom offers)."""
        import difflib

        ids = [*(s.id for s in self.systems), *also]
        close = difflib.get_close_matches(system_id.strip().lower(), ids, n=1, cutoff=0.6)
        meant = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown system id {system_id!r}{meant}; see `planner catalog nodes`"


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())
