"""Stage 1, read side: the catalog as rows for ``planner catalog gpus|nodes|cloud|models`` (sky show-gpus).

Rows are plain dicts of display values (memory in GiB, labelled in the column name), built and sorted here so
the CLI only prints them. ``--min-vram`` compares a GPU's own memory for ``gpus`` and the whole machine's
memory (gpu_count x per-GPU) for ``nodes`` and ``cloud``, since that is what a model must fit in.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from planner.catalog.pricing import system_price_date, system_price_usd
from planner.catalog.schema import Catalog, CloudOffer, Fabric, GpuSpec, SystemOffer
from planner.units import GIB

Row = dict[str, Any]
_Machine = TypeVar("_Machine", SystemOffer, CloudOffer)

UNKNOWN_DATE = "unknown"
"""Shown for a price whose source date nobody recorded (never the day the catalog was compiled)."""


def fabric_label(fabric: Fabric | None) -> str:
    """``efa 3200 Gbps``: the network a replica may span machines over; "" where there is none."""
    if fabric is None:
        return ""
    return f"{fabric.kind} {fabric.gbps_per_node:g} Gbps" if fabric.gbps_per_node else fabric.kind


def _date(value: dt.date | None) -> str:
    return value.isoformat() if value is not None else UNKNOWN_DATE


def gpu_rows(catalog: Catalog, *, text: str = "", min_vram_bytes: int = 0) -> list[Row]:
    """One row per GPU, smallest memory first, then cheapest. ``min_vram_bytes`` compares the memory a card
    is sold with (a "48 GB" card passes 48GiB though its driver reports 47.99 GiB); ``vram_gib`` shows what
    the driver reports, the memory plans use."""
    rows = []
    for gpu in catalog.gpus:
        if gpu.sold_vram_bytes < min_vram_bytes or not _matches(
            text, gpu.name, *gpu.aliases, gpu.vendor, gpu.segment
        ):
            continue
        rows.append(
            {
                "gpu": gpu.name,
                "vendor": gpu.vendor,
                "segment": gpu.segment,
                "vram_gib": round(gpu.vram_bytes / GIB, 1),
                "bandwidth_gb_per_s": gpu.mem_bandwidth_gb_per_s,
                "bf16_dense_tflops": gpu.bf16_dense_tflops,
                "tdp_w": gpu.tdp_w,
                "nvlink": gpu.nvlink,
                "price_usd": gpu.price_usd,
                "price_kind": gpu.price_kind,
                "price_date": _date(gpu.price_date) if gpu.price_usd is not None else None,
            }
        )
    rows.sort(key=lambda r: (r["vram_gib"], r["price_usd"] is None, r["price_usd"] or 0, r["gpu"]))
    return rows


def _machines(
    catalog: Catalog,
    offers: Iterable[_Machine],
    words: Callable[[_Machine, GpuSpec], Iterable[str]],
    *,
    text: str,
    min_vram_bytes: int,
) -> Iterator[tuple[_Machine, GpuSpec, int]]:
    """Each machine (system or instance) whose whole memory as sold, gpu_count x per-GPU, reaches
    ``min_vram_bytes`` and whose ``words`` match ``text``; with its GPU and the memory its driver reports."""
    for offer in offers:
        gpu = catalog.gpu(offer.gpu)
        total = gpu.vram_bytes * offer.gpu_count
        sold = gpu.sold_vram_bytes * offer.gpu_count
        if sold >= min_vram_bytes and _matches(text, *words(offer, gpu)):
            yield offer, gpu, total


def node_rows(catalog: Catalog, *, text: str = "", min_vram_bytes: int = 0) -> list[Row]:
    """One row per buyable system, by total memory then price."""
    rows = [
        {
            "id": system.id,
            "gpu": gpu.name,
            "gpu_count": system.gpu_count,
            "total_vram_gib": round(total / GIB, 1),
            "price_usd": round(system_price_usd(system, catalog)),
            "linked": system.gpus_linked,
            "fabric": fabric_label(system.fabric),
            "power_w": round(system.base_power_w + system.gpu_count * gpu.tdp_w),
            "rack_units": system.rack_units,
            "type": system.system_type,
            "price_kind": system.price_kind,
            "price_date": _date(system_price_date(system, catalog)),
        }
        for system, gpu, total in _machines(
            catalog,
            catalog.systems,
            lambda s, g: (s.id, s.name, g.name, *g.aliases),
            text=text,
            min_vram_bytes=min_vram_bytes,
        )
    ]
    rows.sort(key=lambda r: (r["total_vram_gib"], r["price_usd"], r["id"]))
    return rows


def cloud_rows(catalog: Catalog, *, text: str = "", min_vram_bytes: int = 0) -> list[Row]:
    """One row per instance type and region, grouped by GPU and count, cheapest first (like sky show-gpus)."""
    rows = [
        {
            "gpu": gpu.name,
            "gpu_count": offer.gpu_count,
            "vram_gib": round(total / GIB, 1),
            "provider": offer.provider,
            "instance_type": offer.instance_type,
            "usd_per_hour": offer.price_usd_per_hour,
            "spot_usd_per_hour": offer.spot_price_usd_per_hour,
            "usd_per_gpu_hour": round(offer.price_usd_per_hour / offer.gpu_count, 4),
            "region": offer.region,
            "as_of": _date(offer.as_of),
            "fabric": fabric_label(offer.fabric),
            "note": offer.note,
        }
        for offer, gpu, total in _machines(
            catalog,
            catalog.cloud,
            # The GPU, provider and instance type, and the region only when TEXT is the whole region: as a
            # word of it, T4 found H100 rows in us-east4, and without it us-west-2 found nothing at all.
            lambda o, g: (
                o.provider,
                o.instance_type,
                g.name,
                o.catalog_gpu_name,
                *g.aliases,
                *([o.region] if _is_region(text, o.region) else []),
            ),
            text=text,
            min_vram_bytes=min_vram_bytes,
        )
    ]
    rows.sort(key=lambda r: (r["gpu"], r["gpu_count"], r["usd_per_hour"], r["provider"], r["instance_type"]))
    return rows


def excluded_cloud_rows(catalog: Catalog, *, text: str = "") -> list[Row]:
    """Source rows left out of the optimizer's choices, with the reason."""
    return [
        {
            "provider": row.provider,
            "instance_type": row.instance_type,
            "accelerator": row.accelerator_name,
            "gpu_count": row.gpu_count,
            "region": row.region,
            "usd_per_hour": row.price_usd_per_hour,
            "spot_usd_per_hour": row.spot_price_usd_per_hour,
            "reason": row.reason,
        }
        for row in catalog.excluded_cloud
        if _matches(text, row.provider, row.instance_type, row.accelerator_name)
        or _is_region(text, row.region)
    ]


