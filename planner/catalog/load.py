"""Stage 1: read the built-in catalog files, then a user's own catalog directories, into one Catalog.

One concern per file (``gpus.yaml``, ``systems.yaml``, ``cloud.csv``, ``cloud_excluded.csv``,
``energy.yaml``, ``reserved.yaml``, ``fabrics.yaml``: the network between cloud instances, kept apart from the
imported prices); a user directory may hold any subset under the same names. Rows with
the same key (GPU name, system id, cloud id, provider) override the built-in row, new rows extend the
catalog. A malformed row raises ``CatalogError`` naming the file, line and field: never a silent zero.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from planner.catalog.paths import BUILTIN_CATALOG_DIR
from planner.catalog.schema import (
    Catalog,
    CloudFabric,
    CloudOffer,
    EnergyDefaults,
    ExcludedCloudRow,
    GpuSpec,
    ReservedDiscount,
    SystemOffer,
    _normalise,
)
from planner.errors import CONTROL_CHARACTERS, CatalogError, quote
from planner.safe_yaml import SafeLoader
from planner.units import GIB, parse_bytes

GPUS_FILE = "gpus.yaml"
SYSTEMS_FILE = "systems.yaml"
CLOUD_FILE = "cloud.csv"
EXCLUDED_FILE = "cloud_excluded.csv"
ENERGY_FILE = "energy.yaml"
RESERVED_FILE = "reserved.yaml"
FABRICS_FILE = "fabrics.yaml"

STALE_AFTER_DAYS = 180
"""Cloud prices move within months; a catalog older than this gets a warning, not an error."""

LINKED_FORM_FACTORS = ("SXM", "OAM", "module", "Superchip")
"""Form factors whose multi-GPU boards are NVLink/NVSwitch/Infinity Fabric meshes (PCIe cards are not)."""

_M = TypeVar("_M", bound=BaseModel)


class StaleCatalogWarning(UserWarning):
    """A catalog file's ``as_of`` is more than ``STALE_AFTER_DAYS`` old: prices may have moved."""


def load_catalog(extra_dirs: Sequence[Path] = (), *, today: dt.date | None = None) -> Catalog:
    """Build the catalog from the built-in files plus each directory in ``extra_dirs``, in order."""
    dirs = [BUILTIN_CATALOG_DIR, *(Path(d) for d in extra_dirs)]
    for directory in dirs[1:]:
        if not directory.is_dir():
            raise CatalogError(f"{directory}: catalog directory does not exist")
    gpus: dict[str, GpuSpec] = {}
    systems: dict[str, SystemOffer] = {}
    cloud: dict[str, CloudOffer] = {}
    excluded: dict[tuple[str, ...], ExcludedCloudRow] = {}
    reserved: dict[str, ReservedDiscount] = {}
    fabrics: dict[str, CloudFabric] = {}
    energy_raw: dict[str, Any] = {}
    energy_path: Path | None = None
    dates: list[tuple[dt.date, Path]] = []
    origins: dict[str, Callable[[], str]] = {}
    """Where each system/cloud offer came from ("file:line"), computed only if its GPU turns out unknown."""
    for index, directory in enumerate(dirs):
        builtin = index == 0

        def present(name: str, directory: Path = directory, builtin: bool = builtin) -> Path | None:
            path = directory / name
            if path.is_file():
                return path
            if builtin:
                raise CatalogError(f"{path}: built-in catalog file is missing")
            return None

        if path := present(GPUS_FILE):
            dates.append((_read_yaml_list(path, "gpus", GpuSpec, gpus, _gpu_key, _gpu_row), path))
        if path := present(SYSTEMS_FILE):
            read: list[str] = []
            dates.append(
                (_read_yaml_list(path, "systems", SystemOffer, systems, lambda s: s.id, dict, read), path)
            )
            for system_id in read:
                origins[f"system {system_id!r}"] = _yaml_origin(path, "systems", "id", system_id)
        if path := present(RESERVED_FILE):
            key: Callable[[ReservedDiscount], str] = lambda r: r.provider.lower()  # noqa: E731
            dates.append((_read_yaml_list(path, "discounts", ReservedDiscount, reserved, key, dict), path))
        if path := present(ENERGY_FILE):
            energy_path = path
            _merge_energy(energy_raw, _read_yaml_mapping(path))
        if path := present(CLOUD_FILE):
            newest: dt.date | None = None
            for line, offer in _read_cloud_rows(path, None):
                cloud[offer.id] = offer
                origins[f"cloud offer {offer.id!r}"] = functools.partial(_where, path, line)
                if offer.as_of is not None:  # an undated row is reported as such, not as fresh or old
                    newest = offer.as_of if newest is None else max(newest, offer.as_of)
            if newest is not None:
                # A price file is as old as its newest row: an import with --as-of 2020-01-01 went unwarned.
                # (The oldest row would warn on every run for the built-in Azure snapshot, dated 2024-12-31.)
                dates.append((newest, path))
        if path := present(FABRICS_FILE):
            # Not a price: its date does not age the catalog.
            _read_yaml_list(path, "instances", CloudFabric, fabrics, _fabric_key, dict)
        if (path := directory / EXCLUDED_FILE).is_file():
            for row in _read_excluded_csv(path):
                excluded[
                    (row.provider, row.instance_type, row.accelerator_name, row.gpu_count, row.region)
                ] = row
    assert energy_path is not None  # the built-in directory always has one
    energy = _validate(EnergyDefaults, energy_raw, energy_path, None, "energy defaults")
    dates.append((energy.as_of, energy_path))
    catalog = Catalog(
        gpus=tuple(gpus.values()),
        systems=tuple(systems.values()),
        cloud=tuple(_with_fabric(offer, fabrics) for offer in cloud.values()),
        reserved_discounts=tuple(reserved.values()),
        energy=energy,
        as_of=min(date for date, _ in dates),
        excluded_cloud=tuple(excluded.values()),
    )
    catalog = _resolve_gpu_names(catalog, origins)
    _warn_if_stale(dates, today or dt.date.today())
    return catalog


