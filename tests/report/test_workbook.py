"""The workbook read back with openpyxl, as a reader's spreadsheet program would see it.

Expected figures are the hand-computed ones in conftest.py (total 30,605.70 USD = capex 7,500 + opex
23,105.70; cloud 13,399.20 + 2,808 = 16,207.20).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import stat
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Assumption, Plan
from planner.report.json import plan_to_json
from planner.report.table import EXCEL_MAX_CELL_CHARS, clean_text, expected_values, header_width
from planner.report.workbook import build_workbook, write_workbook

SHEETS = [
    "Summary",
    "Cash flow",
    "Alternatives",
    "Charts",
    "Workloads",
    "Performance",
    "Hardware",
    "Cloud",
    "Utilization",
    "Launch",
    "Assumptions",
]
GIB_FORMAT = '#,##0.00 "GiB"'


@pytest.fixture
def book(plan: Plan) -> openpyxl.Workbook:
    """Built in memory: formulas keep the figures planner computed for them (``expected_values``)."""
    return build_workbook(plan)


@pytest.fixture
def saved(plan: Plan, tmp_path: Path) -> openpyxl.Workbook:
    path = tmp_path / "startup.xlsx"
    write_workbook(plan, path)
    return load_workbook(path)


def shown(ws: Worksheet, cell: Any) -> Any:
    """A cell's figure: for a formula, the figure planner computed for it (test_live.py checks LibreOffice
    recalculates the same, to the cent)."""
    if isinstance(cell.value, str) and cell.data_type == "f":
        return expected_values(ws).get(cell.coordinate, cell.value)
    return cell.value


def table_rows(ws: Worksheet, name: str) -> list[dict[str, Any]]:
    """The data rows of an Excel table as dicts keyed by its header."""
    cells = ws[ws.tables[name].ref]
    headers = [c.value for c in cells[0]]
    return [dict(zip(headers, [shown(ws, c) for c in row], strict=True)) for row in cells[1:]]


def row_after_table(ws: Worksheet, name: str) -> dict[str, Any]:
    """The "Total" row written under a table, keyed by the table's headers."""
    ref = ws.tables[name].ref
    cells = ws[ref]
    headers = [c.value for c in cells[0]]
    last = cells[-1][0].row
    first_col = cells[0][0].column
    values = [shown(ws, ws.cell(row=last + 1, column=first_col + i)) for i in range(len(headers))]
    return dict(zip(headers, values, strict=True))


def test_sheets_in_reading_order(book: openpyxl.Workbook) -> None:
    assert book.sheetnames == SHEETS


def test_tables_have_unique_string_headers_and_data_sheets_freeze_them(book: openpyxl.Workbook) -> None:
    for ws in book.worksheets:
        assert ws.tables, f"{ws.title} has no Excel table"
        for table in ws.tables.values():
            headers = [c.value for c in ws[table.ref][0]]
            assert all(isinstance(h, str) and h for h in headers), (ws.title, headers)
            assert len(set(headers)) == len(headers)
    for title in ["Workloads", "Hardware", "Cloud", "Utilization", "Alternatives", "Assumptions"]:
        assert book[title].freeze_panes in ("A2", "B2"), title


def test_named_styles_registered_once(book: openpyxl.Workbook) -> None:
    names = list(book.named_styles)
    for style in ("planner.header", "planner.usd", "planner.gib"):
        assert names.count(style) == 1


def test_workloads_sheet_one_row_per_workload_in_gib(book: openpyxl.Workbook, plan: Plan) -> None:
    ws = book["Workloads"]
    rows = table_rows(ws, "Workloads")
    assert [r["Workload"] for r in rows] == [w.name for w in plan.workloads]
    chat = rows[0]
    # conftest: chat-assistant weights 14.96 GiB, per GPU 18.5 GiB, reserved 18.5 / 0.8 = 23.125 GiB.
    assert chat["Weights"] == pytest.approx(14.96, abs=1e-6)
    assert chat["Per GPU"] == pytest.approx(18.5, abs=1e-6)
    assert chat["Reserved per GPU"] == pytest.approx(23.125, abs=1e-6)
    assert chat["Replicas"] == 2
    assert "workstation-2x-rtx-4090#1 GPU 0" in chat["Runs on (unit, GPU)"]
    assert "workstation-2x-rtx-4090#1 GPU 1" in chat["Runs on (unit, GPU)"]
    header = [c.value for c in ws[1]]
    weights_cell = ws.cell(row=2, column=header.index("Weights") + 1)
    cost_cell = ws.cell(row=2, column=header.index("Cost over horizon (as solved)") + 1)
    assert weights_cell.number_format == GIB_FORMAT
    assert weights_cell.style == "planner.gib"
    assert cost_cell.style == "planner.usd" and "$" in cost_cell.number_format
    assert sum(r["Cost share"] for r in rows) == pytest.approx(1.0)


