"""The page's JSON API over real HTTP: the CLI's numbers for the same inputs, errors as one message."""

from __future__ import annotations

import io
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from planner.cli import main
from planner.web import server as server_module
from planner.web.server import PlannerServer, make_server

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"
SERVERS: dict[str, PlannerServer] = {}


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    SERVERS[f"http://{host!s}:{port}"] = server
    yield f"http://{host!s}:{port}"
    server.shutdown()
    server.server_close()


def _post(url: str, payload: Any) -> tuple[int, dict[str, Any]]:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _server_of(url: str) -> PlannerServer:
    return SERVERS[url]


def _cli_json(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_estimate_and_fit_are_the_cli_figures(url: str) -> None:
    status, data = _post(
        f"{url}/api/estimate",
        {
            "model": "llama-3.1-8b",
            "precision": "fp8",
            "engine": "vllm",
            "context": "8192",
            "batch": "16",
            "gpu": "L40S",
        },
    )
    assert status == 200
    # The same workload the form sent, as the CLI's options.
    workload = (
        "--precision",
        "fp8",
        "--engine",
        "vllm",
        "--context",
        "8192",
        "--batch",
        "16",
        "--format",
        "json",
    )
    cli = _cli_json("estimate", "llama-3.1-8b", *workload)
    assert data["estimate"] == cli
    fit = _cli_json("fit", "llama-3.1-8b", "--gpu", "L40S", *workload)
    assert data["fit"] == fit


def test_a_replica_over_more_gpus_than_a_machine_holds_is_figured_as_fit_figures_it(url: str) -> None:
    """16 H100s: no catalog machine holds them, so the page, like `planner fit`, figures two machines of 8
    (tensor parallel 8 x pipeline 2); transformers, which serves no replica across machines, is one line."""
    form = {"model": "deepseek-r1", "precision": "fp8", "engine": "vllm", "gpu": "H100 SXM5", "gpus": "16"}
    status, data = _post(f"{url}/api/estimate", form)
    assert status == 200
    fit = _cli_json("fit", "deepseek-r1", "--gpu", "H100 SXM5", "--gpus", "16", "--precision", "fp8",
                    "--engine", "vllm", "--format", "json")  # fmt: skip
    assert data["fit"] == fit and data["estimate"]["inputs"]["nodes"] == 2
    status, data = _post(f"{url}/api/estimate", {**form, "engine": "transformers", "precision": "bf16"})
    assert status == 400 and "16 x H100 SXM5 span 2 machines" in data["error"], data


@pytest.mark.parametrize(
    ("form", "context_text", "batch_text"),
    [
        # Weights 71,604,379,648 B per GPU = 66.69 GiB: over 0.8 x 79.65 = 63.7 GiB usable, under the card.
        (
            {"model": "llama-3.1-70b", "gpu": "H100 SXM5", "gpus": "2"},
            "none within the headroom (the weights, 66.69 GiB per GPU, fit the card but not the 63.7 GiB "
            "usable at 20% headroom; lower --headroom)",
            "none (one sequence does not fit in the 63.7 GiB usable at 20% headroom)",
        ),
        # 141,107,412,992 B of bf16 weights = 131.42 GiB on a 23.99 GiB card.
        (
            {"model": "llama-3.1-70b", "gpu": "RTX 4090"},
            "none (the weights alone, 131.42 GiB per GPU, exceed the card)",
            "none (one sequence does not fit in the 19.2 GiB usable at 20% headroom)",
        ),
        (
            {"model": "qwen2.5-7b", "gpu": "RTX 4090", "context": "16384", "batch": "4"},
            "5,174 tokens (limited by memory)",
            "1 sequence",
        ),
    ],
)
def test_why_no_context_fits_is_said_in_the_words_of_planner_fit(
    url: str, form: dict[str, str], context_text: str, batch_text: str
) -> None:
    """The Memory tab worded "no context fits" itself ("...but not the 63.72 GiB budget"), where ``planner
    fit`` says "...but not the 63.7 GiB usable at 20% headroom; lower --headroom". One function words both:
    the page shows the API's texts, which are the lines ``planner fit`` prints, and its JSON carries them."""
    status, data = _post(f"{url}/api/estimate", form)
    assert status == 200, data
    assert (data["fit"]["longest_context_text"], data["fit"]["largest_batch_text"]) == (
        context_text,
        batch_text,
    )
    args = ["fit", form["model"], "--gpu", form["gpu"], "--gpus", form.get("gpus", "1")]
    args += ["--context", form.get("context", "4096"), "--batch", form.get("batch", "1")]
    result = CliRunner().invoke(main, args)
    batch, context = form.get("batch", "1"), f"{int(form.get('context', '4096')):,}"
    assert f"longest context at batch {batch}: {context_text}" in result.stdout.splitlines()
    assert f"largest batch at context {context}: {batch_text}" in result.stdout.splitlines()


def test_solve_is_the_cli_plan_and_downloads_match(url: str, tmp_path: Path) -> None:
    status, data = _post(f"{url}/api/solve", {"yaml": STARTUP.read_text(encoding="utf-8")})
    assert status == 200
    cli = _cli_json("solve", str(STARTUP), "--format", "json", "-o", str(tmp_path / "x.xlsx"))
    assert data["plan"] == cli
    with urllib.request.urlopen(f"{url}/download/{data['id']}.json", timeout=30) as response:
        assert json.loads(response.read()) == cli
    with urllib.request.urlopen(f"{url}/download/{data['id']}.xlsx", timeout=30) as response:
        assert "attachment" in response.headers["Content-Disposition"]
        book = openpyxl.load_workbook(io.BytesIO(response.read()))
    assert book.sheetnames == openpyxl.load_workbook(tmp_path / "x.xlsx").sheetnames


@pytest.mark.parametrize(
    ("path", "payload", "message"),
    [
        (
            "/api/validate",
            {"yaml": "name: x\nworkloads:\n  - {name: a, model: 7b, context: 0}\n"},
            "scenario: workloads[0] (a).context: Input should be greater than 0",
        ),
        ("/api/validate", {"yaml": "name: [unclosed"}, "YAML syntax error"),
        # what `planner validate` checks beyond the schema; the page said "valid" and the solve then failed
        (
            "/api/validate",
            {"yaml": "name: x\nworkloads:\n  - {name: a, model: llama-3.1-8bb}\n"},
            "unknown model 'llama-3.1-8bb' (did you mean 'llama-3.1-8b'?)",
        ),
        (
            "/api/validate",
            {"yaml": "name: x\nhardware: {gpus: [RTX 4900]}\nworkloads:\n  - {name: a, model: 7b}\n"},
            "unknown GPU 'RTX 4900' (did you mean 'GeForce RTX 4090'?)",
        ),
        (
            "/api/validate",
            {"yaml": "name: x\nworkloads:\n  - {name: a, model: 7b, precision: q4km}\n"},
            "unknown precision 'q4km' (did you mean 'q4_k_m'?)",
        ),
        (
            "/api/validate",
            {
                "yaml": "name: x\nhardware: {cloud: false, gpus: [RTX 4090]}\n"
                "workloads:\n  - {name: a, model: 405b}\n"
            },
            "workload 'a' fits nowhere",
        ),
        ("/api/solve", {"yaml": ""}, "empty; start from an example"),
        ("/api/estimate", {"model": "no-such-model", "gpu": "L4"}, "no-such-model"),
        # in the page's words: it has a model list and no `planner catalog models`, and it reads no paths
        (
            "/api/estimate",
            {"model": "llama-3.1-8bb", "gpu": "L4"},
            "model: unknown model 'llama-3.1-8bb' (did you mean 'llama-3.1-8b'?): pick one from the list, "
            "type a size such as 7b, or paste a config.json",
        ),
        ("/api/estimate", {"model": "/etc/x/config.json", "gpu": "L4"}, "paste the config.json's text"),
        ("/api/estimate", {"model": "7b", "gpu": "L4", "context": "many"}, "context: a whole number"),
        # the CLI's bounds (planner estimate --context 16777217: "not in the range x<=16777216"); the page
        # took a context of 10^30 tokens and printed 1.8e26 GiB
        (
            "/api/estimate",
            {"model": "7b", "gpu": "L4", "context": "16777217"},
            "context: must be at most 16,777,216, got 16,777,217",
        ),
        (
            "/api/estimate",
            {"model": "7b", "gpu": "L4", "batch": str(2**20 + 1)},
            "batch: must be at most 1,048,576",
        ),
        (
            "/api/perf",
            {"model": "7b", "gpu": "L4", "input_tokens": str(10**30)},
            "input_tokens: must be at most",
        ),
        ("/api/perf", {"model": "7b", "gpu": "L4", "gpus": "4097"}, "gpus: must be at most 4,096, got 4,097"),
        ("/api/estimate", {"config_json": "{not json", "gpu": "L4"}, "config.json: not valid JSON"),
        ("/api/solve", b"\xff\xfe", "not JSON"),
    ],
)
def test_errors_are_one_message(url: str, path: str, payload: Any, message: str) -> None:
    status, data = _post(f"{url}{path}", payload)
    assert status == 400
    assert message in data["error"] and "\n" not in data["error"] and "Traceback" not in data["error"]


MEMORY_FORM_BAD = {
    "model": ("no-such-model", "unknown model 'no-such-model'"),
    "gpu": ("RTX 9999", "gpu: "),
    "precision": ("fp3", "unknown precision 'fp3'"),
    "engine": ("vlm2", "unknown engine 'vlm2'"),
    "task": ("lorra", "unknown task 'lorra'"),
    "kv_precision": ("q9", "unknown KV-cache precision 'q9'"),
    "context": ("many", "context: "),
    "batch": ("0", "batch: "),
    "gpus": ("two", "gpus: "),
    "headroom": ("1.5", "headroom: "),
}
"""A wrong value for each field of the memory form, and what the message that names it holds."""


SPEED_FORM_BAD = {
    **{
        k: MEMORY_FORM_BAD[k]
        for k in ("model", "gpu", "gpus", "precision", "engine", "kv_precision", "batch")
    },
    "input_tokens": ("0", "input_tokens: "),
    "output_tokens": ("lots", "output_tokens: "),
}


def _form_order(form_id: str, fields: dict[str, Any]) -> list[str]:
    """A form's fields as the page shows them, read from the page itself."""
    import re

    page = (Path(server_module.__file__).parent / "static" / "index.html").read_text(encoding="utf-8")
    form = page.split(f'<form id="{form_id}"')[1].split("</form>")[0]
    return [name for name in re.findall(r'name="([a-z_]+)"', form) if name in fields]


@pytest.mark.parametrize(
    ("form_id", "bad", "good", "call"),
    [
        (
            "memory-form",
            MEMORY_FORM_BAD,
            {
                "model": "llama-3.1-8b",
                "gpu": "L4",
                "context": "4096",
                "batch": "1",
                "gpus": "1",
                "headroom": "0.2",
            },
            "estimate",
        ),
        (
            "perf-form",
            SPEED_FORM_BAD,
            {"model": "llama-3.1-8b", "gpu": "L4", "gpus": "1", "batch": "1"},
            "perf",
        ),
    ],
)
def test_a_form_names_the_first_wrong_field_in_the_order_it_shows_them(
    form_id: str, bad: dict[str, tuple[str, str]], good: dict[str, str], call: str
) -> None:
    """With an unknown card and a bad GPU count, headroom or precision both sent, the message named whichever
    the code happened to check first (GPUs per replica before the card, the context before the precision);
    a reader fixes the form top down, so it names the first wrong field as the page orders them, for every
    pair."""
    from planner.errors import PlannerError
    from planner.web import api

    order = _form_order(form_id, bad)
    assert order == list(bad)  # every field found on the page, in this order
    for i, first in enumerate(order):
        for later in order[i + 1 :]:
            with pytest.raises(PlannerError) as raised:
                getattr(api, call)({**good, first: bad[first][0], later: bad[later][0]})
            message = str(raised.value)
            assert bad[first][1] in message, (first, later, message)
            assert bad[later][1] not in message, (first, later, message)


def test_infeasible_scenario_says_what_would_make_it_feasible(url: str) -> None:
    text = (
        STARTUP.read_text(encoding="utf-8")
        .replace("capex_usd: 60000", "capex_usd: 0")
        .replace("cloud: true", "cloud: false")
    )
    status, data = _post(f"{url}/api/solve", {"yaml": text})
    assert status == 400 and data["exit_code"] == 3 and data["error"]


def test_meta_offers_the_examples_the_speed_engines_and_the_cost_labels(url: str) -> None:
    with urllib.request.urlopen(f"{url}/api/meta", timeout=30) as response:
        meta = json.loads(response.read())
    assert meta["examples"]["startup"] == STARTUP.read_text(encoding="utf-8")
    assert "qwen2.5-7b" in meta["models"] and "vllm" in meta["engines"]
    assert meta["perf"] is True
    # The speed model's engines (those its measurements calibrate; SGLang's take vLLM's kernels' constants),
    # not the memory model's list.
    assert meta["perf_engines"] == ["transformers", "vllm", "llama.cpp", "tensorrt-llm", "sglang"]
    assert meta["cost_labels"]["residual"] == "Residual value at the end (credit)"
    # The alternatives as the terminal names them, the one bought up front included.
    assert meta["alternative_labels"]["all_bought_up_front"] == "Buy everything up front"


# The speed form's fields: the CLI's options of ``planner perf`` by their Python names.
SPEED_FORM = {
    "model": "llama-3.1-8b",
    "gpu": "GeForce RTX 4090",
    "gpus": "1",
    "precision": "bf16",
    "engine": "vllm",
    "kv_precision": "",
    "batch": "4",
    "input_tokens": "2000",
    "output_tokens": "300",
}


def test_speed_form_gives_the_cli_figures(url: str) -> None:
    status, data = _post(f"{url}/api/perf", SPEED_FORM)
    assert status == 200, data
    cli = _cli_json(
        "perf",
        "llama-3.1-8b",
        "--gpu",
        "GeForce RTX 4090",
        "--batch",
        "4",
        "--input-tokens",
        "2000",
        "--output-tokens",
        "300",
        "--format",
        "json",
    )
    assert {k: v for k, v in data.items() if k != "warning"} == cli
    assert data["fits"] is True and data["warning"] is None


def test_speed_form_with_a_context_field_names_it_instead_of_failing(url: str) -> None:
    # The form used to send "context", which the speed model has no argument for: a TypeError reached the
    # page. A context is the prompt and the answer together; the request says which field to use.
    status, data = _post(f"{url}/api/perf", {**SPEED_FORM, "context": "4096"})
    assert status == 400 and data["exit_code"] == 2
    assert data["error"].startswith("context: ") and "input_tokens" in data["error"]
    assert "\n" not in data["error"] and "TypeError" not in data["error"]


def test_speed_of_a_replica_that_does_not_fit_says_so_as_the_cli_does(url: str) -> None:
    # Llama-3.1-8B: 8,030,261,248 parameters x 2 bytes (bf16) = 14.96 GiB of weights alone, on a 12 GiB card.
    form = {
        **SPEED_FORM,
        "gpu": "GeForce RTX 3060 12GB",
        "batch": "1",
        "input_tokens": "",
        "output_tokens": "",
    }
    status, data = _post(f"{url}/api/perf", form)
    assert status == 200 and data["fits"] is False
    assert data["inputs"]["memory_per_gpu_bytes"] > 8_030_261_248 * 2 > data["inputs"]["gpu_memory_bytes"]
    assert "does not fit" in data["warning"] and "GeForce RTX 3060 12GB has 12.00 GiB" in data["warning"]
    result = CliRunner().invoke(main, ["perf", "llama-3.1-8b", "--gpu", "GeForce RTX 3060 12GB"])
    assert result.exit_code == 3
    short = data["warning"].split(" (")[0]  # the library's line; each interface names its own remedy
    assert f"note: {short} (more --gpus" in result.stderr


def test_an_internal_error_is_one_plain_message_without_the_exception(url: str) -> None:
    def broken(payload: dict[str, Any]) -> dict[str, Any]:
        raise TypeError("estimate_performance() got an unexpected keyword argument 'context'")

    server = _server_of(url)
    server.routes["/api/broken"] = broken
    try:
        status, data = _post(f"{url}/api/broken", {})
    finally:
        del server.routes["/api/broken"]
    assert status == 500
    assert data["error"] == server_module.INTERNAL_ERROR
    assert "TypeError" not in data["error"] and "estimate_performance" not in data["error"]


def test_serve_binds_loopback_unless_asked() -> None:
    from planner.cli.serve import serve

    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
    server = make_server(port=0)
    assert server.server_address[0] == "127.0.0.1"
    server.server_close()


def test_a_post_from_another_site_is_refused(url: str) -> None:
    request = urllib.request.Request(
        f"{url}/api/validate",
        data=json.dumps({"yaml": STARTUP.read_text(encoding="utf-8")}).encode(),
        headers={"Content-Type": "application/json", "Origin": "http://evil.example"},
    )
    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=30)
    assert raised.value.code == 403
    same = urllib.request.Request(
        f"{url}/api/validate",
        data=json.dumps({"yaml": STARTUP.read_text(encoding="utf-8")}).encode(),
        headers={"Content-Type": "application/json", "Origin": url},
    )
    with urllib.request.urlopen(same, timeout=30) as response:
        assert json.loads(response.read())["ok"] is True


