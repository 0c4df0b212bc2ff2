"""benchmarks/data/throughput_llamacpp_2025.csv: llama.cpp speeds measured on 2025-2026 builds, read through
the speed-calibration loader (benchmarks/perf_data.py), checked against the physics no measurement can beat.

A decode step of one sequence reads every weight once and the sequence's KV cache once; only the input
embedding is a lookup of one row (where it is not tied to the output head), so the bytes a token needs are at
least ``weights - untied embedding + KV``. A measured speed above ``bandwidth / those bytes`` is a typo, a
wrong card or a wrong model in the row.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from planner.catalog.load import load_catalog
from planner.memory.formats import weight_format
from planner.memory.resolve import resolve_model

from scripts import benchmark_module

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
FILE = BENCHMARKS / "data" / "throughput_llamacpp_2025.csv"


PD = benchmark_module("perf_data")
ROWS = list(csv.DictReader(FILE.open(newline="")))
CASES = PD.load_cases([FILE])


def test_every_row_parses_and_resolves_to_a_catalog_model_and_card() -> None:
    assert len(ROWS) == len(CASES) == 10
    gpus = {g.name for g in load_catalog().gpus}
    for row, case in zip(ROWS, CASES, strict=True):
        assert case.engine == "llama.cpp"
        assert resolve_model(case.model).name == row["model"]
        assert case.gpu in gpus, case.gpu
        assert case.gpus == 1 and case.batch == 1
        assert case.metric in PD.METRICS
        assert case.value > 0


def test_every_row_names_its_source_and_is_marked_current() -> None:
    for row, case in zip(ROWS, CASES, strict=True):
        assert row["source"].startswith("github.com/"), row["source"]
        assert "read 2026-12-03" in row["source"]
        assert PD.CURRENT_LLAMACPP_NOTE in row["notes"]
        assert case.current_build


def test_2024_llama_cpp_rows_are_not_marked_current() -> None:
    """The May-2024 llama-bench rows and the 2024 pull-request rows keep the fitted constants' condition."""
    older = PD.load_cases([PD.CSV, BENCHMARKS / "data" / "throughput_llamacpp_prs.csv"])
    llama_cpp = [c for c in older if c.engine == "llama.cpp"]
    assert len(llama_cpp) > 200
    assert not any(c.current_build for c in llama_cpp)


def _row_id(case: Any) -> str:
    return f"{case.gpu}|{case.model}|{case.precision}|{case.input_tokens}"


def _least_bytes_per_token(case: Any) -> float:
    """Weights read once, minus an untied input embedding (a one-row lookup), plus the KV cache at the mean
    context of the measured tokens."""
    arch = resolve_model(case.model)
    fmt = weight_format(case.precision)
    bits = fmt.linear_bits if fmt.gguf else fmt.other_bits  # a GGUF file quantizes its token embedding
    embedding = 0.0 if arch.tie_word_embeddings else arch.vocab_size * arch.hidden_size * bits / 8
    context = case.input_tokens + (case.output_tokens + 1) / 2
    return float(case.terms.weight_bytes) - embedding + case.terms.kv_bytes_per_token * context


@pytest.mark.parametrize("case", [c for c in CASES if c.metric == "decode_tok_s_per_seq"], ids=_row_id)
def test_no_decode_row_is_above_the_bandwidth_roofline(case: Any) -> None:
    read = _least_bytes_per_token(case) * case.value
    assert read <= case.hw.bandwidth_bytes_per_s


@pytest.mark.parametrize("case", [c for c in CASES if c.metric == "prefill_tok_s"], ids=_row_id)
def test_no_prefill_row_is_above_the_compute_roofline(case: Any) -> None:
    """A prompt token costs at least two FLOPs per active weight; 16-bit tensor peak (fp16 accumulate, the
    faster of the two) bounds the rate."""
    flops = 2 * case.terms.active_params * case.value
    assert flops <= case.hw.flops_16_fp16_accumulate


def test_current_builds_read_faster_than_the_2024_cap() -> None:
    """The fitted llama.cpp constants cap a GPU at 1.009 TB/s (May-2024 builds); the RTX 5090 rows of current
    builds read at least 1.4 TB/s, so the cap is a condition of the old rows, not of the engine."""
    rtx5090 = [c for c in CASES if c.gpu == "GeForce RTX 5090" and c.metric == "decode_tok_s_per_seq"]
    assert rtx5090
    best = max(_least_bytes_per_token(c) * c.value for c in rtx5090)
    assert best > 1.4e12
