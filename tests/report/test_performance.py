"""Speed of a load stated as a rate in every report: terminal, JSON, Markdown and the workbook's Performance
sheet, from the plan alone.

The fixture plan's chat assistant, stated as 2 requests/s of 1,000 input and 300 output tokens under an SLO
of TTFT 1 s and TPOT 60 ms, on its two RTX 4090s: each replica at batch 24 with TTFT 200 ms and TPOT 50 ms
(figures set by hand) serves 24 / (0.2 + 300 x 0.05) = 24 / 15.2 = 1.5789 requests/s and 24 / 0.05 = 480
output tokens/s; together 3.1579 requests/s, 960 tokens/s, and 2 asked use 2 / 3.1579 = 63.3 % of it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from planner.plan import Plan, ReplicaPerformance, WorkloadPerformance
from planner.report.json import plan_to_json
from planner.report.markdown import render_markdown
from planner.report.speed import speed_rows, workload_binds
from planner.report.table import expected_values
from planner.report.terminal import render_terminal
from planner.report.workbook import build_workbook, write_workbook

from .conftest import make_plan
from .libreoffice import convert, needs_libreoffice, pdf_text

PER_REPLICA = 24 / (0.2 + 300 * 0.05)  # 1.578947 requests/s


def _replica(n: int, limit: str = "memory") -> ReplicaPerformance:
    return ReplicaPerformance(
        replica=n,
        unit="workstation-2x-rtx-4090#1",
        gpu="GeForce RTX 4090",
        gpus=1,
        interconnect="pcie",
        batch=24,
        ttft_s=0.2,
        tpot_s=0.05,
        decode_step_s=0.05 - 0.2 * 24 / 300,
        requests_per_s=PER_REPLICA,
        output_tokens_per_s=480.0,
        limit=limit,
    )


def _rate_plan(*limits: str) -> Plan:
    base = make_plan()
    perf = WorkloadPerformance(
        requests_per_s_asked=2.0,
        requests_per_s=2 * PER_REPLICA,
        utilisation=2 / (2 * PER_REPLICA),
        ttft_s=0.2,
        tpot_s=0.05,
        decode_step_s=0.05 - 0.2 * 24 / 300,
        output_tokens_per_s=960.0,
        batch=24,
        binds="memory",
        slo_ttft_s=1.0,
        slo_tpot_s=0.06,
        replicas=tuple(_replica(n, limit) for n, limit in enumerate(limits or ("memory", "memory"), start=1)),
    )
    workloads = tuple(
        w.model_copy(update={"performance": perf}) if w.name == "chat-assistant" else w
        for w in base.workloads
    )
    return base.model_copy(update={"workloads": workloads})


@pytest.fixture(scope="module")
def rate_plan() -> Plan:
    return _rate_plan()


def test_rows_total_the_replicas_and_keep_the_worst_latency(rate_plan: Plan) -> None:
    total, first, second = speed_rows(rate_plan)
    assert (total.replica, first.replica, second.replica) == (None, 1, 2)
    assert total.requests_per_s == pytest.approx(3.157895, abs=1e-6)
    assert total.utilisation == pytest.approx(0.633333, abs=1e-6)
    assert total.runs_on == "2 replicas" and first.runs_on == "GeForce RTX 4090"
    assert total.binds == first.binds == "memory"


def test_a_workload_bound_by_memory_on_one_card_and_a_target_on_another_says_both() -> None:
    (w,) = [w for w in _rate_plan("memory", "tpot").workloads if w.performance is not None]
    assert w.performance is not None
    assert workload_binds(w.performance) == "memory, speed (TPOT)"


def test_count_stated_plans_show_no_speed(plan: Plan) -> None:
    assert speed_rows(plan) == []
    assert "Speed (" not in render_terminal(plan)
    assert "## Performance" not in render_markdown(plan)


def test_terminal_table_shows_each_replica_and_the_total(rate_plan: Plan) -> None:
    text = render_terminal(rate_plan, width=100)
    lines = text.splitlines()
    total = next(line for line in lines if line.startswith("  chat-assistant  2 replicas"))
    # batch blank, TTFT 200 ms, TPOT 50.0 ms, 960 tokens/s, 3.16 of 2.00 asked, 63 % used, memory binds
    assert total.split()[3:] == ["200", "50.0", "960", "3.16", "2.00", "63%", "memory"]
    replica = next(line for line in lines if line.startswith("    #2"))
    assert replica.split()[1:] == ["GeForce", "RTX", "4090", "24", "200", "50.0", "480", "1.58", "memory"]
    # the note says which TPOT the SLO checks: the one a user sees, not the bare decode step
    note = " ".join(line.strip() for line in lines[lines.index(replica) + 1 :])
    slo = "SLO chat-assistant: TTFT 1,000 ms, TPOT 60 ms; "
    assert note.startswith(slo + "TPOT: decode step + prefills of requests joining meanwhile.")
    assert max(len(line) for line in lines) <= 100


def test_json_keeps_the_workload_fields_and_adds_each_replica(rate_plan: Plan) -> None:
    (chat,) = [w for w in json.loads(plan_to_json(rate_plan))["workloads"] if w["name"] == "chat-assistant"]
    perf = chat["performance"]
    assert perf["requests_per_s"] == pytest.approx(2 * PER_REPLICA)
    assert perf["utilisation"] == pytest.approx(0.633333, abs=1e-6)
    assert {k: perf[k] for k in ("ttft_s", "tpot_s", "binds", "slo_ttft_s", "slo_tpot_s")} == {
        "ttft_s": 0.2,
        "tpot_s": 0.05,
        "binds": "memory",
        "slo_ttft_s": 1.0,
        "slo_tpot_s": 0.06,
    }
    assert [(r["replica"], r["batch"], r["limit"]) for r in perf["replicas"]] == [
        (1, 24, "memory"),
        (2, 24, "memory"),
    ]


def test_json_report_carries_the_speed_rows_the_terminal_prints(rate_plan: Plan) -> None:
    """The page lays out ``report.speed``: the terminal's rows with the figures above, the SLO as written."""
    rows = json.loads(plan_to_json(rate_plan))["report"]["speed"]
    assert [(r["workload"], r["replica"], r["batch"], r["binds"]) for r in rows] == [
        ("chat-assistant", None, None, "memory"),
        ("chat-assistant", 1, 24, "memory"),
        ("chat-assistant", 2, 24, "memory"),
    ]
    total = rows[0]
    assert total["requests_per_s"] == pytest.approx(3.157895, abs=1e-6)
    assert total["requests_per_s_asked"] == 2.0 and total["utilisation"] == pytest.approx(0.633333, abs=1e-6)
    assert total["output_tokens_per_s"] == 960.0 and total["runs_on"] == "2 replicas"
    assert rows[1]["unit"] == "workstation-2x-rtx-4090#1" and rows[1]["requests_per_s_asked"] is None
    assert {r["slo"] for r in rows} == {"TTFT 1,000 ms, TPOT 60 ms"}
    assert json.loads(plan_to_json(make_plan()))["report"]["speed"] == []


