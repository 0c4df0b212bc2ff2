"""The verifier (the last stage): re-checks a ``Plan`` against its scenario, without pulp, before anything is
written.

It trusts nothing the solver said. From the plan alone it recomputes every GPU's reservations from the
assignments, every reservation from its headroom, the replica counts, and the cost totals from the units. A
replica over several machines must be on identical machines with a fabric, under an engine that serves that
way; a launch pins the GPUs the replica was placed on. Against the scenario it checks what the user allowed:
hardware kinds, pricings, providers, regions, systems and GPU types; spot capacity only for interruptible
workloads; hourly cloud billed at least the hours its workloads run; owned units and stock; every budget and
limit (the rows of ``placement.limits``, each computed from the plan, in the plan's currency); and no
alternative cheaper than a plan that claims to be optimal. A plan that fails is a bug in planner, never the
user's fault, so ``verify_or_raise`` reports it as an internal error.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict

from planner.errors import PlannerError
from planner.placement.limits import scenario_limits
from planner.placement.memory import serves_across_nodes
from planner.placement.timeshare import peak_over_week
from planner.plan import Plan, PlanUnit
from planner.scenario.schema import Scenario, Workload
from planner.units import HOURS_PER_MONTH

REL_TOL = 1e-6


class VerificationError(PlannerError):
    """A plan failed the independent check (a planner bug)."""

    exit_code = 1


def _close(a: float, b: float, scale: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(scale)) + 1e-6


def verify(plan: Plan, scenario: Scenario) -> list[str]:
    """Every problem found, one line each; an empty list means the plan checks out."""
    return (
        _plan_problems(plan, scenario)
        + _multi_node_problems(plan, scenario)
        + _hardware_problems(plan, scenario)
        + _workload_problems(plan, scenario)
        + _limit_problems(plan, scenario)
        + _alternative_problems(plan)
        + _period_problems(plan, scenario)
    )


def _plan_problems(plan: Plan, scenario: Scenario | None = None) -> list[str]:
    """What the plan gets wrong on its own: memory, replicas, cost arithmetic, the gap."""
    problems: list[str] = []
    units = {u.id: u for u in plan.units}
    if len(units) != len(plan.units):
        problems.append("duplicate unit ids")
    # Keyed by the month an assignment starts: where demand changes over time, each period is its own layout.
    used: dict[tuple[str, int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    replicas: dict[tuple[str, int], list[int]] = defaultdict(list)
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
        pinned = ",".join(str(g) for g in a.gpu_indices)
        if a.launch is not None and any(value != pinned for value in a.launch.env.values()):
            problems.append(f"{where}: launched on GPUs {a.launch.env}, placed on {pinned}")
        for uid in a.machines:  # a replica over machines holds its GPUs on each of them
            held_on = units.get(uid)
            if held_on is None:
                problems.append(f"{where}: unknown unit {uid}")
                continue
            for g in a.gpu_indices:
                if not 0 <= g < held_on.gpus:
                    problems.append(f"{where}: GPU index {g} outside unit {uid} ({held_on.gpus} GPUs)")
                used[(uid, g, a.start_month)][a.workload] += a.reserved_bytes
        replicas[(a.workload, a.start_month)].append(a.replica)
    workloads = {w.name: w for w in scenario.workloads} if scenario is not None else {}
    for (uid, g, month), held in sorted(used.items()):
        reserved = _peak(held, workloads)
        if reserved > units[uid].gpu_memory_bytes:
            when = f" from month {month}" if plan.periods else ""
            problems.append(
                f"{uid} GPU {g}: reserves {reserved} bytes of {units[uid].gpu_memory_bytes}{when}"
            )
    layouts = [(p.start_month, p.replicas) for p in plan.periods] or [
        (1, {w.name: w.replicas for w in plan.workloads})
    ]
    for begins, counts in layouts:
        for name, count in counts.items():
            got = sorted(replicas.get((name, begins), []))
            if got != list(range(1, count + 1)):
                when = f" from month {begins}" if plan.periods else ""
                problems.append(f"workload {name}: replicas {got}{when}, expected 1..{count}")
    for w in plan.workloads:
        perf = w.performance
        if perf is not None and perf.requests_per_s < perf.requests_per_s_asked * (1 - 1e-9):
            problems.append(
                f"workload {w.name}: serves {perf.requests_per_s:g} requests/s, "
                f"asked {perf.requests_per_s_asked:g}"
            )
    for u in plan.units:
        if u.kind == "cloud":
            if u.pricing in ("on_demand", "spot") and not _close(
                u.cost, u.unit_price * u.hours_per_month * _months(u, plan), u.cost
            ):
                problems.append(f"{u.id}: cost {u.cost} != price x hours x months")
            if u.capex:
                problems.append(f"{u.id}: a cloud unit has capex")
        else:
            if not _close(u.cost, u.capex - u.residual_value + u.energy_cost + u.hosting_cost, u.cost):
                problems.append(f"{u.id}: cost {u.cost} != capex - residual + energy + hosting")
            if u.kind == "owned" and (u.capex or u.residual_value):
                problems.append(f"{u.id}: owned hardware has capex or a residual value")
            if u.residual_value < 0 or u.residual_value > u.capex * (1 + REL_TOL):
                problems.append(f"{u.id}: residual value {u.residual_value} outside 0..capex {u.capex}")
    total = sum(u.cost for u in plan.units)
    scale = max(total, plan.total_cost)
    if not _close(total, plan.total_cost, scale):
        problems.append(f"total cost {plan.total_cost} != sum of units {total}")
    if not _close(plan.capex + plan.opex - plan.residual_value, plan.total_cost, scale):
        problems.append("capex + opex - residual != total cost")
    if not _close(sum(u.residual_value for u in plan.units), plan.residual_value, scale):
        problems.append("residual value != sum of unit residual values")
    if not _close(sum(u.capex for u in plan.units), plan.capex, scale):
        problems.append("capex != sum of unit capex")
    flow = next((f for f in plan.cash_flows if f.name == "plan"), None)
    if flow is not None and (
        len(flow.months) != plan.horizon_months + 1 or not _close(flow.total, plan.total_cost, scale)
    ):
        problems.append("the plan's cash flow does not add up to its total over the horizon")
    if not _close(sum(a.cost for a in plan.assignments), plan.total_cost, scale):
        problems.append("replica costs do not sum to the total")
    if plan.gap < 0 or plan.best_bound > plan.total_cost + REL_TOL * max(1.0, scale):
        problems.append(f"best bound {plan.best_bound} / gap {plan.gap} inconsistent with the cost")
    elif plan.total_cost > 0 and abs(plan.gap - (plan.total_cost - plan.best_bound) / plan.total_cost) > 1e-6:
        problems.append(f"gap {plan.gap} is not (total - best bound) / total")
    return problems


def _peak(held: dict[str, int], workloads: dict[str, Workload]) -> int:
    """What one GPU holds at once: the sum of its reservations, or, where workloads take turns (schedule,
    exclusive_group), the most over the 168 hours of the week, an exclusive group by its largest."""
    mine = [workloads[n] for n in held if n in workloads]
    return peak_over_week(
        held,
        hours={w.name: w.schedule.slots() for w in mine if w.schedule is not None},
        group={w.name: w.exclusive_group for w in mine if w.exclusive_group is not None},
    )


def _multi_node_problems(plan: Plan, scenario: Scenario) -> list[str]:
    """A replica over several machines: distinct, identical machines (one offer, GPU and GPU count) that
    all have a fabric, the first being its unit, under an engine that serves across machines, launched
    over as many machines."""
    problems: list[str] = []
    units = {u.id: u for u in plan.units}
    workloads = {w.name: w for w in scenario.workloads}
    for a in plan.assignments:
        if not a.units:
            continue
        where = f"{a.workload} replica {a.replica}"
        held = [units[uid] for uid in a.units if uid in units]
        if a.units[0] != a.unit or len(set(a.units)) != len(a.units) or len(held) != len(a.units):
            problems.append(f"{where}: machines {list(a.units)} are not distinct known units led by {a.unit}")
            continue
        if len({(u.option, u.gpu, u.gpus, u.kind, u.pricing) for u in held}) != 1:
            problems.append(f"{where}: spans machines that are not identical: {list(a.units)}")
        if any(u.fabric is None for u in held):
            problems.append(f"{where}: spans machines without a fabric between them: {list(a.units)}")
        elif a.fabric not in {u.fabric.kind for u in held if u.fabric is not None}:
            problems.append(f"{where}: names fabric {a.fabric!r}, its machines have another")
        w = workloads.get(a.workload)
        if w is not None and not serves_across_nodes(w):
            problems.append(f"{where}: spans machines, but its engine does not serve across machines")
        if a.launch is not None and a.launch.nodes != a.nodes:
            problems.append(f"{where}: launched on {a.launch.nodes} machines, placed on {a.nodes}")
    return problems


def _hardware_problems(plan: Plan, scenario: Scenario) -> list[str]:
    hw = scenario.hardware
    problems = []
    quotes = {q.id for q in scenario.custom_offers}
    for u in plan.units:
        if u.kind == "bought" and not hw.bought:
            problems.append(f"{u.id}: bought, but hardware.bought is false")
        if u.kind == "bought" and hw.systems is not None and u.option not in hw.systems:
            problems.append(f"{u.id}: system {u.option} not in hardware.systems")
        if u.kind == "cloud":
            if not hw.cloud:
                problems.append(f"{u.id}: cloud, but hardware.cloud is false")
            if u.pricing not in hw.pricing:
                problems.append(f"{u.id}: pricing {u.pricing} not in hardware.pricing")
            if hw.providers is not None and u.provider not in hw.providers:
                problems.append(f"{u.id}: provider {u.provider} not in hardware.providers")
            if hw.regions is not None and u.region not in hw.regions:
                problems.append(f"{u.id}: region {u.region} not in hardware.regions")
        explicit = u.kind == "owned" or u.option in quotes  # inventory and vendor quotes are the user's own
        if hw.gpus is not None and not explicit and not any(_is_gpu(u, name) for name in hw.gpus):
            problems.append(f"{u.id}: GPU {u.gpu} not in hardware.gpus")
    owned = sum(1 for u in plan.units if u.kind == "owned")
    if owned > sum(o.count for o in scenario.owned):
        problems.append(f"{owned} owned units, more than the inventory")
    by_option = Counter(u.option for u in plan.units if u.kind == "bought")
    for system, count in scenario.limits.stock.items():
        if by_option[system] > count:
            problems.append(f"{by_option[system]} units of {system}, stock {count}")
    return problems


def _is_gpu(unit: PlanUnit, name: str) -> bool:
    """Whether the unit's GPU answers to ``name`` (its canonical name or an alias, case and spacing aside)."""
    return unit.gpu_spec.answers_to(name) if unit.gpu_spec is not None else unit.gpu == name


