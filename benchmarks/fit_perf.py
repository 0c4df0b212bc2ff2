"""Fit the speed model's per-engine constants on the calibration rows and print them.

Per engine, up to fourteen physical constants (planner/perf/efficiency.py says what each means: bandwidth and
compute efficiencies and caps, overheads per step, layer, expert and GPU hop, KV and attention-score traffic).
Those an engine's rows cannot show (a cap with fewer than three cards, an expert loop without a mixture of
experts, ...) take neutral values instead (no cap, no cost). The rest minimise the mean
soft-L1 loss of ln(predicted / measured) over the engine's rows not marked suspect, with a weak pull towards
neutral starting values so that a constant the rows cannot see (no quantized rows, no multi-GPU rows) stays
put instead of wandering. Nelder-Mead on transformed parameters (efficiencies through a logistic, so they
stay below 1; times and token counts through exp, so they stay positive): numpy only, deterministic.

Usage: ``python benchmarks/fit_perf.py [--write]``; ``--write`` rewrites planner/perf/fitted.py.
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

from planner.perf.efficiency import ENGINE_SPEEDS, EngineSpeed

FITTED_PY = Path(__file__).parent.parent / "planner" / "perf" / "fitted.py"
# (name, transform, start value). "logit": value in (0, 1); "log": value > 0.
PARAMETERS: tuple[tuple[str, str, float], ...] = (
    ("bandwidth_efficiency", "logit", 0.6),
    ("quantized_bandwidth_factor", "log", 1.0),
    ("kv_bandwidth_efficiency", "logit", 0.5),
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
    ("overlap_exponent", "log", 4.0),
    ("tiled_dequant_factor", "log", 1.0),
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
}
PRIOR_WEIGHT = 1e-4
SOFT_L1_SCALE = 0.05


def _to_x(values: dict[str, float], free: Sequence[str]) -> np.ndarray:
    out = []
    for name, kind, _ in PARAMETERS:
        if name in free:
            v = values[name]
            out.append(math.log(v / (1 - v)) if kind == "logit" else math.log(v))
    return np.array(out)


def _from_x(x: np.ndarray, free: Sequence[str]) -> dict[str, float]:
    values = dict(NEUTRAL)
    for (name, kind, _), xi in zip([p for p in PARAMETERS if p[0] in free], x, strict=True):
        values[name] = float(1 / (1 + math.exp(-xi)) if kind == "logit" else math.exp(xi))
    return values


STARTS = {name: start for name, _, start in PARAMETERS}


def identifiable(cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed]) -> list[str]:
    """The constants ``cases`` can show: a cap needs three cards of different bandwidth (one card's rows would
    set it at that card's speed and cap every faster one), the expert loop a mixture of experts, the hop a
    layer split over GPUs, the quantized factors quantized weights, the eager launch cost a row past its
    engine's graph-capture context."""
    from planner.memory.engines import engine as memory_engine

    shown = {name for name, _, _ in PARAMETERS} - set(NEUTRAL)
    if len({c.hw.bandwidth_bytes_per_s for c in cases}) >= 3:
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
    if any(c.terms.tiled_dequant for c in cases):
        shown.add("tiled_dequant_factor")
    if any(c.runs_eagerly for c in cases):
        shown.add("eager_layer_overhead_s")
    if any(c.terms.quantized for c in cases):
        shown |= {"quantized_bandwidth_factor", "quantized_compute_factor"}
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


def fit(
    cases: Sequence[Case], speed_of: Callable[[Case], EngineSpeed], restarts: int = 10
) -> dict[str, float]:
    """Constants that make ``cases`` (their non-suspect rows) best predicted; ``speed_of`` gives each case's
    record (its engine's shape), whose fitted fields the candidate values replace."""
    rows = [c for c in cases if not c.suspect]
    free = identifiable(rows, speed_of)
    start = _to_x(STARTS, free)

    def loss(x: np.ndarray) -> float:
        values = _from_x(x, free)
        errors = log_errors(rows, lambda c: speed_with(speed_of(c), values))
        soft = 2 * SOFT_L1_SCALE**2 * (np.sqrt(1 + (errors / SOFT_L1_SCALE) ** 2) - 1)
        return float(np.mean(soft) + PRIOR_WEIGHT * np.sum((x - start) ** 2))

    # Restart from the best point until a restart gains nothing (Nelder-Mead stalls on ridges).
    x = start.copy()
    best = loss(x)
    for _ in range(restarts):
        x = nelder_mead(loss, x)
        value = loss(x)
        if best - value < 1e-6:
            break
        best = value
    return _from_x(x, free)


def fit_engines(cases: Sequence[Case]) -> dict[str, dict[str, float]]:
    """Per engine: its fitted constants plus the p10/p90 of its residuals and its row count."""
    out: dict[str, dict[str, float]] = {}
    for name, base in ENGINE_SPEEDS.items():
        mine = [c for c in cases if c.engine == name]
        if not mine:
            continue
        values = fit(mine, lambda c, base=base: base)
        values.update(band(mine, speed_with(base, values)))
        values["calibration_rows"] = float(len(mine))
        out[name] = values
    return out


def band(cases: Sequence[Case], speed: EngineSpeed) -> dict[str, float]:
    """p10 and p90 of ln(measured / predicted) over the decode-speed rows not marked suspect: the band of
    ``output_tokens_per_s`` (a first-token time is a time, not a speed, and a suspect row is no evidence)."""
    rows = [c for c in cases if not c.suspect and FAMILY[c.metric] == "decode"]
    residuals = -log_errors(rows, lambda c: speed)
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