def test_markdown_has_a_performance_section(rate_plan: Plan) -> None:
    text = render_markdown(rate_plan)
    section = text.split("## Performance", 1)[1].split("\n## ", 1)[0]
    assert "| chat-assistant | 2 replicas |  | 200 | 50.0 | 960 | 3.16 | 2.00 | 63% | memory |" in section
    assert (
        "| chat-assistant #1 | GeForce RTX 4090, workstation-2x-rtx-4090#1 | 24 | 200 | 50.0 | 480 | 1.58 |"
        in section
    )
    assert "SLO: chat-assistant: TTFT 1,000 ms, TPOT 60 ms." in section


def test_workbook_performance_sheet_tables_and_chart(rate_plan: Plan) -> None:
    ws = build_workbook(rate_plan)["Performance"]
    head = [c.value for c in ws[ws.tables["Performance"].ref][0]]
    row = dict(zip(head, [c.value for c in ws[ws.tables["Performance"].ref][1]], strict=True))
    assert row["Workload"] == "chat-assistant" and row["Replicas"] == 2
    assert row["Runs on"] == "GeForce RTX 4090; GeForce RTX 4090"
    assert (row["Asked (requests/s)"], row["Capacity (requests/s)"]) == (
        2.0,
        pytest.approx(3.157895, abs=1e-6),
    )
    assert row["Used (asked / capacity)"] == "=IF(E2>0,D2/E2,0)"  # asked over capacity, live
    assert expected_values(ws)["F2"] == pytest.approx(0.633333, abs=1e-6)
    assert (row["TTFT, worst replica (ms)"], row["Target TTFT (ms)"]) == (200.0, 1000.0)
    assert (row["TPOT, worst replica (ms)"], row["Target TPOT (ms)"]) == (50.0, 60.0)
    assert (row["Output tokens/s"], row["Binds"]) == (960.0, "memory")
    replicas = ws[ws.tables["PerformanceReplicas"].ref]
    assert [(r[1].value, r[2].value, r[3].value) for r in replicas[1:]] == [
        (n, "GeForce RTX 4090 on workstation-2x-rtx-4090#1", 24) for n in (1, 2)
    ]
    (chart,) = ws._charts
    # Two series, asked and capacity, read from the workload table's columns D and E.
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == ["'Performance'!$D$2", "'Performance'!$E$2"]
    # From 0: 3.16 against 2.0 must not look like 4 times as much (LibreOffice started the axis at 1.8).
    assert chart.y_axis.scaling.min == 0


def test_workbook_without_a_rate_says_so_and_draws_no_chart(plan: Plan) -> None:
    ws = build_workbook(plan)["Performance"]
    assert not ws._charts
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("No workload states its load as a rate") for t in texts)


@needs_libreoffice
def test_libreoffice_prints_the_performance_sheet(rate_plan: Plan, tmp_path: Path) -> None:
    """Printed, the sheet shows its figures (none too wide for its column), the used share recalculated by
    LibreOffice, and the chart's title: the chart was drawn."""
    xlsx = tmp_path / "rate.xlsx"
    write_workbook(rate_plan, xlsx)
    pages = pdf_text(convert(xlsx, "pdf", tmp_path)).split("\f")
    (page,) = [p for p in pages if "Capacity against the rate asked" in p]
    assert "###" not in page and "Err:" not in page
    assert "63.3%" in page and "3.158" in page and "GeForce RTX 4090 on workstation-2x-rtx-4090#1" in page
