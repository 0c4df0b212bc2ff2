"""Which weight formats each engine runs on which card (planner.memory.support), against vLLM's published
'Supported Hardware' table, its FP8 page and RocmPlatform.supports_fp8, bitsandbytes' and transformers'
requirements (docs/memory-model.md, "Which card runs which format", read 2026-12-03)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog
from planner.cli import main
from planner.errors import ModelError
from planner.memory.engines import ENGINES
from planner.memory.formats import WEIGHT_FORMATS
from planner.memory.support import check_runs, needs, refusal


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


@pytest.mark.parametrize(
    ("engine", "precision", "card", "runs"),
    [
        # FP8: W8A8 on Ada (8.9), Hopper (9.0), Blackwell, MI300 (gfx942); weight-only Marlin on Turing and
        # Ampere; RDNA3 (gfx1100) is not in supports_fp8's gfx94/gfx95/gfx12; Volta (7.0) has no FP8 path.
        ("vllm", "fp8", "Radeon RX 7900 XTX", False),
        ("vllm", "fp8", "Instinct MI300X", True),
        ("vllm", "fp8", "H100 SXM5", True),
        ("vllm", "fp8", "GeForce RTX 4090", True),
        ("vllm", "fp8", "A100 80GB SXM4", True),
        ("vllm", "fp8", "T4", True),
        ("vllm", "fp8", "V100 16GB SXM2", False),
        ("vllm", "fp8", "Instinct MI250", False),  # gfx90a: CDNA2 has no fp8 datapath
        ("sglang", "fp8", "Radeon RX 7900 XTX", False),
        # AWQ: Turing and newer, not Volta, no AMD column; GPTQ from Volta.
        ("vllm", "awq-int4", "V100 16GB SXM2", False),
        ("vllm", "awq-int4", "T4", True),
        ("vllm", "awq-int4", "Radeon RX 7900 XTX", False),
        ("vllm", "gptq-int4", "V100 16GB SXM2", True),
        # FP4 Marlin from Ampere (Turing lacks Marlin MXFP4).
        ("vllm", "mxfp4", "T4", False),
        ("vllm", "mxfp4", "A10G", True),
        # llama.cpp's GGUF kernels run on every backend; 16-bit weights everywhere.
        ("llama.cpp", "q4_k_m", "Radeon RX 7900 XTX", True),
        ("llama.cpp", "q8_0", "V100 16GB SXM2", True),
        ("vllm", "bf16", "Radeon RX 7900 XTX", True),
        # transformers: fine-grained FP8 needs compute capability 9.0; bitsandbytes runs on ROCm, LLM.int8
        # from Turing.
        ("transformers", "fp8", "GeForce RTX 4090", False),
        ("transformers", "fp8", "H100 SXM5", True),
        ("transformers", "nf4", "Radeon RX 7900 XTX", True),
        ("transformers", "int8", "V100 16GB SXM2", False),
        ("transformers", "int8", "T4", True),
    ],
)
def test_published_cases(engine: str, precision: str, card: str, runs: bool, catalog: Catalog) -> None:
    assert (refusal(engine, precision, catalog.gpu(card)) is None) == runs


def test_the_refusal_names_the_card_and_where_it_runs(catalog: Catalog) -> None:
    line = refusal("vllm", "fp8", catalog.gpu("Radeon RX 7900 XTX"))
    assert line is not None and "\n" not in line
    assert "Radeon RX 7900 XTX" in line and "gfx1100" in line and "gfx94*" in line and ">= 7.5" in line
    with pytest.raises(ModelError, match="vllm cannot run precision fp8 on Radeon RX 7900 XTX"):
        check_runs("vllm", "fp8", catalog.gpu("Radeon RX 7900 XTX"))


def test_every_shipped_card_records_what_engines_check(catalog: Catalog) -> None:
    """NVIDIA: a compute capability; AMD: an LLVM target. Without one every limited format is refused."""
    for card in catalog.gpus:
        cc = card.compute_capability
        assert cc.startswith("gfx") if card.vendor == "AMD" else cc.replace(".", "").isdigit(), card.name


def test_a_card_with_fp8_tensor_cores_runs_fp8_under_vllm(catalog: Catalog) -> None:
    """Independent of the compute-capability column: the catalog's fp8 TFLOPS (Ada, Hopper, Blackwell, CDNA3
    datasheets) mark the cards vLLM runs FP8 W8A8 on; an AMD card without them runs no FP8 at all."""
    for card in catalog.gpus:
        runs = refusal("vllm", "fp8", card) is None
        if card.fp8_dense_tflops is not None:
            assert runs, card.name
        elif card.vendor == "AMD":
            assert not runs, card.name


def test_rows_name_formats_their_engine_loads_and_do_not_overlap() -> None:
    for eng in ENGINES.values():
        for row in eng.hardware:
            assert row.formats <= eng.weight_formats, row
            assert row.source and row.how
        named = [f for r in eng.hardware for f in r.formats]
        assert len(named) == len(set(named)), eng.name
    assert needs("llama.cpp", "q4_k_m") is None
    assert all(not WEIGHT_FORMATS[f].gguf for e in ENGINES.values() for r in e.hardware for f in r.formats)


def test_a_card_without_a_recorded_capability_runs_no_limited_format(catalog: Catalog) -> None:
    blank = catalog.gpu("H100 SXM5").model_copy(update={"compute_capability": ""})
    assert refusal("vllm", "fp8", blank) is not None
    assert refusal("vllm", "bf16", blank) is None


@pytest.mark.parametrize("command", ["fit", "perf"])
def test_cli_refuses_an_impossible_card_in_one_line(command: str) -> None:
    args = [command, "llama-3.1-8b", "--gpu", "Radeon RX 7900 XTX", "--precision", "fp8", "--engine", "vllm"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == [lines[-1]] and "vllm cannot run precision fp8 on Radeon RX 7900 XTX" in lines[-1]


@pytest.mark.parametrize("card", ["Instinct MI300X", "H100 SXM5", "GeForce RTX 4090"])
def test_cli_runs_fp8_where_the_card_can(card: str) -> None:
    args = ["perf", "llama-3.1-8b", "--gpu", card, "--precision", "fp8", "--engine", "vllm"]
    assert CliRunner().invoke(main, args).exit_code == 0