def _fabric_key(entry: CloudFabric) -> str:
    return f"{entry.provider}|{entry.instance_type}"


def _with_fabric(offer: CloudOffer, fabrics: Mapping[str, CloudFabric]) -> CloudOffer:
    """The offer with its instance type's fabric, where ``fabrics.yaml`` names one (every region)."""
    entry = fabrics.get(f"{offer.provider}|{offer.instance_type}")
    return offer if entry is None else offer.model_copy(update={"fabric": entry.fabric})


def default_gpus_linked(gpu: GpuSpec, gpu_count: int) -> bool:
    """Multi-GPU SXM/OAM boards are linked for tensor parallelism; PCIe cards are not.

    NVLink bridges on PCIe cards join pairs only; where a row knows better, it says so explicitly.
    """
    return gpu_count > 1 and any(form in gpu.form_factor for form in LINKED_FORM_FACTORS)


def read_cloud_csv(path: Path, text: str | None = None) -> list[CloudOffer]:
    """Read a planner cloud catalog CSV (columns by header name); ``id`` defaults to provider:instance:region.

    GPU names are not resolved here (that needs the GPU catalog): ``load_catalog`` does it.
    """
    return [offer for _, offer in _read_cloud_rows(path, text)]


def _read_cloud_rows(path: Path, text: str | None) -> list[tuple[int, CloudOffer]]:
    offers: list[tuple[int, CloudOffer]] = []
    seen: dict[str, int] = {}
    for line, row in _csv_rows(path, text):
        raw: dict[str, Any] = {k: v for k, v in row.items() if v != ""}
        if "host_memory_gib" in raw:
            raw["host_memory_bytes"] = (
                _number(raw.pop("host_memory_gib"), path, line, "host_memory_gib") * GIB
            )
        raw.setdefault(
            "id", f"{raw.get('provider', '')}:{raw.get('instance_type', '')}:{raw.get('region', '')}"
        )
        # A quote typed into one's own cloud.csv has no source file and commit: the row itself is the source.
        raw.setdefault("source_file", path.name)
        raw.setdefault("source_commit", f"line {line}")
        offer = _validate(CloudOffer, raw, path, line, "cloud offer")
        if offer.id in seen:
            raise CatalogError(
                f"{path}:{line}: duplicate cloud offer id {offer.id!r} (first on line {seen[offer.id]})"
            )
        seen[offer.id] = line
        offers.append((line, offer))
    return offers


def _read_excluded_csv(path: Path) -> list[ExcludedCloudRow]:
    rows = []
    for line, row in _csv_rows(path, None):
        raw = {k: v for k, v in row.items() if v != "" or k in {"instance_type", "accelerator_name"}}
        rows.append(_validate(ExcludedCloudRow, raw, path, line, "excluded cloud row"))
    return rows


