"""Accuracy of planner's memory model against published measurements.

Runs every usable row of benchmarks/data/vram_calibration.csv (described in vram_calibration.md) through
``estimate_memory`` and prints, per source, task and tier, the median and 90th-percentile absolute relative
error of three predictors side by side:

* planner: the analytic estimate. Rows measured with ``torch.cuda.max_memory_allocated`` are compared with
  ``total - cuda_context - allocator_overhead`` (allocated memory), the others with the total;
* weights only: what ``accelerate estimate-memory`` reports;
* rule of thumb: the midpoint of DESIGN.md's rule (weights x 1.3 or 1.5, x2-3 LoRA, x6-10 full).

GGUF ``weights_file`` rows compare the weights component alone. Rows whose workload is unknown, or whose
format planner does not model (llama.cpp i-quants, ``_s``/``_l`` k-quant mixes, legacy q4_1/q5_x), are counted
as skipped. Usage: ``python benchmarks/accuracy.py [--rows] [--csv PATH]``.
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from planner import estimate_memory
from planner.errors import PlannerError
from planner.memory.architecture import Architecture, from_config
from planner.memory.formats import WEIGHT_FORMATS
from planner.units import GIB

DATA = Path(__file__).resolve().parent / "data"
GOLD_TARGETS = {"median": 5.0, "p90": 12.0}
FT_TARGET_MEDIAN = 15.0

# Calibration precision labels -> planner formats (ChatGLM's own weight-only int8/int4 are plain 8/4 bit).
PRECISIONS = {"int8-chatglm": "int8", "int4-chatglm": "int4", "f16": "f16"}
SOURCES = (
    ("Qwen2.5 @a912d239", "Qwen2.5 speed benchmark"),
    ("Qwen2.5 @5c4e69cb", "Qwen2 speed benchmark"),
    ("hf_infer", "Qwen1.5 speed benchmark"),
    ("QwenLM/Qwen @", "Qwen (1st gen) README"),
    ("ChatGLM2", "ChatGLM2-6B README"),
    ("Baichuan", "Baichuan2 README"),
    ("llm_tutorial_optimi", "HF transformers guide"),
    ("llama.cpp", "llama.cpp GGUF sizes"),
    ("TheBloke", "llama.cpp GGUF sizes"),
)
_SUFFIX = re.compile(r"(-Chat|-Instruct)?(-GPTQ-Int4|-Int4|-Int8|-AWQ)?$")


@dataclass(frozen=True)
class Result:
    source: str
    task: str
    tier: str
    model: str
    measured_gib: float
    planner_gib: float
    weights_gib: float
    rule_gib: float

    def err(self, predicted: float) -> float:
        return abs(predicted - self.measured_gib) / self.measured_gib * 100


def _int(value: str, default: int | None = None) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return default


def _source_label(row: dict[str, str]) -> str:
    for needle, label in SOURCES:
        if needle in row["source"]:
            return label
    return row["source"][:40]


def _architecture(name: str, local: dict[str, Any]) -> Architecture | str:
    base = name.split("/")[-1]
    key = _SUFFIX.sub("", base)
    if key in local:
        return from_config(local[key], base)
    return base  # a catalog name or alias


def _predict(row: dict[str, str], model: Architecture | str, notes: str) -> tuple[float, float, float] | str:
    task = {"full_ft": "full"}.get(row["task"], row["task"])
    precision = PRECISIONS.get(row["weight_precision"], row["weight_precision"])
    if precision not in WEIGHT_FORMATS and precision not in (
        "int8-gptq",
        "int4-gptq",
        "int4-awq",
        "int8-bnb",
        "int4-bnb-fp4",
    ):
        return f"format {precision} not modelled"
    gguf = row["task"] == "weights_file"
    if gguf:
        est = estimate_memory(model, precision=precision, context=1, engine="llama.cpp")
        weights = est.breakdown["weights"] / GIB
        nominal = est.params * WEIGHT_FORMATS[precision].rule_bits / 8 / GIB  # the rule's weights term
        return weights, weights, nominal
    gpus = _int(row["num_gpus"], 1) or 1
    batch = _int(row["batch_size"])
    if batch is None:
        return "workload unknown"
    options: dict[str, Any] = {"precision": precision, "gpus": gpus, "batch": batch}
    if task == "inference":
        if row["input_tokens"] == "unknown" and "input_tokens='short" not in notes:
            return "workload unknown"
        prompt = _int(row["input_tokens"], 1) or 1
        out = _int(row["output_tokens"], 1) or 1
        options.update(task="inference", context=prompt + out, prefill_tokens=prompt)
        options["flash_attention"] = "flash-attn off" not in notes and "eager" not in notes
        # transformers before 4.45 computed logits for the whole prompt (vram_calibration.md, Qwen2/Qwen1.5).
        version = re.search(r"Transformers (\d+)\.(\d+)", notes)
        old = version is not None and (int(version.group(1)), int(version.group(2))) < (4, 45)
        options["prefill_logits"] = old or "full-sequence logits" in notes
    else:
        seq = _int(row["seq_len"])
        if seq is None:
            return "workload unknown"
        rank = re.search(r"r=(\d+)", notes)
        targets = "all,embed_tokens,lm_head" if "LoRA (emb)" in notes else "all"
        options.update(
            task=task,
            context=seq,
            lora_rank=int(rank.group(1)) if rank else 16,
            lora_targets=targets,
            gradient_checkpointing=row["gradient_checkpointing"] != "no",
            zero_stage=3 if "ZeRO-3" in notes or task == "full" else 2,
        )
    est = estimate_memory(model, **options)
    allocated = "max_memory_allocated" in notes
    total = est.total_bytes
    if allocated:
        total -= est.breakdown["cuda_context"] + est.breakdown["allocator_overhead"]
    low, high = est.rule_of_thumb_bytes
    return total / GIB, est.breakdown["weights"] / GIB, (low + high) / 2 / GIB


def run(csv_path: Path) -> tuple[list[Result], dict[str, int]]:
    local = yaml.safe_load((DATA / "model_configs.yaml").read_text(encoding="utf-8"))
    results: list[Result] = []
    skipped: dict[str, int] = {}
    with csv_path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            notes = row["notes"]
            tier = notes.split(";")[0].removeprefix("tier=").strip()
            try:
                model = _architecture(row["model"], local)
                outcome = _predict(row, model, notes)
            except PlannerError as error:
                outcome = f"planner error: {error}"
            if isinstance(outcome, str):
                reason = outcome.split(":")[0]
                skipped[reason] = skipped.get(reason, 0) + 1
                continue
            planner_gib, weights_gib, rule_gib = outcome
            results.append(
                Result(
                    _source_label(row),
                    row["task"],
                    tier,
                    row["model"],
                    float(row["measured_gb"]),
                    planner_gib,
                    weights_gib,
                    rule_gib,
                )
            )
    return results, skipped


def _stats(errors: list[float]) -> tuple[float, float]:
    ordered = sorted(errors)
    p90 = ordered[min(len(ordered) - 1, max(0, round(0.9 * len(ordered) + 0.5) - 1))]
    return statistics.median(ordered), p90


def table(results: list[Result]) -> list[str]:
    groups: dict[tuple[str, str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.source, r.task, r.tier), []).append(r)
    head = (
        "| source | task | tier | rows | planner median | planner p90 | weights-only median "
        "| weights-only p90 | rule of thumb median | rule of thumb p90 |"
    )
    lines = [head, "|" + "---|" * 10]
    for (source, task, tier), rows in sorted(groups.items()):
        cells = []
        for attr in ("planner_gib", "weights_gib", "rule_gib"):
            med, p90 = _stats([r.err(getattr(r, attr)) for r in rows])
            cells += [f"{med:.1f}%", f"{p90:.1f}%"]
        lines.append(f"| {source} | {task} | {tier} | {len(rows)} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--csv", type=Path, default=DATA / "vram_calibration.csv")
    parser.add_argument("--rows", action="store_true", help="also print every row's prediction")
    args = parser.parse_args(argv)
    results, skipped = run(args.csv)
    print("Absolute relative error of predicted vs measured peak GPU memory (lower is better)\n")
    print("\n".join(table(results)))
    gold = [r for r in results if r.tier == "gold" and r.task == "inference"]
    med, p90 = _stats([r.err(r.planner_gib) for r in gold])
    print(
        f"\ngold inference rows: {len(gold)}; planner median {med:.1f}% "
        f"(target <= {GOLD_TARGETS['median']}%), p90 {p90:.1f}% (target <= {GOLD_TARGETS['p90']}%)"
    )
    ft = [r for r in results if r.task in ("lora", "qlora", "full_ft")]
    if ft:
        ft_med, ft_p90 = _stats([r.err(r.planner_gib) for r in ft])
        print(
            f"fine-tuning rows: {len(ft)}; planner median {ft_med:.1f}% (target <= {FT_TARGET_MEDIAN}%), "
            f"p90 {ft_p90:.1f}%"
        )
    print("skipped rows: " + (", ".join(f"{k} ({v})" for k, v in sorted(skipped.items())) or "none"))
    if args.rows:
        print("\nsource | task | tier | model | measured GiB | planner | weights-only | rule of thumb")
        for r in results:
            print(
                f"{r.source} | {r.task} | {r.tier} | {r.model} | {r.measured_gib:.2f} | "
                f"{r.planner_gib:.2f} | {r.weights_gib:.2f} | {r.rule_gib:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
