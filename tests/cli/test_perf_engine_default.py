"""``planner perf`` without ``--engine`` picks the engine that runs the weights, as ``estimate`` and ``fit``
do: llama.cpp for a GGUF format (no other engine loads one), vLLM otherwise."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.perf.api import estimate_performance


def _perf(*args: str) -> dict[str, object]:
    args = ("perf", "qwen2.5-7b", "--gpu", "GeForce RTX 3090", *args, "--format", "json")
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    data: dict[str, object] = json.loads(result.stdout)
    return data


@pytest.mark.parametrize(
    ("precision", "engine"),
    [
        pytest.param("q4_k_m", "llama.cpp", id="a GGUF precision runs under llama.cpp"),
        pytest.param("bf16", "vllm", id="other weights keep vLLM"),
    ],
)
def test_without_engine_the_weights_pick_it(precision: str, engine: str) -> None:
    data = _perf("--precision", precision)
    expected = estimate_performance("qwen2.5-7b", gpu="GeForce RTX 3090", precision=precision, engine=engine)
    assert data == json.loads(json.dumps(expected.to_dict()))


def test_a_named_engine_that_cannot_load_gguf_is_still_one_line() -> None:
    result = CliRunner().invoke(
        main, ["perf", "qwen2.5-7b", "--gpu", "GeForce RTX 3090", "--precision", "q4_k_m", "--engine", "vllm"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: precision q4_k_m is a GGUF format; use engine llama.cpp"
