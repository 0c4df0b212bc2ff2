"""What the local page asks, answered by the library: one function per request, JSON in, JSON out.

Thin like the CLI: each function parses the request, calls the same library function the command calls
(``estimate_memory``, ``fit``, ``estimate_performance``, ``parse_scenario`` + ``solve``,
``compare_plans``) and returns its own ``to_dict``/JSON form, so the page shows the CLI's numbers. A
``PlannerError`` becomes ``{"error": line}``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner import bounds as B
from planner.errors import PlannerError, ScenarioError, UnknownModelError, WorkloadModelError, reworded

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

TASKS = ("inference", "lora", "qlora", "full")
PLAN_CACHE_SIZE = 32
"""Solved plans kept for their downloads (workbook, JSON, Markdown), newest last."""
MAX_YAML_CHARS = 1_000_000
# What to give instead of an unknown model, in the page's words: the command line's advice (`planner catalog
# models`, a config.json path) names a command and files the page has not.
FORM_MODEL_ADVICE = "pick one from the list, type a size such as 7b, or paste a config.json"
"""The memory and speed forms', which have a list and a config.json box."""
SCENARIO_MODEL_ADVICE = "a model from the Memory tab's list, or a size such as 7b"
"""The scenario editor's, whose workloads name a model in YAML."""


@functools.lru_cache(maxsize=1)
def catalog() -> Catalog:
    """The built-in catalog, read once per server (70 ms a read; the memory bar asks on every keystroke)."""
    from planner.catalog.load import load_catalog

    return load_catalog()


def examples_dir() -> Path:
    """The shipped example scenarios (``scenarios/`` beside the package in a checkout)."""
    return Path(__file__).resolve().parents[2] / "scenarios"


def meta() -> dict[str, Any]:
    """What the forms offer: catalog models and GPUs, formats, engines, tasks, the example scenarios; the
    reports' names of cost categories and alternatives, so the page words them as the terminal does."""
    import planner
    from planner.catalog.models import load_model_catalog
    from planner.memory.engines import ENGINES
    from planner.memory.formats import KV_BYTES, WEIGHT_FORMATS
    from planner.perf.efficiency import ENGINE_SPEEDS
    from planner.report.figures import ALTERNATIVE_LABELS, CATEGORY_LABELS

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
        "perf": True,
        "perf_engines": list(ENGINE_SPEEDS),
        "cost_labels": dict(CATEGORY_LABELS),
        "alternative_labels": dict(ALTERNATIVE_LABELS),
    }


def _int(payload: dict[str, Any], key: str, default: int, maximum: int) -> int:
    """A whole number from 1 to ``maximum``, the bound the CLI's option and the scenario's field take
    (planner.bounds): past it the page printed a context of 10^30 tokens as 1.8e26 GiB that the command line
    refuses."""
    value = payload.get(key, default)
    if value in (None, ""):
        return default
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise PlannerError(f"{key}: a whole number, got {value!r}") from None
    if number < 1:
        raise PlannerError(f"{key}: must be at least 1, got {number}")
    if number > maximum:
        raise PlannerError(f"{key}: must be at most {maximum:,}, got {number:,}")
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
    if name.endswith(".json"):  # the command line reads a path; the page takes the file's text
        raise PlannerError("model: paste the config.json's text in its box; the page reads no files")
    try:
        return resolve_model(name)
    except UnknownModelError as error:
        raise PlannerError(f"model: {error.worded(FORM_MODEL_ADVICE)}") from None