def test_workloads_sheet_names_every_replicas_memory_where_they_differ(plan: Plan) -> None:
    """'Per GPU' is the first replica's; a second replica holding 20 GiB per GPU (25 reserved at 20 %
    headroom) beside the first's 18.5 (23.125) gets its own line in 'Per GPU, each replica'; replicas that
    hold the same on the same card share one."""
    gib = 2**30
    bigger = plan.assignments[1].model_copy(update={"per_gpu_bytes": 20 * gib, "reserved_bytes": 25 * gib})
    varied = plan.model_copy(update={"assignments": (plan.assignments[0], bigger, *plan.assignments[2:])})
    rows = {r["Workload"]: r for r in table_rows(build_workbook(varied)["Workloads"], "Workloads")}
    assert rows["chat-assistant"]["Per GPU"] == pytest.approx(18.5, abs=1e-6)
    assert rows["chat-assistant"]["Per GPU, each replica"] == (
        "r1: 18.50 GiB (23.12 reserved) on RTX 4090\nr2: 20.00 GiB (25.00 reserved) on RTX 4090"
    )
    same = {r["Workload"]: r for r in table_rows(build_workbook(plan)["Workloads"], "Workloads")}
    assert same["chat-assistant"]["Per GPU, each replica"] == "r1, r2: 18.50 GiB (23.12 reserved) on RTX 4090"


def test_totals_agree_with_json(book: openpyxl.Workbook, plan: Plan) -> None:
    data = json.loads(plan_to_json(plan))
    summary = {r["Figure"]: r["Value"] for r in table_rows(book["Summary"], "KeyFigures")}
    assert (
        summary["Total cost over the horizon"]
        == pytest.approx(data["total_cost"])
        == pytest.approx(30_605.70)
    )
    assert summary["Up-front purchases (capex)"] == pytest.approx(data["capex"])
    assert summary["Running costs over the horizon (opex)"] == pytest.approx(data["opex"])
    mix_total = row_after_table(book["Summary"], "ChosenMix")["Over horizon, all units"]
    assert mix_total == pytest.approx(data["total_cost"])
    assert row_after_table(book["Hardware"], "Hardware")["Capex"] == pytest.approx(data["capex"])
    cloud = sum(u["cost"] for u in data["units"] if u["kind"] == "cloud")
    assert (
        row_after_table(book["Cloud"], "Cloud")["Over horizon"]
        == pytest.approx(cloud)
        == pytest.approx(16_207.2)
    )
    workloads = table_rows(book["Workloads"], "Workloads")
    assert sum(r["Cost over horizon (as solved)"] for r in workloads) == pytest.approx(data["total_cost"])
    categories = table_rows(book["Charts"], "CostByCategory")
    assert sum(r["Cost over horizon"] for r in categories) == pytest.approx(data["total_cost"])
    savings = {r["Alternative"]: r["Saving with this plan"] for r in table_rows(book["Summary"], "Savings")}
    alt = {a["name"]: a for a in data["alternatives"]}
    assert savings["Rent everything (all cloud)"] == pytest.approx(alt["all_cloud"]["total_cost"] - 30_605.70)
    assert savings["Cheapest offer per workload, alone"] is None