def test_the_readme_quotes_the_speed_tab_as_it_answers() -> None:
    from planner.memory.fit import shortfall
    from planner.perf.api import estimate_performance

    readme = " ".join((STARTUP.parents[1] / "README.md").read_text(encoding="utf-8").split())
    fits = estimate_performance("llama-3.1-8b", gpu="GeForce RTX 4090", input_tokens=1024, output_tokens=256)
    assert (
        f"{fits.ttft_s * 1000:,.1f} ms to the first token, {fits.tpot_s * 1000:.2f} ms per output token "
        f"({fits.decode_tokens_per_s:.1f} tokens/s)"
    ) in readme
    short = estimate_performance("llama-3.1-8b", gpu="GeForce RTX 3060 12GB").inputs
    line = shortfall(short["memory_per_gpu_bytes"], short["gpu_memory_bytes"], short["gpu"])
    assert line is not None and f'"{line}"' in readme


def test_speed_form_with_the_default_engine_runs_gguf_under_llama_cpp(url: str) -> None:
    """The form's Engine "default" sends no engine: q4_k_m runs as `planner perf` runs it, under llama.cpp
    (the page once answered "precision q4_k_m is a GGUF format; use engine llama.cpp")."""
    form = {**SPEED_FORM, "precision": "q4_k_m", "engine": ""}
    status, data = _post(f"{url}/api/perf", form)
    assert status == 200, data
    cli = _cli_json(
        "perf", "llama-3.1-8b", "--gpu", "GeForce RTX 4090", "--precision", "q4_k_m", "--batch", "4",
        "--input-tokens", "2000", "--output-tokens", "300", "--format", "json",
    )  # fmt: skip
    assert {k: v for k, v in data.items() if k != "warning"} == cli
    assert data["inputs"]["engine"] == "llama.cpp"


