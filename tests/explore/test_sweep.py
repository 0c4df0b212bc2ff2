"""planner sweep: every point equals an independent solve of the changed scenario, in grid order for any
number of processes, with the break-evens where the mix changes."""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
import pytest
from click.testing import CliRunner
from report.libreoffice import convert, needs_libreoffice, pdf_text  # tests/report, beside this package

from planner.catalog.schema import Catalog
from planner.cli import main
from planner.errors import PlannerError
from planner.explore.plot import svg_plot
from planner.explore.sweep import RESULT_COLUMNS, break_evens, run_sweep, sweep
from planner.explore.sweep_workbook import build_sweep_workbook
from planner.explore.vary import apply_point, axes_from, parse_values
from planner.pipeline import solve
from planner.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"
SWEEP_STARTUP = (sys.executable, "-m", "planner", "sweep", str(STARTUP))
"""``planner sweep`` on the startup scenario in a fresh interpreter (to signal it or give it a tty)."""


def test_values_lists_and_ranges() -> None:
    assert parse_values("0.08:0.32:7") == (0.08, 0.12, 0.16, 0.2, 0.24, 0.28, 0.32)
    assert parse_values("6:36:6") == (6, 12, 18, 24, 30, 36)
    assert parse_values("3,6,12") == (3, 6, 12)
    assert parse_values("office,colocation") == ("office", "colocation")
    assert parse_values("true,false") == (True, False)
    for bad in ("1:2", "1:2:1", "a:b:3", "0:inf:3"):
        with pytest.raises(PlannerError, match="--vary"):
            parse_values(bad, "x")


def test_paths_reach_workloads_by_name_index_and_star(startup: Scenario, catalog: Catalog) -> None:
    axes = axes_from(["workloads.coding-assistant.hours_per_month=100", "workloads.*.headroom=0.3"])
    scenario, same_catalog = apply_point(startup, catalog, axes, (100, 0.3))
    assert same_catalog is catalog
    assert scenario.workloads[1].hours_per_month == 100
    assert {w.headroom for w in scenario.workloads} == {0.3}
    scenario, _ = apply_point(startup, catalog, axes_from(["workloads.1.batch=8"]), (8,))
    assert scenario.workloads[1].batch == 8


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("energy.usd_per_kwhh=0.2", r"energy\.usd_per_kwhh: unknown field \(did you mean 'usd_per_kwh'\?\)"),
        # the path as typed, once: it read "--vary horizon_month=3: horizon_month: unknown field"
        ("horizon_month=3,6", r"^--vary horizon_month: unknown field \(did you mean 'horizon_months'\?\)$"),
        (
            "workloads.*.contxt=1,2",
            r"^--vary workloads\.\*\.contxt: unknown field \(did you mean 'context'\?\)$",
        ),
        ("energy.zzz=1", r"energy\.zzz: unknown field$"),
        ("horizon_months=-3", r"horizon_months: Input should be greater than 0"),
        # as the scenario file says it: the workload by name, no "Value error," (it read "--vary ...=2:
        # workloads.1: Value error, give requests_per_second or batch, not both ...")
        (
            "workloads.coding-assistant.requests_per_second=2",
            r"^--vary workloads\.coding-assistant\.requests_per_second=2: "
            r"workloads\[1\] \(coding-assistant\): give requests_per_second or batch, not both \(",
        ),
        ("workloads.nobody.batch=2", r"no item named 'nobody' \(names: chat-assistant, coding-assistant, "),
        (
            "workloads.coding-asistant.batch=2",
            r"no item named 'coding-asistant' \(did you mean 'coding-assistant'",
        ),
        ("price.gpu.NoSuchCard=2", r"unknown GPU"),
        ("price.cpu.x=2", r"price\.gpu\.NAME or price\.provider\.NAME"),
        # a typo of a provider was "no cloud offers from 'lamda'", with no name to try
        (
            "price.provider.lamda=2",
            r"^--vary price\.provider\.lamda: no cloud offers from 'lamda' \(did you mean 'lambda'\?\)$",
        ),
        ("price.provider.zz=2", r"no cloud offers from 'zz' \(providers: aws, .*lambda"),
    ],
)
def test_a_bad_path_fails_before_any_solve(
    startup: Scenario, catalog: Catalog, spec: str, message: str
) -> None:
    """As ``planner sweep`` words them (``run_sweep``, the CLI's path into the sweep)."""
    with pytest.raises(PlannerError, match=message):
        run_sweep(startup, [spec], catalog=catalog, jobs=1)