def test_summary_sets_each_limit_against_the_most_held_at_once(plan: Plan) -> None:
    """Limits hold in every month: an owned 8 U, 600 W desktop kept for months 1-3 and a 10 U, 1,150 W
    workstation bought for month 4 never stand together, so the plan uses 10 U (not 18) of its 12 and 1.15
    kW (not 1.75) of its 1.5. A plan whose units all run the whole horizon keeps the live formula."""
    changed = {"owned": {"rack_units": 8, "end_month": 3}, "bought": {"rack_units": 10, "start_month": 4}}
    units = tuple(u.model_copy(update=changed.get(u.kind, {})) for u in plan.units)
    limits = tuple(
        Assumption(category="limit", name=name, value=f"{bound:g} {unit}", source="scenario", key=key,
                   number=bound, unit=unit)
        for name, key, bound, unit in (
            ("rack space limit", "limit_rack_units", 12.0, "rack units"),
            ("power limit (IT load)", "limit_power_kw", 1.5, "kW"),
        )
    )  # fmt: skip
    held = plan.model_copy(update={"units": units, "assumptions": (*plan.assumptions, *limits)})
    rows = {r["Budget or limit"]: r for r in table_rows(build_workbook(held)["Summary"], "Limits")}
    assert rows["Rack space limit"]["Used by the plan"] == 10
    assert rows["Rack space limit"]["Share used"] == pytest.approx(10 / 12)
    assert rows["Power limit (IT load)"]["Used by the plan"] == pytest.approx(1.15)
    figures = {r["Figure"]: r for r in table_rows(build_workbook(held)["Summary"], "KeyFigures")}
    assert "month 0" not in figures["Up-front purchases (capex)"]["Basis"]

    always = plan.model_copy(update={"assumptions": (*plan.assumptions, *limits)})
    ws = build_workbook(always)["Summary"]
    cells = ws[ws.tables["Limits"].ref]
    used = {row[0].value: row[3] for row in cells[1:]}
    assert used["Power limit (IT load)"].value == "=plan_it_kw"
    assert used["Rack space limit"].value == "=plan_rack_units"
    assert expected_values(ws)[used["Power limit (IT load)"].coordinate] == pytest.approx(1.75)


def test_utilization_reserved_plus_free_is_the_gpu(book: openpyxl.Workbook) -> None:
    rows = table_rows(book["Utilization"], "Utilization")
    assert len(rows) == 5  # 2 + 1 + 1 + 1 GPUs in the fixture's units
    for r in rows:
        assert r["Reserved"] + r["Free"] == pytest.approx(r["GPU memory"])
    owned = next(r for r in rows if r["Unit"] == "owned-rtx-3090#1")
    assert owned["Reserved"] == pytest.approx(10.0 + 3.75)  # coding 8/0.8 + embedding 3/0.8, shared GPU 0
    assert (
        "coding-model r1" in owned["Workloads (replica)"]
        and "rag-embedding r1" in owned["Workloads (replica)"]
    )


def test_summary_names_both_payback_figures(book: openpyxl.Workbook) -> None:
    """Month 15 of the cash flow and the simple 7,500 / (41,230 / 36 - 641.825) = 14.897 months, each row
    saying what it measures."""
    ws = book["Summary"]
    rows = {r[0].value: r for r in ws[ws.tables["KeyFigures"].ref][1:]}
    values = expected_values(ws)
    month, simple = rows["Payback month against renting"], rows["Simple payback against renting (months)"]
    assert values[month[1].coordinate] == 15
    assert values[simple[1].coordinate] == pytest.approx(14.897, abs=1e-3)
    assert "first whole month" in month[2].value and "discounted" in month[2].value
    assert "not discounted" in simple[2].value
    # A count of months, not money: the money style of the column would print it as "$15".
    assert month[1].number_format == '"month "0' and simple[1].number_format == '0.0 "months"'


MONEY_FIGURES = {
    "Total cost over the horizon",
    "Up-front purchases (capex)",
    "Running costs per month",
    "Running costs over the horizon (opex)",
    "Residual value at the end (credit)",
    "Net present value",
}


def test_summary_key_figures_show_money_only_where_they_are_money(book: openpyxl.Workbook) -> None:
    """The simple payback, 14.9 months, showed as "$15": a figure added after the formats were listed
    took the table's money format. Every key figure that is not money names its own unit."""
    ws = book["Summary"]
    rows = {r[0].value: r[1] for r in ws[ws.tables["KeyFigures"].ref][1:]}
    assert set(rows) >= MONEY_FIGURES
    for figure, cell in rows.items():
        if figure in MONEY_FIGURES:
            assert cell.number_format.startswith('"$"'), figure
        elif not isinstance(cell.value, str) or cell.data_type == "f":  # a number, not a sentence
            assert "$" not in cell.number_format, (figure, cell.number_format)
    assert rows["Simple payback against renting (months)"].number_format == '0.0 "months"'


