"""Launch settings per assignment: each engine is told to hold what the plan reserved for it, so replicas
that share a card do not each take the engine's default of most of it (vLLM: 90 %)."""

from __future__ import annotations

import ast
import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from planner.catalog.schema import GpuSpec
from planner.cli import main
from planner.memory.estimate import estimate_memory
from planner.memory.launch import launch_settings
from planner.pipeline import solve
from planner.plan import Plan
from planner.report.terminal import launch_lines
from planner.scenario.load import load_scenario
from planner.scenario.schema import Scenario
from planner.units import GIB

from builders import catalog, gpu, scenario, system, workload

ROOT = Path(__file__).resolve().parents[2]
CARD = 96  # GiB


def _shared_card() -> Scenario:
    """Two vLLM chat replicas (Llama 3.1 8B, fp8, 8,192 tokens x 16) and a measured 7 GiB job on one
    96 GiB desk card, 10 % headroom."""
    chat = {
        "name": "chat",
        "model": "llama-3.1-8b",
        "precision": "fp8",
        "engine": "vllm",
        "context": 8192,
        "batch": 16,
        "replicas": 2,
    }
    return scenario([chat, workload("job", 7)], hardware={"cloud": False}, headroom=0.1)


def test_co_located_vllm_replicas_split_the_card_instead_of_taking_90_percent_each() -> None:
    cat = catalog([gpu("Card96", CARD)], [system("desk", "Card96", price=5000.0)])
    plan = solve(_shared_card(), cat, alternatives=False)
    assert [u.id for u in plan.units] == ["desk#1"]
    chat = [a for a in plan.assignments if a.workload == "chat"]
    assert len(chat) == 2
    used = 0.0
    for a in chat:
        assert a.launch is not None and a.launch.engine == "vllm"
        assert a.launch.argv[:2] == ("vllm", "serve")
        share = float(dict(a.launch.flags)["--gpu-memory-utilization"])
        # The engine's share of the card never exceeds what the plan reserved for the replica.
        assert share * CARD * 2**30 <= a.reserved_bytes
        assert (
            dict(a.launch.flags)["--max-model-len"] == "8192"
            and dict(a.launch.flags)["--max-num-seqs"] == "16"
        )
        used += share
    (job,) = [a for a in plan.assignments if a.workload == "job"]
    assert job.launch is None  # a measured figure: nothing to size the engine from
    assert used * CARD * 2**30 + job.reserved_bytes <= CARD * 2**30
    assert used < 0.9  # what one replica alone would take by vLLM's default


