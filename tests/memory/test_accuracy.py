"""The accuracy targets, checked on the calibration set kept in the repository.

benchmarks/accuracy.py prints the full table. This guards what it claims: gold inference rows median <= 5% and
p90 <= 12%; per task on gold and silver rows, inference <= 4%, LoRA <= 8%, full fine-tuning <= 10%; leave one
source out <= 12% for every task; QLoRA <= 8% too (7.7%: the margin is thin, LitGPT's rows are 10-33 % low and
torchtune's compiled rows 18-44 % high).
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from scripts import benchmark_module

ROOT = Path(__file__).resolve().parents[2]
CSV = ROOT / "benchmarks" / "data" / "vram_calibration.csv"


def _accuracy() -> ModuleType:
    return benchmark_module("accuracy")


def test_targets_on_the_calibration_set() -> None:
    acc = _accuracy()
    results, _ = acc.run(CSV)
    gold = [r for r in results if r.tier == "gold" and r.task == "inference"]
    counted = acc.counted(results)
    tasks = {
        task: [r for r in counted if r.task == task] for task in ("inference", "lora", "qlora", "full_ft")
    }
    assert len(gold) == 115
    assert {task: len(rows) for task, rows in tasks.items()} == {
        "inference": 300,
        "lora": 57,
        "qlora": 32,
        "full_ft": 19,
    }
    median, p90 = acc._stats([r.err(r.planner_gib) for r in gold])
    assert median <= 5.0 and p90 <= 12.0
    for task in ("inference", "lora", "qlora", "full_ft"):
        assert acc._stats([r.err(r.planner_gib) for r in tasks[task]])[0] <= acc.TARGETS[task], task
    # and planner beats weights-only and the rule of thumb on the gold rows
    for attr in ("weights_gib", "rule_gib"):
        assert median < acc._stats([r.err(getattr(r, attr)) for r in gold])[0]


def test_every_new_framework_row_is_read_with_its_recipe() -> None:
    acc = _accuracy()
    results, _ = acc.run(CSV, lambda source: source in ("torchtune README", "LitGPT config table"))
    frameworks = {(r.source, r.framework) for r in results}
    assert frameworks == {("torchtune README", "torchtune"), ("LitGPT config table", "litgpt")}
    assert len(results) == 32
    # torchtune's Llama-3.1-8B full fine-tuning on one RTX 4090 (PagedAdamW8bit stepped in backward): 18.9 GiB
    # measured; one recipe for every framework put it at 112.6 GiB.
    row = next(r for r in results if r.model == "llama-3.1-8b" and r.task == "full_ft")
    assert row.measured_gib == 18.9 and abs(row.err(row.planner_gib)) <= 5.0


def test_qwen_profile_rows_run_what_its_scripts_ran() -> None:
    acc = _accuracy()
    # finetune_lora_single_gpu.sh: no DeepSpeed; finetune_qlora_single_gpu.sh: ZeRO-2, ds_config_zero2.json.
    assert acc.qwen_profile_recipe("lora", 1, "") == {"framework": "hf-trainer"}
    qlora = acc.qwen_profile_recipe("qlora", 1, "")
    assert qlora["zero_stage"] == 2 and qlora["reduce_bucket_size"] == 200_000_000 and qlora["overlap_comm"]
    assert qlora["loss"] == "full-16bit"
    assert acc.qwen_profile_recipe("full", 2, "")["zero_stage"] == 3


def test_unsloth_long_context_rows_hold_no_logits() -> None:
    # Unsloth's context table: Llama 3.1 8B QLoRA fits 342,733 tokens in an 80 GB card (bronze: the card's
    # size bounds the peak). With Cut Cross-Entropy planner is within 20%; with bf16 logits kept (the former
    # fused kernel) it would need 82 GiB more at that length.
    acc = _accuracy()
    results, _ = acc.run(CSV, lambda source: source == "Unsloth context table")
    assert len(results) == 16 and {r.tier for r in results} == {"bronze"}
    row = next(r for r in results if r.framework == "unsloth" and r.measured_gib == 80.0 and "3.1" in r.model)
    assert abs(row.err(row.planner_gib)) <= 20.0


def test_leave_one_source_out_refits_what_each_source_set() -> None:
    acc = _accuracy()
    lines, errors = acc.leave_one_source_out(CSV)
    text = "\n".join(lines)
    assert "| Qwen (1st gen) README | full-loss bytes" in text
    assert "| torchtune README | chunked-loss bytes" in text
    assert "| HF transformers guide | nothing (no constant was set from it)" in text
    for task in ("inference", "lora", "qlora", "full_ft"):
        assert acc._stats(errors[task])[0] <= acc.LOSO_TARGET, task
    assert (
        acc.LOSSES["full"].bytes_per_logit == 12.0 and acc.LOSSES["chunked"].bytes_per_logit == 3.0
    )  # restored
