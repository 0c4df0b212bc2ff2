"""The verifier (stage 5b): re-checks a ``Plan`` without pulp before anything is written.

It trusts nothing the solver said: it recomputes every GPU's reservations from the assignments, every
reservation from its headroom, the replica counts, and the cost totals from the units. A plan that fails is a
bug in planner, never the user's fault, so ``verify_or_raise`` reports it as an internal error.
"""

from __future__ import annotations

import math
from collections import defaultdict

from planner.errors import PlannerError
from planner.plan import Plan

REL_TOL = 1e-6


class VerificationError(PlannerError):
    """A plan failed the independent check (a planner bug)."""

    exit_code = 1


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(scale)) + 1e-6


def verify(plan: Plan) -> list[str]:
    """Every problem found, one line each; an empty list means the plan checks out."""
    problems: list[str] = []
    units = {u.id: u for u in plan.units}
    if len(units) != len(plan.units):
        problems.append("duplicate unit ids")
    used: dict[tuple[str, int], int] = defaultdict(int)
    replicas: dict[str, list[int]] = defaultdict(list)
    for a in plan.assignments:
        where = f"{a.workload} replica {a.replica}"
        unit = units.get(a.unit)
        if unit is None:
            problems.append(f"{where}: unknown unit {a.unit}")
            continue
        if not 0 <= a.headroom < 1:
            problems.append(f"{where}: headroom {a.headroom} outside [0, 1)")
            continue
        expected = math.ceil(a.per_gpu_bytes / (1 - a.headroom) - 1e-9)
        if a.reserved_bytes < expected or a.reserved_bytes < a.per_gpu_bytes:
            problems.append(f"{where}: reserves {a.reserved_bytes} bytes, needs {expected} with headroom")
        if not a.gpu_indices or len(set(a.gpu_indices)) != len(a.gpu_indices):
            problems.append(f"{where}: GPU indices {list(a.gpu_indices)} are empty or repeated")
        for g in a.gpu_indices:
            if not 0 <= g < unit.gpus:
                problems.append(f"{where}: GPU index {g} outside unit {unit.id} ({unit.gpus} GPUs)")
            used[(unit.id, g)] += a.reserved_bytes
        replicas[a.workload].append(a.replica)
    for (uid, g), reserved in sorted(used.items()):
        if reserved > units[uid].gpu_memory_bytes:
            problems.append(f"{uid} GPU {g}: reserves {reserved} bytes of {units[uid].gpu_memory_bytes}")
    for w in plan.workloads:
        got = sorted(replicas.get(w.name, []))
        if got != list(range(1, w.replicas + 1)):
            problems.append(f"workload {w.name}: replicas {got}, expected 1..{w.replicas}")
    for u in plan.units:
        if u.kind == "cloud":
            if u.pricing in ("on_demand", "spot") and not _close(
                u.cost, u.unit_price * u.hours_per_month * plan.horizon_months, u.cost
            ):
                problems.append(f"{u.id}: cost {u.cost} != price x hours x months")
            if u.capex:
                problems.append(f"{u.id}: a cloud unit has capex")
        else:
            if not _close(u.cost, u.capex + u.energy_cost + u.hosting_cost, u.cost):
                problems.append(f"{u.id}: cost {u.cost} != capex + energy + hosting")
            if u.kind == "owned" and u.capex:
                problems.append(f"{u.id}: owned hardware has capex")
    total = sum(u.cost for u in plan.units)
    scale = max(total, plan.total_cost)
    if not _close(total, plan.total_cost, scale):
        problems.append(f"total cost {plan.total_cost} != sum of units {total}")
    if not _close(plan.capex + plan.opex, plan.total_cost, scale):
        problems.append("capex + opex != total cost")
    if not _close(sum(u.capex for u in plan.units), plan.capex, scale):
        problems.append("capex != sum of unit capex")
    if not _close(sum(a.cost for a in plan.assignments), plan.total_cost, scale):
        problems.append("replica costs do not sum to the total")
    if plan.gap < 0 or plan.best_bound > plan.total_cost + REL_TOL * max(1.0, scale):
        problems.append(f"best bound {plan.best_bound} / gap {plan.gap} inconsistent with the cost")
    elif plan.total_cost > 0 and abs(plan.gap - (plan.total_cost - plan.best_bound) / plan.total_cost) > 1e-6:
        problems.append(f"gap {plan.gap} is not (total - best bound) / total")
    return problems


def verify_or_raise(plan: Plan) -> None:
    problems = verify(plan)
    if problems:
        raise VerificationError(f"internal error: the plan failed verification: {problems[0]}")
