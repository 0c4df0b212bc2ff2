"""The accuracy targets of issue 2, checked on the calibration set kept in the repository.

benchmarks/accuracy.py prints the full table; this guards the targets against regressions: gold inference rows
median <= 5% and p90 <= 12%, fine-tuning rows median <= 15%.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]


def _accuracy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("planner_accuracy", ROOT / "benchmarks" / "accuracy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file executes
    spec.loader.exec_module(module)
    return module


def test_targets_on_the_calibration_set() -> None:
    acc = _accuracy()
    results, _ = acc.run(ROOT / "benchmarks" / "data" / "vram_calibration.csv")
    gold = [r for r in results if r.tier == "gold" and r.task == "inference"]
    tuning = [r for r in results if r.task in ("lora", "qlora", "full_ft")]
    assert len(gold) == 115 and len(tuning) == 81
    median, p90 = acc._stats([r.err(r.planner_gib) for r in gold])
    assert median <= 5.0 and p90 <= 12.0
    assert acc._stats([r.err(r.planner_gib) for r in tuning])[0] <= 15.0
    # and planner beats weights-only and the rule of thumb on the gold rows
    for attr in ("weights_gib", "rule_gib"):
        assert median < acc._stats([r.err(getattr(r, attr)) for r in gold])[0]