def _workload_problems(plan: Plan, scenario: Scenario) -> list[str]:
    units = {u.id: u for u in plan.units}
    workloads = {w.name: w for w in scenario.workloads}
    problems = []
    for a in plan.assignments:
        unit, w = units.get(a.unit), workloads.get(a.workload)
        if unit is None:
            continue  # said by _plan_problems
        if w is None:
            problems.append(f"{a.workload}: not a workload of the scenario")
            continue
        if unit.pricing == "spot" and not w.interruptible:
            problems.append(f"{a.workload} runs on spot unit {unit.id} but is not interruptible")
        if unit.pricing in ("on_demand", "spot") and unit.hours_per_month + 1e-9 < w.hours_per_month:
            problems.append(
                f"{unit.id} is billed {unit.hours_per_month} h/month, {a.workload} runs {w.hours_per_month}"
            )
    # Replicas sharing a GPU share its compute: an hourly instance is rented at least their hours summed.
    per_gpu: dict[tuple[str, int, int], float] = {}
    for a in plan.assignments:
        unit, w = units.get(a.unit), workloads.get(a.workload)
        if unit is None or w is None or unit.pricing not in ("on_demand", "spot"):
            continue
        for g in a.gpu_indices:
            key = (a.unit, g, a.start_month)
            per_gpu[key] = per_gpu.get(key, 0.0) + w.hours_per_month
    for (uid, g, _), hours in sorted(per_gpu.items()):
        if units[uid].hours_per_month + 1e-9 < min(hours, HOURS_PER_MONTH):
            billed = units[uid].hours_per_month
            problems.append(f"{uid} GPU {g}: billed {billed} h/month, its replicas run {hours}")
    planned = {w.name for w in plan.workloads}
    problems += [f"workload {w}: not in the plan" for w in workloads if plan.workloads and w not in planned]
    return problems + _spread_problems(plan, scenario)


