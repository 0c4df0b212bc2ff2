"""Checks of a plan against the scenario it answers, beyond ``check.verify`` (which sees only the plan).

``check.verify`` re-checks memory, replicas and cost arithmetic; it cannot know what the scenario allowed.
These checks read the scenario as the user wrote it (the YAML document) and the catalog, and report every rule
the plan breaks: hardware kinds, GPU types and providers allowed; spot capacity only for interruptible
workloads; cloud hours billed at least those the workload runs; owned units, stock, capex budget and power
limit respected; and no alternative of the same program cheaper than a plan that claims to be optimal.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from planner.catalog.schema import Catalog
from planner.plan import Plan

REL_TOL = 1e-6


def _gpu_names(catalog: Catalog, names: list[str]) -> set[str]:
    return {catalog.gpu(name).name for name in names}


def policy_problems(plan: Plan, doc: dict[str, Any], catalog: Catalog) -> list[str]:
    problems: list[str] = []
    hardware = doc.get("hardware") or {}
    workloads = {w["name"]: w for w in doc["workloads"]}
    units = {u.id: u for u in plan.units}
    quotes = {q.get("id") for q in doc.get("custom_offers") or ()}
    for u in plan.units:
        if u.kind == "bought" and hardware.get("bought") is False:
            problems.append(f"{u.id}: bought, but hardware.bought is false")
        if u.kind == "cloud" and hardware.get("cloud") is False:
            problems.append(f"{u.id}: cloud, but hardware.cloud is false")
        if u.kind == "cloud" and hardware.get("providers") and u.provider not in hardware["providers"]:
            problems.append(f"{u.id}: provider {u.provider} not in {hardware['providers']}")
        allowed_gpus = hardware.get("gpus")
        explicit = u.kind == "owned" or u.option in quotes  # inventory and vendor quotes are the user's own
        if allowed_gpus and not explicit and u.gpu not in _gpu_names(catalog, allowed_gpus):
            problems.append(f"{u.id}: GPU {u.gpu} not in hardware.gpus {allowed_gpus}")
    for a in plan.assignments:
        unit, w = units[a.unit], workloads[a.workload]
        if unit.pricing == "spot" and not w.get("interruptible", False):
            problems.append(f"{a.workload} runs on spot unit {unit.id} but is not interruptible")
        if unit.pricing in ("on_demand", "spot"):
            hours = float(w.get("hours_per_month", 730))
            if unit.hours_per_month + 1e-9 < hours:
                problems.append(
                    f"{unit.id} is billed {unit.hours_per_month} h/month, {a.workload} runs {hours}"
                )
    by_option = Counter(u.option for u in plan.units)
    owned = [u for u in plan.units if u.kind == "owned"]
    if len(owned) > sum(int(o.get("count", 1)) for o in doc.get("owned") or ()):
        problems.append(f"{len(owned)} owned units, more than the inventory")
    for system, count in ((doc.get("limits") or {}).get("stock") or {}).items():
        if by_option[system] > count:
            problems.append(f"{by_option[system]} units of {system}, stock {count}")
    budgets, limits = doc.get("budgets") or {}, doc.get("limits") or {}
    capex_budget = budgets.get("capex_usd")
    if capex_budget is not None and plan.capex > capex_budget * (1 + REL_TOL) + 1e-6:
        problems.append(f"capex {plan.capex} over the budget {capex_budget}")
    power_kw = limits.get("power_kw")
    local_w = sum(u.power_w for u in plan.units if u.kind != "cloud")
    if power_kw is not None and local_w > power_kw * 1000 * (1 + REL_TOL):
        problems.append(f"local power {local_w} W over the limit {power_kw} kW")
    problems += _alternatives_problems(plan, doc)
    return problems


def _alternatives_problems(plan: Plan, doc: dict[str, Any]) -> list[str]:
    """A plan that claims optimality is no dearer than any alternative: each is a plan of the same program
    (the per-workload one is reported infeasible where its choices together break a budget, limit or
    stock)."""
    if plan.status != "optimal":
        return []
    floor = plan.total_cost * (1 - plan.gap) - REL_TOL * max(1.0, plan.total_cost)
    problems = []
    for alt in plan.alternatives:
        if alt.total_cost is None:
            continue
        if alt.total_cost < floor:
            problems.append(f"alternative {alt.name} costs {alt.total_cost}, less than the optimal plan")
    return problems