def test_break_even_on_alternatives_sheet(book: openpyxl.Workbook) -> None:
    rows = {r["Buy versus rent"]: r["Value"] for r in table_rows(book["Alternatives"], "BreakEven")}
    # 7,500 / (41,230 / 36 - 641.825) = 14.897 months; 7,500 / (41,230 - 6,898.5 - 16,207.2) = 0.4138.
    assert rows["Months to break even"] == pytest.approx(14.897, abs=1e-3)
    assert rows["Renting wins below this utilisation"] == pytest.approx(0.4138, abs=1e-4)


def test_assumptions_list_every_price_with_source_and_date(book: openpyxl.Workbook, plan: Plan) -> None:
    prices = table_rows(book["Assumptions"], "PricesUsed")
    assert len(prices) == 3  # the bought workstation and two cloud offers; the owned card has no price
    assert all(r["Source"] and isinstance(r["As of"], dt.date) for r in prices)
    assert [(r["Name"], r["Price"], r["Unit"]) for r in prices] == [
        ("price_1", 7_500.0, "USD per unit"),
        ("price_2", 1.861, "USD per instance-hour"),
        ("price_3", 1.30, "USD per instance-hour"),
    ]
    how = {r["Item"]: r["Value"] for r in table_rows(book["Assumptions"], "HowComputed")}
    assert how["status"] == "optimal" and how["version"] == "0.1.0" and how["solver"] == plan.solver
    assert how["best bound"] == pytest.approx(30_605.70)


def test_inputs_are_named_numbers_with_their_unit_apart(book: openpyxl.Workbook) -> None:
    inputs = {r["Name"]: r for r in table_rows(book["Assumptions"], "Inputs")}
    assert (inputs["usd_per_kwh"]["Value"], inputs["usd_per_kwh"]["Unit"]) == (0.15, "USD/kWh")
    assert (inputs["horizon_months"]["Value"], inputs["horizon_months"]["Unit"]) == (36, "months")
    assert inputs["pue"]["Value"] == 1.0 and inputs["usd_to_currency"]["Value"] == 1.0
    for name, row in inputs.items():
        sheet, coord = next(iter(book.defined_names[name].destinations))
        assert book[sheet][coord.replace("$", "")].value == row["Value"], name


def test_a_measured_workload_shows_no_parameters_or_rule_of_thumb(plan: Plan, tmp_path: Path) -> None:
    """memory_per_gpu gives no architecture: the sheet showed 0.0 parameters and a 0.00 GiB rule of thumb."""
    first = plan.workloads[0].model_copy(update={"params": 0, "rule_of_thumb_bytes": (0, 0), "engine": ""})
    path = tmp_path / "measured.xlsx"
    write_workbook(plan.model_copy(update={"workloads": (first, *plan.workloads[1:])}), path)
    row = table_rows(load_workbook(path)["Workloads"], "Workloads")[0]
    assert row["Workload"] == first.name and row["Engine"] == "measured"
    assert [v for k, v in row.items() if k.startswith(("Parameters", "Rule of thumb"))] == [None, None, None]


def test_bare_numbers_in_the_assumptions_are_numbers(book: openpyxl.Workbook, plan: Plan) -> None:
    """The gap and the default headroom ("0.2") are numbers, not text Excel flags "number stored as text"."""
    how = {r["Item"]: r["Value"] for r in table_rows(book["Assumptions"], "HowComputed")}
    assert isinstance(how["relative gap"], int | float) and how["relative gap"] == pytest.approx(plan.gap)
    items = {r["Item"]: r["Value"] for r in table_rows(book["Assumptions"], "Assumptions")}
    assert items["default headroom"] == 0.2


def test_memory_chart_bars_add_up_to_their_gpu(book: openpyxl.Workbook) -> None:
    rows = {r["Workload on GPU"].split(" on ")[0]: r for r in table_rows(book["Charts"], "MemoryPerGpu")}
    assert "chat-assistant on RTX 4090" in [r["Workload on GPU"] for r in rows.values()]
    for r in rows.values():
        parts = sum(v for k, v in r.items() if k not in ("Workload on GPU", "GPU memory"))
        assert parts == pytest.approx(r["GPU memory"]), r["Workload on GPU"]
    # coding-model (10 GiB reserved) shares the 3090's GPU 0 with rag-embedding (3.75 GiB reserved).
    assert rows["coding-model"]["Other workloads on the GPU"] == pytest.approx(3.75)
    assert rows["coding-model"]["Free"] == pytest.approx(24 - 13.75)
    assert rows["chat-assistant"]["Other workloads on the GPU"] == pytest.approx(0.0)


