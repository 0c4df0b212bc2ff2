"""``planner estimate`` and ``planner fit`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.units import GIB


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_estimate_llama_cpp_example_is_readable() -> None:
    code, out, _ = run(
        "estimate",
        "llama-3-8b",
        "--precision",
        "q4_k_m",
        "--context",
        "32768",
        "--batch",
        "4",
        "--engine",
        "llama.cpp",
    )
    assert code == 0
    assert "per GPU GiB" in out and "KV cache" in out and "16.00" in out  # 128 KiB x 32768 x 4 = 16 GiB
    assert "rule of thumb" in out and "GB" in out


def test_estimate_json_carries_the_api_fields() -> None:
    code, out, _ = run("estimate", "qwen2.5-7b", "--context", "8192", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["params"] == 7_615_616_512
    assert data["total_bytes"] == sum(data["breakdown"].values())
    assert {"per_gpu_bytes", "rule_of_thumb_bytes", "inputs"} <= set(data)
    assert data["inputs"]["context"] == 8192


def test_gguf_precision_defaults_to_llama_cpp() -> None:
    code, out, _ = run("estimate", "7b", "--precision", "q4_k_m", "--format", "json")
    assert code == 0 and json.loads(out)["inputs"]["engine"] == "llama.cpp"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["estimate", "no-such-model"], "unknown model 'no-such-model'"),
        (["estimate", "7b", "--precision", "int3"], "unknown precision 'int3'"),
        (["estimate", "7b", "--context", "0"], "context must be a whole number >= 1"),
        (["estimate", "7b", "--batch", "0"], "batch must be"),
        (["estimate", "qwen2.5-7b", "--engine", "vllm", "--gpus", "3"], "cannot split 28 attention heads"),
        (["fit", "7b"], "exactly one of --gpu NAME or --vram SIZE"),
        (["fit", "7b", "--vram", "lots"], "--vram: not a memory size"),
        (["fit", "7b", "--gpu", "Voodoo 5"], "unknown GPU 'Voodoo 5'"),
    ],
)
def test_bad_input_is_one_line_exit_2(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1 and "Traceback" not in err + out


def test_fit_with_vram() -> None:
    code, out, _ = run("fit", "qwen2.5-7b", "--vram", "24GiB", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["vram_bytes"] == 24 * GIB and data["fits"] and data["max_context"] > 4096


def test_fit_with_a_catalog_gpu() -> None:
    code, out, _ = run("fit", "qwen2.5-7b", "--gpu", "RTX 4090")
    assert code == 0
    assert "24.0 GiB per GPU" in out and "longest context at batch 1" in out


def test_estimate_command_imports_no_heavy_libraries() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from click.testing import CliRunner; from planner.cli import main; "
        "r = CliRunner().invoke(main, ['estimate', '7b']); assert r.exit_code == 0, r.output; "
        "print(sorted(m for m in ('pandas', 'pulp', 'openpyxl') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
