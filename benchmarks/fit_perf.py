"""Fit the speed model's per-engine constants on the calibration rows and print them.

Per engine, up to eighteen physical constants (planner/perf/efficiency.py says what each means: bandwidth and
compute efficiencies and caps, overheads per step, layer, expert and GPU hop, KV and attention-score traffic).
A constant is free only where the engine's rows can show it:

* an effect the rows cannot show (a cap with fewer than three cards, an expert loop without a mixture of
  experts, a quantized factor without quantized rows, ...) takes its neutral value: no cap, no cost;
* the compute constants (peak-FLOPs share and tokens for half of it) need 16-bit rows whose time is the
  products': prefill or first-token rows, or decode steps whose FLOPs per byte moved (a dequantizing kernel's
  16-bit copy counted) are at least a quarter of the card's peak FLOP/s per byte/s (``COMPUTE_SHARE``); a
  quantized row whose time is the products' shows the quantized factor, how its format's kernels multiply
  beside 16-bit ones, not the 16-bit share (bitsandbytes' LLM.int8 steps of 32 sequences, read as 16-bit
  products, gave transformers a compute share under which optimum's first tokens came out 5 times too slow).
  An engine whose rows are all
  small-batch decode (transformers in the calibration file: batch 1 only) cannot tell
  compute from a per-step overhead, and a free compute constant there becomes a second overhead (0.066 of peak
  for transformers, which then prefilled 512 tokens of Llama-2-13B in 708 ms where optimum measured 99). It
  borrows the value shared by the engines that do show compute instead: the median of theirs, in the fit's
  transformed coordinates, fitted first.

Hierarchical: engines are fitted one after another (those whose rows show compute first, then by row count,
most first), and each engine's free constants start from, and are pulled towards, the median of the engines
fitted before it, by a weight that falls with its row count (``SHRINK``): an engine or a version with few rows
borrows physics from the others, one with many rows says its own. An engine whose rows measure a single model
(``MIN_MODELS``) takes every constant the others share: one architecture cannot tell an engine's efficiencies
and overheads from its own kernels.

The free constants minimise the mean soft-L1 loss of ln(predicted / measured) over the engine's rows not
marked suspect, with a weak pull towards the starting values so that a constant the rows barely see stays put
instead of wandering. Nelder-Mead on transformed parameters (efficiencies through a logistic, so they stay
below 1; times and token counts through exp, so they stay positive): numpy only, deterministic.

Usage: ``python benchmarks/fit_perf.py [--write] [--files NAME ...]``; ``--write`` rewrites
planner/perf/fitted.py.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from perf_data import CSVS, DATA, FAMILY, Case, load_cases

from planner.perf.efficiency import ENGINE_SPEEDS, EngineSpeed, constants_engine
from planner.perf.estimate import dequantized_bytes
from planner.perf.terms import decode_bytes, decode_flops, step_weight_bytes

FITTED_PY = Path(__file__).parent.parent / "planner" / "perf" / "fitted.py"
# (name, transform, start value). "logit": value in (0, 1); "log": value > 0; "log1": value > 1 (an overlap
# exponent below 1 would make a step slower than streaming and multiplying one after the other).
PARAMETERS: tuple[tuple[str, str, float], ...] = (
    ("bandwidth_efficiency", "logit", 0.6),
    ("quantized_bandwidth_factor", "log", 1.0),
    ("kv_bandwidth_efficiency", "logit", 0.5),
    ("kv_half_pairs", "log", 16.0),
    ("kv_group_exponent", "logit", 0.5),
    ("bandwidth_cap_bytes_per_s", "log", 1.5e12),
    ("step_overhead_s", "log", 2e-3),
    ("layer_overhead_s", "log", 2e-5),
    ("hop_overhead_s", "log", 2e-4),
    ("compute_efficiency", "logit", 0.5),
    ("compute_cap_flops_per_s", "log", 5e14),
    ("score_bytes", "log", 4.0),
    ("quantized_compute_factor", "log", 1.0),
    ("half_efficiency_tokens", "log", 64.0),
    ("expert_overhead_s", "log", 1e-6),
    ("eager_layer_overhead_s", "log", 2e-4),
    ("expert_bandwidth_factor", "logit", 0.8),
    ("overlap_exponent", "log1", 4.0),
    ("tiled_dequant_factor", "log", 1.0),
    ("sequence_overhead_s", "log", 2e-4),
)
# What a constant takes where the rows cannot show it: no cap, no expert loop, no hop, no quantized penalty.
NEUTRAL: dict[str, float] = {
    "bandwidth_cap_bytes_per_s": 1e18,
    "compute_cap_flops_per_s": 1e18,
    "expert_overhead_s": 0.0,
    "hop_overhead_s": 0.0,
    "quantized_bandwidth_factor": 1.0,
    "quantized_compute_factor": 1.0,
    "eager_layer_overhead_s": 0.0,
    "expert_bandwidth_factor": 1.0,
    "overlap_exponent": 100.0,
    "tiled_dequant_factor": 1.0,
    "sequence_overhead_s": 0.0,
}
# Constants only rows whose time is the products' can show; an engine without such rows borrows them.
COMPUTE: tuple[str, ...] = ("compute_efficiency", "half_efficiency_tokens")
BORROWED: tuple[str, ...] = (*COMPUTE, "score_bytes", "kv_half_pairs", "kv_bandwidth_efficiency")
"""Constants an engine whose rows cannot show them borrows from the engines fitted before it (their median)
instead of taking a neutral value: the compute constants; the bytes per attention score where none of its
rows' prompt attention writes scores (transformers' Qwen rows ran FlashAttention-2), which its other kernels
(transformers' SDPA) may, and none for an engine whose prompt attention never writes them (TensorRT-LLM's
context FMHA); the KV read's pairs for half the weights' rate (``EngineSpeed.kv_half_pairs``) where every row
ran FlashAttention-2, and that kernel's constant KV share where none did. An engine lends only what it
fitted, so the medians are over the engines whose rows measure the constant."""
COMPUTE_SHARE = 0.25
"""A decode step shows its products where, at the card's peaks, they take at least this share of the time its
reads take: FLOPs / bytes at least a quarter of the card's FLOP/s / bandwidth. At batch 1 they take about
1 %; a 16-bit step of 32 sequences on an H100 about 11 % (bitsandbytes' rows), an fp8 step of 256 on an
MI300X more than 100 % (Oracle's)."""
PRIOR_WEIGHT = 1e-4
SHRINK = 0.02
"""Pull of an engine's free constant towards the value the engines fitted before it share (their median),
per unit of the transformed coordinate squared, divided by the engine's row count: an engine with 20 rows is
held near the others' physics (1e-3, as much as moving every row's error from 5 to 7 %), one with 200 barely
(1e-4, the pull towards the starting values)."""
SOFT_L1_SCALE = 0.05
HOST_BOUND_LAYER_S = 5e-4
"""A per-layer cost at which an eager PyTorch engine's host, not its GPU, sets a small model's step (Python
launching a decoder layer's kernels: 0.7-0.8 ms on the Qwen and bitsandbytes hosts); the second start of a
fit where the host runs ahead of the GPU (``fit``)."""
SEQUENCE_ROWS_BATCH = 4
"""Sequences a row's steps must run before they show a cost per sequence (``sequence_overhead_s``) apart
from the costs per step and per layer."""
MIN_MODELS = 2
"""An engine whose rows measure fewer models than this cannot tell its own constants from that model's
kernels: every efficiency and overhead it fits bends to one architecture. dstack's TensorRT-LLM rows are
DeepSeek-R1 alone (MLA and expert-parallel kernels of early 2025, half the speed of a dense model's steps);
fitted on them, with NVIDIA's tables held out, TensorRT-LLM paid 0.6 ms per layer and 2.7 ms per step, and
NVIDIA's Llama and Mistral rows came out 32 % off (decode median) and their first tokens 54 %. Such an engine
takes every constant the engines fitted before it share and fits only those none of them has."""


def _to_x(values: dict[str, float], free: Sequence[str]) -> np.ndarray:
    out = []
    for name, kind, _ in PARAMETERS:
        if name in free:
            v = values[name]
            out.append(math.log(v / (1 - v)) if kind == "logit" else math.log(v - (kind == "log1")))
    return np.array(out)


def _from_x(x: np.ndarray, free: Sequence[str], fixed: dict[str, float] | None = None) -> dict[str, float]:
    values = dict(NEUTRAL) | (fixed or {})
    for (name, kind, _), xi in zip([p for p in PARAMETERS if p[0] in free], x, strict=True):
        values[name] = float(1 / (1 + math.exp(-xi)) if kind == "logit" else math.exp(xi) + (kind == "log1"))
    return values


STARTS = {name: start for name, _, start in PARAMETERS}


def shows_compute(c: Case) -> bool:
    """Whether ``c``'s time is the products' in good part: a prefill or first-token row, or a decode step
    whose arithmetic intensity (FLOPs per byte moved) is at least ``COMPUTE_SHARE`` of the card's. A format
    whose kernel dequantizes to a 16-bit copy past one token (bitsandbytes' NF4) moves 4 bytes per linear
    weight more, which the step's products do not hide."""
    if FAMILY[c.metric] != "decode":
        return True
    context = c.input_tokens + (c.output_tokens + 1) / 2
    moved = decode_bytes(c.terms, c.concurrency, context)
    if c.terms.dequantizes_above_one_token and c.concurrency > 1:
        moved += dequantized_bytes(c.terms, c.concurrency)  # the 16-bit copy it writes and reads back
    intensity = decode_flops(c.terms, c.concurrency, context) / moved
    fp16_accumulate = ENGINE_SPEEDS[c.engine].fp16_accumulate
    ridge = c.hw.peak_flops(c.terms.eight_bit_compute, fp16_accumulate) / c.hw.bandwidth_bytes_per_s
    return intensity >= COMPUTE_SHARE * ridge


def shows_reads(c: Case, speed_of: Callable[[Case], EngineSpeed]) -> bool:
    """Whether ``c``'s time can show how fast its engine reads memory: not a row whose step is its eager
    host's time. Where the host runs ahead of the GPU (``EngineSpeed.host_runs_ahead``) the step is the longer
    of the host's fixed costs and the GPU's work, so a row whose weights, read at the card's whole bandwidth,
    take less than the host's typical cost (``HOST_BOUND_LAYER_S`` a layer) says nothing of a bandwidth cap:
    bitsandbytes' H100 rows (Llama 3.1 8B: 4.8 ms of reads, 24 ms a token) would set one wherever it stops
    mattering to them (1.3 TB/s held out of Qwen's rows, which then read Qwen2-72B's weights on A100s at 65 %
    of the card's rate). A row that names FlashAttention-2 adds host and GPU and shows both."""
    if not speed_of(c).host_runs_ahead or c.flash_attention_2:
        return True
    reads = step_weight_bytes(c.terms, c.concurrency) / c.hw.bandwidth_bytes_per_s
    return reads >= HOST_BOUND_LAYER_S * c.terms.layers


def writes_scores(c: Case, speed_of: Callable[[Case], EngineSpeed]) -> bool:
    """Whether ``c``'s prompt attention writes its score matrix (``EngineSpeed.prompt_writes_scores``; not a
    row that names FlashAttention-2, whose fused kernel keeps the scores on chip)."""
    return speed_of(c).prompt_writes_scores and not c.flash_attention_2


def identifiable(cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed]) -> list[str]:
    """The constants ``cases`` can show: a cap needs three cards of different bandwidth (one card's rows would
    set it at that card's speed and cap every faster one), the expert loop a mixture of experts, the hop a
    layer split over GPUs, the quantized factors quantized weights, the eager launch cost a row past its
    engine's graph-capture context, the compute constants a 16-bit row whose time is the products'
    (``shows_compute``), the quantized compute factor a quantized one."""
    from planner.memory.engines import engine as memory_engine

    shown = {name for name, _, _ in PARAMETERS} - set(NEUTRAL) - set(BORROWED)
    if any(writes_scores(c, speed_of) for c in cases):
        shown.add("score_bytes")
    if any(c.flash_attention_2 for c in cases):
        shown.add("kv_bandwidth_efficiency")
    if any(not c.flash_attention_2 for c in cases):
        shown.add("kv_half_pairs")
    if any(shows_compute(c) and not c.terms.quantized for c in cases):
        shown |= set(COMPUTE)
    if len({c.hw.bandwidth_bytes_per_s for c in cases if shows_reads(c, speed_of)}) >= 3:
        shown |= {"bandwidth_cap_bytes_per_s", "compute_cap_flops_per_s"}
    if any(c.terms.experts for c in cases):
        shown.add("expert_overhead_s")
    if any(c.terms.experts and not c.moe_kernel_tuned and not speed_of(c).loops_all_experts for c in cases):
        # An engine looping over every expert pays per expert already; a fused kernel reads what it touches.
        shown.add("expert_bandwidth_factor")
    if any(c.batch >= 16 for c in cases):
        shown.add("overlap_exponent")
    if any(c.gpus > 1 and memory_engine(speed_of(c).memory_engine).split == "layers" for c in cases):
        shown.add("hop_overhead_s")
    if any(speed_of(c).schedules_in_python and c.concurrency >= SEQUENCE_ROWS_BATCH for c in cases):
        shown.add("sequence_overhead_s")
    if any(c.terms.tiled_dequant for c in cases):
        shown.add("tiled_dequant_factor")
    if any(c.runs_eagerly for c in cases):
        shown.add("eager_layer_overhead_s")
    if any(c.terms.quantized for c in cases):
        shown.add("quantized_bandwidth_factor")
    if any(c.terms.quantized and shows_compute(c) for c in cases):
        shown.add("quantized_compute_factor")
    return [name for name, _, _ in PARAMETERS if name in shown]


def speed_with(base: EngineSpeed, values: dict[str, float]) -> EngineSpeed:
    return replace(base, **values)


def log_errors(cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed]) -> np.ndarray:
    """ln(predicted / measured) per case."""
    return np.array([math.log(c.predicted(speed_of(c)) / c.value) for c in cases])


