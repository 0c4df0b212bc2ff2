"""A plan as pandas DataFrames (``Plan.to_frames()``), for notebooks and spreadsheets.

One frame per table of the plan, columns named like the JSON fields so a reader who knows one knows the
other. Memory stays in bytes and money in the plan's currency, as in the JSON; a notebook converts at the
edge. The cash flow is the plan's own (``Plan.cash_flows``), one row per flow and month.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from planner.plan import Alternative, Assignment, PlanUnit

if TYPE_CHECKING:
    from planner.plan import Plan, WorkloadSummary

FRAMES = ("units", "assignments", "workloads", "alternatives", "cost_by_category", "cash_flow")
"""The keys of ``plan_frames``, in the order a reader meets them."""


def plan_frames(plan: Plan) -> dict[str, pd.DataFrame]:
    """Every table of ``plan`` as a DataFrame, keyed as in ``FRAMES``."""
    units = pd.DataFrame([u.model_dump(mode="json") for u in plan.units], columns=_fields(PlanUnit))
    assignments = pd.DataFrame(
        [{**a.model_dump(mode="json"), "gpu_indices": list(a.gpu_indices)} for a in plan.assignments],
        columns=_fields(Assignment),
    )
    workloads = pd.DataFrame([_workload_row(w) for w in plan.workloads])
    alternatives = pd.DataFrame(
        [a.model_dump(mode="json") for a in plan.alternatives], columns=_fields(Alternative)
    )
    categories = pd.DataFrame(sorted(plan.cost_by_category.items()), columns=["category", "cost"])
    return {
        "units": units,
        "assignments": assignments,
        "workloads": workloads,
        "alternatives": alternatives,
        "cost_by_category": categories,
        "cash_flow": cash_flow(plan),
    }


CASH_FLOW_COLUMNS = (
    "name",
    "month",
    "up_front",
    "running",
    "residual",
    "net",
    "cumulative",
    "discounted_cumulative",
)


def cash_flow(plan: Plan) -> pd.DataFrame:
    """Month by month (month 0 the day of purchase) for the plan (``name == "plan"``) and each feasible
    alternative: the plan's own ``cash_flows``, so the last ``cumulative`` of each is its total cost.
    Empty for a plan that carries none (a hand-made one)."""
    rows = [{"name": flow.name, **month.model_dump()} for flow in plan.cash_flows for month in flow.months]
    return pd.DataFrame(rows, columns=list(CASH_FLOW_COLUMNS))


def _workload_row(w: WorkloadSummary) -> dict[str, object]:
    """A workload with its memory breakdown spread into ``<component>_bytes`` columns."""
    row: dict[str, object] = w.model_dump(mode="json", exclude={"breakdown_bytes", "rule_of_thumb_bytes"})
    low, high = w.rule_of_thumb_bytes
    row["rule_of_thumb_low_bytes"], row["rule_of_thumb_high_bytes"] = low, high
    for component, size in w.breakdown_bytes.items():
        row[f"{component}_bytes"] = size
    return row


def _fields(record: type[PlanUnit | Assignment | Alternative]) -> list[str]:
    """Column names of a table of records: the record's fields, so an empty table still has its columns."""
    return list(record.model_fields)