def test_charts_exist_with_one_series_per_component(book: openpyxl.Workbook) -> None:
    charts = book["Charts"]._charts
    assert len(charts) == 2
    memory, cost = charts
    # Components with any bytes in the fixture: all 8, plus headroom, own replicas, neighbours and free.
    assert len(memory.series) == 12
    assert memory.grouping == "stacked"
    assert len(cost.series) == 1
    # Bars measure from 0 (a spreadsheet otherwise starts the axis near the smallest bar); the residual
    # value's bar is negative, so the cost chart's category names sit at the axis' low end, not on the bars.
    assert memory.y_axis.scaling.min == 0
    assert cost.x_axis.tickLblPos == "low"


def test_formula_like_names_stay_text(renamed_plan: Callable[[str, str], Plan], tmp_path: Path) -> None:
    """A workload named like a formula is text; planner's own formulas never carry scenario text."""
    evil = '=HYPERLINK("http://evil.example","click")'
    path = tmp_path / "evil.xlsx"
    write_workbook(renamed_plan("eval-batch", evil), path)
    book = load_workbook(path)
    cell = next(c for c in book["Workloads"]["A"] if c.value == evil)
    assert cell.data_type == "s"
    formulas = [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"
    ]
    assert formulas and not any("HYPERLINK" in str(f) or "evil" in str(f) for f in formulas)
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                stored = re.findall(r"<f>(.*?)</f>", archive.read(name).decode())
                assert not any("HYPERLINK" in f for f in stored), name


def test_control_characters_are_dropped(renamed_plan: Callable[[str, str], Plan], tmp_path: Path) -> None:
    path = tmp_path / "ctl.xlsx"
    write_workbook(renamed_plan("eval-batch", "eval\x07batch"), path)
    names = [r["Workload"] for r in table_rows(load_workbook(path)["Workloads"], "Workloads")]
    assert "evalbatch" in names


