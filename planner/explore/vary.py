"""What a sweep varies: ``--vary PATH=VALUES`` parsed into axes, and one point applied to a scenario.

A path is dotted into the scenario as written in YAML (``energy.usd_per_kwh``, ``horizon_months``,
``workloads.chat-assistant.hours_per_month``: a workload by name, by index, or ``*`` for all), or names a
price factor on the catalog (``price.gpu.H100``, ``price.provider.aws``: every price of that GPU or provider
times the value). Values are a list (``3,6,12``) or a range ``start:stop:count`` with both ends included.
"""

from __future__ import annotations

import itertools
import math
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from planner.catalog.schema import Catalog
from planner.errors import PlannerError
from planner.memory.lookup import suggestion
from planner.scenario.schema import Scenario

Value = float | int | str | bool
MAX_POINTS = 10_000
"""More points than anyone reads: a typo in a count (``0:1:100000``), refused before solving."""


@dataclass(frozen=True)
class Axis:
    path: str
    values: tuple[Value, ...]


def parse_vary(spec: str) -> Axis:
    """``PATH=VALUES`` -> an Axis; one error line naming the spec when it is malformed."""
    path, sep, text = spec.partition("=")
    path = path.strip()
    if not sep or not path or not text.strip():
        raise PlannerError(f"--vary {spec!r}: expected PATH=VALUES, e.g. energy.usd_per_kwh=0.08:0.32:7")
    return Axis(path, parse_values(text, path))


def parse_values(text: str, path: str = "") -> tuple[Value, ...]:
    """``a:b:n`` (n evenly spaced values, both ends included) or ``v1,v2,...``."""
    text = text.strip()
    if ":" in text and "," not in text:
        parts = text.split(":")
        if len(parts) != 3:
            raise PlannerError(f"--vary {path}: a range is start:stop:count, got {text!r}")
        try:
            start, stop, count = float(parts[0]), float(parts[1]), int(parts[2])
        except ValueError:
            raise PlannerError(
                f"--vary {path}: a range is start:stop:count of numbers, got {text!r}"
            ) from None
        if not (math.isfinite(start) and math.isfinite(stop)) or not 2 <= count <= MAX_POINTS:
            raise PlannerError(
                f"--vary {path}: finite ends and a count from 2 to {MAX_POINTS:,}, got {text!r}"
            )
        step = (stop - start) / (count - 1)
        values = [start + i * step for i in range(count)]
        if all(v.is_integer() for v in values):
            return tuple(int(v) for v in values)
        return tuple(float(f"{v:.12g}") for v in values)
    values_out = tuple(_scalar(part.strip()) for part in text.split(",") if part.strip())
    if not values_out:
        raise PlannerError(f"--vary {path}: no values in {text!r}")
    return values_out


def _scalar(text: str) -> Value:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        raise PlannerError(f"--vary: {text!r} is not a finite number")
    return int(number) if number.is_integer() and "." not in text and "e" not in lowered else number


def axes_from(vary: Mapping[str, Sequence[Value] | str] | Sequence[str]) -> tuple[Axis, ...]:
    """Axes from CLI specs (``["a=1,2"]``) or a mapping (``{"a": [1, 2]}`` or ``{"a": "0:1:5"}``)."""
    if isinstance(vary, Mapping):
        axes = tuple(
            Axis(path, parse_values(v, path) if isinstance(v, str) else tuple(v)) for path, v in vary.items()
        )
    else:
        axes = tuple(parse_vary(spec) for spec in vary)
    if not axes:
        raise PlannerError("--vary: give at least one PATH=VALUES")
    if len({a.path for a in axes}) != len(axes):
        raise PlannerError("--vary: a path is given twice")
    if math.prod(len(a.values) for a in axes) > MAX_POINTS:
        raise PlannerError(f"--vary: more than {MAX_POINTS:,} points")
    return axes


def grid(axes: Sequence[Axis]) -> list[tuple[Value, ...]]:
    """Every combination, the last axis varying fastest (the order of the rows)."""
    return list(itertools.product(*(a.values for a in axes)))


# --- price factors on the catalog (one record per kind of factor) ----------------------------------------


def _scale_gpu(catalog: Catalog, name: str, factor: float) -> Catalog:
    try:
        canonical = catalog.gpu(name).name
    except KeyError:
        raise PlannerError(f"--vary price.gpu.{name}: {catalog.unknown_gpu(name)}") from None
    gpus = tuple(
        g.model_copy(update={"price_usd": g.price_usd * factor}) if g.name == canonical and g.price_usd else g
        for g in catalog.gpus
    )
    systems = tuple(
        s.model_copy(update={"total_price_usd": s.total_price_usd * factor})
        if s.gpu == canonical and s.total_price_usd
        else s
        for s in catalog.systems
    )
    return catalog.model_copy(
        update={
            "gpus": gpus,
            "systems": systems,
            "cloud": _scale_cloud(catalog, lambda o: o.gpu == canonical, factor),
        }
    )


def _scale_provider(catalog: Catalog, name: str, factor: float) -> Catalog:
    providers = sorted({o.provider for o in catalog.cloud})
    if name not in providers:
        hint = suggestion(name, providers) or f" (providers: {', '.join(providers)})"
        raise PlannerError(f"--vary price.provider.{name}: no cloud offers from {name!r}{hint}")
    return catalog.model_copy(update={"cloud": _scale_cloud(catalog, lambda o: o.provider == name, factor)})


