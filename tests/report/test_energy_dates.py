"""The energy inputs in the workbook carry their sources' dates: an electricity price released 2024-10-17
says so, a PUE whose source gives no date says "unknown"; neither shows the catalog's compile date."""

from __future__ import annotations

import datetime as dt
from typing import Any

from planner.catalog.schema import ElectricityPrice
from planner.pipeline import solve
from planner.report.workbook import build_workbook

from builders import DAY, catalog, gpu, scenario, system, workload


def _inputs(ws: Any) -> dict[str, Any]:
    cells = ws[ws.tables["Inputs"].ref]
    header = [c.value for c in cells[0]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]
    return {r[header[0]]: r for r in rows}


def test_energy_inputs_carry_their_sources_dates() -> None:
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")])
    energy = cat.energy.model_copy(
        update={
            "electricity": (
                ElectricityPrice(region="X", usd_per_kwh=0.1, source="EIA", as_of=dt.date(2024, 10, 17)),
            ),
            "colocation_as_of": dt.date(2025, 2, 26),
        }
    )
    s = scenario(
        [workload("chat", 10)], energy={"region": "X", "hosting": "colocation", "gpu_utilisation": 1.0}
    )
    plan = solve(s, cat.model_copy(update={"energy": energy}), alternatives=False)
    dates = {a.key: a.as_of for a in plan.assumptions if a.key}
    assert dates["usd_per_kwh"] == "2024-10-17" and dates["colocation_usd_per_kw_month"] == "2025-02-26"
    assert dates["pue"] == "unknown"
    inputs = _inputs(build_workbook(plan)["Assumptions"])
    as_of = next(k for k in inputs["usd_per_kwh"] if str(k).startswith("As of"))
    assert inputs["usd_per_kwh"][as_of] == dt.date(2024, 10, 17)
    assert inputs["colocation_usd_per_kw_month"][as_of] == dt.date(2025, 2, 26)
    assert inputs["pue"][as_of] == "unknown"
    assert DAY not in {r[as_of] for r in inputs.values()}