def test_failed_write_leaves_previous_report_intact(
    plan: Plan, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "startup.xlsx"
    write_workbook(plan, path)
    before = path.read_bytes()

    def broken_save(self: openpyxl.Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError("disk full")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(plan, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["startup.xlsx"]


def test_creates_missing_directory(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "reports" / "deep" / "plan.xlsx"
    write_workbook(plan, path)
    assert load_workbook(path).sheetnames == SHEETS


def test_plan_without_cloud_or_alternatives(plan: Plan, tmp_path: Path) -> None:
    local = plan.model_copy(
        update={
            "units": tuple(u for u in plan.units if u.kind != "cloud"),
            "assignments": tuple(a for a in plan.assignments if not a.unit.startswith(("aws", "gcp"))),
            "workloads": tuple(w for w in plan.workloads if w.name not in ("eval-batch", "finetune-qlora")),
            "alternatives": (),
        }
    )
    path = tmp_path / "local.xlsx"
    write_workbook(local, path)
    book = load_workbook(path)
    assert table_rows(book["Cloud"], "Cloud") == [dict.fromkeys(table_rows(book["Cloud"], "Cloud")[0])]
    texts = [c.value for row in book["Alternatives"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.startswith("Not computed: no feasible all-cloud alternative") for t in texts)


def test_currency_appears_in_money_format(plan: Plan, tmp_path: Path) -> None:
    path = tmp_path / "chf.xlsx"
    write_workbook(plan.model_copy(update={"currency": "CHF"}), path)
    ws = load_workbook(path)["Summary"]
    rows = table_rows(ws, "KeyFigures")
    cell = next(c for row in ws.iter_rows() for c in row if c.value == rows[2]["Value"])
    assert '"CHF"' in cell.number_format


def test_columns_are_wide_enough_for_their_text(book: openpyxl.Workbook) -> None:
    """Text that is neither wrapped nor part of a note fits its column (no cut-off names): text wider than
    the widest column wraps."""
    for ws in book.worksheets:
        for table in ws.tables.values():
            for row in ws[table.ref][1:]:
                for cell in row:
                    if not isinstance(cell.value, str) or cell.alignment.wrap_text or cell.data_type == "f":
                        continue
                    width = ws.column_dimensions[cell.column_letter].width
                    assert width >= len(cell.value), (ws.title, cell.coordinate, cell.value, width)


def test_every_table_header_wraps_onto_the_two_lines_its_row_holds(book: openpyxl.Workbook) -> None:
    """Header rows are two lines high (30 pt), and a header wider than its column wraps at spaces. The width
    was half the header's length, which word breaks can exceed: "Discounted cumulative, this plan" got 16
    characters (18 with the padding) and wrapped onto three lines, the third cut off in the PDF of a Cash
    flow sheet. Checked with textwrap's greedy wrapping at the column's width less its 2 of padding."""
    for ws in book.worksheets:
        for table in ws.tables.values():
            for cell in ws[table.ref][0]:
                width = ws.column_dimensions[cell.column_letter].width - 2
                lines = textwrap.wrap(str(cell.value), width=int(width), break_long_words=False)
                assert len(lines) <= 2, (ws.title, cell.value, width, lines)


@pytest.mark.parametrize(
    ("header", "width"),
    [
        ("Discounted cumulative, this plan", 21),  # "Discounted" / "cumulative, this plan"
        ("Cumulative, Rent everything (all cloud)", 22),  # "Cumulative, Rent" / "everything (all cloud)"
        ("Month", 5),
        ("Up-front, this plan", 9),  # "Up-front," / "this plan"
        ("", 0),
    ],
)
def test_a_header_is_as_wide_as_its_best_break_onto_two_lines(header: str, width: int) -> None:
    assert header_width(header) == width


def test_new_report_gets_ordinary_permissions_and_keeps_existing_ones(plan: Plan, tmp_path: Path) -> None:
    """The temporary file is created 0600; the report must not end up unreadable to the rest of the team."""
    path = tmp_path / "perm.xlsx"
    umask = os.umask(0o022)
    try:
        write_workbook(plan, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o644
        path.chmod(0o640)
        write_workbook(plan, path)
        assert stat.S_IMODE(path.stat().st_mode) == 0o640
    finally:
        os.umask(umask)


def test_share_columns_have_data_bars_from_0_to_100_percent(book: openpyxl.Workbook) -> None:
    for title, header in (("Utilization", "Reserved share"), ("Workloads", "Cost share")):
        ws = book[title]
        col = [c.value for c in ws[1]].index(header) + 1
        letter = ws.cell(row=1, column=col).column_letter
        rules = [
            rule
            for cf in ws.conditional_formatting
            for rule in cf.rules
            if str(cf.sqref).startswith(f"{letter}2:")
        ]
        assert len(rules) == 1 and rules[0].type == "dataBar", title
        bounds = [(v.type, float(v.val)) for v in rules[0].dataBar.cfvo]
        assert bounds == [("num", 0.0), ("num", 1.0)]


def test_text_longer_than_an_excel_cell_is_shortened() -> None:
    text = clean_text("x" * 40_000)
    assert len(text) == EXCEL_MAX_CELL_CHARS == 32_767 and text.endswith("…")


def test_net_present_value_is_shown_as_money_like_the_total(saved: openpyxl.Workbook) -> None:
    """The Summary showed "14,403" for the net present value beside "$14,403" for the total: the same kind
    of figure, in the plan's currency, takes the same format."""
    ws = saved["Summary"]
    cells = ws[ws.tables["KeyFigures"].ref]
    formats = {row[0].value: row[1].number_format for row in cells[1:]}
    assert formats["Net present value"] == formats["Total cost over the horizon"]
    assert "$" in formats["Net present value"]


def test_cash_flow_money_columns_show_cents_and_each_row_adds_up_as_shown(
    book: openpyxl.Workbook, plan: Plan
) -> None:
    """Up-front, residual and cumulative columns showed whole dollars beside running and net in cents: a row
    read "$11,148 + $0.00 - $0 = $11,148.00" and the cumulative moved 215 where the net above said 214.27.
    Every money column has one format, in cents, so the figures a reader adds are the figures shown."""
    ws = book["Cash flow"]
    cells = ws[ws.tables["CashFlow"].ref]
    headers = [c.value for c in cells[0]]
    money = [i for i, h in enumerate(headers) if h not in ("Month", "Paid back against renting everything")]
    assert len(money) >= 6
    for i in money:
        assert {row[i].number_format for row in cells[1:]} == {'"$"#,##0.00;-"$"#,##0.00'}, headers[i]

    def cents(row: dict[str, Any], name: str) -> int:
        return round(100 * row[name])  # the figure as the cell shows it

    rows = table_rows(ws, "CashFlow")
    assert len(rows) == plan.horizon_months + 1
    before = 0
    for row in rows:
        net = cents(row, "Net, this plan")
        parts = cents(row, "Up-front, this plan") + cents(row, "Running, this plan")
        assert abs(parts - cents(row, "Residual value back, this plan") - net) <= 1  # each rounded once
        assert abs(before + net - cents(row, "Cumulative, this plan")) <= 1
        before = cents(row, "Cumulative, this plan")
    assert before == round(100 * plan.total_cost)


def test_a_note_on_a_sheet_printed_over_pages_is_not_cut_by_the_repeated_column(
    book: openpyxl.Workbook,
) -> None:
    """Column A repeats on every page of a wide sheet, and the Workloads note merged from A printed on the
    second page as its first words cut to column A's width. It starts in column B: whole on the first page,
    absent (not cut) from the others, and its row tall enough for the narrower span."""
    ws = book["Workloads"]
    assert ws.print_title_cols == "$A:$A"  # the fixture's Workloads sheet is wider than one page
    notes = [
        r for r in ws.merged_cells.ranges if str(ws.cell(r.min_row, r.min_col).value).startswith("Memory in")
    ]
    (note,) = notes
    assert (note.min_col, note.max_col) == (2, 12) and ws.cell(note.min_row, 1).value is None
    span = sum(ws.column_dimensions[get_column_letter(c)].width for c in range(2, 13))
    text = str(ws.cell(note.min_row, 2).value)
    assert ws.row_dimensions[note.min_row].height >= 15 * math.ceil(len(text) / (span * 1.1))


def test_a_word_too_long_for_its_column_gets_a_line_of_its_own(plan: Plan) -> None:
    """The Cloud sheet's source "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv@00148f2af3" wraps at
    its space and then inside the 34-character path: three lines in a 30-wide column, where counting
    characters (64 / 32) gave the row two and the PDF cut the third. An undated price says "unknown", as
    the Markdown does, not a blank."""
    source = "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv@00148f2af3"
    units = tuple(
        u.model_copy(update={"price_source": source, "price_date": None}) if u.kind == "cloud" else u
        for u in plan.units
    )
    ws = build_workbook(plan.model_copy(update={"units": units}))["Cloud"]
    rows = table_rows(ws, "Cloud")
    assert rows and all(r["Price source"] == source and r["Price as of"] == "unknown" for r in rows)
    for r in range(2, 2 + len(rows)):
        assert ws.row_dimensions[r].height >= 3 * 15


def test_wrapped_lines_break_at_words_and_inside_a_word_too_long() -> None:
    from planner.report.table import wrapped_lines

    assert wrapped_lines("one two three four", 9) == 3  # "one two" / "three" / "four"
    assert wrapped_lines("x" * 20, 10) == 2 and wrapped_lines("x" * 21, 10) == 3
    assert wrapped_lines("", 10) == 1


def test_indented_text_is_left_aligned_so_the_indent_shows(book: openpyxl.Workbook) -> None:
    """LibreOffice draws a cell's indent only with an explicit horizontal alignment: wrapped text (the
    Workloads sheet's "r1: 15.88 GiB ...") touched the number before it ("19.85 GiBr1: ..."). Every named
    style that indents text says left."""
    indented = [s for s in book._named_styles if s.alignment.indent]  # openpyxl keeps the objects here
    assert {s.name for s in indented} >= {"planner.text", "planner.wrap"}
    for style in indented:
        assert style.alignment.horizontal == "left", style.name


def test_the_summary_says_how_old_the_prices_are_as_the_terminal_does(plan: Plan) -> None:
    """The Summary's "Oldest price relied on" gave the date alone (2025-10-01), where ``planner solve``, the
    Markdown and the page say which price it is, that it is older than 180 days (check a current price) and
    which prices have no source date at all: a finance reader of the workbook took every price for dated and
    current. The row's basis now carries the reports' sentence."""
    spot_undated = {"price_date": None}
    undated = tuple(u.model_copy(update=spot_undated) if u.pricing == "spot" else u for u in plan.units)
    held = plan.model_copy(update={"units": undated})
    figures = {r["Figure"]: r for r in table_rows(build_workbook(held)["Summary"], "KeyFigures")}
    row = figures["Oldest price relied on"]
    assert row["Value"] in (dt.date(2025, 10, 1), dt.datetime(2025, 10, 1))
    sentence = held.oldest_price().sentence()
    assert "warning: older than 180 days" in sentence and "source date unknown for" in sentence
    assert sentence in row["Basis"]
