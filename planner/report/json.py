"""JSON report: the ``planner solve --format json`` object, the workbook's content for scripts.

The keys fixed by issue 4 (scenario, status, currency, horizon_months, total_cost, capex, opex, best_bound,
gap, units, assignments, alternatives) come from ``Plan.to_json_dict``; added keys never rename them.
"""

from __future__ import annotations

import json

from planner.plan import Plan


def plan_to_json(plan: Plan) -> str:
    """Exactly one JSON object, deterministic for the same plan (sorted keys, no NaN)."""
    return json.dumps(plan.to_json_dict(), sort_keys=True, indent=2, allow_nan=False)