def _scale_cloud(catalog: Catalog, chosen: Callable[[Any], bool], factor: float) -> tuple[Any, ...]:
    out = []
    for o in catalog.cloud:
        if chosen(o):
            spot = o.spot_price_usd_per_hour * factor if o.spot_price_usd_per_hour else None
            o = o.model_copy(
                update={"price_usd_per_hour": o.price_usd_per_hour * factor, "spot_price_usd_per_hour": spot}
            )
        out.append(o)
    return tuple(out)


PRICE_FACTORS: Mapping[str, Callable[[Catalog, str, float], Catalog]] = {
    "gpu": _scale_gpu,
    "provider": _scale_provider,
}
"""``price.<kind>.<name>``: every price of that GPU (cards, systems quoted whole, cloud instances) or that
cloud provider (on demand and spot; reserved terms follow as a discount off on demand) times the value."""


def apply_point(
    scenario: Scenario, catalog: Catalog, axes: Sequence[Axis], values: Sequence[Value]
) -> tuple[Scenario, Catalog]:
    """The scenario and catalog of one point; one error line naming the path where a value does not fit."""
    raw = scenario.model_dump(mode="json")
    for axis, value in zip(axes, values, strict=True):
        parts = axis.path.split(".")
        if parts[0] == "price":
            catalog = _price_factor(catalog, parts, value, axis.path)
        else:
            _set(raw, parts, value, axis.path)
    try:
        return Scenario.model_validate(raw), catalog
    except ValidationError as error:
        problem = error.errors()[0]
        field = ".".join(str(p) for p in problem["loc"])
        message = problem["msg"]
        if problem["type"] == "extra_forbidden":
            from planner.scenario.suggest import closest_field

            near = closest_field([k for k in problem["loc"] if isinstance(k, str | int)])
            message = "unknown field" + (f" (did you mean {near!r}?)" if near else "")
            # wrong at every point: the path as typed, not the first point ("horizon_month=3")
            typed = next((a.path for a in axes if a.path.split(".")[-1] == str(problem["loc"][-1])), field)
            raise PlannerError(f"--vary {typed}: {message}") from None
        from planner.scenario.load import first_problem

        shown = ", ".join(f"{a.path}={v}" for a, v in zip(axes, values, strict=True))
        # As the scenario file's errors read: workloads by name, no "Value error," from pydantic.
        raise PlannerError(f"--vary {shown}: {first_problem(error, raw)}") from None


def _price_factor(catalog: Catalog, parts: list[str], value: Value, path: str) -> Catalog:
    kind = parts[1] if len(parts) > 2 else ""
    scale = PRICE_FACTORS.get(kind)
    if scale is None:
        raise PlannerError(f"--vary {path}: a price factor is price.gpu.NAME or price.provider.NAME")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise PlannerError(f"--vary {path}: a price factor is a number > 0, got {value!r}")
    return scale(catalog, ".".join(parts[2:]), float(value))


def _set(node: Any, parts: list[str], value: Value, path: str) -> None:
    """Set ``value`` at ``parts`` inside the dumped scenario; lists take an index, a name or ``*``."""
    head, rest = parts[0], parts[1:]
    if isinstance(node, list):
        targets = node if head == "*" else [_item(node, head, path)]
        for item in targets:
            if rest:
                _set(item, rest, value, path)
            else:
                raise PlannerError(f"--vary {path}: give a field of the item, e.g. {path}.hours_per_month")
        return
    if not isinstance(node, dict):
        raise PlannerError(f"--vary {path}: {head!r} is inside a value, not a section")
    if not rest:
        node[head] = [value] if _is_list_field(path) else value
        return
    if node.get(head) is None:
        node[head] = {}
    _set(node[head], rest, value, path)


def _is_list_field(path: str) -> bool:
    """Whether the scenario field at ``path`` holds a list (``hardware.gpus``, ``hardware.providers``): one
    value a point then stands for the list of that value alone, so ``hardware.gpus=RTX 4090,RTX 5090``
    solves on each card by itself. Varying a card this way was refused with "Input should be a valid
    tuple", and price factors were the only sweep over cards."""
    model: Any = Scenario
    parts = path.split(".")
    for i, part in enumerate(parts):
        fields = getattr(model, "model_fields", None)
        if fields is None:
            return False
        if part not in fields:
            if isinstance(fields, dict) and i and "name" in fields:  # a list item by name, index or *
                continue
            return False
        annotation = fields[part].annotation
        if typing.get_origin(annotation) in (typing.Union, types.UnionType):  # X | None: X
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        if typing.get_origin(annotation) in (list, tuple):
            if i == len(parts) - 1:
                return True
            model = typing.get_args(annotation)[0]  # workloads.NAME...: the item's model
            continue
        model = annotation
    return False


def _item(items: list[Any], key: str, path: str) -> Any:
    for item in items:
        if isinstance(item, dict) and item.get("name") == key:
            return item
    if key.isdigit() and int(key) < len(items):
        return items[int(key)]
    from planner.memory.lookup import suggestion

    names = [str(item["name"]) for item in items if isinstance(item, dict) and item.get("name") is not None]
    hint = suggestion(key, names) or (f" (names: {', '.join(names)})" if names else "")
    raise PlannerError(f"--vary {path}: no item named {key!r}{hint}")