def _csv_rows(path: Path, text: str | None) -> Iterable[tuple[int, dict[str, str]]]:
    if text is None:
        text = _read_text(path)
    for line, row in csv_records(path, text):
        if None in row:
            raise CatalogError(f"{path}:{line}: more cells than header columns")
        yield line, {str(k).strip(): (v or "").strip() for k, v in row.items()}


def csv_records(path: Path, text: str) -> Iterator[tuple[int, dict[str | None, Any]]]:
    """(line, row by header name) of every record: the one CSV reader of every catalog file and import.

    A cell past the csv module's limit (131,072 characters), a NUL byte or an unclosed quote is a
    ``CatalogError`` naming the line, as is a control character in any cell (an ESC sequence in an instance
    type would reach the terminal raw when the catalog is listed)."""
    reader = csv.DictReader(io.StringIO(text))
    try:
        for row in reader:
            for key, value in row.items():
                for cell in value if isinstance(value, list) else (key, value):
                    if isinstance(cell, str) and (found := CONTROL_CHARACTERS.search(cell)):
                        raise CatalogError(
                            f"{path}:{reader.line_num}: control character {found.group()!r} in {quote(cell)}"
                        )
            yield reader.line_num, row
    except csv.Error as error:
        raise CatalogError(f"{path}:{reader.line_num + 1}: not valid CSV ({error})") from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CatalogError(f"{path}: cannot read catalog file ({error})") from None


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    text = _read_text(path)
    try:
        data = yaml.load(text, Loader=SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise CatalogError(f"{path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a mapping at the top level")
    return data


def _read_yaml_list(
    path: Path,
    key: str,
    model: type[_M],
    into: dict[str, _M],
    key_of: Callable[[_M], str],
    prepare: Callable[[dict[str, Any]], dict[str, Any]],
    read: list[str] | None = None,
) -> dt.date:
    """Validate ``data[key]`` item by item into ``into`` (later files override); return ``as_of``."""
    data = _read_yaml_mapping(path)
    as_of = _date(data.get("as_of"))
    if as_of is None:
        raise CatalogError(
            f"{path}:{_yaml_line(path, ('as_of',))}: field 'as_of': missing or not a date (YYYY-MM-DD), "
            f"got {quote(data.get('as_of'))}"
        )
    items = data.get(key)
    if not isinstance(items, list):
        raise CatalogError(f"{path}: field '{key}': expected a list of entries")
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise CatalogError(f"{path}:{_yaml_line(path, (key, index))}: entry {index + 1} is not a mapping")
        try:
            raw = prepare(item)
        except (ValueError, TypeError) as error:
            field = getattr(error, "field", "?")
            line = _yaml_line(path, (key, index, field))
            raise CatalogError(f"{path}:{line}: field '{field}': {error}") from None
        record = _validate(model, raw, path, None, key[:-1], yaml_loc=(key, index))
        record_key = key_of(record)
        if record_key in seen:
            raise CatalogError(f"{path}:{_yaml_line(path, (key, index))}: duplicate entry {record_key!r}")
        seen.add(record_key)
        into[record_key] = record
        if read is not None:
            read.append(record_key)
    return as_of


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` date that exists, or None (the YAML loader keeps dates as the text written)."""
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


class _FieldError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _gpu_row(item: dict[str, Any]) -> dict[str, Any]:
    """Memory is written with its unit (``24GiB``, ``22888MiB``) in the file and held in bytes."""
    raw = dict(item)
    for key, field in (("vram", "vram_bytes"), ("usable_vram", "usable_vram_bytes")):
        if key in raw:
            value = raw.pop(key)
            if not isinstance(value, str):
                raise _FieldError(key, f"write memory with a unit, e.g. 24GiB (got {value!r})")
            try:
                raw[field] = parse_bytes(value)
            except ValueError as error:
                raise _FieldError(key, str(error)) from None
    if "usable_vram_bytes" in raw:  # the usable figure is the capacity; the nominal one is kept beside it
        raw["nominal_vram_bytes"] = raw.get("vram_bytes")
        raw["vram_bytes"] = raw.pop("usable_vram_bytes")
    return raw


def _gpu_key(gpu: GpuSpec) -> str:
    return _normalise(gpu.name)


def _validate(
    model: type[_M],
    raw: Mapping[str, Any],
    path: Path,
    line: int | None,
    what: str,
    yaml_loc: tuple[Any, ...] | None = None,
) -> _M:
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        # A misspelt field shows up as "unknown" plus "missing": the unknown one explains both.
        first = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")[0]
        loc = [str(part) for part in first["loc"]]
        field = (
            {"vram_bytes": "vram", "host_memory_bytes": "host_memory_gib"}.get(loc[0], loc[0]) if loc else "?"
        )
        message = "missing (required)" if first["type"] == "missing" else first["msg"]
        if first["type"] == "extra_forbidden":
            message = "unknown field (check the spelling)"
        if line is None:
            line = (
                _yaml_line(path, (*yaml_loc, field)) if yaml_loc is not None else _yaml_line(path, (field,))
            )
        name = raw.get("id") or raw.get("name") or raw.get("provider") or ""
        label = f"{what} {quote(name)}" if name else what
        raise CatalogError(
            f"{path}:{line}: {label}: field {quote('.'.join([field, *loc[1:]]))}: {message}"
        ) from None


def _yaml_line(path: Path, loc: tuple[Any, ...]) -> int:
    """1-based line of the deepest node along ``loc`` (keys and list indices); composed only on error."""
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=SafeLoader)
    except (OSError, yaml.YAMLError):
        return 1
    line = 0
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    line, node = key_node.start_mark.line, value_node
                    break
            else:
                break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line + 1


def _where(path: Path, line: int) -> str:
    return f"{path}:{line}"


def _yaml_origin(path: Path, key: str, id_field: str, value: str) -> Callable[[], str]:
    def origin() -> str:
        data = _read_yaml_mapping(path)
        for index, item in enumerate(data.get(key) or []):
            if isinstance(item, dict) and item.get(id_field) == value:
                return f"{path}:{_yaml_line(path, (key, index, 'gpu'))}"
        return str(path)

    return origin


def _merge_energy(into: dict[str, Any], data: Mapping[str, Any]) -> None:
    """A user's energy.yaml overrides the fields it sets; electricity prices merge by region."""
    for key, value in data.items():
        if key == "electricity" and isinstance(value, list) and isinstance(into.get(key), list):
            by_region = {str(e.get("region")): e for e in into[key] if isinstance(e, dict)}
            by_region.update({str(e.get("region")): e for e in value if isinstance(e, dict)})
            into[key] = list(by_region.values())
        else:
            into[key] = value


def _number(text: str, path: Path, line: int, field: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CatalogError(f"{path}:{line}: field '{field}': not a number: {text!r}") from None


def _resolve_gpu_names(catalog: Catalog, origins: Mapping[str, Callable[[], str]]) -> Catalog:
    """Every system and cloud offer must name a known GPU; store the canonical name once, here."""
    index: dict[str, str] = {}
    for spec in catalog.gpus:
        for alias in spec.aliases:
            index.setdefault(_normalise(alias), spec.name)
    for spec in catalog.gpus:  # a canonical name wins over another GPU's alias
        index[_normalise(spec.name)] = spec.name

    def canonical(name: str, what: str) -> str:
        if (found := index.get(_normalise(name))) is not None:
            return found
        where = origins[what]() if what in origins else "catalog"
        raise CatalogError(
            f"{where}: {what}: field 'gpu': unknown GPU {name!r} (not in gpus.yaml by name or alias)"
        )

    systems = tuple(
        s.model_copy(update={"gpu": canonical(s.gpu, f"system {s.id!r}")}) for s in catalog.systems
    )
    cloud = tuple(
        c.model_copy(update={"gpu": canonical(c.gpu, f"cloud offer {c.id!r}")}) for c in catalog.cloud
    )
    return catalog.model_copy(update={"systems": systems, "cloud": cloud})


def _warn_if_stale(dates: Sequence[tuple[dt.date, Path]], today: dt.date) -> None:
    oldest, path = min(dates, key=lambda pair: pair[0])
    age = (today - oldest).days
    if age > STALE_AFTER_DAYS:
        warnings.warn(
            StaleCatalogWarning(
                f"catalog file {path} is {age} days old (as_of {oldest}); prices may have changed: "
                "refresh it (planner catalog import-skypilot) or pass a newer --catalog-dir"
            ),
            stacklevel=3,
        )