def _spread_problems(plan: Plan, scenario: Scenario) -> list[str]:
    """Every replica of a workload with ``min_replicas`` in its own machine or GPU (``spread``)."""
    problems = []
    for w in scenario.workloads:
        if w.spread_domain is None:
            continue
        seen: dict[tuple[str, ...], int] = {}
        for a in plan.assignments:
            if a.workload != w.name:
                continue
            month = str(a.start_month)  # each period is its own layout (demand over time); not printed
            gpus = [(a.unit, str(g), month) for g in a.gpu_indices]
            places = [(a.unit, month)] if w.spread_domain == "machine" else gpus
            for place in places:
                if place in seen:
                    problems.append(
                        f"{w.name}: replicas {seen[place]} and {a.replica} share {'/'.join(place[:-1])} "
                        f"(spread: {w.spread_domain})"
                    )
                seen[place] = a.replica
    return problems


def _limit_problems(plan: Plan, scenario: Scenario) -> list[str]:
    """Every budget and limit the scenario sets, as the plan uses it (``Limit.used``), in the plan's currency:
    a USD budget is converted before it is compared."""
    problems = []
    for limit in scenario_limits(scenario):
        # Where demand changes over time, budgets hold over the horizon and every other limit in each period,
        # over the units the plan has then.
        whole = not plan.periods or limit.name in ("capex", "monthly")
        views = [plan] if whole else [_during(plan, p.start_month) for p in plan.periods]
        for view in views:
            used = limit.used(view)
            if used > limit.bound * (1 + REL_TOL) + REL_TOL:
                shown, bound = used / limit.per_user_unit, limit.bound / limit.per_user_unit
                problems.append(
                    f"{limit.what} ({limit.label}): {shown:,.2f} {limit.unit} used of {bound:,.2f}"
                )
    return problems


