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

import planner
from planner.cli import main
from planner.web import api
from planner.web.server import make_server

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    server = make_server("127.0.0.1", 0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
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
        ("/api/solve", {"yaml": ""}, "empty; start from an example"),
        ("/api/estimate", {"model": "no-such-model", "gpu": "L4"}, "no-such-model"),
        ("/api/estimate", {"model": "7b", "gpu": "L4", "context": "many"}, "context: a whole number"),
        ("/api/estimate", {"config_json": "{not json", "gpu": "L4"}, "config.json: not valid JSON"),
        ("/api/solve", b"\xff\xfe", "not JSON"),
    ],
)
def test_errors_are_one_message(url: str, path: str, payload: Any, message: str) -> None:
    status, data = _post(f"{url}{path}", payload)
    assert status == 400
    assert message in data["error"] and "\n" not in data["error"] and "Traceback" not in data["error"]


def test_infeasible_scenario_says_what_would_make_it_feasible(url: str) -> None:
    text = (
        STARTUP.read_text(encoding="utf-8")
        .replace("capex_usd: 60000", "capex_usd: 0")
        .replace("cloud: true", "cloud: false")
    )
    status, data = _post(f"{url}/api/solve", {"yaml": text})
    assert status == 400 and data["exit_code"] == 3 and data["error"]


def test_meta_offers_the_examples_and_hides_perf_without_the_speed_model(url: str, monkeypatch: Any) -> None:
    with urllib.request.urlopen(f"{url}/api/meta", timeout=30) as response:
        meta = json.loads(response.read())
    assert meta["examples"]["startup"] == STARTUP.read_text(encoding="utf-8")
    assert "qwen2.5-7b" in meta["models"] and "vllm" in meta["engines"]
    assert meta["perf"] is callable(getattr(planner, "estimate_performance", None))
    monkeypatch.setattr(
        planner, "estimate_performance", lambda **kw: {"tokens_per_s": kw["batch"] * 10}, raising=False
    )
    assert api.perf_available()
    assert api.perf({"model": "7b", "batch": "4"}) == {"tokens_per_s": 40}


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