def nelder_mead(f: Callable[[np.ndarray], float], x0: np.ndarray, iterations: int = 2500) -> np.ndarray:
    """Minimise ``f`` from ``x0`` (standard coefficients; restarted by the caller)."""
    n = len(x0)
    simplex = [x0] + [x0 + np.eye(n)[i] * 0.5 for i in range(n)]
    values = [f(x) for x in simplex]
    for _ in range(iterations):
        order = np.argsort(values)
        simplex = [simplex[i] for i in order]
        values = [values[i] for i in order]
        if values[-1] - values[0] < 1e-9:
            break
        centroid = np.mean(simplex[:-1], axis=0)
        reflected = centroid + (centroid - simplex[-1])
        fr = f(reflected)
        if fr < values[0]:
            expanded = centroid + 2 * (centroid - simplex[-1])
            fe = f(expanded)
            simplex[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            simplex[-1], values[-1] = reflected, fr
        else:
            contracted = centroid + 0.5 * (simplex[-1] - centroid)
            fc = f(contracted)
            if fc < values[-1]:
                simplex[-1], values[-1] = contracted, fc
            else:
                best = simplex[0]
                simplex = [best + 0.5 * (x - best) for x in simplex]
                values = [f(x) for x in simplex]
    return simplex[int(np.argmin(values))]


def free_and_fixed(
    rows: Sequence[Case], speed_of: Callable[[Case], EngineSpeed], shared: dict[str, float]
) -> tuple[list[str], dict[str, float]]:
    """The constants a fit of ``rows`` sets (``identifiable``), and the values of those it borrows: the
    compute constants it cannot show, and, where the rows measure fewer than ``MIN_MODELS`` models, every
    constant the engines fitted before share (``shared``)."""
    free = identifiable(rows, speed_of)
    fixed = {name: shared.get(name, STARTS[name]) for name in BORROWED if name not in free}
    if rows and not any(speed_of(c).prompt_writes_scores for c in rows):
        fixed["score_bytes"] = 0.0  # the engine's prompt attention is one fused kernel: nothing to price
    if len({c.model for c in rows}) < MIN_MODELS:
        fixed |= {name: shared[name] for name in free if name in shared}
        free = [name for name in free if name not in shared]
    return free, fixed


def fit(
    cases: Sequence[Case],
    speed_of: Callable[[Case], EngineSpeed],
    restarts: int = 10,
    shared: dict[str, float] | None = None,
    iterations: int = 2500,
) -> dict[str, float]:
    """Constants that make ``cases`` (their non-suspect rows) best predicted; ``speed_of`` gives each case's
    record (its engine's shape), whose fitted fields the candidate values replace. ``shared``: the values
    other engines share. A compute constant the rows cannot show takes its shared value (else its starting
    value); a free constant with a shared value starts there and is pulled towards it by ``SHRINK`` / rows,
    the others towards their starting values by ``PRIOR_WEIGHT``."""
    rows = [c for c in cases if not c.suspect]
    shared = shared or {}
    free, fixed = free_and_fixed(rows, speed_of, shared)
    start = _to_x(STARTS | {n: v for n, v in shared.items() if n in free}, free)
    weights = np.array(
        [max(PRIOR_WEIGHT, SHRINK / max(len(rows), 1)) if n in shared else PRIOR_WEIGHT for n in free]
    )

    def loss(x: np.ndarray) -> float:
        values = _from_x(x, free, fixed)
        records: dict[int, EngineSpeed] = {}

        def candidate(c: Case) -> EngineSpeed:
            base = speed_of(c)
            if id(base) not in records:
                records[id(base)] = speed_with(base, values)
            return records[id(base)]

        errors = log_errors(rows, candidate)
        soft = 2 * SOFT_L1_SCALE**2 * (np.sqrt(1 + (errors / SOFT_L1_SCALE) ** 2) - 1)
        return float(np.mean(soft) + np.sum(weights * (x - start) ** 2))

    def descend(x: np.ndarray) -> np.ndarray:
        # Restart from the best point until a restart gains nothing (Nelder-Mead stalls on ridges).
        best = loss(x)
        for _ in range(restarts):
            x = nelder_mead(loss, x, iterations)
            value = loss(x)
            if best - value < 1e-6:
                break
            best = value
        return x

    x = descend(start.copy())
    if "layer_overhead_s" in free and any(speed_of(c).host_runs_ahead for c in rows):
        # Where the host runs ahead of the GPU, a host cost below the GPU's time changes nothing, so a
        # descent from a small per-layer cost never finds the host-bound rows' cost: descend from a
        # host-bound start as well and keep the better.
        ahead = _to_x(_from_x(start, free, fixed) | {"layer_overhead_s": HOST_BOUND_LAYER_S}, free)
        other = descend(ahead)
        x = other if loss(other) < loss(x) else x
    return _from_x(x, free, fixed)


def shared_values(fitted: Sequence[dict[str, float]]) -> dict[str, float]:
    """Per constant, the median over the engines of ``fitted`` (each its free constants) that fitted it, in
    the fit's transformed coordinates (the median of the logits of an efficiency, of the logs of a time)."""
    out: dict[str, float] = {}
    for name, _, _ in PARAMETERS:
        xs = [float(_to_x({name: f[name]}, [name])[0]) for f in fitted if name in f]
        if xs:
            out[name] = _from_x(np.array([float(np.median(xs))]), [name])[name]
    return out


NOT_LENT: tuple[str, ...] = ("bandwidth_cap_bytes_per_s", "compute_cap_flops_per_s")
"""Constants an engine fits on its own rows or not at all (``shared_for``)."""


def shared_for(loops_all_experts: bool, lent: Sequence[tuple[dict[str, float], bool]]) -> dict[str, float]:
    """What the engines fitted before share with the next (``shared_values``; ``lent``: each lender's free
    constants and whether its MoE blocks loop over every expert), but the cost per expert only among engines
    that pay it the same way (``loops_all_experts``). A Python loop over every expert (transformers) pays a
    step per expert, work or not, about 85 us each; a fused MoE kernel (vLLM, TensorRT-LLM, llama.cpp)
    launches once per layer and pays per expert a token picks only the ramp of that expert's tiles, about
    1 us. Pooled, a fused engine whose rows barely show the cost (Qwen2-57B-A14B's batch-1 rows under vLLM,
    where an untuned kernel's slow expert reads explain the same time) is pulled towards the loop's: in one
    trial's fit with dstack's rows held out vLLM took 100 us per expert, and DeepSeek-R1 (58 MoE layers,
    31-252 experts a step) came out 6-14 times too slow.

    The caps (``NOT_LENT``) are lent to no one: bytes in flight over memory latency, or FLOPs a kernel tuned
    for smaller cards reaches, belong to one engine's kernels (llama.cpp's 2024 builds stop near 1.0 TB/s on
    an A100 or H100, TensorRT-LLM near 3.3), and another engine's cap says nothing of them. Lent, a held-out
    llama.cpp was pulled towards whichever caps the engines before it had fitted, transformers' among them."""
    shared = shared_values([constants for constants, _ in lent])
    alike = shared_values([constants for constants, loops in lent if loops == loops_all_experts])
    shared.pop("expert_overhead_s", None)
    for name in NOT_LENT:
        shared.pop(name, None)
    if "expert_overhead_s" in alike:
        shared["expert_overhead_s"] = alike["expert_overhead_s"]
    return shared


_FITS: dict[tuple[object, ...], dict[str, float]] = {}


def _shape(c: Case) -> EngineSpeed:
    """The record of ``c``'s own engine (memory layout, batching, kernels), whose constants a fit replaces."""
    return ENGINE_SPEEDS[c.engine]


def fit_engines(
    cases: Sequence[Case], restarts: int = 10, only: set[str] | None = None, iterations: int = 2500
) -> dict[str, dict[str, float]]:
    """Per engine: its fitted constants plus the p10/p90 of its residuals and its row count.

    Hierarchical, in one deterministic pass: engines whose rows show compute first, then the others, each
    group by row count, most first; each engine's free constants are pulled towards the median of the
    engines fitted before it (``SHRINK``, weaker the more rows it has), and the compute constants its rows
    cannot show are that median. ``only``: the engines wanted (with every engine fitted before them)."""

    # An engine priced with another's constants (SGLang with vLLM's) joins its lender's rows, in its shape.
    def lender(c: Case) -> str:
        return constants_engine(c.engine)

    groups = {name: [c for c in cases if lender(c) == name and not c.suspect] for name in ENGINE_SPEEDS}
    groups = {name: rows for name, rows in groups.items() if rows}
    seeing = {name for name, rows in groups.items() if COMPUTE[0] in identifiable(rows, _shape)}
    order = sorted(groups, key=lambda n: (n not in seeing, -len(groups[n]), n))
    if only is not None:
        last = max((order.index(n) for n in only if n in groups), default=-1)
        order = order[: last + 1]
    out: dict[str, dict[str, float]] = {}
    lent: list[tuple[dict[str, float], bool]] = []
    for name in order:
        mine = [c for c in cases if lender(c) == name]
        loops = ENGINE_SPEEDS[name].loops_all_experts
        shared = shared_for(loops, lent)
        key = (name, tuple(id(c) for c in mine), tuple(sorted(shared.items())), restarts, iterations)
        if key not in _FITS:  # the held-out tests refit an engine on the same rows for many sources
            _FITS[key] = fit(mine, _shape, restarts=restarts, shared=shared, iterations=iterations)
        values = dict(_FITS[key])
        free, _ = free_and_fixed(groups[name], _shape, shared)
        lent.append(({k: values[k] for k in free}, loops))
        values.update(band(mine, lambda c, values=values: speed_with(_shape(c), values)))
        values["calibration_rows"] = float(len(mine))
        out[name] = values
    return {name: out[name] for name in ENGINE_SPEEDS if name in out and (only is None or name in only)}


def band(cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed]) -> dict[str, float]:
    """p10 and p90 of ln(measured / predicted) over the decode-speed rows not marked suspect: the band of
    ``output_tokens_per_s`` (a first-token time is a time, not a speed, and a suspect row is no evidence)."""
    rows = [c for c in cases if not c.suspect and FAMILY[c.metric] == "decode"]
    residuals = -log_errors(rows, speed_of)
    return {
        "log_residual_p10": float(np.quantile(residuals, 0.1)),
        "log_residual_p90": float(np.quantile(residuals, 0.9)),
    }


