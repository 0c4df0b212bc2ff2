"""``planner estimate`` and ``planner fit``: parse options, call the memory model, print.

Only click and the standard library at module top; the library is imported inside each command.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import click

from planner import bounds as B
from planner.cli.options import Choice, F, FiniteFloatRange, count_option, headroom_option

FORMATS = ("table", "json")


_RECIPE_KNOBS: tuple[tuple[str, Any, str | None], ...] = (
    (
        "framework",
        str,
        "Training recipe defaults: hf-trainer, trl, torchtune, litgpt, llama-factory, unsloth, axolotl, "
        "deepspeed or fsdp [default: hf-trainer]. Each option below overrides its own default.",
    ),
    ("weights", str, "Training weights recipe: amp (fp32 master) or pure-bf16."),
    (
        "optimizer",
        str,
        "adamw (fused), adamw-foreach (torch's default AdamW, adamw_torch), adamw-8bit, paged-adamw, "
        "paged-adamw-8bit, sgd or adafactor [default: the framework's].",
    ),
    ("optimizer_in_backward", bool, None),
    ("offload", str, "none, optimizer or params (host memory)."),
    ("activation_offload", bool, None),
    ("loss", str, "full (fp32 upcast), full-16bit, chunked, fused or cce (Cut Cross-Entropy) cross-entropy."),
    ("gradient_checkpointing", bool, None),
    ("packing", bool, None),
    ("zero_stage", click.IntRange(0, 3), "ZeRO/FSDP stage 0-3 [default: 3 on >1 GPU]."),
    ("full_state_dict_save", bool, None),
    ("qlora_saved_inputs", bool, None),
)
"""The training recipe's options, in --help order: (keyword, click type, help). Each is unset (None) unless
given, so the framework's default applies; ``bool`` ones are switches (``--packing/--no-packing``)."""


