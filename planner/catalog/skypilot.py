"""Stage 1 interop: SkyPilot's public price catalog (``catalogs/v*/<cloud>/vms.csv``) as planner offers.

SkyPilot's format (github.com/skypilot-org/skypilot-catalog): one row per instance type and availability zone
with the columns InstanceType, AcceleratorName, AcceleratorCount, vCPUs, MemoryGiB, GpuInfo, Price, SpotPrice,
Region, AvailabilityZone (v8 adds Arch). Column order differs by cloud, so columns are read by header name.
GpuInfo is a Python literal (single quotes); it is parsed with ``ast.literal_eval``, never evaluated.

GCP lists the host VM and the GPUs as separate rows: host rows have an InstanceType and no accelerator,
GPU rows an accelerator and no InstanceType. An offer is host + GPUs, joined by region through ``GCP_HOSTS``.
"""

from __future__ import annotations

import ast
import csv
import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from planner.catalog.load import csv_records, default_gpus_linked
from planner.catalog.schema import MAX_GPUS_PER_MACHINE, Catalog, CloudOffer, GpuSpec
from planner.errors import CatalogError
from planner.units import GIB, MIB

REQUIRED_COLUMNS = (
    "InstanceType",
    "AcceleratorName",
    "AcceleratorCount",
    "vCPUs",
    "MemoryGiB",
    "Price",
    "Region",
)

GCP_HOSTS: Mapping[str, Mapping[int, str]] = {
    # Machine families with GPUs built in (one machine type per GPU count), as SkyPilot pairs them.
    "A100": {
        1: "a2-highgpu-1g",
        2: "a2-highgpu-2g",
        4: "a2-highgpu-4g",
        8: "a2-highgpu-8g",
        16: "a2-megagpu-16g",
    },
    "A100-80GB": {1: "a2-ultragpu-1g", 2: "a2-ultragpu-2g", 4: "a2-ultragpu-4g", 8: "a2-ultragpu-8g"},
    "H100": {1: "a3-highgpu-1g", 2: "a3-highgpu-2g", 4: "a3-highgpu-4g", 8: "a3-highgpu-8g"},
    "H100-MEGA": {8: "a3-megagpu-8g"},
    "H200": {8: "a3-ultragpu-8g"},
    "B200": {8: "a4-highgpu-8g"},
    # The smallest g2 machine type for each L4 count.
    "L4": {1: "g2-standard-4", 2: "g2-standard-24", 4: "g2-standard-48", 8: "g2-standard-96"},
}
"""GCP accelerator -> GPU count -> host machine type."""

GCP_N1_HOSTS: Mapping[int, str] = {
    1: "n1-standard-8",
    2: "n1-standard-16",
    4: "n1-standard-32",
    8: "n1-standard-64",
}
"""Host for GPUs attached to an N1 VM (T4, V100, P4, P100): planner's choice of 8 vCPUs per GPU, a common
serving shape; SkyPilot itself lets the user pick any n1 size."""

OUTPUT_COLUMNS = (
    "provider",
    "instance_type",
    "gpu",
    "catalog_gpu_name",
    "gpu_count",
    "vcpus",
    "host_memory_gib",
    "region",
    "price_usd_per_hour",
    "spot_price_usd_per_hour",
    "gpus_linked",
    "source_file",
    "source_commit",
    "as_of",
    "note",
)
"""Columns of planner's cloud catalog (``catalogs/cloud.csv``), in file order."""


@dataclass(frozen=True)
class SkippedRow:
    """A source offer not imported, and why (unknown GPU, no on-demand price, fractional GPU, ...)."""

    instance_type: str
    accelerator: str
    region: str
    reason: str


@dataclass(frozen=True)
class ImportResult:
    offers: tuple[CloudOffer, ...]
    skipped: tuple[SkippedRow, ...] = field(default=())


@dataclass
class _Group:
    """All availability-zone rows of one (instance type or GPU part, region)."""

    first: dict[str, str]
    prices: list[float] = field(default_factory=list)
    spot_prices: list[float] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    """Price cells that are not numbers, as written (``Price 'n/a'``): the offer is skipped, or its spot
    dropped, and the reason listed, rather than one garbled cell stopping the whole import."""


