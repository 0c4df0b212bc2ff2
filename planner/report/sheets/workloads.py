"""Workloads sheet: a row per workload with its memory breakdown (GiB), headroom, rule of thumb, placement.

The breakdown is per replica summed over its GPUs (as the memory model reports it); "per GPU" is the most
loaded GPU and "reserved per GPU" adds the headroom, which is what the optimizer packed.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from planner.plan import Plan
from planner.report import styles
from planner.report.figures import placements
from planner.report.sheets.layout import fit_pages, new_sheet
from planner.report.table import (
    Column,
    Value,
    Widths,
    add_share_bar,
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


def add_workloads_sheet(wb: Workbook, plan: Plan) -> Worksheet:
    ws = new_sheet(wb, "Workloads", freeze="B2")
    keys = breakdown_keys(plan)
    columns = [
        Column("Workload"),
        Column("Model"),
        Column("Parameters (billions)", styles.NUMBER),
        Column("Task"),
        Column("Precision"),
        Column("Engine"),
        Column("Context (tokens)", styles.INTEGER),
        Column("Batch / concurrency", styles.INTEGER),
        Column("Replicas", styles.INTEGER),
        Column("Hours per month", styles.INTEGER),
        Column("Interruptible"),
        Column("GPUs per replica", styles.INTEGER),
        Column("Machines per replica", styles.INTEGER),
        *[Column(label, styles.GIB) for _, label in keys],
        Column("Total per replica", styles.GIB),
        Column("Per GPU", styles.GIB),
        Column("Headroom", styles.PERCENT),
        Column("Reserved per GPU", styles.GIB),
        Column("Rule of thumb, low", styles.GIB),
        Column("Rule of thumb, high", styles.GIB),
        Column("Runs on (unit, GPU)", styles.WRAP, width=42),
        Column("Cost over horizon (as solved)", styles.USD, key="cost"),
        Column("Cost share", styles.PERCENT, key="share"),
    ]
    where = placements(plan)
    rows: list[list[Value]] = []
    for w in plan.workloads:
        # A workload whose memory was measured (memory_per_gpu) has no parameter count or rule of thumb:
        # blank, not a 0 a reader would take for a figure.
        measured = w.params == 0
        rows.append(
            [
                w.name,
                w.model,
                None if measured else w.params / 1e9,
                w.task,
                w.precision,
                "measured" if measured and not w.engine else w.engine,
                w.context,
                w.batch,
                w.replicas,
                w.hours_per_month,
                "yes" if w.interruptible else "no",
                w.gpus_per_replica,
                w.nodes_per_replica,
                *[to_gib(w.breakdown_bytes.get(k, 0)) for k, _ in keys],
                to_gib(w.total_bytes),
                to_gib(w.per_gpu_bytes),
                w.headroom,
                to_gib(w.reserved_bytes),
                None if measured else to_gib(w.rule_of_thumb_bytes[0]),
                None if measured else to_gib(w.rule_of_thumb_bytes[1]),
                "\n".join(where.get(w.name, ())),
                w.cost,
                w.cost / plan.total_cost if plan.total_cost else 0.0,
            ]
        )
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
        "'Reserved per GPU' = Per GPU / (1 - headroom), what the plan packs onto each GPU. The rule of thumb "
        "(weights x 1.3 for inference, x 2-3 for LoRA/QLoRA, x 6-10 for full training; GB figures shown in "
        "GiB) is beside it for comparison.",
        widths,
    )
    fit_pages(ws, widths.apply(ws))
    return ws