def test_json_and_terminal_carry_the_launch_settings(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "plan.xlsx"
    scenario_path = str(ROOT / "scenarios" / "startup.yaml")
    result = runner.invoke(main, ["solve", scenario_path, "--format", "json", "-o", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    tasks = {w["name"]: w["task"] for w in data["workloads"]}
    by_task = {a["workload"]: a["launch"] for a in data["assignments"]}
    # Serving replicas get settings; the nightly QLoRA is a training job: no engine to launch.
    assert by_task["nightly-qlora"] is None and tasks["nightly-qlora"] == "qlora"
    launches = [a["launch"] for a in data["assignments"] if tasks[a["workload"]] == "inference"]
    assert all(launch is not None and (launch["argv"] or launch["kwargs"]) for launch in launches)
    chat = [a["launch"]["argv"] for a in data["assignments"] if a["workload"] == "chat-assistant"]
    # The catalog model's Instruct repository (a chat server), fp8 quantized at load, each replica at the
    # batch its card serves within the SLO (the chat assistant states a rate).
    assert [argv[:3] for argv in chat] == [["vllm", "serve", "meta-llama/Llama-3.1-8B-Instruct"]] * 2
    assert all(argv[argv.index("--quantization") + 1] == "fp8" for argv in chat)
    (perf,) = [w["performance"] for w in data["workloads"] if w["name"] == "chat-assistant"]
    assert [argv[argv.index("--max-num-seqs") + 1] for argv in chat] == [
        str(r["batch"]) for r in perf["replicas"]
    ]
    # Stated as a count, its two replicas share one card: one port per server on the machine.
    counted = tmp_path / "counted.yaml"
    rate = "    requests_per_second: 2 "
    text = (ROOT / "scenarios" / "startup.yaml").read_text(encoding="utf-8")
    lines = [
        line
        for line in text.splitlines()
        if not line.startswith(("    input_tokens", "    output_tokens", "    slo:", "    min_replicas"))
    ]
    lines = [
        "    context: 8192\n    batch: 16\n    replicas: 2" if line.startswith(rate) else line
        for line in lines
    ]
    counted.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shared = json.loads(
        runner.invoke(main, ["solve", str(counted), "--format", "json", "-o", str(out)]).stdout
    )
    placed = [a for a in shared["assignments"] if a["workload"] == "chat-assistant"]
    assert len({a["unit"] for a in placed}) == 1
    assert len({a["launch"]["argv"][a["launch"]["argv"].index("--port") + 1] for a in placed}) == 2
    text = runner.invoke(main, ["solve", scenario_path, "--launch", "-o", str(out)])
    assert text.exit_code == 0
    assert "Launch settings (each engine sized to its reservation)" in text.output
    assert text.output.count("vllm serve ") == sum(1 for launch in launches if launch["engine"] == "vllm")


# --- deployable as printed: the GPUs, the cache types, the request length, the start order, the Python call


def _on_one_machine(card: GpuSpec, gpus: int, workloads: list[dict[str, Any]], **extra: Any) -> Plan:
    cat = catalog([card], [system("box", card.name, gpus, price=5000.0)])
    return solve(scenario(workloads, hardware={"cloud": False}, **extra), cat, alternatives=False)


def test_each_replica_is_pinned_to_the_gpus_the_plan_gave_it() -> None:
    """Two 2-GPU vLLM replicas on one 4-GPU machine printed the same command: both would take GPUs 0,1."""
    chat = {"name": "chat", "model": "llama-3.1-8b", "engine": "vllm", "context": 8192, "batch": 8}
    plan = _on_one_machine(gpu("Card24", 24), 4, [{**chat, "replicas": 2, "gpus_per_replica": 2}])
    placed = sorted(plan.assignments, key=lambda a: a.gpu_indices)
    assert [a.gpu_indices for a in placed] == [(0, 1), (2, 3)] and len({a.unit for a in placed}) == 1
    launches = [a.launch for a in placed]
    assert all(launch is not None for launch in launches)
    assert [launch.env for launch in launches if launch] == [
        {"CUDA_VISIBLE_DEVICES": "0,1"},
        {"CUDA_VISIBLE_DEVICES": "2,3"},
    ]
    shells = [launch.shell for launch in launches if launch]
    assert shells[0].startswith("CUDA_VISIBLE_DEVICES=0,1 vllm serve ")
    assert shells[1].startswith("CUDA_VISIBLE_DEVICES=2,3 vllm serve ")
    # the shell line is the argv under that environment (a reader can paste either)
    assert [shlex.split(s)[1:] for s in shells] == [list(launch.argv) for launch in launches if launch]
    printed = launch_lines(plan)
    assert sum(line.endswith(s) for line in printed for s in shells) == 2


def test_amd_cards_are_pinned_through_hip() -> None:
    card = gpu("Radeon24", 24).model_copy(update={"vendor": "AMD"})
    plan = _on_one_machine(
        card, 2, [{"name": "chat", "model": "qwen2.5-7b", "engine": "vllm", "replicas": 2}]
    )
    assert sorted(a.launch.env["HIP_VISIBLE_DEVICES"] for a in plan.assignments if a.launch) == ["0", "1"]


def test_a_library_replica_on_gpu_1_caps_visible_gpu_0_and_prints_a_valid_call() -> None:
    """transformers printed max_memory={0: ...} for a replica the plan put on GPU 1 (accelerate would load it
    on GPU 0), and mixed generation settings into from_pretrained's keywords."""
    plan = _on_one_machine(
        gpu("Card24", 24),
        2,
        [
            {"name": "big", "model": "qwen2.5-7b", "engine": "vllm", "context": 16384, "batch": 4},
            {
                "name": "embed",
                "model": "qwen3-embedding-0.6b",
                "engine": "transformers",
                "context": 2048,
                "batch": 16,
            },
        ],
        headroom=0.3,
    )
    (embed,) = [a for a in plan.assignments if a.workload == "embed"]
    (big,) = [a for a in plan.assignments if a.workload == "big"]
    assert embed.gpu_indices != big.gpu_indices  # the plan put them on different GPUs
    launch = embed.launch
    assert launch is not None and launch.env == {"CUDA_VISIBLE_DEVICES": str(embed.gpu_indices[0])}
    assert list(launch.kwargs["max_memory"]) == [0]  # keyed by the visible index: the pinned GPU is 0
    call = ast.parse(launch.call, mode="eval").body
    assert isinstance(call, ast.Call) and ast.unparse(call.func) == "AutoModel.from_pretrained"
    assert [ast.literal_eval(arg) for arg in call.args] == ["Qwen/Qwen3-Embedding-0.6B"]
    assert {k.arg for k in call.keywords} == {"device_map", "max_memory"}  # loading keywords only
    assert launch.generation == {"max_length": 2048, "batch_size": 16}
    printed = "\n".join(launch_lines(plan))
    assert (
        f"CUDA_VISIBLE_DEVICES={embed.gpu_indices[0]} python - <<'EOF'\n"
        f"    from transformers import AutoModel\n    model = {launch.call}\n"
    ) in printed
    assert printed.count("    EOF") == 1  # the script ends where the shell stops reading it


def test_llama_cpp_on_one_gpu_of_two_sees_only_that_gpu() -> None:
    """-ngl 999 with both GPUs visible splits the layers over both, though the plan reserved one."""
    gguf = {
        "name": "chat",
        "model": "llama-3-8b",
        "precision": "q4_k_m",
        "engine": "llama.cpp",
        "context": 16384,
        "batch": 4,  # 8 GiB of 16-bit KV: two replicas do not fit one card
        "replicas": 2,
    }
    plan = _on_one_machine(gpu("Card24", 24), 2, [gguf])
    envs = sorted(a.launch.env["CUDA_VISIBLE_DEVICES"] for a in plan.assignments if a.launch)
    assert envs == ["0", "1"]
    assert all("--split-mode" not in a.launch.argv for a in plan.assignments if a.launch)


def test_quantized_llama_cpp_cache_sets_keys_and_values_and_flash_attention() -> None:
    """The memory model counts keys and values in the KV format: at q4_0 (18 bytes per 32 values) the cache
    is 18/64 of the f16 one. Only --cache-type-k was set, leaving V in f16 (0.56 of what was sized)."""
    kw: dict[str, Any] = {"precision": "q4_k_m", "engine": "llama.cpp", "context": 8192, "batch": 2}
    f16 = estimate_memory("llama-3-8b", **kw)
    q4 = estimate_memory("llama-3-8b", kv_precision="q4_0", **kw)
    assert q4.breakdown["kv_cache"] == pytest.approx(f16.breakdown["kv_cache"] * 18 / 64, rel=1e-9)
    s = launch_settings(q4, 24 * GIB, devices=(0,))
    assert s.flag("--cache-type-k") == "q4_0" and s.flag("--cache-type-v") == "q4_0"
    # llama.cpp quantizes V only under flash attention; its default "auto" may leave it off
    assert s.flag("--flash-attn") == "on"
    plain = launch_settings(estimate_memory("llama-3-8b", kv_precision="16bit", **kw), 24 * GIB)
    assert plain.flag("--cache-type-k") == plain.flag("--cache-type-v") == "f16"
    assert plain.flag("--flash-attn") is None


def test_a_server_accepts_the_longest_request_and_says_when_its_cache_cannot_hold_one() -> None:
    """A rate-stated load got --max-model-len = mean prompt + mean answer (1,300): vLLM rejects every longer
    request. The limit is the workload's context; the cache stays sized by the mean."""
    est = estimate_memory("llama-3.1-8b", engine="vllm", context=1300, batch=9)
    s = launch_settings(est, 24 * GIB, max_request_tokens=4096)
    assert s.flag("--max-model-len") == "4096" and s.flag("--max-num-seqs") == "9"
    assert s.notes == ()  # 9 x 1,300 = 11,700 tokens of cache hold a 4,096-token request
    alone = launch_settings(
        estimate_memory("llama-3.1-8b", engine="vllm", context=1300, batch=2),
        24 * GIB,
        max_request_tokens=4096,
    )
    assert alone.flag("--max-model-len") == "4096"
    (note,) = alone.notes  # 2 x 1,300 = 2,600 tokens: vLLM refuses a max length it cannot hold once
    assert "2,600 tokens, less than one request of 4,096" in note


def test_rate_stated_context_shorter_than_the_mean_request_keeps_the_mean(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "startup.yaml").read_text(encoding="utf-8")
    for context, expected in ((None, "4096"), (1000, "1300"), (8192, "8192")):
        body = (
            text
            if context is None
            else text.replace("    output_tokens: 300 ", f"    context: {context}\n    output_tokens: 300 ")
        )
        path = tmp_path / "s.yaml"
        path.write_text(body, encoding="utf-8")
        plan = solve(load_scenario(path), alternatives=False)
        chat = [a.launch for a in plan.assignments if a.workload == "chat-assistant"]
        assert chat and {dict(launch.flags)["--max-model-len"] for launch in chat if launch} == {expected}


def test_sglang_sharing_a_card_is_sized_for_the_memory_free_in_the_printed_start_order() -> None:
    """SGLang's --mem-fraction-static is a share of the memory free when it starts (model_runner.py:
    KV = free_at_start x f - weights); a second server on the card finds the first's memory taken."""
    sg = {
        "name": "sg",
        "model": "qwen2.5-1.5b",
        "engine": "sglang",
        "context": 4096,
        "batch": 4,
        "replicas": 2,
    }
    plan = _on_one_machine(gpu("Card48", 48), 1, [sg], headroom=0.1)
    first, second = [a for a in plan.assignments if a.launch]
    assert first.gpu_indices == second.gpu_indices == (0,)
    est = estimate_memory("qwen2.5-1.5b", engine="sglang", context=4096, batch=4)
    per_gpu = est.per_gpu_breakdown
    start = per_gpu["cuda_context"]
    needed = per_gpu["weights"] + per_gpu["kv_cache"]
    vram = 48 * GIB
    assert first.launch is not None and second.launch is not None
    f1 = float(dict(first.launch.flags)["--mem-fraction-static"])
    f2 = float(dict(second.launch.flags)["--mem-fraction-static"])
    # each share of what it finds free holds its weights and KV, and 0.01 less does not
    assert (vram - start) * f1 >= needed > (vram - start) * (f1 - 0.01)
    free2 = vram - start - first.reserved_bytes
    assert free2 * f2 >= needed > free2 * (f2 - 0.01)
    assert f2 > f1
    assert any("start it after sg #1" in n for n in second.launch.notes)
    assert first.launch.notes == ()


def test_a_third_sglang_server_says_to_start_it_after_both_others_have_loaded() -> None:
    """The note read 'start it after sg #1, sg #2 on this GPU has loaded'."""
    sg = {
        "name": "sg",
        "model": "qwen2.5-1.5b",
        "engine": "sglang",
        "context": 4096,
        "batch": 4,
        "replicas": 3,
    }
    plan = _on_one_machine(gpu("Card48", 48), 1, [sg], headroom=0.1)
    notes = [a.launch.notes for a in plan.assignments if a.launch]
    assert notes[0] == ()
    assert notes[1][0].startswith("start it after sg #1 on this GPU has loaded: its --mem-fraction-static ")
    assert notes[2][0].startswith("start it after sg #1, sg #2 on this GPU have loaded: its --mem-fraction")


def test_time_shared_replicas_say_when_they_run() -> None:
    plan = solve(load_scenario(ROOT / "scenarios" / "hobbyist-timeshare.yaml"), alternatives=False)
    runs = {a.workload: a.launch.runs for a in plan.assignments if a.launch}
    assert runs == {
        "day-coder": "runs 08:00-20:00 mon,tue,wed,thu,fri only",
        "night-chat": "runs 20:00-08:00 every day only",
    }
    printed = "\n".join(launch_lines(plan))
    assert printed.count("# time-shared: runs ") == 2


@pytest.mark.parametrize(
    ("engine", "says"),
    [
        ("vllm", "vllm refuses to start unless VLLM_ALLOW_LONG_MAX_MODEL_LEN=1 is set"),
        ("sglang", "sglang refuses to start unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 is set"),
        ("llama.cpp", "more than the 131,072 the model was trained for; answers"),
    ],
)
def test_a_context_past_the_trained_one_says_what_the_engine_does_with_it(engine: str, says: str) -> None:
    """Llama 3.1 8B is trained for 131,072 tokens (max_position_embeddings). At 200,000 the launch printed
    '--max-model-len 200000' alone, which vLLM refuses ('User-specified max_model_len (200000) is greater
    than the derived max_model_len'); SGLang likewise; llama.cpp runs past it, degrading. At 131,072 exactly
    nothing is said."""
    precision = "q4_k_m" if engine == "llama.cpp" else "bf16"
    long = estimate_memory("llama-3.1-8b", engine=engine, precision=precision, context=200_000)
    (note,) = [n for n in launch_settings(long, 200 * GIB).notes if "trained" in n]
    assert note.startswith("200,000 tokens a sequence are more than the 131,072 the model was trained for")
    assert says in note and note.endswith("answers past the trained length degrade (plan a shorter context)")
    fits = estimate_memory("llama-3.1-8b", engine=engine, precision=precision, context=131_072)
    assert not [n for n in launch_settings(fits, 200 * GIB).notes if "trained" in n]
