"""What a launch loads: the workload's checkpoint, the catalog's quantized or instruction-tuned repository, or
a placeholder naming what is needed; and the printed launches of every shipped scenario agree with the
weight format they were planned in."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from planner.assemble.checkpoint import PREQUANTIZED, gguf_type, needed, weights_to_load
from planner.catalog.load import load_catalog
from planner.catalog.models import find_model, load_model_catalog
from planner.explore.sides import read_plan_json
from planner.memory.formats import WEIGHT_FORMATS
from planner.pipeline import solve
from planner.plan import Plan
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.terminal import launch_lines
from planner.report.workbook import write_workbook
from planner.scenario.load import load_scenario

from builders import catalog, gpu, scenario, system

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def test_an_awq_workload_loads_the_publishers_awq_repository() -> None:
    # Qwen publishes Qwen/Qwen2.5-14B-Instruct-AWQ; vLLM refuses --quantization awq on the 16-bit repository.
    w = weights_to_load("qwen2.5-14b", "awq-int4", "vllm")
    assert (w.model, w.hub_file, w.source) == ("Qwen/Qwen2.5-14B-Instruct-AWQ", None, "catalog (Qwen)")
    assert (
        weights_to_load("qwen2.5-14b", "gptq-int8", "sglang").model == "Qwen/Qwen2.5-14B-Instruct-GPTQ-Int8"
    )
    assert weights_to_load("llama-3.1-8b", "gptq-int4", "transformers").model == (
        "hugging-quants/Meta-Llama-3.1-8B-Instruct-GPTQ-INT4"
    )


def test_a_format_quantized_at_load_serves_the_instruct_repository() -> None:
    # vLLM's --quantization fp8 quantizes a 16-bit checkpoint as it loads; a chat server runs Instruct.
    assert weights_to_load("llama-3.1-8b", "fp8", "vllm").model == "meta-llama/Llama-3.1-8B-Instruct"
    assert weights_to_load("qwen2.5-7b", "bf16", "vllm").model == "Qwen/Qwen2.5-7B-Instruct"
    # Where the source is already the model to serve (Llama 3.3 is only published as Instruct).
    assert weights_to_load("llama-3.3-70b", "fp8", "vllm").model == "meta-llama/Llama-3.3-70B-Instruct"
    # Not in the catalog: the name as written.
    w = weights_to_load("7b", "bf16", "vllm")
    assert (w.model, w.source) == ("7b", "name")


def test_no_known_checkpoint_is_a_placeholder_never_the_base_repository() -> None:
    w = weights_to_load("phi-4", "awq-int4", "vllm")
    assert (w.model, w.source, w.known) == ("<AWQ checkpoint of phi-4>", "placeholder", False)
    assert "no AWQ checkpoint of phi-4 is known" in w.note and "checkpoint" in w.note
    # A nominal size has no catalog entry: a quantized format still needs its checkpoint.
    assert weights_to_load("7b", "gptq-int4", "vllm").model == "<GPTQ 4-bit checkpoint of 7b>"
    # llama.cpp: a GGUF type the catalog's repository does not hold (ggml-org's Gemma 3 has Q4_K_M and Q8_0).
    w = weights_to_load("gemma-3-4b", "q6_k", "llama.cpp")
    assert (w.model, w.hub_file) == ("<GGUF Q6_K file of gemma-3-4b>", None)


def test_llama_cpp_fetches_the_gguf_file_of_the_planned_type() -> None:
    w = weights_to_load("qwen2.5-14b", "q4_k_m", "llama.cpp")
    assert (w.model, w.hub_file) == (
        "bartowski/Qwen2.5-14B-Instruct-GGUF",
        "Qwen2.5-14B-Instruct-Q4_K_M.gguf",
    )
    # Every format under llama.cpp is a GGUF file, 16-bit too; a repository without a file name: repo:TYPE.
    assert needed("bf16", "llama.cpp") == "GGUF BF16" and needed("bf16", "vllm") is None
    w = weights_to_load("gpt-oss-20b", "mxfp4", "llama.cpp")
    assert (w.model, w.hub_file) == ("ggml-org/gpt-oss-20b-GGUF:MXFP4", "")


def test_the_workloads_checkpoint_overrides_the_catalog() -> None:
    assert weights_to_load("qwen2.5-14b", "awq-int4", "vllm", "me/qwen-14b-awq").model == "me/qwen-14b-awq"
    w = weights_to_load("qwen2.5-14b", "q4_k_m", "llama.cpp", "/models/qwen14b-q4_k_m.gguf")
    assert (w.model, w.hub_file, w.source) == ("/models/qwen14b-q4_k_m.gguf", None, "workload")
    # A repository of GGUF files: llama.cpp picks the planned type from it.
    w = weights_to_load("qwen2.5-14b", "q4_k_m", "llama.cpp", "Qwen/Qwen2.5-14B-Instruct-GGUF")
    assert (w.model, w.hub_file) == ("Qwen/Qwen2.5-14B-Instruct-GGUF:Q4_K_M", "")


def test_catalog_checkpoints_name_their_format() -> None:
    """Each listed repository is of the format it is listed under (publishers put it in the name), GGUF
    entries name real llama.cpp types, and a file name stands for its type."""
    tags = {"awq-int4": "AWQ", "gptq-int4": "GPTQ", "gptq-int8": "GPTQ-INT8", "gguf": "GGUF", "fp8": "FP8"}
    types = {gguf_type(name) for name, f in WEIGHT_FORMATS.items() if f.gguf} | {"BF16", "F16", "MXFP4"}
    listed = 0
    for spec in load_model_catalog():
        for cp in spec.checkpoints:
            listed += 1
            # fp8: published for models whose 16-bit weights can exceed the cards vLLM would quantize them on.
            assert cp.format in ("gguf", "fp8") or cp.format in PREQUANTIZED, (spec.name, cp)
            native = cp.repo == spec.repo  # gpt-oss ships MXFP4 itself, DeepSeek-V3/R1 block fp8
            assert native or tags.get(cp.format, "").upper() in cp.repo.upper(), (spec.name, cp.repo)
            assert set(cp.types) <= types, (spec.name, cp.types)
            assert not cp.file or (cp.format == "gguf" and "{type}" in cp.file and cp.file.endswith(".gguf"))
            assert not native or cp.format in ("mxfp4", "fp8")
        if spec.instruct is not None:
            assert spec.instruct != spec.repo and spec.instruct.split("/")[0] == spec.repo.split("/")[0]
    assert listed >= 40


@pytest.fixture(scope="module")
def shipped_plans() -> dict[str, Plan]:
    cat = load_catalog()
    return {
        name: solve(load_scenario(SCENARIOS / f"{name}.yaml"), cat, alternatives=False) for name in SHIPPED
    }


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_launches_load_a_checkpoint_of_their_format(
    name: str, shipped_plans: dict[str, Plan]
) -> None:
    """An AWQ launch names an AWQ repository (or the placeholder), a GGUF launch a file of the planned type;
    none names the base model's 16-bit repository with a flag that makes the engine refuse it."""
    plan = shipped_plans[name]
    by_name = {w.name: w for w in load_scenario(SCENARIOS / f"{name}.yaml").workloads}
    specs = load_model_catalog()
    launched = 0
    for a in plan.assignments:
        if a.launch is None:
            continue
        launched += 1
        w = by_name[a.workload]
        launch = a.launch
        spec = find_model(specs, w.model)
        words = launch.argv or (launch.kwargs.get("pretrained_model_name_or_path"),)
        assert launch.checkpoint in words, (a.workload, launch.checkpoint)
        kind = needed(w.precision, launch.engine)
        if kind is None:  # a 16-bit repository the engine loads (and quantizes, for fp8) itself...
            assert spec is not None
            if launch.checkpoint != (spec.instruct or spec.repo):
                # ...unless the 16-bit weights exceed the replica's GPUs: a published fp8 checkpoint,
                # whose method vLLM reads from its config (no --quantization to quantize it again).
                published = [cp.repo for cp in spec.checkpoints if cp.format == w.precision]
                assert launch.checkpoint in published, (a.workload, launch.checkpoint)
                assert "--quantization" not in launch.argv
            continue
        assert spec is None or launch.checkpoint != spec.repo
        if launch.checkpoint_source == "placeholder":
            what = "file" if kind.startswith("GGUF") else "checkpoint"
            assert launch.checkpoint == f"<{kind} {what} of {spec.name if spec else w.model}>"
        elif kind.startswith("GGUF"):
            wanted = kind.split()[1]
            assert (launch.checkpoint_file or "").endswith(f"-{wanted}.gguf") or launch.checkpoint.endswith(
                f":{wanted}"
            )
            assert launch.argv[launch.argv.index("--hf-repo") + 1] == launch.checkpoint
        else:
            assert re.search(kind.split()[0], launch.checkpoint, re.IGNORECASE), launch.checkpoint
    assert launched > 0 or name == "research-lab"


