"""Workloads sheet: a row per workload with its memory breakdown (GiB), headroom, rule of thumb, placement.

The breakdown is per replica summed over its GPUs (as the memory model reports it); "per GPU" is the most
loaded GPU and "reserved per GPU" adds the headroom, which is what the optimizer packed: both are the first
replica's, and "per GPU, each replica" names every replica's where they sit on different cards.
"""

from __future__ import annotations

from collections.abc import Callable

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan, WorkloadSummary
from planner.report import styles
from planner.report.figures import placements, replica_memory_lines
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import (
    Column,
    Value,
    Widths,
    add_share_bar,
    rows_of,
    write_note,
    write_table,
    write_total_row,
)
from planner.units import to_gib

BREAKDOWN_COLUMNS: tuple[tuple[str, str], ...] = (
    ("weights", "Weights"),
    ("kv_cache", "KV cache"),
    ("activations", "Activations"),
    ("gradients", "Gradients"),
    ("optimizer_states", "Optimizer states"),
    ("adapters", "Adapters"),
    ("cuda_context", "CUDA context"),
    ("allocator_overhead", "Allocator overhead"),
)
"""Memory components in the order the memory model (planner.memory) reports them."""


def breakdown_keys(plan: Plan) -> tuple[tuple[str, str], ...]:
    """The known components, then any other key the memory model added (so nothing is silently dropped)."""
    known = {key for key, _ in BREAKDOWN_COLUMNS}
    extra = sorted({k for w in plan.workloads for k in w.breakdown_bytes} - known)
    return BREAKDOWN_COLUMNS + tuple((k, k.replace("_", " ").capitalize()) for k in extra)


def _measured(w: WorkloadSummary) -> bool:
    """Memory measured (memory_per_gpu), so no parameter count or rule of thumb: those cells stay blank, not
    a 0 a reader would take for a figure."""
    return w.params == 0


def _component(key: str) -> Callable[[WorkloadSummary], Value]:
    return lambda w: to_gib(w.breakdown_bytes.get(key, 0))


def workload_columns(plan: Plan) -> list[Column[WorkloadSummary]]:
    """The sheet's columns, each with what it shows of a workload; the memory components are the plan's."""
    where = placements(plan)
    each = replica_memory_lines(plan)
    total = plan.total_cost
    return [
        Column("Workload", value=lambda w: w.name),
        Column("Model", value=lambda w: w.model),
        Column(
            "Parameters (billions)", styles.NUMBER, value=lambda w: None if _measured(w) else w.params / 1e9
        ),
        Column("Task", value=lambda w: w.task),
        Column("Precision", value=lambda w: w.precision),
        Column("Engine", value=lambda w: "measured" if _measured(w) and not w.engine else w.engine),
        Column("Context (tokens)", styles.INTEGER, value=lambda w: w.context),
        Column("Batch / concurrency", styles.INTEGER, value=lambda w: w.batch),
        Column("Replicas", styles.INTEGER, value=lambda w: w.replicas),
        Column("Hours per month", styles.INTEGER, value=lambda w: w.hours_per_month),
        Column("Interruptible", value=lambda w: "yes" if w.interruptible else "no"),
        Column("GPUs per replica", styles.INTEGER, value=lambda w: w.gpus_per_replica),
        Column("Machines per replica", styles.INTEGER, value=lambda w: w.nodes_per_replica),
        *[Column(label, styles.GIB, value=_component(key)) for key, label in breakdown_keys(plan)],
        Column("Total per replica", styles.GIB, value=lambda w: to_gib(w.total_bytes)),
        Column("Per GPU", styles.GIB, value=lambda w: to_gib(w.per_gpu_bytes)),
        Column("Headroom", styles.PERCENT, value=lambda w: w.headroom),
        Column("Reserved per GPU", styles.GIB, value=lambda w: to_gib(w.reserved_bytes)),
        Column(
            "Per GPU, each replica", styles.WRAP, width=42, value=lambda w: "\n".join(each.get(w.name, ()))
        ),
        Column(
            "Rule of thumb, low",
            styles.GIB,
            value=lambda w: None if _measured(w) else to_gib(w.rule_of_thumb_bytes[0]),
        ),
        Column(
            "Rule of thumb, high",
            styles.GIB,
            value=lambda w: None if _measured(w) else to_gib(w.rule_of_thumb_bytes[1]),
        ),
        Column(
            "Runs on (unit, GPU)", styles.WRAP, width=42, value=lambda w: "\n".join(where.get(w.name, ()))
        ),
        Column("Cost over horizon (as solved)", styles.USD, key="cost", value=lambda w: w.cost),
        Column("Cost share", styles.PERCENT, key="share", value=lambda w: w.cost / total if total else 0.0),
    ]


def add_workloads_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Workloads", freeze="B2")
    columns = workload_columns(plan)
    rows = rows_of(columns, plan.workloads)
    widths = Widths()
    placed = write_table(ws, "Workloads", columns, rows, widths=widths)
    add_share_bar(ws, placed, [c.id for c in columns].index("share"))
    workload_cost = sum(w.cost for w in plan.workloads)
    write_total_row(
        ws,
        placed,
        columns,
        {"cost": workload_cost, "share": workload_cost / plan.total_cost if plan.total_cost else 0.0},
    )
    write_note(
        ws,
        placed.last_row + 3,
        1,
        12,
        "Memory in GiB (2^30 bytes), per replica summed over its GPUs; 'Per GPU' is the most loaded GPU and "
        "'Reserved per GPU' = Per GPU / (1 - headroom), what the plan packs onto each GPU; both are the "
        "first replica's, and 'Per GPU, each replica' gives every replica's (replicas on different cards "
        "differ). The rule of thumb (weights x 1.3 for inference, x 2-3 for LoRA/QLoRA, x 6-10 for full "
        "training; GB figures shown in GiB) is beside it for comparison.",
        widths,
    )
    fit_pages(ws, widths.apply(ws))
    return ws