def estimate(payload: dict[str, Any]) -> dict[str, Any]:
    """The memory estimate (as ``planner estimate --format json``) and the card's fit (as ``planner fit``).

    Each field is checked in the order the form shows them (model, GPU, precision, engine, task, KV cache,
    context, batch, GPUs, headroom), so where two are wrong the message names the first the reader meets:
    a bad context beside an unknown precision named the context, one further down the form."""
    from planner.memory.engines import engine
    from planner.memory.estimate import normalize_task
    from planner.memory.fit import fit
    from planner.memory.formats import kv_bytes_per_element, weight_format
    from planner.memory.report import card_needed_text, fit_texts

    arch = _model(payload)
    gpu_name = str(payload.get("gpu") or "").strip()
    if not gpu_name:
        raise PlannerError("gpu: pick a card")
    try:
        spec = catalog().gpu(gpu_name)
    except KeyError:
        raise PlannerError(f"gpu: {catalog().unknown_gpu(gpu_name)}") from None
    precision = str(payload.get("precision") or "bf16")
    weights = weight_format(precision)
    engine_name = payload.get("engine") or None
    if engine_name is not None:
        engine(str(engine_name))
    task = str(payload.get("task") or "inference")
    normalize_task(task)
    kv_precision = payload.get("kv_precision") or None
    if kv_precision is not None:
        kv_bytes_per_element(str(kv_precision), weights)
    context, batch, gpus = (
        _int(payload, "context", 4096, B.MAX_CONTEXT_TOKENS),
        _int(payload, "batch", 1, B.MAX_BATCH),
        _int(payload, "gpus", 1, B.MAX_GPUS_PER_REPLICA),
    )
    try:
        headroom = float(payload.get("headroom", 0.2))
    except (TypeError, ValueError):
        raise PlannerError("headroom: a fraction such as 0.2") from None
    if not 0 <= headroom < 1:
        raise PlannerError(f"headroom: a fraction from 0 to below 1, got {headroom}")
    from planner.perf.api import machines_spanned, spanning, speed_at_largest_batch

    spanned = machines_spanned(spec, catalog(), gpus)  # as planner fit figures them
    with spanning(gpus, spec.name, spanned):
        result = fit(
            arch,
            spec.vram_bytes,
            headroom=headroom,
            context=context,
            batch=batch,
            task=task,
            precision=precision,
            gpus=gpus,
            nodes=spanned[0],
            engine=engine_name,
            kv_precision=kv_precision,
        )

    speed = speed_at_largest_batch(arch, spec.name, result, catalog())
    extra = {"performance": speed.to_dict()} if speed is not None else {}
    texts = fit_texts(result)  # the words planner fit prints, so the page says the same
    if not result.fits and result.max_headroom is None and not result.min_gpus:
        texts["card_needed_text"] = card_needed_text(result)
    return {
        "estimate": result.estimate.to_dict(),
        "fit": {"gpu": spec.name, **result.to_dict(), **texts, **extra},
    }


SPEED_FIELDS = {
    "model": "a catalog model or a size such as 7b",
    "config_json": "a pasted config.json",
    "gpu": "the card",
    "gpus": "GPUs per replica",
    "precision": "the weights' format",
    "engine": "the serving engine",
    "kv_precision": "the KV cache's format",
    "interconnect": "nvlink or pcie",
    "batch": "sequences decoded together",
    "input_tokens": "prompt tokens per request",
    "output_tokens": "answer tokens per request",
}
"""What the speed form may send: ``planner perf``'s options by their Python names (``config_json`` as the
memory form has it)."""


def perf(payload: dict[str, Any]) -> dict[str, Any]:
    """The speed model's figures as ``planner perf --format json`` prints them (``fits`` among them), plus
    ``warning``: the line ``planner perf`` prints (and exits 3 on) where the replica does not fit its card.

    A context is what each sequence holds, prompt and answer together, so the speed form asks for the two
    (the speed of a prompt's prefill and of the answer's decode differ); a ``context`` field is refused with
    that said, rather than guessed into a split."""
    from planner.memory.engines import serving_engine
    from planner.memory.formats import kv_bytes_per_element, weight_format
    from planner.perf.api import estimate_performance
    from planner.perf.efficiency import engine_speed

    for key in payload:
        if key == "context":
            raise PlannerError(
                "context: the speed model takes input_tokens (prompt) and output_tokens (answer) per "
                "request; the context each sequence holds is their sum"
            )
        if key not in SPEED_FIELDS:
            raise PlannerError(f"{key}: not a field of the speed form (it takes {', '.join(SPEED_FIELDS)})")
    # Checked in the form's order (model, GPU, GPUs, precision, engine, KV cache, batch, prompt, answer), as
    # the memory form is: the message names the first wrong field a reader meets.
    arch = _model(payload)
    gpu = str(payload.get("gpu") or "").strip()
    if not gpu:
        raise PlannerError("gpu: pick a card")
    try:
        gpu = catalog().gpu(gpu).name
    except KeyError:
        raise PlannerError(f"gpu: {catalog().unknown_gpu(gpu)}") from None
    gpus = _int(payload, "gpus", 1, B.MAX_GPUS_PER_REPLICA)
    options: dict[str, Any] = {
        name: str(payload[name]).strip()
        for name in ("precision", "engine", "kv_precision", "interconnect")
        if str(payload.get(name) or "").strip()
    }
    weights = weight_format(options.get("precision", "bf16"))
    if "engine" in options:
        engine_speed(options["engine"])
    else:  # "default", as planner perf without --engine
        options["engine"] = serving_engine(options.get("precision", "bf16"))
    if "kv_precision" in options:
        kv_bytes_per_element(options["kv_precision"], weights)
    batch = _int(payload, "batch", 1, B.MAX_BATCH)
    input_tokens, output_tokens = (
        _int(payload, "input_tokens", 1024, B.MAX_CONTEXT_TOKENS),
        _int(payload, "output_tokens", 256, B.MAX_CONTEXT_TOKENS),
    )
    result = estimate_performance(
        arch,
        gpu=gpu,
        gpus=gpus,
        batch=batch,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        catalog=catalog(),
        **options,
    )
    short = result.shortfall
    warning = None if short is None else f"{short} (more GPUs, a smaller precision or batch)"
    return {**result.to_dict(), "warning": warning}