def _called_classes(call: str) -> list[str]:
    """The classes a loading call calls, read from its syntax tree (``X.from_pretrained(...)``, ``Y(...)``),
    in source order: what the pasted script must import."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(call, mode="eval")):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                found.append((func.value.col_offset, func.value.id))
            elif isinstance(func, ast.Name):
                found.append((func.col_offset, func.id))
    return list(dict.fromkeys(name for _, name in sorted(found)))


def _printed(plan: Plan, tmp_path: Path) -> list[str]:
    """Every launch line of every output: terminal, Markdown, workbook (JSON carries the record itself)."""
    path = tmp_path / "plan.xlsx"
    write_workbook(plan, path)
    cells = [str(c) for row in load_workbook(path)["Launch"].iter_rows(values_only=True) for c in row if c]
    return [*launch_lines(plan), *render_markdown(plan).splitlines(), *"\n".join(cells).splitlines()]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_launches_import_what_their_loading_call_names(
    name: str, shipped_plans: dict[str, Plan], tmp_path: Path
) -> None:
    """The launch record carries the classes from assembly (the loader, the quantization config's class);
    every output prints them as the line the pasted script starts with, the line the reports derived from
    the call's text before, so the launches read as they did."""
    plan = shipped_plans[name]
    calls = [a.launch for a in plan.assignments if a.launch is not None and a.launch.call]
    for launch in calls:
        assert list(launch.imports) == _called_classes(launch.call)
    printed = _printed(plan, tmp_path)
    for launch in calls:
        line = f"from transformers import {', '.join(_called_classes(launch.call))}"
        assert any(p.strip() == line for p in printed), line
    assert not any(p.strip() == "from transformers import" for p in printed)
    back = read_plan_json_text(plan_to_json(plan), tmp_path)  # the JSON carries them: a saved plan too
    assert [a.launch for a in back.assignments] == [a.launch for a in plan.assignments]
    assert calls or name != "startup"  # its embeddings run under transformers


def read_plan_json_text(text: str, tmp_path: Path) -> Plan:
    path = tmp_path / "plan.json"
    path.write_text(text, encoding="utf-8")
    return read_plan_json(path)


def test_startup_coding_assistant_serves_qwens_awq_checkpoint(shipped_plans: dict[str, Plan]) -> None:
    (coder,) = [a for a in shipped_plans["startup"].assignments if a.workload == "coding-assistant"]
    assert coder.launch is not None
    assert coder.launch.argv[:3] == ("vllm", "serve", "Qwen/Qwen2.5-14B-Instruct-AWQ")
    assert coder.launch.flags[-2:] == (("--quantization", "awq"), ("--port", "8001"))


def test_checkpoint_field_reaches_the_launch_json_and_terminal() -> None:
    """A workload's ``checkpoint`` is what its engine loads, in every output; the plan is otherwise the
    same (the memory model reads ``model``)."""
    cat = catalog([gpu("G", 80)], [system("box", "G", price=1000.0)])
    base = {
        "name": "coder",
        "model": "qwen2.5-14b",
        "precision": "awq-int4",
        "engine": "vllm",
        "context": 4096,
    }
    plain = solve(scenario([base], hardware={"cloud": False}), cat, alternatives=False)
    named = solve(
        scenario([{**base, "checkpoint": "/srv/models/qwen14b-awq"}], hardware={"cloud": False}),
        cat,
        alternatives=False,
    )
    assert named.total_cost == pytest.approx(plain.total_cost)
    (a,) = named.assignments
    assert a.launch is not None and a.launch.argv[2] == "/srv/models/qwen14b-awq"
    assert a.launch.checkpoint_source == "workload"
    assert '"checkpoint": "/srv/models/qwen14b-awq"' in plan_to_json(named)
    assert any("vllm serve /srv/models/qwen14b-awq " in line for line in launch_lines(named))
    (p,) = plain.assignments
    assert p.launch is not None and p.launch.argv[2] == "Qwen/Qwen2.5-14B-Instruct-AWQ"


def test_transformers_quantizes_nf4_as_it_loads_the_instruct_repository() -> None:
    """transformers loads a 16-bit checkpoint at 16 bit unless told: an NF4 replica sized at 4.127 bits per
    weight needs bitsandbytes' config (double quantization, as the memory model counts it) in the call."""
    cat = catalog([gpu("G", 24)], [system("box", "G", price=1000.0)])
    w = {"name": "chat", "model": "qwen2.5-7b", "precision": "nf4", "engine": "transformers", "context": 4096}
    plan = solve(scenario([w], hardware={"cloud": False}), cat, alternatives=False)
    (a,) = plan.assignments
    assert a.launch is not None
    call = ast.parse(a.launch.call, mode="eval").body
    assert isinstance(call, ast.Call) and [ast.literal_eval(x) for x in call.args] == [
        "Qwen/Qwen2.5-7B-Instruct"
    ]
    (config,) = [k.value for k in call.keywords if k.arg == "quantization_config"]
    assert ast.unparse(config) == (
        "BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type='nf4', bnb_4bit_use_double_quant=True)"
    )
    # The script imports both classes the call names, in its order; fp8 asks for transformers' FP8 config.
    assert a.launch.imports == ("AutoModelForCausalLM", "BitsAndBytesConfig")
    assert "    from transformers import AutoModelForCausalLM, BitsAndBytesConfig" in launch_lines(plan)
    fp8 = {**w, "precision": "fp8"}
    (b,) = solve(scenario([fp8], hardware={"cloud": False}), cat, alternatives=False).assignments
    assert b.launch is not None and b.launch.imports == ("AutoModelForCausalLM", "FineGrainedFP8Config")
    assert b.launch.call.endswith("quantization_config=FineGrainedFP8Config())")
    # A checkpoint quantized ahead of time carries its own configuration.
    w = {**w, "precision": "awq-int4"}
    (a,) = solve(scenario([w], hardware={"cloud": False}), cat, alternatives=False).assignments
    assert a.launch is not None and "quantization_config" not in a.launch.kwargs
    assert a.launch.imports == ("AutoModelForCausalLM",)
    assert a.launch.call.startswith("AutoModelForCausalLM.from_pretrained('Qwen/Qwen2.5-7B-Instruct-AWQ'")


def test_int8_and_int4_under_vllm_need_a_checkpoint_quantized_ahead() -> None:
    # vLLM has no --quantization method that makes int8 or int4 from a 16-bit repository as it loads (it
    # serves compressed-tensors W8A8/W4A16 checkpoints and reads the method from their config): the 16-bit
    # Instruct repository would load at 16 bits per weight into memory planned for 8 or 4.
    assert needed("int8", "vllm") == "INT8"
    assert needed("int4", "sglang") == "INT4"
    w = weights_to_load("llama-3.1-8b", "int8", "vllm")
    assert (w.model, w.source) == ("<INT8 checkpoint of llama-3.1-8b>", "placeholder")
    # transformers quantizes int8 with bitsandbytes as it loads, so it serves the Instruct repository...
    assert needed("int8", "transformers") is None
    assert weights_to_load("llama-3.1-8b", "int8", "transformers").model == "meta-llama/Llama-3.1-8B-Instruct"
    # ...but has no load-time method for plain int4.
    assert needed("int4", "transformers") == "INT4"
    # 16-bit formats and vLLM's own fp8 load the 16-bit repository.
    assert needed("bf16", "vllm") is None and needed("fp8", "vllm") is None


def test_fp8_from_a_16_bit_repository_that_exceeds_the_cards_loads_the_published_fp8_checkpoint() -> None:
    """vLLM quantizes to fp8 after loading the 16-bit weights: Qwen3-235B-A22B's 470 GB over two 192 GiB
    MI300X cards (235 GB each) do not load, so the replica serves Qwen's FP8 repository without the flag."""
    assert needed("fp8", "vllm") is None and needed("fp8", "vllm", sixteen_bit_fits=False) == "FP8"
    w = weights_to_load("qwen3-235b-a22b", "fp8", "vllm", sixteen_bit_fits=False)
    assert (w.model, w.source) == ("Qwen/Qwen3-235B-A22B-FP8", "catalog (Qwen)")
    w = weights_to_load("qwen2.5-72b", "fp8", "vllm", sixteen_bit_fits=False)
    assert (w.model, w.source) == ("<FP8 checkpoint of qwen2.5-72b>", "placeholder")
    assert w.note.startswith("vllm makes fp8 after loading the 16-bit weights, which do not fit these GPUs")
    plan = solve(load_scenario(SCENARIOS / "enterprise.yaml"), load_catalog(), alternatives=False)
    moe = [a.launch for a in plan.assignments if a.workload == "api-moe" and a.launch is not None]
    assert moe and all(x.checkpoint == "Qwen/Qwen3-235B-A22B-FP8" for x in moe)
    assert all("--quantization" not in x.argv for x in moe)