def _months(unit: PlanUnit, plan: Plan) -> int:
    """Months the plan has ``unit``."""
    return (unit.end_month or plan.horizon_months) - unit.start_month + 1


def _held(unit: PlanUnit, month: int, plan: Plan) -> bool:
    return unit.start_month <= month <= (unit.end_month or plan.horizon_months)


def _during(plan: Plan, month: int) -> Plan:
    """The plan as it stands in ``month``: the units it has then."""
    return plan.model_copy(update={"units": tuple(u for u in plan.units if _held(u, month, plan))})


def _period_problems(plan: Plan, scenario: Scenario) -> list[str]:
    """Demand over time: the periods cover the horizon, every replica runs on a unit the plan has then, and
    every month's demand, recomputed here from the scenario (start, end, growth), is served by the period
    holding that month."""
    if not plan.periods:
        varying = [w.name for w in scenario.workloads if w.varies]
        return (
            [f"workload {varying[0]}: demand changes over time but the plan has no periods"]
            if varying
            else []
        )
    problems = []
    months = [(p.start_month, p.end_month) for p in plan.periods]
    if (
        months[0][0] != 1
        or months[-1][1] != plan.horizon_months
        or any(b[0] != a[1] + 1 for a, b in itertools.pairwise(months))
    ):
        problems.append(f"periods {months} do not cover months 1..{plan.horizon_months} in order")
    units = {u.id: u for u in plan.units}
    for a in plan.assignments:
        last = a.end_month or plan.horizon_months
        for uid in a.machines:
            unit = units.get(uid)
            if unit is not None and not (_held(unit, a.start_month, plan) and _held(unit, last, plan)):
                problems.append(f"{a.workload} replica {a.replica}: on {uid} in months it does not have")
    placed: dict[tuple[str, int], int] = defaultdict(int)
    for a in plan.assignments:
        placed[(a.workload, a.start_month)] += 1
    for w in scenario.workloads:
        end = w.end_month or plan.horizon_months
        for month in range(1, plan.horizon_months + 1):
            period = next((p for p in plan.periods if p.start_month <= month <= p.end_month), None)
            if period is None:
                continue
            got = placed.get((w.name, period.start_month), 0)
            if not w.start_month <= month <= end:
                if got:
                    problems.append(f"workload {w.name}: runs in month {month}, outside its months")
                continue
            factor = (1 + w.growth_per_month) ** (month - w.start_month)
            if w.requests_per_second is not None:
                asked = w.requests_per_second * factor
                served = period.requests_per_s.get(w.name, 0.0)
                if served < asked * (1 - 1e-9) or got < (w.min_replicas or 1):
                    problems.append(
                        f"workload {w.name}: serves {served:g} requests/s in month {month}, asked {asked:g}"
                    )
            elif got < (count := math.ceil(w.replicas * factor - 1e-9)):
                problems.append(f"workload {w.name}: {got} replicas in month {month}, asked {count}")
    for unit in plan.units:
        if unit.kind == "bought" and unit.end_month not in (None, plan.horizon_months):
            problems.append(f"{unit.id}: bought, but not kept to the horizon's end")
    running = sum(p.running for p in plan.periods)
    if not _close(running, plan.opex, plan.opex) or not _close(
        sum(p.capex for p in plan.periods), plan.capex, plan.capex
    ):
        problems.append("the periods' purchases and running costs do not add up to the plan's")
    return problems


def _alternative_problems(plan: Plan) -> list[str]:
    """A plan that claims optimality is no dearer than any alternative: each is a plan of the same program
    (the per-workload one is reported infeasible where its choices together break a budget, limit or
    stock)."""
    if plan.status != "optimal":
        return []
    floor = plan.total_cost * (1 - plan.gap) - REL_TOL * max(1.0, plan.total_cost)
    return [
        f"alternative {alt.name} costs {alt.total_cost}, less than the optimal plan"
        for alt in plan.alternatives
        if alt.total_cost is not None and alt.total_cost < floor
    ]


def verify_or_raise(plan: Plan, scenario: Scenario) -> None:
    problems = verify(plan, scenario)
    if problems:
        raise VerificationError(f"internal error: the plan failed verification: {problems[0]}")
