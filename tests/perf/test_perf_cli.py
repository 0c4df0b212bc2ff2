"""``planner perf`` and the speed line of ``planner fit`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_perf_table_names_every_figure_with_its_unit() -> None:
    code, out, _ = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", "--batch", "16")
    assert code == 0
    assert out.startswith("llama-3-8b on 1 x H100 SXM5: bf16, vllm, batch 16, 1024 tokens in, 256 out")
    for label in ("time to first token", "time per output token", "tokens/s", "per s", "decode bound by"):
        assert label in out


def test_perf_json_carries_the_api_fields() -> None:
    code, out, _ = run(
        "perf",
        "llama-3-70b",
        "--gpu",
        "A100 80GB PCIe",
        "--gpus",
        "4",
        "--interconnect",
        "pcie",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    for key in (
        "ttft_s",
        "tpot_s",
        "decode_tokens_per_s",
        "output_tokens_per_s",
        "prefill_tokens_per_s",
        "requests_per_s",
        "bound",
        "band",
    ):
        assert key in data
    assert data["inputs"]["interconnect"] == "pcie" and data["inputs"]["gpus"] == 4
    low, high = data["band"]
    assert low <= data["output_tokens_per_s"] <= high
    # Four A100s read 4 x 1,935 GB/s; 70B in bf16 is 141 GB: no decode faster than 55 tokens/s.
    assert data["decode_tokens_per_s"] < 4 * 1935e9 / 141e9


def test_perf_bad_input_is_one_line_and_exit_2() -> None:
    for args in (
        ["--gpu", "no such card"],
        ["--gpu", "T4", "--engine", "mlc-llm"],
        ["--gpu", "T4", "--batch", "0"],
    ):
        code, _, err = run("perf", "llama-3-8b", *args)
        assert code == 2, args
        assert err.count("\n") == 1 and err.startswith("error: ")


def test_perf_says_what_binds_in_words_a_user_acts_on() -> None:
    """The arithmetic of unpacking q4_k_m weights, not "compute" (which reads as "buy FLOPs"), with the
    two terms in milliseconds a step; the JSON keeps ``bound`` and adds the words."""
    args = ("perf", "qwen2.5-32b", "--precision", "q4_k_m", "--gpu", "RTX 3090")
    code, out, _ = run(*args)
    assert code == 0
    (line,) = [line for line in out.splitlines() if "decode bound by" in line]
    words = line.split("decode bound by", 1)[1].strip()
    assert words.startswith("dequantize arithmetic: ") and " ms step (memory reads " in words
    code, out, _ = run(*args, "--format", "json")
    data = json.loads(out)
    assert (data["bound"], data["binds"], data["binds_text"]) == ("compute", "dequantize arithmetic", words)
    assert data["decode_terms_s"]["compute"] > data["decode_terms_s"]["bandwidth"]


@pytest.mark.parametrize("value", ["abc", "1.5", "", "2-4"])
@pytest.mark.parametrize(
    "command", [("perf", "llama-3-8b", "--gpu", "T4"), ("fit", "llama-3-8b", "--gpu", "T4")]
)
def test_a_batch_that_is_not_a_whole_number_is_one_line_naming_batch(
    command: tuple[str, ...], value: str
) -> None:
    code, _, err = run(*command, "--batch", value)
    assert code == 2
    assert err == f"error: Invalid value for '--batch': {value!r} is not a whole number.\n"


def test_fit_prints_tokens_per_second_at_its_largest_batch() -> None:
    code, out, _ = run("fit", "llama-3-8b", "--gpu", "RTX 4090", "--precision", "q4_k_m")
    assert code == 0
    line = out.splitlines()[-1]
    assert line.startswith("speed at batch ") and "output tokens/s in all" in line
    code, out, _ = run("fit", "llama-3-8b", "--gpu", "H100 SXM5", "--engine", "vllm", "--format", "json")
    data = json.loads(out)
    assert data["performance"]["inputs"]["batch"] == data["max_batch"]
    # Memory-only questions carry no speed line: --vram, or training.
    code, out, _ = run("fit", "llama-3-8b", "--vram", "24GiB")
    assert "speed at batch" not in out


def test_perf_with_a_latency_target_prints_the_capacity() -> None:
    code, out, _ = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", "--ttft-ms", "500", "--tpot-ms", "50")
    assert code == 0
    assert "within TTFT <= 500 ms and TPOT <= 50 ms: up to " in out.splitlines()[-1]
    code, out, _ = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", "--tpot-ms", "50", "--format", "json")
    capacity = json.loads(out)["capacity"]
    speed = capacity["performance"]
    assert capacity["batch"] >= 1 and speed["tpot_s"] < speed["serving_tpot_s"] <= 0.05
    # 256 answer tokens: batch / 256 prompts of 1,024 tokens join per step, each a prefill of TTFT.
    joining = speed["ttft_s"] * capacity["batch"] / 256
    assert speed["serving_tpot_s"] == pytest.approx(speed["tpot_s"] + joining)
    code, _, err = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", "--tpot-ms", "0")
    assert code == 2 and "--tpot-ms must be a positive number of milliseconds" in err


@pytest.mark.parametrize("value", ["inf", "nan", "-5", "0", "-inf"])
def test_perf_refuses_a_latency_target_that_is_no_target(value: str) -> None:
    """inf once passed as a target (it printed "within TTFT <= inf ms"): every target that is not a
    positive, finite number of milliseconds is one line and exit 2, as the other number options answer."""
    for option in ("--ttft-ms", "--tpot-ms"):
        code, out, err = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", option, value)
        assert code == 2 and out == ""
        assert err.strip().splitlines() == [err.strip()]
        assert f"{option} must be a positive number of milliseconds" in err


def test_perf_capacity_keeps_the_headroom_solve_keeps() -> None:
    """The batch `perf --tpot-ms` reports is the one `solve` gives the same replica: docs/optimizer.md's
    startup variant, Llama-3.1-8B fp8 on an RTX 5070 Ti (12.8 of 16 GiB usable), holds batch 9 (12.78 GiB)
    and memory binds; with the whole card it would claim more (it once said 77 on an RTX 3090 where solve
    said 48)."""
    args = ("perf", "llama-3.1-8b", "--gpu", "RTX 5070 Ti", "--precision", "fp8", "--input-tokens", "1000")
    slo = ("--output-tokens", "300", "--ttft-ms", "1000", "--tpot-ms", "60")
    code, out, _ = run(*args, *slo)
    assert code == 0
    assert "up to 9 sequences at once (limited by memory, 20% of memory kept free)" in out.splitlines()[-1]
    code, out, _ = run(*args, *slo, "--headroom", "0", "--format", "json")
    whole = json.loads(out)["capacity"]
    assert whole["batch"] > 9 and whole["headroom"] == 0
    assert whole["memory_per_gpu_bytes"] == json.loads(out)["inputs"]["gpu_memory_bytes"]
    code, _, err = run(*args, *slo, "--headroom", "1")
    assert code == 2 and "--headroom" in err


def test_a_replica_that_does_not_fit_is_priced_but_exits_3_with_the_memory_short() -> None:
    # Llama-3.1-70B in bf16: 70.6B parameters x 2 bytes = 131.4 GiB of weights alone, on a 24 GiB card.
    code, out, err = run("perf", "llama-3.1-70b", "--gpu", "RTX 4090")
    assert code == 3 and "time per output token" in out
    assert err.count("\n") == 1 and "does not fit" in err and "GeForce RTX 4090 has 23.99 GiB" in err
    code, _, err = run("perf", "llama-3.1-8b", "--gpu", "H100 SXM5")  # 16 GB of weights on 80 GB
    assert code == 0 and err == ""


def test_a_misspelt_gpu_is_answered_with_the_closest_name() -> None:
    code, _, err = run("perf", "llama-3-8b", "--gpu", "H100 SMX5")
    assert code == 2 and "unknown GPU 'H100 SMX5' (did you mean 'H100 SXM5'?)" in err
    code, _, err = run("fit", "qwen2.5-7b", "--gpu", "Voodoo 5")  # nothing close: no guess
    assert code == 2 and "did you mean" not in err


def test_gpus_over_several_machines_are_refused_not_priced_as_one_nvlink_group() -> None:
    # HGX H100 boards join 8 modules; 16 are two machines over a network the speed model does not price.
    code, _, err = run("perf", "llama-3-8b", "--gpu", "H100 SXM5", "--gpus", "16")
    assert code == 2
    assert "16 x H100 SXM5 span several machines (one holds at most 8)" in err
    # GCP's a2-megagpu-16g joins 16 A100 40GB modules by NVSwitch in one machine: priced.
    code, out, _ = run("perf", "llama-3-8b", "--gpu", "A100 40GB SXM4", "--gpus", "16")
    assert code == 0 and out.startswith("llama-3-8b on 16 x A100 40GB SXM4, nvlink")


def test_fit_prints_no_speed_for_a_replica_over_two_machines() -> None:
    args = ("fit", "deepseek-r1", "--precision", "fp8", "--gpu", "H100 SXM5", "--engine", "vllm")
    code, out, _ = run(*args, "--gpus", "16")
    assert code == 0 and "fits" in out and "speed at batch" not in out
    code, out, _ = run("fit", "llama-3-70b", "--gpu", "H100 SXM5", "--engine", "vllm", "--gpus", "8")
    assert code == 0 and "speed at batch" in out


def test_an_engine_priced_with_another_engines_constants_says_so() -> None:
    runner = CliRunner()
    args = ["perf", "llama-3-8b", "--gpu", "H100 SXM5", "--engine"]
    sglang, vllm = runner.invoke(main, [*args, "sglang"]), runner.invoke(main, [*args, "vllm"])
    assert sglang.exit_code == vllm.exit_code == 0
    assert "note: sglang is priced with vllm's fitted constants" in sglang.stderr
    assert "note:" not in vllm.stderr


def test_the_python_api_says_whether_the_replica_priced_fits() -> None:
    """``estimate_performance`` prices a replica its GPUs cannot hold (as ``planner perf`` does, which exits
    3); the caller reads ``fits``, also in the JSON. Llama-3.1-70B in bf16 is 131.4 GiB of weights alone: on
    one 24 GiB RTX 4090 it does not fit, on two H100s of 80 GiB (65.7 GiB of weights each) it does."""
    from planner import estimate_performance

    assert not estimate_performance("llama-3.1-70b", gpu="RTX 4090").fits
    both = estimate_performance("llama-3.1-70b", gpu="H100 SXM5", gpus=2)
    assert both.fits and both.to_dict()["fits"] is True
    code, out, _ = run("perf", "llama-3.1-70b", "--gpu", "RTX 4090", "--format", "json")
    assert code == 3 and json.loads(out)["fits"] is False
