"""``planner estimate`` and ``planner fit``: parse options, call the memory model, print.

Only click and the standard library at module top; the library is imported inside each command.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from planner import bounds as B
from planner.cli.options import FiniteFloatRange, count

FORMATS = ("table", "json")


def _workload_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The workload options shared by ``estimate`` and ``fit``, declared once."""
    options = [
        click.option(
            "--task", default="inference", show_default=True, help="inference, lora, qlora or full."
        ),
        click.option(
            "--precision",
            default="bf16",
            show_default=True,
            help="Weights: fp32, fp16, bf16, fp8, int8, int4, nf4, mxfp4, nvfp4, gptq-int8, gptq-int4, "
            "awq-int4, or GGUF q8_0, q6_k, q5_k_m, q4_k_m, q4_0, q3_k_m, q2_k.",
        ),
        click.option(
            "--context",
            type=count(B.MAX_CONTEXT_TOKENS),
            default=4096,
            show_default=True,
            help="Tokens per sequence.",
        ),
        click.option(
            "--batch", type=count(B.MAX_BATCH), default=1, show_default=True, help="Sequences held at once."
        ),
        click.option(
            "--gpus",
            type=count(B.MAX_GPUS_PER_REPLICA),
            default=1,
            show_default=True,
            help="GPUs per replica.",
        ),
        click.option(
            "--engine",
            default=None,
            help="transformers, vllm or llama.cpp [default: llama.cpp for "
            "GGUF precisions, else transformers].",
        ),
        click.option(
            "--kv-precision", default=None, help="KV cache: 16bit, fp8, q8_0 or q4_0 [default: 16bit]."
        ),
        click.option("--gradient-checkpointing/--no-gradient-checkpointing", default=True, show_default=True),
        click.option("--optimizer", default="adamw", show_default=True, help="adamw, adamw-8bit or sgd."),
        click.option("--lora-rank", type=count(B.MAX_LORA_RANK), default=16, show_default=True),
        click.option(
            "--lora-targets",
            default="all",
            show_default=True,
            help="all, attention, qv, mlp, or comma-separated module names.",
        ),
        click.option(
            "--prefill-tokens",
            type=count(B.MAX_CONTEXT_TOKENS),
            default=None,
            help="Prompt tokens processed in one pass [default: the whole context for transformers].",
        ),
        click.option(
            "--format", "output_format", type=click.Choice(FORMATS), default="table", show_default=True
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(kw: dict[str, Any]) -> dict[str, Any]:
    return {
        "task": kw["task"],
        "precision": kw["precision"],
        "gpus": kw["gpus"],
        "engine": kw["engine"],
        "kv_precision": kw["kv_precision"],
        "gradient_checkpointing": kw["gradient_checkpointing"],
        "optimizer": kw["optimizer"],
        "lora_rank": kw["lora_rank"],
        "lora_targets": kw["lora_targets"],
        "prefill_tokens": kw["prefill_tokens"],
    }


@click.command()
@click.argument("model")
@_workload_options
def estimate(model: str, **kw: Any) -> None:
    """GPU memory for MODEL: a catalog name, a size like 7b, or a config.json path."""
    from planner.memory.api import estimate_memory
    from planner.memory.report import estimate_table

    est = estimate_memory(model, context=kw["context"], batch=kw["batch"], **_options(kw))
    if kw["output_format"] == "json":
        click.echo(json.dumps(est.to_dict(), indent=2))
    else:
        click.echo(estimate_table(est))


@click.command()
@click.argument("model")
@click.option("--gpu", "gpu_name", default=None, help='A GPU from the catalog, e.g. "RTX 4090".')
@click.option("--vram", default=None, help="Card memory instead of --gpu, e.g. 24GiB or 80GB.")
@click.option(
    "--headroom",
    type=FiniteFloatRange(0, 1, max_open=True),
    default=0.2,
    show_default=True,
    help="Share of memory kept free.",
)
@_workload_options
def fit(model: str, gpu_name: str | None, vram: str | None, headroom: float, **kw: Any) -> None:
    """Does MODEL fit on a card, the longest context at --batch and the largest batch at --context."""
    from planner.errors import PlannerError
    from planner.memory.fit import fit as fit_model
    from planner.memory.report import fit_table
    from planner.memory.resolve import resolve_model
    from planner.units import parse_bytes

    if (gpu_name is None) == (vram is None):
        raise PlannerError("give exactly one of --gpu NAME or --vram SIZE")
    if vram is not None:
        try:
            vram_bytes = parse_bytes(vram)
        except ValueError as error:
            raise PlannerError(f"--vram: {error}") from None
        card = vram
    else:
        from planner.catalog.load import load_catalog

        try:
            spec = load_catalog().gpu(str(gpu_name))
        except KeyError:
            raise PlannerError(f"unknown GPU {gpu_name!r} (see `planner catalog gpus`)") from None
        vram_bytes, card = spec.vram_bytes, spec.name
    options = _options(kw)
    options["engine_name"] = options.pop("engine")
    result = fit_model(
        resolve_model(model),
        vram_bytes,
        headroom=headroom,
        context=kw["context"],
        batch=kw["batch"],
        **options,
    )
    if kw["output_format"] == "json":
        click.echo(json.dumps({"gpu": card, **result.to_dict()}, indent=2))
    else:
        click.echo(fit_table(result, card))
