"""Launch settings per assignment: each engine is told to hold what the plan reserved for it, so replicas
that share a card do not each take the engine's default of most of it (vLLM: 90 %)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from planner.cli import main
from planner.pipeline import solve
from planner.scenario.schema import Scenario

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
    # The catalog model's repository, fp8 quantized at load, each replica at the batch its card serves
    # within the SLO (the chat assistant states a rate).
    assert [argv[:3] for argv in chat] == [["vllm", "serve", "meta-llama/Llama-3.1-8B"]] * 2
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
