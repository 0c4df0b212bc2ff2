"""JSON report: the ``planner solve --format json`` object, the workbook's content for scripts.

The keys scripts rely on (scenario, status, currency, horizon_months, total_cost, capex, opex, best_bound,
gap, units, assignments, alternatives) and every other ``Plan`` field come from ``Plan.to_json_dict``. The
figures the workbook derives (the plain-language reading, the chosen mix, the break-even, memory per GPU) are
added under one extra key, ``report``, so no contract key is renamed or reshaped. Memory stays in bytes and
money in the plan's currency, as in the contract.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from planner.plan import Plan
from planner.report.figures import break_even, chosen_mix, gpu_usage, reading

REPORT_KEY = "report"


def report_dict(plan: Plan) -> dict[str, Any]:
    """What the workbook shows beyond the plan's own fields, in JSON-ready types."""
    horizon = max(plan.horizon_months, 1)
    return {
        "reading": reading(plan),
        "average_cost_per_month": plan.total_cost / horizon,
        "opex_per_month": plan.opex_per_month or plan.opex / horizon,
        "chosen_mix": [{**asdict(line), "workloads": list(line.workloads)} for line in chosen_mix(plan)],
        "break_even": asdict(break_even(plan)),
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
            }
            for g in gpu_usage(plan)
        ],
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON object as Python data: the plan's fields plus ``report``."""
    data = plan.to_json_dict()
    data[REPORT_KEY] = report_dict(plan)
    return data


def plan_to_json(plan: Plan) -> str:
    """Exactly one JSON object, deterministic for the same plan: keys sorted, two-space indent, and no NaN
    or infinity (``allow_nan=False`` fails loudly rather than print something that is not JSON)."""
    return json.dumps(plan_to_dict(plan), indent=2, sort_keys=True, allow_nan=False, ensure_ascii=False)