def validate(payload: dict[str, Any]) -> dict[str, Any]:
    """The scenario editor's check, as ``planner validate`` makes it: the schema, then the models, GPUs and
    precisions, and that every workload fits somewhere (the placements a solve starts from). The schema
    alone said "valid" to a misspelt model, and the solve then failed; the placements take under a second
    for the shipped examples (0.7 s the startup's, 0.7 s a 200-workload fleet)."""
    from planner.placement.candidates import build_candidates
    from planner.placement.explain import explain_unplaceable

    scenario = _scenario(payload.get("yaml"))
    with _page_words():
        candidates = build_candidates(scenario, catalog())
    explain_unplaceable(scenario, candidates)
    return {
        "ok": True,
        "name": scenario.name,
        "workloads": len(scenario.workloads),
        "options": len(candidates.data.options),
        "placements": len(candidates.data.patterns),
    }


@contextlib.contextmanager
def _page_words() -> Iterator[None]:
    """A scenario's unknown model worded for the page (``SCENARIO_MODEL_ADVICE``)."""
    try:
        yield
    except WorkloadModelError as error:
        raise ScenarioError(error.worded(SCENARIO_MODEL_ADVICE)) from None


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
        with _page_words():
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


def _side_name(name: str, text: str) -> str:
    """A compared side's name, with ", edited" where it bears a shipped example's name but not its text:
    two edits of one example both say "startup", and the reader could not tell which side is the example."""
    examples = {p.stem: p for p in examples_dir().glob("*.yaml")}  # a name is never a path here
    try:
        edited = name in examples and examples[name].read_text(encoding="utf-8") != text
    except OSError:
        edited = False
    return f"{name}, edited" if edited else name


def _side(store: PlanStore, text: str, label: str) -> tuple[str, Any]:
    """One side of a comparison solved, an error naming the side as ``planner compare`` names its file: a
    side with no plan said only "workload 'big' fits nowhere", and both sides may have a workload 'big'."""
    from planner.errors import InfeasibleError, ModelError, ScenarioError

    try:
        return store.solve(text, label)
    except (ScenarioError, ModelError, InfeasibleError) as error:
        message = str(error)
        raise reworded(error, message if message.startswith(label) else f"{label}: {message}") from None


def compare(store: PlanStore, payload: dict[str, Any]) -> dict[str, Any]:
    """Two scenarios solved and compared, as ``planner compare --format json``."""
    from planner.explore.compare import compare_plans
    from planner.explore.compare_text import render_compare

    base_text, new_text = str(payload.get("base") or ""), str(payload.get("new") or "")
    base_key, base = _side(store, base_text, "base scenario")
    new_key, new = _side(store, new_text, "new scenario")
    comparison = compare_plans(
        base,
        new,
        base_label=f"base ({_side_name(base.scenario, base_text)})",
        new_label=f"new ({_side_name(new.scenario, new_text)})",
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