@pytest.mark.parametrize(
    ("vary", "jobs", "cli", "python"),
    [
        (
            {"horizon_month": [3, 6]},
            1,
            "--vary horizon_month: unknown field (did you mean 'horizon_months'?)",
            "vary horizon_month: unknown field (did you mean 'horizon_months'?)",
        ),
        (
            {"energy.usd_per_kwh": "1:2"},
            1,
            "--vary energy.usd_per_kwh: a range is start:stop:count, got '1:2'",
            "vary energy.usd_per_kwh: a range is start:stop:count, got '1:2'",
        ),
        (
            {},
            1,
            "--vary: give at least one PATH=VALUES",
            "vary is empty: give at least one path and its values",
        ),
        ({"horizon_months": [3]}, 0, "--jobs must be at least 1, got 0", "jobs must be at least 1, got 0"),
    ],
)
def test_python_callers_read_errors_in_the_words_of_the_arguments_they_gave(
    startup: Scenario, catalog: Catalog, vary: dict[str, Any], jobs: int, cli: str, python: str
) -> None:
    """``planner.sweep(vary=..., jobs=...)`` said "--vary ..." and "--jobs ...", options a Python caller never
    typed; ``planner sweep`` keeps them."""
    with pytest.raises(PlannerError) as python_error:
        sweep(startup, vary, catalog=catalog, jobs=jobs)
    assert str(python_error.value) == python
    with pytest.raises(PlannerError) as cli_error:
        run_sweep(startup, vary, catalog=catalog, jobs=jobs)
    assert str(cli_error.value) == cli


def _no_resale(startup: Scenario) -> Scenario:
    """Bought hardware worth nothing at the end: renting then wins short horizons (with the default residual
    value a purchase keeps most of its price over a few months)."""
    return startup.model_copy(update={"finance": startup.finance.model_copy(update={"resale_share": 0.0})})


def test_each_point_is_the_solve_of_its_scenario(startup: Scenario, catalog: Catalog) -> None:
    startup = _no_resale(startup)
    frame = sweep(startup, {"horizon_months": [3, 6, 12]}, catalog=catalog, jobs=1)
    assert list(frame.columns[:2]) == ["horizon_months", "status"]
    for _, row in frame.iterrows():
        oracle = solve(startup.model_copy(update={"horizon_months": int(row["horizon_months"])}), catalog)
        assert row["total_cost"] == pytest.approx(oracle.total_cost)
        assert row["capex"] == pytest.approx(oracle.capex)
    # Renting everything wins at 3 months; from 6 three one-card desktops are bought: an RTX 3060 12GB
    # (1,500 + 329) and two RTX 5070 Ti (1,500 + 749) for the chat replicas, the same at 12. (An RTX 4060 Ti
    # 16GB and an RTX 5080 held them until each request's prefill counted in a replica's requests/s.)
    assert list(frame["capex"]) == [0, 6_327, 6_327]
    breaks = break_evens(frame)
    assert (breaks["from_value"].tolist(), breaks["to_value"].tolist()) == ([3], [6])
    assert breaks["change"].iloc[0].startswith("+ Buy 1 x Desktop, 1x RTX 3060 12GB")
    assert "+ Buy 2 x Desktop, 1x RTX 5070 Ti" in breaks["change"].iloc[0]


def test_parallel_rows_equal_serial_rows_in_grid_order(startup: Scenario, catalog: Catalog) -> None:
    vary = ["price.provider.lambda=1,3", "horizon_months=12,36"]
    serial = sweep(startup, vary, catalog=catalog, jobs=1)
    parallel = sweep(startup, vary, catalog=catalog, jobs=2)
    assert serial.equals(parallel)
    assert list(zip(serial["price.provider.lambda"], serial["horizon_months"], strict=True)) == [
        (1, 12),
        (1, 36),
        (3, 12),
        (3, 36),
    ]
    # A dearer provider never makes the optimum cheaper; at factor 1 the plan is the scenario's own.
    assert (serial["total_cost"].iloc[2:].to_numpy() >= serial["total_cost"].iloc[:2].to_numpy() - 1e-6).all()
    assert serial["total_cost"].iloc[1] == pytest.approx(solve(startup, catalog).total_cost)


