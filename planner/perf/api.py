"""The public entry point of the speed model: ``estimate_performance``.

Resolves names (model, GPU, engine, precision) through the memory model and the catalog, then calls the pure
``predict``. The memory model supplies every byte count, so the two models never disagree on a model's size.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import PlannerError, reworded
from planner.memory.api import estimate_memory
from planner.memory.engines import engine as memory_engine
from planner.memory.formats import weight_format
from planner.memory.resolve import resolve_model
from planner.memory.support import check_runs
from planner.perf.efficiency import engine_speed
from planner.perf.estimate import Performance, predict
from planner.perf.hardware import hardware
from planner.perf.terms import model_terms

if TYPE_CHECKING:
    from planner.catalog.models import ModelSpec
    from planner.catalog.schema import Catalog, CloudOffer, GpuSpec, SystemOffer
    from planner.memory.architecture import Architecture

__all__ = ["Performance", "estimate_performance"]


def gpu_spec(gpu: str, catalog: Catalog | None = None) -> GpuSpec:
    """A catalog GPU by name or alias (``catalog`` default: the built-in one); unknown -> one-line error."""
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog()
    try:
        return catalog.gpu(gpu)
    except KeyError:
        raise PlannerError(catalog.unknown_gpu(gpu)) from None


DEFAULT_MACHINE_GPUS = 8
"""GPUs in one machine where the catalog sells no machine of a card: an HGX board, a 4U PCIe server."""


def largest_machine(spec: GpuSpec, catalog: Catalog) -> int:
    """The most GPUs of ``spec``'s type that one catalog machine (a system or a cloud instance) holds: the
    widest tensor-parallel group whose link the speed model can price. More GPUs are several machines joined
    by a network fabric, which it does not price (such replicas are planned by memory alone)."""
    machines: list[SystemOffer | CloudOffer] = [*catalog.systems, *catalog.cloud]
    counts = [m.gpu_count for m in machines if spec.answers_to(m.gpu)]
    return max(counts, default=DEFAULT_MACHINE_GPUS)


def machines_spanned(spec: GpuSpec, catalog: Catalog, gpus: int) -> tuple[int, int]:
    """(machines, GPUs in the largest) a replica of ``gpus`` x ``spec`` spans: one where a catalog machine
    holds them all, else the fewest of the largest, as ``solve`` plans such a replica (tensor parallel inside
    each machine, pipeline stages between them): what ``planner fit`` and the page's memory form figure its
    memory over. 16 H100s were figured as tensor parallel 16 "on one machine", which no catalog machine is."""
    widest = largest_machine(spec, catalog)
    return (1 if gpus <= widest else -(-gpus // widest)), widest


@contextlib.contextmanager
def spanning(gpus: int, card: str, spanned: tuple[int, int]) -> Iterator[None]:
    """Errors raised inside name the span where the replica spans several machines (``machines_spanned``):
    an engine that serves no replica across machines says so, and the reader learns why machines came in."""
    try:
        yield
    except PlannerError as error:
        machines, widest = spanned
        if machines == 1:
            raise
        span = f"{gpus} x {card} span {machines} machines (a catalog machine holds at most {widest})"
        raise reworded(error, f"{span}: {error}") from None


def _count(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PlannerError(f"{name} must be a whole number of at least 1, got {value!r}")
    return value


def estimate_performance(
    model: str | Path | ModelSpec | Architecture,
    *,
    gpu: str,
    precision: str = "bf16",
    engine: str = "vllm",
    gpus: int = 1,
    batch: int = 1,
    input_tokens: int = 1024,
    output_tokens: int = 256,
    kv_precision: str | None = None,
    interconnect: str | None = None,
    catalog: Catalog | None = None,
    machine_gpus: int | None = None,
) -> Performance:
    """Speed of one replica of ``model`` (what ``estimate_memory`` takes) on ``gpus`` x catalog GPU ``gpu``,
    serving ``batch`` sequences of ``input_tokens`` prompt and ``output_tokens`` answer at once.

    ``engine``: transformers, vllm, sglang, llama.cpp or tensorrt-llm. ``interconnect``: "nvlink" or "pcie"
    for tensor parallelism (default: the card's GPU link where it has one). ``catalog``: a loaded catalog
    (default: the built-in one). ``machine_gpus``: how many GPUs the replica's machine holds, where the caller
    knows it (default: the catalog's largest machine of the card); GPUs beyond one machine are refused, since
    the network between machines is not priced. Raises PlannerError (exit status 2) for an unknown GPU,
    engine or precision, counts below 1, or a model the GPUs cannot be split over.
    """
    for name, value in (("gpus", gpus), ("batch", batch), ("input_tokens", input_tokens)):
        _count(name, value)
    _count("output_tokens", output_tokens)
    for name, text in (("gpu", gpu), ("engine", engine)):
        if not isinstance(text, str) or not text.strip():
            raise PlannerError(f"{name} must be a name, got {text!r}")
    speed = engine_speed(engine)
    memory = estimate_memory(
        model,
        precision=precision,
        context=input_tokens + output_tokens,
        batch=batch,
        gpus=gpus,
        engine=speed.memory_engine,
        kv_precision=kv_precision,
    )
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog()
    spec = gpu_spec(gpu, catalog)
    check_runs(memory.engine, precision, spec)
    widest = largest_machine(spec, catalog) if machine_gpus is None else machine_gpus
    if gpus > widest:
        raise PlannerError(
            f"{gpus} x {spec.name} span several machines (one holds at most {widest}); the speed model "
            "prices GPUs inside one machine only"
        )
    terms = model_terms(
        resolve_model(model),
        weight_format(precision),
        memory.kv_bytes_per_token,
        latent_kv=memory_engine(speed.memory_engine).latent_mla,
    )
    hw = hardware(spec, interconnect, gpus)
    inputs: dict[str, Any] = {
        "model": memory.model,
        "gpu": spec.name,
        "gpus": gpus,
        "precision": memory.inputs["precision"],
        "engine": speed.name,
        "batch": batch,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "kv_precision": kv_precision,
        "interconnect": hw.link.name
        if gpus > 1 and memory_engine(speed.memory_engine).split == "tensor"
        else None,
        # The speed model prices a replica whether or not it fits: the memory model says whether it does.
        "memory_per_gpu_bytes": memory.per_gpu_bytes,
        "gpu_memory_bytes": spec.vram_bytes,
    }
    return predict(
        terms,
        hw,
        speed,
        gpus=gpus,
        batch=batch,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        inputs=inputs,
    )


def speed_at_largest_batch(
    model: Any, gpu: str, result: Any, catalog: Catalog | None = None
) -> Performance | None:
    """Decode speed of the largest batch ``fit`` found, each sequence holding the whole context: what
    ``planner fit --gpu`` and the web page print beside the fit. None where nothing fits, for training, for
    an engine the speed model has no calibration for, or for GPUs over several machines. ``result`` is a
    ``memory.fit.FitResult``."""
    from planner.perf.efficiency import ENGINE_SPEEDS

    inputs = result.estimate.inputs
    if result.max_batch < 1 or inputs["task"] != "inference" or inputs["engine"] not in ENGINE_SPEEDS:
        return None
    if catalog is None:
        from planner.catalog.load import load_catalog

        catalog = load_catalog()
    if inputs["gpus"] > largest_machine(gpu_spec(gpu, catalog), catalog):
        return None  # over several machines: not priced (estimate_performance says why)
    return estimate_performance(
        model,
        gpu=gpu,
        precision=inputs["precision"],
        engine=inputs["engine"],
        gpus=inputs["gpus"],
        batch=result.max_batch,
        input_tokens=max(1, result.context - 1),
        output_tokens=1,
        kv_precision=inputs["kv_precision"],
        catalog=catalog,
    )
