"""Excel workbook report: the artifact a team lead forwards to finance."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from planner.plan import Plan
from planner.report.atomic import write_atomic
from planner.units import to_gib


def _text(value: str) -> str:
    return "'" + value if value[:1] in "=+-@" else value


def build_workbook(plan: Plan) -> Workbook:
    """The workbook in memory (tests and the writer share it)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Workloads"
    keys = sorted({k for w in plan.workloads for k in w.breakdown_bytes})
    ws.append(["Workload", "Model", "Task", *[f"{k} (GiB)" for k in keys], "Per GPU (GiB)", "Runs on"])
    placement: dict[str, list[str]] = {}
    for a in plan.assignments:
        placement.setdefault(a.workload, []).append(a.unit)
    for w in plan.workloads:
        row: list[str | float] = [_text(w.name), _text(w.model), w.task]
        row += [round(to_gib(w.breakdown_bytes.get(k, 0)), 3) for k in keys]
        row += [round(to_gib(w.per_gpu_bytes), 3), _text(", ".join(placement.get(w.name, [])))]
        ws.append(row)
    return wb


def write_workbook(plan: Plan, path: Path) -> None:
    """Write the workbook to ``path`` atomically (temporary file in the same directory, then rename)."""
    wb = build_workbook(plan)
    write_atomic(Path(path), lambda tmp: wb.save(tmp))
