"""``planner perf``: parse options, call the speed model, print.

Only click and the standard library at module top; the library is imported inside the command.
"""

from __future__ import annotations

import json
import math
import sys
from typing import TYPE_CHECKING, Any

import click

from planner import bounds as B
from planner.cli.options import NUMBER, Choice, count_option, headroom_option

if TYPE_CHECKING:
    from planner.perf.capacity import Capacity
    from planner.perf.estimate import Performance

FORMATS = ("table", "json")


@click.command()
@click.argument("model")
@click.option("--gpu", "gpu_name", required=True, help='A GPU from the catalog, e.g. "H100 SXM5".')
@count_option("--gpus", B.MAX_GPUS_PER_REPLICA, 1, "GPUs per replica.")
@click.option(
    "--precision",
    default="bf16",
    show_default=True,
    help="Weights: bf16, fp16, fp8, gptq-int4, awq-int4, q4_k_m, ... (as `planner estimate`).",
)
@click.option(
    "--engine",
    default=None,
    help="transformers, vllm, sglang, llama.cpp or tensorrt-llm [default: llama.cpp for a GGUF precision "
    "such as q4_k_m, else vllm].",
)
@count_option("--batch", B.MAX_BATCH, 1, "Sequences decoded together.")
@count_option("--input-tokens", B.MAX_CONTEXT_TOKENS, 1024, "Prompt tokens per request.")
@count_option("--output-tokens", B.MAX_CONTEXT_TOKENS, 256, "Answer tokens per request.")
@click.option("--kv-precision", default=None, help="KV cache: 16bit, fp8, q8_0 or q4_0 [default: 16bit].")
@click.option(
    "--interconnect",
    type=Choice(["nvlink", "pcie"]),
    default=None,
    help="Tensor parallelism's link [default: the card's GPU link where it has one, else PCIe].",
)
@click.option(
    "--ttft-ms", type=NUMBER, default=None, help="Target time to first token: also print the capacity."
)
@click.option(
    "--tpot-ms", type=NUMBER, default=None, help="Target time per output token: also print the capacity."
)
@headroom_option("With --ttft-ms/--tpot-ms: share of each GPU's memory kept free, as `fit` and `solve` do.")
@click.option("--format", "output_format", type=Choice(FORMATS), default="table", show_default=True)
def perf(
    model: str,
    gpu_name: str,
    output_format: str,
    ttft_ms: float | None,
    tpot_ms: float | None,
    headroom: float,
    **kw: Any,
) -> None:
    """Speed of one replica of MODEL on --gpu: time to first token, time per output token, tokens/s.

    With --ttft-ms and/or --tpot-ms, also the largest batch that meets them and fits the card's memory less
    --headroom (the batch `planner solve` gives the same replica)."""
    from planner.errors import PlannerError
    from planner.perf.api import estimate_performance

    for option, value in (("--ttft-ms", ttft_ms), ("--tpot-ms", tpot_ms)):
        if value is not None and not (math.isfinite(value) and value > 0):  # inf would mean no target
            raise PlannerError(f"{option} must be a positive number of milliseconds, got {value}")
    from planner.memory.engines import serving_engine

    kw["engine"] = kw["engine"] or serving_engine(kw["precision"])
    p = estimate_performance(model, gpu=gpu_name, **kw)
    capacity = None
    if ttft_ms is not None or tpot_ms is not None:
        from planner.perf.capacity import capacity_within_slo

        slo = {k: v for k, v in kw.items() if k != "batch"}
        usable = int(p.inputs["gpu_memory_bytes"] * (1 - headroom))
        capacity = capacity_within_slo(
            model,
            gpu=gpu_name,
            memory_per_gpu_bytes=usable,
            ttft_s=ttft_ms / 1000 if ttft_ms is not None else math.inf,
            tpot_s=tpot_ms / 1000 if tpot_ms is not None else math.inf,
            **slo,
        )
    if output_format == "json":
        data = p.to_dict()
        if capacity is not None:
            data["capacity"] = {
                "batch": capacity.batch,
                "limit": capacity.limit,
                "requests_per_s": capacity.requests_per_s,
                "memory_per_gpu_bytes": usable,
                "headroom": headroom,
                "performance": capacity.performance.to_dict(),
            }
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo(perf_table(p))
        if capacity is not None:
            click.echo(capacity_line(capacity, ttft_ms, tpot_ms, headroom))
    from planner.perf.efficiency import constants_engine, engine_speed

    name = engine_speed(str(p.inputs["engine"])).name
    if constants_engine(name) != name:  # the figures are another engine's: say whose
        click.echo(
            f"note: {name} is priced with {constants_engine(name)}'s fitted constants (it runs the same "
            "kernels; its own measurements are too few to fit)",
            err=True,
        )
    short = p.shortfall
    if short is not None:  # the figures above are for a replica that cannot run: say so, exit as `fit` does
        from planner.errors import EXIT_INFEASIBLE

        click.echo(f"note: {short} (more --gpus, a smaller --precision or --batch)", err=True)
        sys.exit(EXIT_INFEASIBLE)