def test_compare_names_a_side_edited_from_an_example_so_the_sides_differ(url: str) -> None:
    """Two edits of the startup example both read "startup", so the headline said "startup -> startup" and the
    reader could not tell which side was the shipped example: a side whose text is not its example's says
    ", edited"; the example's own text keeps the bare name."""
    shipped = STARTUP.read_text(encoding="utf-8")
    edits = [shipped.replace("horizon_months: 36", f"horizon_months: {m}", 1) for m in (24, 12)]
    assert shipped not in edits
    status, data = _post(f"{url}/api/compare", {"base": shipped, "new": edits[1]})
    assert status == 200, data
    assert (data["comparison"]["base"], data["comparison"]["new"]) == (
        "base (startup)",
        "new (startup, edited)",
    )
    status, data = _post(f"{url}/api/compare", {"base": edits[0], "new": edits[1]})
    assert status == 200, data
    assert data["text"].splitlines()[0] == (
        "Compare base (startup, edited) -> new (startup, edited), money in USD"
    )
    own = shipped.replace("name: startup", "name: my-startup", 1)  # not an example's name: nothing to add
    status, data = _post(f"{url}/api/compare", {"base": own, "new": shipped})
    assert status == 200, data
    assert (data["comparison"]["base"], data["comparison"]["new"]) == ("base (my-startup)", "new (startup)")