def import_skypilot(
    path: Path,
    cloud: str,
    catalog: Catalog,
    *,
    region: str | None = None,
    source_commit: str = "unknown",
    as_of: dt.date | None = None,
    text: str | None = None,
) -> ImportResult:
    """Read a SkyPilot ``vms.csv`` for ``cloud`` into offers priced per instance-hour.

    On-demand price: the region's price (the same in every zone). Spot: the lowest zone's spot price; a spot
    price at or above on-demand is dropped with a note, because it is no discount. ``as_of`` is the date of
    the file's source (its commit, or the day it was fetched); None writes it as unknown, never as today.
    """
    cloud = cloud.strip().lower()
    if not cloud:
        raise CatalogError("--cloud: a provider name is needed (aws, gcp, azure, lambda, ...)")
    groups = _group_rows(path, text, region)
    offers: list[CloudOffer] = []
    skipped: list[SkippedRow] = []
    if cloud == "gcp":
        parts = _gcp_offers(groups)
    else:
        parts = [(key[0], [group]) for key, group in groups.items() if group.first["AcceleratorName"]]
    for instance_type, members in parts:
        result = _offer(cloud, instance_type, members, catalog, path, source_commit, as_of)
        if isinstance(result, SkippedRow):
            skipped.append(result)
        else:
            offers.append(result)
    offers.sort(key=lambda o: (o.gpu, o.gpu_count, o.price_usd_per_hour, o.id))
    kept: dict[str, CloudOffer] = {}
    for offer in offers:
        if offer.id in kept:
            # One instance type in a region listed with two accelerators: an id the loader would refuse.
            first = kept[offer.id]
            reason = f"listed again with {offer.catalog_gpu_name!r}; kept {first.catalog_gpu_name!r}"
            skipped.append(SkippedRow(offer.instance_type, offer.catalog_gpu_name, offer.region, reason))
        else:
            kept[offer.id] = offer
    return ImportResult(offers=tuple(kept.values()), skipped=tuple(skipped))