def _is_region(text: str, region: str) -> bool:
    """Whether ``text`` is the whole of ``region`` (``--filter us-west-2``), ignoring case and dashes; never a
    word inside it, so that T4 finds no us-east4."""
    return bool(text) and _words(region) == _words(text)


def model_rows(models: Iterable[Any], *, text: str = "") -> list[Row]:
    """One row per model of the model catalog (name, type, parameters, source), by parameter count."""
    rows = []
    for model in models:
        name = str(getattr(model, "name", ""))
        aliases = [str(a) for a in getattr(model, "aliases", ())]
        if not _matches(text, name, *aliases):
            continue
        params = getattr(model, "params", None)
        if params is None:
            params = getattr(model, "param_count", None)
        rows.append(
            {
                "name": name,
                "model_type": getattr(model, "model_type", None),
                "params_b": round(params / 1e9, 2) if isinstance(params, int | float) else params,
                "source": getattr(model, "source", ""),
            }
        )
    rows.sort(key=lambda r: (r["params_b"] if isinstance(r["params_b"], int | float) else 0, r["name"]))
    return rows


TABLE_CELL_MAX = 60
"""Long notes are cut in the text table (JSON and CSV keep them whole)."""


def render(rows: Sequence[Mapping[str, Any]], fmt: str, *, empty: str = "(no rows match)") -> str:
    """Rows as an aligned text table, JSON (a list of objects) or CSV; the column names carry the units.
    ``empty``: the table's line where no row matches (``no_match``)."""
    if fmt == "json":
        return json.dumps(list(rows), indent=2) + "\n"
    if not rows:
        return "" if fmt == "csv" else empty + "\n"
    columns = list(rows[0])
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        return buffer.getvalue()
    cells = [[_cell(row[c]) for c in columns] for row in rows]
    headers = [c.upper() for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    numeric = [all(isinstance(row[c], int | float) or row[c] is None for row in rows) for c in columns]
    lines = []
    for line in [headers, *cells]:
        parts = [v.rjust(w) if num else v.ljust(w) for v, w, num in zip(line, widths, numeric, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"


def no_match(text: str, names: Mapping[str, str]) -> str:
    """The line of a listing ``--filter text`` left empty: the text, and where it matches none of ``names``
    (what a filter finds: a name or alias -> the name to offer), the closest one, by the suggester every
    misspelt name in planner gets (``rtx4900``: 'GeForce RTX 4090'). Where it does match a name, something
    else (``--min-vram``) emptied the list, and nothing is suggested."""
    if not text:
        return "(no rows match)"
    from planner.memory.lookup import suggestion

    if any(_matches(text, name) for name in names):
        return f"(no rows match {text!r})"
    hint = suggestion(text, names, names)  # " (did you mean 'x'?)", or "" where nothing is close
    return f"(no rows match {text!r}{'; ' + hint.strip()[1:-1] if hint else ''})"


def gpu_names(catalog: Catalog) -> dict[str, str]:
    """Every GPU name and alias -> the GPU's name (what ``--filter`` offers for a typo)."""
    return {n: gpu.name for gpu in catalog.gpus for n in (gpu.name, *gpu.aliases)}


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    text = str(value)
    return text if len(text) <= TABLE_CELL_MAX else text[: TABLE_CELL_MAX - 3] + "..."


def _matches(text: str, *fields: str) -> bool:
    """Whether ``text`` names a word of a field, ignoring case, spaces and dashes (``rtx4090`` finds
    ``RTX 4090``). A match starting with a letter may not follow a letter, and one ending in a digit may not
    run on into a digit, so ``T4`` finds no ``us-east4`` and ``L4`` no ``L40S``."""
    if not text:
        return True
    pattern = _pattern(text)
    return pattern is None or any(pattern.search(_words(f)) for f in fields if f)


@functools.lru_cache(maxsize=64)
def _pattern(text: str) -> re.Pattern[str] | None:
    chars = [ch for ch in text.lower() if ch.isalnum()]
    if not chars:
        return None
    before = r"(?<![a-z])" if chars[0].isalpha() else r"(?<![0-9])"
    after = r"(?![0-9])" if chars[-1].isdigit() else ""
    return re.compile(before + " ?".join(re.escape(ch) for ch in chars) + after)


def _words(value: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in value.lower()).split())


def gpus_matching(catalog: Catalog, text: str) -> list[GpuSpec]:
    """GPUs whose name or an alias ``text`` matches as ``--filter`` does (``A100`` finds four cards)."""
    return [gpu for gpu in catalog.gpus if _matches(text, gpu.name, *gpu.aliases)]