def test_a_browser_that_hangs_up_gets_one_line_not_a_traceback(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reload or a cancelled download closes the connection while the answer is written: socketserver
    printed a traceback (BrokenPipeError) in the terminal running `planner serve`, as for a real fault."""
    server = _server_of(url)
    for error in (BrokenPipeError(32, "Broken pipe"), ConnectionResetError(104, "reset by peer")):
        try:
            raise error
        except OSError:
            server.handle_error(None, ("127.0.0.1", 50000))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.count("127.0.0.1 closed the connection before the answer was sent") == 2
    try:
        raise ValueError("a real fault")
    except ValueError:
        server.handle_error(None, ("127.0.0.1", 50000))
    assert "Traceback" in capsys.readouterr().err  # anything else still shows its details


@pytest.mark.parametrize("path", ["/api/validate", "/api/solve"])
def test_a_scenarios_unknown_model_is_worded_for_the_page(url: str, path: str) -> None:
    """A misspelt model in the scenario editor was answered with the command line's advice ("see `planner
    catalog models`", "a path to a config.json"): a command and files the page has not. It now points to
    the Memory tab's list; the suggestion stays, and the command line keeps its own words."""
    text = STARTUP.read_text(encoding="utf-8").replace("model: llama-3.1-8b", "model: lama-3.1-8b", 1)
    status, data = _post(f"{url}{path}", {"yaml": text})
    assert status == 400
    assert data["error"].endswith(
        "workload 'chat-assistant': unknown model 'lama-3.1-8b' (did you mean 'llama-3.1-8b'?): "
        "a model from the Memory tab's list, or a size such as 7b"
    )
    assert "planner catalog" not in data["error"] and "config.json" not in data["error"]


def test_compare_names_the_side_that_has_no_plan(url: str) -> None:
    """``planner compare`` puts the file before "no plan fits ..."; the page said only what was wrong, and
    both sides of a comparison usually share their workloads' names. Status 400 with exit code 3, as the CLI's
    exit status."""
    shipped = STARTUP.read_text(encoding="utf-8")
    poor = shipped.replace("capex_usd: 60000", "capex_usd: 60000\n  monthly_usd: 1", 1)
    status, data = _post(f"{url}/api/compare", {"base": shipped, "new": poor})
    assert status == 400 and data["exit_code"] == 3
    assert (
        data["error"].startswith("new scenario: no plan fits the limits: ") and "monthly_usd" in data["error"]
    )
    status, data = _post(f"{url}/api/compare", {"base": poor, "new": shipped})
    assert status == 400 and data["error"].startswith("base scenario: no plan fits")