def parse_gpu_info(text: str) -> dict[str, Any]:
    """SkyPilot's GpuInfo cell as a dict (``{}`` when empty); a literal, parsed without evaluating code."""
    if not text.strip():
        return {}
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise ValueError(f"GpuInfo is not a Python literal: {text[:60]!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"GpuInfo is not a mapping: {text[:60]!r}")
    return value


def gpu_memory_bytes(gpu_info: Mapping[str, Any]) -> int | None:
    """Per-GPU memory from GpuInfo (``Gpus[0].MemoryInfo.SizeInMiB``), or None where the cell has none."""
    gpus = gpu_info.get("Gpus")
    if isinstance(gpus, list) and gpus and isinstance(gpus[0], dict):
        info = gpus[0].get("MemoryInfo")
        size = info.get("SizeInMiB") if isinstance(info, dict) else None
        if isinstance(size, int | float) and size > 0:
            return int(size * MIB)
    return None


def write_cloud_csv(offers: Iterable[CloudOffer], path: Path | None) -> str:
    """Write offers in planner's cloud.csv format; to ``path`` atomically (temp file + rename) if given."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, OUTPUT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for offer in offers:
        writer.writerow(
            {
                "provider": offer.provider,
                "instance_type": offer.instance_type,
                "gpu": offer.gpu,
                "catalog_gpu_name": offer.catalog_gpu_name,
                "gpu_count": offer.gpu_count,
                "vcpus": _fmt(offer.vcpus),
                "host_memory_gib": _fmt(offer.host_memory_bytes / GIB),
                "region": offer.region,
                "price_usd_per_hour": _fmt(offer.price_usd_per_hour),
                "spot_price_usd_per_hour": ""
                if offer.spot_price_usd_per_hour is None
                else _fmt(offer.spot_price_usd_per_hour),
                "gpus_linked": "true" if offer.gpus_linked else "false",
                "source_file": offer.source_file,
                "source_commit": offer.source_commit,
                "as_of": "" if offer.as_of is None else offer.as_of.isoformat(),
                "note": offer.note,
            }
        )
    text = buffer.getvalue()
    if path is not None:
        from planner.files import text_writer, write_atomic

        try:
            write_atomic(path, text_writer(text))
        except OSError as error:
            raise CatalogError(f"{path}: cannot write ({error.strerror or error})") from None
    return text


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _group_rows(path: Path, text: str | None, region: str | None) -> dict[tuple[str, str, str, str], _Group]:
    if text is None:
        try:
            text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's byte-order mark is no column name
        except (OSError, UnicodeDecodeError) as error:
            raise CatalogError(f"{path}: cannot read SkyPilot catalog ({error})") from None
    header = next((list(row) for _, row in csv_records(path, text.partition("\n")[0] + "\n_")), [])
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogError(f"{path}: not a SkyPilot vms.csv: missing column(s) {', '.join(missing)}")
    groups: dict[tuple[str, str, str, str], _Group] = {}
    for line, record in csv_records(path, text):
        row = {
            k: (v or "").strip()
            for k, v in record.items()
            if isinstance(k, str) and isinstance(v, str | None)
        }
        if region is not None and row["Region"] != region:
            continue
        key = (row["InstanceType"], row["AcceleratorName"], row["AcceleratorCount"], row["Region"])
        group = groups.setdefault(key, _Group(first=row))
        for column, prices in (("Price", group.prices), ("SpotPrice", group.spot_prices)):
            if cell := row.get(column):
                number = _number(cell)
                if number is None:
                    group.unreadable.append(f"{column} {cell[:40]!r} (line {line})")
                else:
                    prices.append(number)
        if row.get("GpuInfo"):
            try:
                parse_gpu_info(row["GpuInfo"])
            except ValueError as error:
                raise CatalogError(f"{path}:{line}: field 'GpuInfo': {error}") from None
    return groups


def _gcp_offers(groups: Mapping[tuple[str, str, str, str], _Group]) -> list[tuple[str, list[_Group]]]:
    """Pair each GPU row with its host row in the same region; a host without GPUs is a CPU VM (skipped)."""
    hosts = {(k[0], k[3]): g for k, g in groups.items() if k[0] and not k[1]}
    parts: list[tuple[str, list[_Group]]] = []
    for (instance_type, accelerator, count_text, region), group in groups.items():
        if not accelerator:
            continue
        if instance_type:  # some catalogs already list the GPU on the machine row
            parts.append((instance_type, [group]))
            continue
        count = _int_count(count_text)
        host_type = (GCP_HOSTS.get(accelerator) or GCP_N1_HOSTS).get(count or 0, "")
        host = hosts.get((host_type, region))
        members = [group] if host is None else [group, host]
        parts.append((host_type or f"(no host for {count_text}x {accelerator})", members))
    return parts


def _offer(
    cloud: str,
    instance_type: str,
    members: Sequence[_Group],
    catalog: Catalog,
    path: Path,
    source_commit: str,
    as_of: dt.date | None,
) -> CloudOffer | SkippedRow:
    gpu_row = members[0].first
    accelerator, region = gpu_row["AcceleratorName"], gpu_row["Region"]

    def skip(reason: str) -> SkippedRow:
        return SkippedRow(instance_type, accelerator, region, reason)

    if not instance_type or not region:
        return skip("no instance type" if not instance_type else "no region")
    count = _int_count(gpu_row["AcceleratorCount"])
    if count is None:
        return skip(f"fractional or missing GPU count {gpu_row['AcceleratorCount']!r}")
    if count > MAX_GPUS_PER_MACHINE:
        return skip(f"{count} GPUs in one machine (more than {MAX_GPUS_PER_MACHINE}): not hardware")
    try:
        spec = catalog.gpu(accelerator)
    except KeyError:
        return skip(f"GPU {accelerator!r} is not in the GPU catalog (add it or an alias to gpus.yaml)")
    spec = _variant(spec, accelerator, instance_type, catalog)
    notes: list[str] = []
    if (cloud, instance_type) in INSTANCE_GPUS:
        card, why = INSTANCE_GPUS[(cloud, instance_type)]
        try:
            spec = catalog.gpu(card)
            notes.append(why)
        except KeyError:
            pass
    if cloud == "gcp" and not gpu_row["InstanceType"]:
        if len(members) < 2:
            return skip(f"no host VM row {instance_type!r} in {region}")
        notes.append(f"host {instance_type} + {count}x {accelerator} (GCP lists them separately)")
    bad = [u for m in members for u in m.unreadable if u.startswith("Price ")]
    if bad:
        return skip(f"on-demand price not a number: {', '.join(bad)}")
    if not members[0].prices:
        return skip("no on-demand price (capacity blocks or reservations only)")
    own = min(members[0].prices)
    if not (0 < own < math.inf):
        return skip(f"on-demand price {own:g} is not a positive, finite price")
    if any(not m.prices or not (0 < min(m.prices) < math.inf) for m in members[1:]):
        return skip(
            f"host VM {instance_type!r} has no price (0.0 or empty), so the total would understate it"
        )
    price = sum(min(m.prices) for m in members)
    spot: float | None = None
    if bad_spot := [u for m in members for u in m.unreadable if u.startswith("SpotPrice ")]:
        notes.append(f"spot price not a number ({', '.join(bad_spot)}): that zone left out")
    if all(m.spot_prices for m in members):
        spot = sum(min(m.spot_prices) for m in members)
        if not (0 < spot < math.inf):
            notes.append(f"catalog spot {spot:g} is no price: spot dropped")
            spot = None
        elif spot >= price:
            notes.append(f"catalog spot {spot:g} >= on-demand: spot price dropped")
            spot = None
    host_row = members[-1].first
    memory = gpu_memory_bytes(parse_gpu_info(gpu_row.get("GpuInfo", "")))
    if memory is not None and abs(memory - spec.vram_bytes) > 0.05 * spec.vram_bytes:
        notes.append(
            f"GpuInfo memory {memory // MIB} MiB differs from {spec.name} in the GPU catalog "
            f"({spec.vram_bytes // MIB} MiB)"
        )
    sizes = {column: _number(host_row[column] or "0") for column in ("vCPUs", "MemoryGiB")}
    for column, size in sizes.items():
        if size is None:
            return skip(f"{column} {host_row[column][:40]!r} is not a number")
    raw = {
        "id": f"{cloud}:{instance_type}:{region}",
        "provider": cloud,
        "instance_type": instance_type,
        "gpu": spec.name,
        "catalog_gpu_name": accelerator,
        "gpu_count": count,
        "vcpus": sizes["vCPUs"],
        "host_memory_bytes": round((sizes["MemoryGiB"] or 0.0) * GIB),
        "region": region,
        "price_usd_per_hour": round(price, 6),
        "spot_price_usd_per_hour": None if spot is None else round(spot, 6),
        "gpus_linked": default_gpus_linked(spec, count),
        "source_file": f"{path.name} (SkyPilot vms.csv format)",
        "source_commit": source_commit,
        "as_of": as_of,
        "note": "; ".join(notes),
    }
    if cloud == "gcp" and not gpu_row["InstanceType"] and accelerator not in GCP_HOSTS:
        raw["instance_type"] = f"{instance_type} + {count}x {accelerator}"
        raw["id"] = f"{cloud}:{raw['instance_type']}:{region}"
    try:
        return CloudOffer.model_validate(raw)
    except ValidationError as error:  # negative vCPUs or memory, and what else a hand-made file may hold
        first = error.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"])
        return skip(f"{field_name}: {first['msg']} (got {first.get('input')!r})")


INSTANCE_GPUS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("lambda", "gpu_1x_a100"): (
        "A100 40GB PCIe",
        "Lambda 1x A100 is the 40 GB PCIe card (gpu_1x_a100_sxm4 is the SXM4 one)",
    ),
}
"""(cloud, instance type) -> (card, why) where neither SkyPilot's accelerator name (``A100``) nor the type's
name says which card it is: the shipped catalog's row for it says so, and without this a ``catalog update``
turned Lambda's PCIe card (250 W) into the SXM4 one (400 W) for the same instance."""

VARIANT_HINTS: Mapping[str, str] = {"pcie": "PCIe", "nvl": "NVL"}
"""An instance-type fragment that names a card variant SkyPilot's accelerator name leaves out (Lambda's
``gpu_1x_h100_pcie`` is listed as plain ``H100``): the importer then looks up ``<accelerator> <variant>``."""


def _variant(spec: GpuSpec, accelerator: str, instance_type: str, catalog: Catalog) -> GpuSpec:
    words = set(instance_type.lower().replace("-", "_").split("_"))
    for hint, suffix in VARIANT_HINTS.items():
        if hint in words:
            try:
                return catalog.gpu(f"{accelerator} {suffix}")
            except KeyError:
                return spec
    return spec


def _int_count(text: str) -> int | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value >= 1 and value.is_integer() else None


def _number(text: str) -> float | None:
    """A cell as a number, None where it is not one (``n/a``, ``$1.20``); ``nan`` and ``1e400`` are numbers
    here, which the price checks refuse by name."""
    try:
        return float(text)
    except ValueError:
        return None
