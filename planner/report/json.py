"""JSON report: the ``planner solve --format json`` object, the workbook's content for scripts.

The keys scripts rely on (scenario, status, currency, horizon_months, total_cost, capex, opex, best_bound,
gap, units, assignments, alternatives) and every other ``Plan`` field come from ``Plan.to_json_dict``. The
figures the workbook derives (the plain-language reading, the exchange rate's line, the chosen mix with its
total and note, the owned machines left unused, the break-even, memory per GPU and where replicas differ,
the speed table's rows, each assignment's launch lines) are added under one extra key, ``report``, so no
contract key is renamed or reshaped; the local page lays these out as the terminal and the Markdown print
them, from the same functions. Memory stays in bytes and money in the plan's currency, as in the contract.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict
from typing import Any

from planner.plan import Plan
from planner.report.figures import (
    PAYBACK_COLUMN_NOTE,
    break_even,
    chosen_mix,
    gpu_usage,
    mix_per_month_note,
    mix_total,
    payback_month,
    payback_month_text,
    reading,
    replica_memory_note,
)
from planner.report.launch import NO_SETTINGS, launch_texts
from planner.report.speed import slo_text, speed_rows
from planner.report.terminal import exchange_rate_line, idle_owned_lines

REPORT_KEY = "report"


def report_dict(plan: Plan, today: dt.date | None = None) -> dict[str, Any]:
    """What the workbook shows beyond the plan's own fields, in JSON-ready types."""
    horizon = max(plan.horizon_months, 1)
    mix = chosen_mix(plan)
    return {
        "oldest_price": plan.oldest_price(today).to_dict(),
        "exchange_rate": exchange_rate_line(plan),
        "reading": reading(plan),
        "average_cost_per_month": plan.total_cost / horizon,
        "opex_per_month": plan.opex_per_month or plan.opex / horizon,
        "chosen_mix": [{**asdict(line), "workloads": list(line.workloads)} for line in mix],
        "mix_total": asdict(mix_total(plan, mix)),
        "mix_per_month_note": mix_per_month_note(plan),
        "replica_memory_note": replica_memory_note(plan),
        "idle_owned_lines": idle_owned_lines(plan),
        "speed": [{**asdict(row), "slo": slo_text(row)} for row in speed_rows(plan)],
        "launch": [
            {
                "workload": t.assignment.workload,
                "replica": t.assignment.replica,
                "where": t.where,
                "script": list(t.script) if t.command else [],
                "text": "" if t.command else NO_SETTINGS,
            }
            for t in launch_texts(plan)
        ],
        "break_even": asdict(break_even(plan)),
        "payback_month": payback_month(plan),
        "payback_month_text": payback_month_text(plan),
        "payback_note": PAYBACK_COLUMN_NOTE,
        "gpu_usage": [
            {
                "unit": g.unit,
                "kind": g.kind,
                "gpu": g.gpu,
                "gpu_index": g.index,
                "gpu_memory_bytes": g.memory_bytes,
                "reserved_bytes": g.reserved_bytes,
                "free_bytes": g.free_bytes,
                "replicas": list(g.replicas),
                "start_month": g.start_month,
                "end_month": g.end_month or plan.horizon_months,
            }
            for g in gpu_usage(plan)
        ],
    }


def plan_to_dict(plan: Plan, today: dt.date | None = None) -> dict[str, Any]:
    """The JSON object as Python data: the plan's fields plus ``report``."""
    data = plan.to_json_dict()
    data[REPORT_KEY] = report_dict(plan, today)
    return data


def plan_to_json(plan: Plan, today: dt.date | None = None) -> str:
    """Exactly one JSON object, deterministic for the same plan: keys sorted, two-space indent, and no NaN
    or infinity (``allow_nan=False`` fails loudly rather than print something that is not JSON)."""
    data = plan_to_dict(plan, today)
    return json.dumps(data, indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)