def render(
    fitted: dict[str, dict[str, float]], command: str = "python benchmarks/fit_perf.py --write"
) -> str:
    lines = [
        f'"""Fitted speed constants per engine, written by\n``{command}``."""',
        "",
        "from __future__ import annotations",
        "",
        f'FIT_COMMAND = "{command}"',
        "",
        "FITTED: dict[str, dict[str, float]] = {",
    ]
    for name, values in fitted.items():
        lines.append(f"    {name!r}: {{")
        for key, value in values.items():
            number = repr(float(f"{value:.4g}")).replace("e+", "e")
            lines.append(f"        {key!r}: {number},")
        lines.append("    },")
    lines.append("}")
    return "\n".join(lines).replace("'", '"') + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite planner/perf/fitted.py")
    parser.add_argument(
        "--files", nargs="+", metavar="NAME", help="fit on these files of benchmarks/data only (default: all)"
    )
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    cases = load_cases([DATA / name for name in args.files] if args.files else CSVS)
    fitted = fit_engines(cases)
    command = "python benchmarks/fit_perf.py --write" + (
        " --files " + " ".join(args.files) if args.files else ""
    )
    text = render(fitted, command)
    print(text)
    if args.write:
        FITTED_PY.write_text(text)
        print(f"wrote {FITTED_PY}")


if __name__ == "__main__":
    main()