def perf_table(p: Performance) -> str:
    """The terminal table: what was asked, then each figure with its unit."""
    i = p.inputs
    link = f", {i['interconnect']}" if i.get("interconnect") else ""
    head = (
        f"{i['model']} on {i['gpus']} x {i['gpu']}{link}: {i['precision']}, {i['engine']}, "
        f"batch {i['batch']}, {i['input_tokens']} tokens in, {i['output_tokens']} out"
    )
    low, high = p.band
    rows = [
        ("time to first token", f"{p.ttft_s * 1000:,.1f} ms"),
        ("time per output token", f"{p.tpot_s * 1000:,.2f} ms (a decode step)"),
        ("  while serving", f"{p.serving_tpot_s * 1000:,.2f} ms (+ prefills of joining requests; --tpot-ms)"),
        ("decode, per sequence", f"{p.decode_tokens_per_s:,.1f} tokens/s"),
        ("output, all sequences", f"{p.output_tokens_per_s:,.1f} tokens/s (p10-p90 {low:,.0f}-{high:,.0f})"),
        ("prefill", f"{p.prefill_tokens_per_s:,.0f} tokens/s"),
        ("requests", f"{p.requests_per_s:,.3f} per s"),
        ("decode bound by", p.binds_text),
        ("roofline, per sequence", f"{p.roofline_decode_tokens_per_s:,.1f} tokens/s"),
    ]
    width = max(len(name) for name, _ in rows)
    return "\n".join([head, *(f"  {name:<{width}}  {value}" for name, value in rows)])


def capacity_line(c: Capacity, ttft_ms: float | None, tpot_ms: float | None, headroom: float) -> str:
    """One line: the largest batch within the targets, what limits it, the TPOT the target checks (the step
    plus the prefills of joining requests) and the rate it sustains, tokens counted as requests/s x answer."""
    targets = " and ".join(
        f"{name} <= {value:,g} ms"
        for name, value in (("TTFT", ttft_ms), ("TPOT", tpot_ms))
        if value is not None
    )
    p = c.performance
    if c.batch == 0:
        return (
            f"within {targets}: none (limited by {c.limit}; one sequence has TTFT {p.ttft_s * 1000:,.1f} ms, "
            f"TPOT {p.serving_tpot_s * 1000:,.2f} ms)"
        )
    return (
        f"within {targets}: up to {c.batch} {'sequence' if c.batch == 1 else 'sequences'} at once "
        f"(limited by {c.limit}{f', {headroom:.0%} of memory kept free' if c.limit == 'memory' else ''}), "
        f"TPOT {p.serving_tpot_s * 1000:,.1f} ms, {c.requests_per_s:,.2f} requests/s, "
        f"{c.output_tokens_per_s:,.0f} output tokens/s"
    )