def test_an_infeasible_point_is_a_row_with_its_reason(startup: Scenario, catalog: Catalog) -> None:
    frame = sweep(startup, ["hardware.cloud=true,false", "budgets.capex_usd=0"], catalog=catalog, jobs=1)
    assert list(frame["status"]) == ["optimal", "infeasible"]
    assert math.isnan(frame["total_cost"].iloc[1]) and frame["message"].iloc[1]


def test_cli_writes_workbook_and_plot_and_no_bar_when_piped(tmp_path: Path) -> None:
    book, plot = tmp_path / "sweep.xlsx", tmp_path / "sweep.svg"
    scenario = tmp_path / "startup.yaml"  # without resale value, so that renting wins the short horizons
    text = STARTUP.read_text(encoding="utf-8") + "finance:\n  resale_share: 0\n"
    scenario.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(
        main,
        [
            "sweep",
            str(scenario),
            "--vary",
            "horizon_months=3,6,12",
            "--jobs",
            "1",
            "-o",
            str(book),
            "--plot",
            str(plot),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "solving" not in result.stderr  # no progress bar: stderr is not a terminal
    assert "between horizon_months=3 and 6" in result.stdout
    wb = openpyxl.load_workbook(book)
    assert wb.sheetnames == ["Sweep", "Break-even", "Chart"]
    rows = list(wb["Sweep"].iter_rows(values_only=True))
    assert rows[0][:3] == ("horizon_months", "Status", "Total") and [r[0] for r in rows[1:]] == [3, 6, 12]
    assert len(wb["Chart"]._charts) == 2
    svg = ET.parse(plot).getroot()
    assert svg.tag.endswith("svg") and len(svg.findall("{http://www.w3.org/2000/svg}polyline")) == 2
    data = json.loads(
        CliRunner()
        .invoke(
            main, ["sweep", str(scenario), "--vary", "horizon_months=3,6", "--jobs", "1", "--format", "json"]
        )
        .stdout
    )
    assert [p["capex"] for p in data["points"]] == [0, 6_327] and len(data["break_evens"]) == 1


def _descendants(pid: int) -> set[int]:
    """Processes below ``pid`` (Linux /proc): the forkserver and the workers it forked."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found |= {child, *_descendants(child)}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads the process tree from /proc")
def test_ctrl_c_stops_the_workers_and_writes_nothing(tmp_path: Path) -> None:
    book = tmp_path / "sweep.xlsx"
    command = [
        *SWEEP_STARTUP,
        "--vary",
        "horizon_months=1:240:240",
        # A grid of 1,200 solves, minutes of work: the sweep is still running when the signal comes, even
        # after the whole 120 s wait for the workers on a loaded machine (240 points once finished first).
        "--vary",
        "energy.usd_per_kwh=0.1:0.3:5",
        "--jobs",
        "2",
        "-o",
        str(book),
    ]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 120
    while len(_descendants(process.pid)) < 3 and time.monotonic() < deadline:  # forkserver + 2 workers
        time.sleep(0.2)
    time.sleep(1)  # the workers are solving
    workers = _descendants(process.pid)
    os.killpg(process.pid, signal.SIGINT)  # what a terminal's Ctrl-C does: the whole process group
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130
    assert err.decode().strip().splitlines() == ["interrupted: no report written"]  # no traceback anywhere
    assert not book.exists() and list(tmp_path.iterdir()) == []
    time.sleep(1)
    assert not [
        pid
        for pid in workers
        if Path(f"/proc/{pid}").exists() and "Z" not in (Path(f"/proc/{pid}/stat").read_text().split()[2])
    ]


def test_progress_bar_shows_on_a_terminal(tmp_path: Path) -> None:
    import pty
    import threading

    master, slave = pty.openpty()
    command = [
        *SWEEP_STARTUP,
        "--vary",
        "horizon_months=12,36",
        "--jobs",
        "1",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    seen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed with the process
                return
            if not chunk:
                return
            seen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    out, _ = process.communicate(timeout=180)
    reader.join(timeout=10)
    os.close(master)
    assert process.returncode == 0
    assert b"solving 2/2 [" in seen and b"\r" in seen
    assert b"solving" not in out  # the bar never reaches stdout


def test_a_gpu_price_factor_scales_cards_systems_and_instances(startup: Scenario, catalog: Catalog) -> None:
    name = "GeForce RTX 4060 Ti 16GB"
    axes = axes_from([f"price.gpu.{name}=2"])
    scenario, doubled = apply_point(startup, catalog, axes, (2,))
    assert scenario == startup
    card = catalog.gpu(name)
    assert doubled.gpu(name).price_usd == pytest.approx(2 * (card.price_usd or 0))
    for old, new in zip(catalog.cloud, doubled.cloud, strict=True):
        factor = 2 if old.gpu == card.name else 1
        assert new.price_usd_per_hour == pytest.approx(factor * old.price_usd_per_hour)
    # The startup's desktops (README): 1,999 (1,500 chassis + a 499 USD RTX 4060 Ti 16GB), 2,999 and 6,150.
    # At a quarter less for that card the mix stays (a card of the cheapest mix got cheaper): 124.75 USD less
    # up front, of which the horizon uses 36 of the card's 60 months of value: 124.75 x 36 / 60 = 74.85 USD
    # less in total (the rest is resold). (A little more for it, and two RTX 5070 Ti desktops, within
    # 15 USD of this plan, take the chat replicas instead.)
    frame = sweep(startup, [f"price.gpu.{name}=1,0.75"], catalog=catalog, jobs=1)
    assert frame["mix"].iloc[0] == frame["mix"].iloc[1]
    assert list(frame["capex"]) == [pytest.approx(11_148), pytest.approx(11_148 - 0.25 * 499)]
    assert frame["total_cost"].iloc[1] - frame["total_cost"].iloc[0] == pytest.approx(-0.25 * 499 * 36 / 60)


SMALL = """\
name: small
horizon_months: 12
hardware: {bought: false, cloud: true, providers: [aws]}
workloads:
  - {name: chat, model: qwen2.5-0.5b, hours_per_month: 100}
"""


@pytest.mark.parametrize("guarded", [False, True])
def test_a_script_calling_sweep_runs_with_or_without_the_main_guard(tmp_path: Path, guarded: bool) -> None:
    """The README's API example saved as a script. Workers that re-ran an unguarded script swept again and
    multiprocessing answered with its "bootstrapping phase" error and a broken pipe; the guarded form is what
    the README shows. Both print the two points, each the 12-month total of one solve."""
    (tmp_path / "small.yaml").write_text(SMALL)
    call = (
        'points = sweep("small.yaml", {"horizon_months": [3, 12]}, jobs=2)\n'
        'print(list(points["total_cost"]))\n'
    )
    body = (
        "if __name__ == '__main__':\n" + "".join(f"    {line}\n" for line in call.splitlines())
        if guarded
        else call
    )
    (tmp_path / "script.py").write_text(f"from planner import sweep\n{body}")
    done = subprocess.run(
        [sys.executable, "script.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    costs = json.loads(done.stdout.strip().splitlines()[-1])
    assert costs[1] == pytest.approx(costs[0] * 4, rel=1e-6)  # same hours a month: 12 months cost 4 x 3


def test_a_worker_importing_the_script_gets_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a worker does import the caller's script (a worker restarted mid-sweep), the sweep it reaches is
    refused in one line naming the guard, not multiprocessing's bootstrapping traceback."""
    import multiprocessing

    monkeypatch.setattr(multiprocessing.current_process(), "_inheriting", True, raising=False)
    with pytest.raises(
        PlannerError, match=r'^sweep\(\) was called while a worker .*if __name__ == "__main__"'
    ):
        sweep(STARTUP, {"horizon_months": [3]}, jobs=1)


@needs_libreoffice
def test_the_sweep_workbook_prints_one_page_wide(startup: Scenario, catalog: Catalog, tmp_path: Path) -> None:
    """A sweep's workbook printed to PDF (LibreOffice) went out a column or two per page: eleven pages for
    these three points, the Mix on a page of its own, away from its Total. Its sheets
    now print as the plan workbook's do (one page wide; landscape, the Chart portrait for its two charts one
    above the other): three pages."""
    frame = sweep(startup, {"horizon_months": [3, 6, 12]}, catalog=catalog, jobs=1)
    book = tmp_path / "sweep.xlsx"
    build_sweep_workbook(frame, break_evens(frame)).save(book)
    for ws in openpyxl.load_workbook(book).worksheets:
        assert ws.page_setup.fitToWidth == 1, ws.title
    pdf = convert(book, "pdf", tmp_path / "pdf")
    pages = [p for p in pdf_text(pdf).split("\f") if p.strip()]
    sweep_page = next(p for p in pages if "Why infeasible" in p)
    assert "Total" in sweep_page and "Mix" in sweep_page and "horizon_months" in sweep_page
    assert "What changes" in next(p for p in pages if "Mix before" in p)
    assert len(pages) == 3  # before: 11


@needs_libreoffice
def test_the_printed_sweep_gives_each_mix_in_full(
    startup: Scenario, catalog: Catalog, tmp_path: Path
) -> None:
    """The Mix and What changes columns were cut at their width when printed: the startup's mix ended at
    "...1x RTX 4060 Ti 16GB; Buy 1", the rest of the plan (its A6000 and rented GPUs) off the page. They now
    wrap, their rows as tall as the text, so each point's mix reads in full."""
    frame = sweep(startup, {"horizon_months": [12, 36]}, catalog=catalog, jobs=1)
    mix = str(frame["mix"][0])
    assert len(mix) > 100  # longer than the column is wide
    book = tmp_path / "sweep.xlsx"
    build_sweep_workbook(frame, break_evens(frame)).save(book)
    page = next(
        p for p in pdf_text(convert(book, "pdf", tmp_path / "pdf")).split("\f") if "Why infeasible" in p
    )
    last = mix.split("; ")[-1]  # where the mix was cut, the end of it never printed
    assert last == "Rent spot 1 x aws g6e.xlarge (us-east-1)" and page.count(last) == 2  # both points


def test_csv_figures_are_the_jsons(tmp_path: Path) -> None:
    """The hobbyist's desktop over five electricity prices: the CSV printed 1735.0080000000003 and
    30.642000000000007 where the JSON has 1735.008 and 30.642 (pandas' JSON keeps 10 decimals, its CSV every
    binary digit). A spreadsheet user read the noise; the CSV now rounds as the JSON does."""
    hobbyist = Path(__file__).resolve().parents[2] / "scenarios" / "hobbyist.yaml"
    args = ["sweep", str(hobbyist), "--vary", "energy.usd_per_kwh=0.1:0.5:5", "--jobs", "1", "--format"]
    csv_out = CliRunner().invoke(main, [*args, "csv"])
    json_out = CliRunner().invoke(main, [*args, "json"])
    assert csv_out.exit_code == json_out.exit_code == 0, csv_out.output + json_out.output
    points = json.loads(json_out.stdout)["points"]
    rows = list(csv.DictReader(io.StringIO(csv_out.stdout)))
    assert len(rows) == len(points) == 5
    for row, point in zip(rows, points, strict=True):
        for key in ("energy.usd_per_kwh", "total_cost", "capex", "opex_per_month"):
            assert float(row[key]) == point[key], (key, row[key], point[key])
            assert len(row[key].partition(".")[2]) <= 10, row[key]  # no 1735.0080000000003
    assert rows[1]["total_cost"] == "1735.008"  # 0.2 USD/kWh


def test_the_sweep_headers_are_styled_where_excel_tables_are_not_drawn(
    startup: Scenario, catalog: Catalog, tmp_path: Path
) -> None:
    """LibreOffice draws no Excel table style: the sweep's header rows printed as plain text over the rows.
    They now carry the plan workbook's header style (white on dark blue), which every viewer draws."""
    frame = sweep(startup, {"horizon_months": [12, 36]}, catalog=catalog, jobs=1)
    book = tmp_path / "sweep.xlsx"
    build_sweep_workbook(frame, break_evens(frame)).save(book)
    loaded = openpyxl.load_workbook(book)
    for title in ("Sweep", "Break-even"):
        header = loaded[title][1]
        assert [c.value for c in header][:1] == ["horizon_months" if title == "Sweep" else "Varied"]
        for cell in header:
            assert cell.style == "planner.header", (title, cell.coordinate)
            assert cell.fill.fgColor.rgb.endswith("1F4E78") and cell.font.bold


def _grid_frame() -> pd.DataFrame:
    """A two-path sweep as ``sweep`` returns it, its figures made up (the layout is what is tested): the
    horizon against three hours of one workload, with a third path held at one value. Totals by hand: 100 a
    month per 100 hours of the chat workload, plus 1,000 up front."""
    import pandas as pd

    rows = []
    for horizon in (6, 12, 24, 36):
        for hours in (100, 300, 730):
            total = 1_000 + horizon * hours
            rows.append(
                (horizon, hours, 0.3, "optimal", float(total), 1_000.0, float(hours), "Buy 1 x A", 1, "")
            )
    frame = pd.DataFrame(
        rows,
        columns=["horizon_months", "workloads.chat.hours_per_month", "finance.resale_share", *RESULT_COLUMNS],
    )
    frame.attrs.update(
        vary=["horizon_months", "workloads.chat.hours_per_month", "finance.resale_share"],
        scenario="buy-or-rent",
        currency="USD",
    )
    return frame


def test_the_plot_legend_keeps_each_name_apart_and_inside_the_picture() -> None:
    """Three legend entries a row at fixed 240-pixel steps printed a grid sweep's names ("Total,
    workloads.chat.hours_per_month=100") over each other and past the picture's right edge. Each entry now
    starts after the one before it ends (at 6.5 pixels a character of 12-pixel Helvetica, an average text
    width), every one within the picture, and a path held at one value is named once, in the title."""
    frame = _grid_frame()
    svg = ET.fromstring(svg_plot(frame, break_evens(frame)))
    ns = "{http://www.w3.org/2000/svg}"
    width, height = float(svg.get("width") or 0), float(svg.get("height") or 0)
    title = svg.findall(f"{ns}text")[0].text or ""
    assert title == "buy-or-rent: cost against horizon_months (finance.resale_share=0.3)"
    legend = [t for t in svg.findall(f"{ns}text") if (t.text or "").startswith("Total")]
    assert [t.text for t in legend] == [f"Total, workloads.chat.hours_per_month={h}" for h in (100, 300, 730)]
    spans = [(float(t.get("x") or 0), float(t.get("y") or 0), len(t.text or "") * 6.5) for t in legend]
    for x, y, span in spans:
        assert x + span <= width and y <= height
    for (x1, y1, span1), (x2, y2, _) in itertools.pairwise(spans):
        assert y2 > y1 or x2 >= x1 + span1, (spans, "legend entries overlap")


def test_the_workbook_chart_draws_one_line_per_combination_of_the_other_values(tmp_path: Path) -> None:
    """Over a grid the workbook's charts drew the Total through the Sweep table's rows in grid order: one line
    running back and forth between the hours at every horizon. They now draw one line per hours value (the
    path held at one value is no line of its own), from a table under the charts whose cells refer to the
    Sweep cells of their points."""
    frame = _grid_frame()
    frame.loc[4, ["status", "total_cost", "capex", "opex_per_month"]] = [
        "infeasible",
        math.nan,
        math.nan,
        math.nan,
    ]
    book = tmp_path / "grid.xlsx"
    build_sweep_workbook(frame, break_evens(frame)).save(book)
    wb = openpyxl.load_workbook(book)
    sweep_ws, chart_ws = wb["Sweep"], wb["Chart"]
    total_chart, month_chart = chart_ws._charts
    for chart in (total_chart, month_chart):
        assert len(chart.series) == 3
        titles = [s.tx.strRef.f for s in chart.series]
        assert all(t.startswith("'Chart'!") or t.startswith("Chart!") for t in titles)
    names = [chart_ws.cell(49, j).value for j in range(1, 5)]
    assert names == ["horizon_months", *(f"workloads.chat.hours_per_month={h}" for h in (100, 300, 730))]

    def resolved(row: int, column: int) -> object:
        formula = str(chart_ws.cell(row, column).value)
        target = formula.split(",")[-1].rstrip(")")  # =IF(ISBLANK(Sweep!E6),NA(),Sweep!E6)
        assert target.startswith("Sweep!"), formula
        return sweep_ws[target.removeprefix("Sweep!")].value

    # Rows 50-53: horizons 6, 12, 24, 36; columns B-D: 100, 300, 730 hours. Totals by hand: 1,000 + horizon
    # x hours; the infeasible point (12 months, 300 hours) is an empty Sweep cell, drawn as a gap (#N/A).
    for i, horizon in enumerate((6, 12, 24, 36)):
        assert chart_ws.cell(50 + i, 1).value == horizon
        for j, hours in enumerate((100, 300, 730)):
            expected = None if (horizon, hours) == (12, 300) else 1_000 + horizon * hours
            assert resolved(50 + i, 2 + j) == expected
    assert "NA()" in str(chart_ws.cell(51, 3).value)


def test_a_list_field_takes_one_value_a_point(startup: Scenario, catalog: Catalog, tmp_path: Path) -> None:
    """A team choosing which card to buy swept ``hardware.gpus=RTX 5090,RTX A6000`` and was refused ("Input
    should be a valid tuple"): a list field now stands for the list of that one value at each point, so each
    point is the plan on one card. Up front by hand (README: a desktop chassis 1,500 plus its card): RTX 5090
    1,500 + 1,999 = 3,499 USD, RTX A6000 1,500 + 4,650 = 6,150."""
    axes = axes_from(["hardware.gpus=RTX 5090,RTX A6000", "hardware.providers=aws"])
    point, _ = apply_point(startup, catalog, axes, ("RTX 5090", "aws"))
    assert point.hardware.gpus == ("RTX 5090",) and point.hardware.providers == ("aws",)
    path = tmp_path / "card.yaml"
    path.write_text(
        "name: which-card\nhorizon_months: 36\nhardware: {bought: true, cloud: false}\nworkloads:\n"
        "  - {name: chat, model: qwen2.5-14b, precision: awq-int4, engine: vllm, context: 8192, batch: 8}\n",
        encoding="utf-8",
    )
    frame = sweep(path, {"hardware.gpus": ["RTX 5090", "RTX A6000"]}, jobs=1)
    assert frame["capex"].tolist() == [3_499, 6_150]
    assert frame["mix"].tolist() == ["Buy 1 x Desktop, 1x RTX 5090", "Buy 1 x Desktop, 1x RTX A6000"]


@pytest.mark.parametrize("grid", [False, True])
def test_a_sweep_over_cards_charts_straight_lines_through_its_points(tmp_path: Path, grid: bool) -> None:
    """Over categories (cards) the charts are line charts, whose series openpyxl writes without ``smooth``:
    LibreOffice then drew curves through the points, the per-month line dipping below the cheapest card's
    figure between two cards. Every series is now straight, with a marker at each point."""
    import pandas as pd

    cards = ("RTX 4090", "RTX 5090", "RTX A6000")
    horizons = (12, 36) if grid else (36,)
    rows = [
        (card, h, "optimal", 1_000.0 + i * h, 1_000.0, 10.0 + i, f"Buy 1 x {card}", 1, "")
        for i, card in enumerate(cards)
        for h in horizons
    ]
    frame = pd.DataFrame(rows, columns=["hardware.gpus", "horizon_months", *RESULT_COLUMNS])
    frame.attrs.update(vary=["hardware.gpus", "horizon_months"], scenario="which-card", currency="USD")
    book = tmp_path / "cards.xlsx"
    build_sweep_workbook(frame, break_evens(frame)).save(book)
    charts = openpyxl.load_workbook(book)["Chart"]._charts
    series = [s for chart in charts for s in chart.series]
    assert len(series) == (4 if grid else 3)  # grid: two horizons, twice; else Total, Up-front, Per month
    assert all(s.smooth is False for s in series)
    assert all(s.marker is not None and s.marker.symbol == "circle" for s in series)