def _recipe_option(name: str, kind: Any, help: str | None) -> Callable[[F], F]:
    flag = name.replace("_", "-")
    if kind is bool:
        return click.option(f"--{flag}/--no-{flag}", default=None, help=help)
    return click.option(f"--{flag}", type=kind, default=None, help=help)


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
            "awq-int4, or GGUF q8_0, q6_k, q5_k_m, q5_k_s, q5_0, q4_k_m, q4_k_s, q4_0, iq4_xs, q3_k_m, "
            "q3_k_s, iq3_xxs, q2_k.",
        ),
        count_option("--context", B.MAX_CONTEXT_TOKENS, 4096, "Tokens per sequence."),
        count_option("--batch", B.MAX_BATCH, 1, "Sequences held at once."),
        count_option("--gpus", B.MAX_GPUS_PER_REPLICA, 1, "GPUs per replica."),
        click.option(
            "--engine",
            default=None,
            help="transformers, vllm, sglang or llama.cpp [default: llama.cpp for "
            "GGUF precisions, else transformers].",
        ),
        click.option(
            "--engine-version",
            default=None,
            help="Engine release to model, e.g. 'vllm>=0.17' (default), '0.11', 'transformers<4.45'.",
        ),
        click.option(
            "--max-seq-len",
            type=int,
            default=None,
            help="Static KV cache preallocated for this many tokens per sequence.",
        ),
        click.option(
            "--kv-precision", default=None, help="KV cache: 16bit, fp8, q8_0 or q4_0 [default: 16bit]."
        ),
        *(_recipe_option(name, kind, help) for name, kind, help in _RECIPE_KNOBS),
        count_option("--lora-rank", B.MAX_LORA_RANK, 16),
        click.option(
            "--lora-targets",
            default="all",
            show_default=True,
            help="all, attention, qv, mlp, or comma-separated module names.",
        ),
        count_option(
            "--prefill-tokens",
            B.MAX_CONTEXT_TOKENS,
            None,
            "Prompt tokens processed in one pass [default: the whole context for transformers].",
        ),
        click.option("--format", "output_format", type=Choice(FORMATS), default="table", show_default=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _options(kw: dict[str, Any]) -> dict[str, Any]:
    _note_qlora_base(kw)
    options = {
        "task": kw["task"],
        "precision": kw["precision"],
        "gpus": kw["gpus"],
        "engine": kw["engine"],
        "kv_precision": kw["kv_precision"],
        "lora_rank": kw["lora_rank"],
        "lora_targets": kw["lora_targets"],
        "prefill_tokens": kw["prefill_tokens"],
        "engine_version": kw["engine_version"],
        "max_seq_len": kw["max_seq_len"],
    }
    options.update({name: kw[name] for name, _, _ in _RECIPE_KNOBS if kw[name] is not None})
    return options


def _note_qlora_base(kw: dict[str, Any]) -> None:
    """QLoRA trains adapters over a 4-bit base: a 16-bit --precision given with --task qlora is estimated
    as nf4 (the memory model's rule), and the user who typed it is told so in one line."""
    from click.core import ParameterSource

    from planner.errors import PlannerError
    from planner.memory.formats import weight_format

    typed = click.get_current_context().get_parameter_source("precision") == ParameterSource.COMMANDLINE
    if kw["task"] != "qlora" or not typed:
        return
    try:
        quantized = weight_format(kw["precision"]).quantized
    except PlannerError:
        return  # an unknown format: the estimate says so
    if not quantized:
        click.echo(
            f"note: --task qlora quantizes the base weights: estimated as nf4, not {kw['precision']} "
            "(use --task lora for a 16-bit base)",
            err=True,
        )


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
@click.option(
    "--vram", default=None, help="Card memory instead of --gpu, e.g. 24GiB or 80GB (bare number: GiB)."
)
@headroom_option("Share of memory kept free.")
@click.option(
    "--memory-fraction",
    type=FiniteFloatRange(0, 1, min_open=True),
    default=None,
    help="Share of the card a reserving engine takes (vLLM --gpu-memory-utilization, SGLang "
    "--mem-fraction-static) [default: the engine's].",
)
@_workload_options
def fit(
    model: str,
    gpu_name: str | None,
    vram: str | None,
    headroom: float,
    memory_fraction: float | None,
    **kw: Any,
) -> None:
    """Does MODEL fit on a card, the longest context at --batch and the largest batch at --context.

    Exit status: 0 it fits, 3 it does not (the table says how far off), 2 invalid input.
    """
    from planner.errors import EXIT_INFEASIBLE, PlannerError
    from planner.memory.fit import fit as fit_model
    from planner.memory.report import fit_table, fit_texts
    from planner.memory.resolve import resolve_model
    from planner.perf.api import machines_spanned, spanning, speed_at_largest_batch
    from planner.units import parse_bytes, to_gib

    if (gpu_name is None) == (vram is None):
        raise PlannerError("give exactly one of --gpu NAME or --vram SIZE")
    if vram is not None:
        try:
            vram_bytes = parse_bytes(vram)
        except ValueError as error:
            raise PlannerError(f"--vram: {error}") from None
        if vram_bytes <= 0:
            raise PlannerError(f"--vram: must be more than 0, got {vram!r}")
        card = vram if any(c.isalpha() for c in vram) else f"{vram.strip()} GiB"
    else:
        from planner.catalog.browse import gpus_matching
        from planner.catalog.load import load_catalog

        catalog = load_catalog()
        try:
            spec = catalog.gpu(str(gpu_name))
        except KeyError:
            raise PlannerError(catalog.unknown_gpu(str(gpu_name))) from None
        vram_bytes, card = spec.vram_bytes, spec.name
        others = [g.name for g in gpus_matching(catalog, str(gpu_name)) if g.name != spec.name]
        if others:  # "A100" is one card by alias, and four by name: say which one this is
            click.echo(
                f"note: --gpu {gpu_name} is {spec.name} ({round(to_gib(vram_bytes), 2):g} GiB); it also "
                f"matches {', '.join(others)}: give the full name for another",
                err=True,
            )
    options = _options(kw)
    spanned = machines_spanned(spec, catalog, kw["gpus"]) if gpu_name is not None else (1, kw["gpus"])
    with spanning(kw["gpus"], card, spanned):
        result = fit_model(
            resolve_model(model),
            vram_bytes,
            headroom=headroom,
            context=kw["context"],
            batch=kw["batch"],
            memory_fraction=memory_fraction,
            nodes=spanned[0],
            **options,
        )
    if gpu_name is not None:
        from planner.memory.support import check_runs

        check_runs(result.estimate.engine, kw["precision"], spec)
    speed = speed_at_largest_batch(model, card, result) if gpu_name is not None else None
    if kw["output_format"] == "json":
        extra = {"performance": speed.to_dict()} if speed is not None else {}
        click.echo(json.dumps({"gpu": card, **result.to_dict(), **fit_texts(result), **extra}, indent=2))
    else:
        click.echo(fit_table(result, card))
        if speed is not None:
            click.echo(
                f"speed at batch {result.max_batch} with {result.context:,} tokens each "
                f"({speed.inputs['engine']}): {speed.output_tokens_per_s:,.0f} output tokens/s in all, "
                f"{speed.decode_tokens_per_s:,.1f} per sequence (TPOT {speed.tpot_s * 1000:,.1f} ms)"
            )
    if not result.fits:  # scripts test the status: the answer "it does not fit" is not a success
        sys.exit(EXIT_INFEASIBLE)
