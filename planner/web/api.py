"""What the local page asks, answered by the library: one function per request, JSON in, JSON out.

Thin like the CLI: each function parses the request, calls the same library function the command calls
(``estimate_memory``, ``fit``, ``parse_scenario`` + ``solve``, ``compare_plans``) and returns its own
``to_dict``/JSON form, so the page shows the CLI's numbers. A ``PlannerError`` becomes ``{"error": line}``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

TASKS = ("inference", "lora", "qlora", "full")
PLAN_CACHE_SIZE = 32
"""Solved plans kept for their downloads (workbook, JSON, Markdown), newest last."""
MAX_YAML_CHARS = 1_000_000


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The built-in catalog, read once per server (70 ms a read; the memory bar asks on every keystroke)."""
    from planner.catalog.load import load_catalog

    return load_catalog()


def examples_dir() -> Path:
    """The shipped example scenarios (``scenarios/`` beside the package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def meta() -> dict[str, Any]:
    """What the forms offer: catalog models and GPUs, formats, engines, tasks, the example scenarios."""
    import planner
    from planner.catalog.models import load_model_catalog
    from planner.memory.engines import ENGINES
    from planner.memory.formats import KV_BYTES, WEIGHT_FORMATS

    folder = examples_dir()
    examples = (
        {p.stem: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.yaml"))}
        if folder.is_dir()
        else {}
    )
    return {
        "version": planner.__version__,
        "models": [m.name for m in load_model_catalog()],
        "gpus": [{"name": g.name, "vram_bytes": g.vram_bytes} for g in catalog().gpus],
        "precisions": list(WEIGHT_FORMATS),
        "kv_precisions": list(KV_BYTES),
        "engines": list(ENGINES),
        "tasks": list(TASKS),
        "examples": examples,
        "perf": perf_available(),
    }


def perf_available() -> bool:
    """The speed form is shown only where the library has the speed model."""
    import planner

    return callable(getattr(planner, "estimate_performance", None))


def _int(payload: dict[str, Any], key: str, default: int) -> int:
    value = payload.get(key, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PlannerError(f"{key}: a whole number, got {value!r}") from None
    if number < 1:
        raise PlannerError(f"{key}: must be at least 1, got {number}")
    return number


def _model(payload: dict[str, Any]) -> Any:
    """A catalog model or size by name, or a pasted config.json."""
    from planner.memory.architecture import from_config
    from planner.memory.resolve import resolve_model

    config = str(payload.get("config_json") or "").strip()
    if config:
        try:
            raw = json.loads(config)
        except json.JSONDecodeError as error:
            raise PlannerError(f"config.json: not valid JSON (line {error.lineno}: {error.msg})") from None
        if not isinstance(raw, dict):
            raise PlannerError("config.json: expected a JSON object of config fields")
        return from_config(raw, str(raw.get("_name_or_path") or "pasted config.json"), where="config.json")
    name = str(payload.get("model") or "").strip()
    if not name:
        raise PlannerError("model: pick a catalog model, type a size such as 7b, or paste a config.json")
    return resolve_model(name)


def estimate(payload: dict[str, Any]) -> dict[str, Any]:
    """The memory estimate (as ``planner estimate --format json``) and the card's fit (as ``planner fit``)."""
    from planner.memory.fit import fit

    arch = _model(payload)
    options: dict[str, Any] = {
        "task": str(payload.get("task") or "inference"),
        "precision": str(payload.get("precision") or "bf16"),
        "gpus": _int(payload, "gpus", 1),
        "engine": payload.get("engine") or None,
        "kv_precision": payload.get("kv_precision") or None,
    }
    try:
        headroom = float(payload.get("headroom", 0.2))
    except (TypeError, ValueError):
        raise PlannerError("headroom: a fraction such as 0.2") from None
    gpu_name = str(payload.get("gpu") or "").strip()
    if not gpu_name:
        raise PlannerError("gpu: pick a card")
    try:
        spec = catalog().gpu(gpu_name)
    except KeyError:
        raise PlannerError(f"gpu: {catalog().unknown_gpu(gpu_name)}") from None
    result = fit(
        arch,
        spec.vram_bytes,
        headroom=headroom,
        context=_int(payload, "context", 4096),
        batch=_int(payload, "batch", 1),
        **options,
    )
    from planner.perf.api import speed_at_largest_batch

    speed = speed_at_largest_batch(arch, spec.name, result, catalog())
    extra = {"performance": speed.to_dict()} if speed is not None else {}
    return {"estimate": result.estimate.to_dict(), "fit": {"gpu": spec.name, **result.to_dict(), **extra}}


