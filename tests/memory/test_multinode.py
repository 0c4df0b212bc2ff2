"""One replica over several machines: the memory of each engine's layout and its launch flags."""

from __future__ import annotations

import pytest

from planner import estimate_memory
from planner.errors import ModelError
from planner.memory.launch import launch_settings
from planner.units import GIB

R1 = {"precision": "fp8", "context": 8192, "batch": 8}


def test_vllm_pipeline_stage_per_machine_holds_its_own_layers_kv() -> None:
    # DeepSeek-R1 has 61 layers: 2 stages of at most 31. The latent KV cache is not split by tensor
    # parallelism, so a GPU of a stage holds 31/61 of what a GPU of one 8-GPU machine holds.
    one = estimate_memory("deepseek-r1", engine="vllm", gpus=8, **R1)
    two = estimate_memory("deepseek-r1", engine="vllm", gpus=16, nodes=2, **R1)
    assert two.per_gpu_breakdown["kv_cache"] == pytest.approx(
        one.per_gpu_breakdown["kv_cache"] * 31 / 61, abs=1
    )
    assert two.per_gpu_breakdown["weights"] < one.per_gpu_breakdown["weights"] * 0.52
    assert two.inputs["nodes"] == 2
    assert "nodes" not in one.inputs


def test_sglang_tensor_parallel_over_both_machines_equals_sixteen_way_tensor_parallel() -> None:
    two = estimate_memory("deepseek-r1", engine="sglang", gpus=16, nodes=2, **R1)
    sixteen = estimate_memory("deepseek-r1", engine="sglang", gpus=16, **R1)
    assert two.per_gpu_bytes == sixteen.per_gpu_bytes


@pytest.mark.parametrize("engine", ["transformers", "llama.cpp"])
def test_engines_without_multi_node_refuse_nodes(engine: str) -> None:
    with pytest.raises(ModelError, match=rf"{engine} does not serve one replica across machines"):
        estimate_memory("llama-3-8b", engine=engine, gpus=2, nodes=2)


def test_launch_flags_of_each_layout() -> None:
    vllm = estimate_memory("deepseek-r1", engine="vllm", gpus=16, nodes=2, **R1)
    argv = " ".join(launch_settings(vllm, 80 * GIB).argv())
    assert "--tensor-parallel-size 8 --pipeline-parallel-size 2 --distributed-executor-backend ray" in argv
    assert any(line.startswith("ray start --head") for line in launch_settings(vllm, 80 * GIB).setup)
    sglang = estimate_memory("deepseek-r1", engine="sglang", gpus=16, nodes=2, **R1)
    argv = " ".join(launch_settings(sglang, 80 * GIB).argv())
    assert "--tp 16 --nnodes 2 --node-rank 0 --dist-init-addr HEAD_IP:5000" in argv