def perf(payload: dict[str, Any]) -> dict[str, Any]:
    """The speed model, where the library has it: its own result, as its CLI prints it."""
    import planner

    if not perf_available():
        raise PlannerError("this planner has no speed model")
    function = getattr(planner, "estimate_performance")  # noqa: B009 (absent until the speed model lands)
    arguments = {k: _number_or_text(v) for k, v in payload.items() if v not in (None, "")}
    result = function(**arguments)
    return _as_dict(result)


def _as_dict(result: Any) -> dict[str, Any]:
    """The speed model's result in its own JSON form, whatever kind of record it is."""
    import dataclasses

    if hasattr(result, "to_dict"):
        return dict(result.to_dict())
    if hasattr(result, "model_dump"):
        return dict(result.model_dump(mode="json"))
    if dataclasses.is_dataclass(result) and not isinstance(result, type):
        return dataclasses.asdict(result)
    if isinstance(result, dict):
        return result
    return {"result": str(result)}


def _number_or_text(value: Any) -> Any:
    """Form fields arrive as text: whole numbers become ints, other numbers floats."""
    if not isinstance(value, str):
        return value
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def validate(payload: dict[str, Any]) -> dict[str, Any]:
    """The scenario editor's check: the same schema and loader as ``planner validate``."""
    scenario = _scenario(payload.get("yaml"))
    return {"ok": True, "name": scenario.name, "workloads": len(scenario.workloads)}


def _scenario(text: Any, label: str = "scenario") -> Any:
    from planner.scenario.load import parse_scenario

    if not isinstance(text, str) or not text.strip():
        raise PlannerError(f"{label}: empty; start from an example")
    if len(text) > MAX_YAML_CHARS:
        raise PlannerError(f"{label}: longer than {MAX_YAML_CHARS:,} characters")
    return parse_scenario(text, source=label, base_dir=examples_dir())


class PlanStore:
    """Solved plans by the hash of their scenario text, for the downloads; thread-safe, bounded."""

    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self._plans: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def solve(self, text: str, label: str = "scenario") -> tuple[str, Any]:
        from planner.pipeline import solve

        key = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        with self._lock:
            if key in self._plans:
                self._plans.move_to_end(key)
                return key, self._plans[key]
        plan = solve(_scenario(text, label), catalog())
        with self._lock:
            self._plans[key] = plan
            while len(self._plans) > self._size:
                self._plans.popitem(last=False)
        return key, plan

    def get(self, key: str) -> Any:
        with self._lock:
            plan = self._plans.get(key)
        if plan is None:
            raise PlannerError("this plan is no longer kept; solve the scenario again")
        return plan


def solve(store: PlanStore, payload: dict[str, Any]) -> dict[str, Any]:
    """The plan as ``planner solve --format json`` prints it, plus its text, Markdown and download id."""
    from planner.report.json import plan_to_dict
    from planner.report.markdown import render_markdown
    from planner.report.terminal import render_terminal

    key, plan = store.solve(str(payload.get("yaml") or ""))
    return {
        "id": key,
        "plan": plan_to_dict(plan),
        "terminal": render_terminal(plan),
        "markdown": render_markdown(plan),
    }


def compare(store: PlanStore, payload: dict[str, Any]) -> dict[str, Any]:
    """Two scenarios solved and compared, as ``planner compare --format json``."""
    from planner.explore.compare import compare_plans
    from planner.explore.compare_text import render_compare

    base_text, new_text = str(payload.get("base") or ""), str(payload.get("new") or "")
    base_key, base = store.solve(base_text, "base scenario")
    new_key, new = store.solve(new_text, "new scenario")
    comparison = compare_plans(
        base,
        new,
        base_label=f"base ({base.scenario})",
        new_label=f"new ({new.scenario})",
        base_scenario=_scenario(base_text, "base scenario"),
        new_scenario=_scenario(new_text, "new scenario"),
    )
    return {
        "comparison": comparison.to_dict(),
        "text": render_compare(comparison),
        "base_id": base_key,
        "new_id": new_key,
    }


DOWNLOADS = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
    "md": "text/markdown; charset=utf-8",
}
"""Download suffix -> content type."""


def download(store: PlanStore, key: str, suffix: str) -> tuple[bytes, str, str]:
    """A solved plan's report as bytes, its content type and file name."""
    import io

    plan = store.get(key)
    name = f"{plan.scenario}.{suffix}".replace('"', "_").replace("/", "_")
    if suffix == "xlsx":
        from planner.report.workbook import build_workbook

        buffer = io.BytesIO()
        build_workbook(plan).save(buffer)
        return buffer.getvalue(), DOWNLOADS[suffix], name
    if suffix == "json":
        from planner.report.json import plan_to_json

        return (plan_to_json(plan) + "\n").encode("utf-8"), DOWNLOADS[suffix], name
    if suffix == "md":
        from planner.report.markdown import render_markdown

        return (render_markdown(plan) + "\n").encode("utf-8"), DOWNLOADS[suffix], name
    raise PlannerError(f"no download of type {suffix!r}")
