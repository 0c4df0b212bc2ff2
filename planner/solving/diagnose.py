"""Why a scenario has no plan though every workload fits somewhere: which budget or limit binds, by how much.

Re-solves with elastic slack on the budget and limit rows (``ilp.limits``; each row names its scenario field
and unit) and reports the slack the cheapest limit-breaking plan needs. If even that is infeasible, stock or
owned-unit limits are what bind: where only owned or stocked machines are allowed, the message sets the
workloads' memory against theirs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace

from planner.errors import InfeasibleError
from planner.ilp.data import ProblemData
from planner.ilp.limits import LimitRow
from planner.ilp.solve import solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import DAYS, HOURS_PER_WEEK, Scenario
from planner.units import GIB, fmt_gib


def explain_limits(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> InfeasibleError:
    short = shortfall(c.data, solver=solver, time_limit_s=time_limit_s)
    if short:
        return InfeasibleError("no plan fits the limits: " + short + " (raise it, or allow other hardware)")
    spread = _spread_binds(scenario, c, solver=solver, time_limit_s=time_limit_s)
    if spread:
        return InfeasibleError(f"no plan fits {_capped_what(scenario)}: {spread}")
    return InfeasibleError(_capped_message(scenario, c))


def _spread_binds(scenario: Scenario, c: Candidates, *, solver: str, time_limit_s: float) -> str:
    """Where replicas spread by machine (``min_replicas`` with ``spread: machine``) are what leaves no plan:
    the program without that rule has one. Names each workload that asks more machines than it may run on,
    or all of them where together they do; empty where the rule is not what binds."""
    data = c.data
    if not data.spread_machine:
        return ""
    relaxed = solve_problem(
        replace(data, spread_machine=frozenset()), solver=solver, time_limit_s=min(time_limit_s, 10.0)
    )
    if relaxed.status not in ("optimal", "feasible"):
        return ""
    by_id = {wid: name for name, wid in c.workload_id.items()}
    parts = []
    for wid in sorted(data.spread_machine, key=lambda w: by_id[w]):
        hosts = {p.option for p, _ in data.patterns_with[wid]}
        machines = [data.option_by_id[o].max_units for o in hosts]
        have = math.inf if any(m is None for m in machines) else sum(m or 0 for m in machines)
        need = data.demand[wid]
        if need > have:
            owned = all(c.offers[o].kind == "owned" for o in hosts)
            asked = next((w.min_replicas for w in scenario.workloads if w.name == by_id[wid]), None)
            rule = (
                f"min_replicas: {asked} with spread: machine"
                if asked == need
                else (f"{need} replicas with min_replicas: {asked} and spread: machine")
            )
            parts.append(
                f"{by_id[wid]}'s {rule} needs {need} machines, {have:.0f} {'owned' if owned else 'there'}"
            )
    if not parts:
        names = ", ".join(by_id[w] for w in sorted(data.spread_machine, key=lambda w: by_id[w]))
        parts.append(
            f"the replicas of {names} spread by machine (min_replicas with spread: machine) need more "
            "machines than there are"
        )
    return (
        "; ".join(parts) + "; spread: gpu would fit (replicas on separate GPUs of one machine), or allow "
        "more machines (owned, hardware.bought / hardware.cloud)"
    )


def _capped_what(scenario: Scenario) -> str:
    return (
        " and ".join(
            name
            for name, present in (
                ("the owned hardware (owned)", bool(scenario.owned)),
                ("the stock limits (limits.stock)", bool(scenario.limits.stock)),
            )
            if present
        )
        or "the hardware allowed"
    )


def _capped_message(scenario: Scenario, c: Candidates) -> str:
    """What binds where even unlimited budgets leave no plan: the owned machines and the stock. Where every
    machine allowed is owned or stocked, the workloads' memory against theirs; the stock is named only
    where the scenario sets one."""
    what = _capped_what(scenario)
    options = c.data.options
    if options and all(o.max_units is not None for o in options):
        need: dict[str, int] = {}
        spans: list[str] = []  # time-shared workloads whose replicas take several GPUs: they never share
        rated: list[str] = []  # time-shared and rate-stated: they never share either
        by_name = {w.name: w for w in scenario.workloads}
        for name, wid in c.workload_id.items():
            alone = [
                (p.gpus, c.members[p.id][0].reserved_bytes)
                for p, n in c.data.patterns_with[wid]
                if p.counts == ((wid, 1),)
            ]
            sizes = [k * per_gpu for k, per_gpu in alone]
            if sizes:
                need[name] = min(sizes) * c.data.demand[wid]
                if by_name[name].time_shared and min(k for k, _ in alone) > 1:
                    spans.append(name)
                elif by_name[name].time_shared and by_name[name].rate_stated:
                    rated.append(name)
        have = sum((o.max_units or 0) * o.gpus_per_unit * round(o.gpu_memory_gib * GIB) for o in options)
        # An exclusive group holds its largest member at once (two groups' members were summed, and the
        # memory blamed, where a multi-GPU member was what could not take turns).
        largest: dict[str, int] = {}
        for name, b in need.items():
            group = by_name[name].exclusive_group or f" {name}"  # a workload of no group: its own
            largest[group] = max(largest.get(group, 0), b)
        total = sum(largest.values())
        grouped = len(largest) < len(need)
        listed = ", ".join(f"{name} {fmt_gib(b)}" for name, b in need.items())
        if spans:
            turns_note = (
                f"{', '.join(spans)} {'spans' if len(spans) == 1 else 'span'} several GPUs per replica, and "
                "only single-GPU replicas share a GPU or take turns on one; "
            )
        else:
            turns_note = ""
        if rated:
            turns_note += (
                f"{', '.join(rated)} {'is' if len(rated) == 1 else 'are'} rate-stated, and a rate-stated "
                "replica never shares its GPUs; "
            )
        if total > have:
            gap = f"{fmt_gib(total - have)} more than the {fmt_gib(have)} of GPU memory there"
        elif apart := _too_few_domains(scenario, c):
            return f"no plan fits {what}: {apart}"
        else:
            gap = f"{fmt_gib(have)} there, but not in pieces they fit"
        # Taking turns needs two workloads, one of them free to get a schedule or a group: workloads whose
        # schedules already overlap cannot be told to take turns by having one.
        turns = len(scenario.workloads) > 1 and any(not w.time_shared for w in scenario.workloads)
        overlaps = schedule_overlaps(scenario, need)
        return (
            f"no plan fits {what}: the workloads reserve {listed} ({fmt_gib(total)} "
            f"{'at once, each exclusive_group by its largest' if grouped else 'in all'}), {gap}; "
            + (f"{overlaps}; " if overlaps else "")
            + turns_note
            + (
                "workloads that never run at the same time can take turns (schedule, exclusive_group), or "
                if turns
                else ""
            )
            + "allow other hardware (hardware.bought / hardware.cloud)"
        )
    return (
        f"no plan fits {what} with the hardware allowed; raise the stock or allow other hardware "
        "(hardware.bought / hardware.cloud)"
    )


def _too_few_domains(scenario: Scenario, c: Candidates) -> str:
    """Replicas kept apart (``min_replicas`` with ``spread: machine`` or ``gpu``) that outnumber the machines
    or GPUs able to hold them, counted: one replica of such a workload per GPU is a rule of the patterns, so
    the program without the spread rows (``_spread_binds``) has no plan either. Two replicas spread by machine
    or GPU on one owned single-GPU machine were blamed on memory ("not in pieces they fit"). Empty where
    every such workload has room, or may run somewhere unlimited."""
    data = c.data
    parts = []
    for w in scenario.workloads:
        wid = c.workload_id.get(w.name)
        if w.spread_domain is None or wid is None or not data.patterns_with[wid]:
            continue
        fewest: dict[str, int] = {}  # option -> fewest GPUs of a replica there
        for p, _ in data.patterns_with[wid]:
            fewest[p.option] = min(fewest.get(p.option, p.gpus), p.gpus)
        machines = gpus = 0
        for oid, k in fewest.items():
            option = data.option_by_id[oid]
            if option.max_units is None:
                break
            per_unit = option.gpus_per_unit
            whole = option.max_units // -(-k // per_unit)  # replicas over whole machines
            machines += option.max_units if k <= per_unit else whole
            gpus += option.max_units * (per_unit // k) if k <= per_unit else whole
        else:
            need = data.demand[wid]
            have = machines if w.spread_domain == "machine" else gpus
            if need > have:
                owned = all(c.offers[o].kind == "owned" for o in fewest)
                noun = "machines" if w.spread_domain == "machine" else "GPUs"
                fix = (
                    "spread: gpu would fit (replicas on separate GPUs of one machine)"
                    if w.spread_domain == "machine" and gpus >= need
                    else "a rate-stated replica never shares its GPUs"
                    if w.rate_stated
                    else "spread: none lets replicas share a GPU"
                )
                parts.append(
                    f"{w.name}'s min_replicas: {w.min_replicas} with spread: {w.spread_domain} needs {need} "
                    f"{noun}, {have} {'owned' if owned else 'there'}; {fix}"
                )
    if not parts:
        return ""
    return "; ".join(parts) + ", or allow more machines (owned, hardware.bought / hardware.cloud)"


def schedule_overlaps(scenario: Scenario, names: Iterable[str]) -> str:
    """Where scheduled workloads cannot take turns on the memory because their schedules overlap, the hours
    they overlap ("coder and chat both run 18:00-20:00 every day: their schedules overlap, ..."); empty where
    no two of ``names`` overlap. Workloads of one exclusive group never run together whatever their
    schedules."""
    by_name = {w.name: w for w in scenario.workloads}
    scheduled = [
        (w.name, w.exclusive_group, w.schedule)
        for w in (by_name[n] for n in names if n in by_name)
        if w.schedule is not None
    ]
    pairs = []
    for i, (a, a_group, a_schedule) in enumerate(scheduled):
        for b, b_group, b_schedule in scheduled[i + 1 :]:
            if a_group is not None and a_group == b_group:
                continue
            if both := a_schedule.slots() & b_schedule.slots():
                pairs.append(f"{a} and {b} both run {week_hours(both)}")
    if not pairs:
        return ""
    return (
        f"{'; '.join(pairs)}: their schedules overlap, so they hold GPU memory at the same time (schedules "
        "that do not overlap may share it)"
    )


def week_hours(slots: frozenset[int]) -> str:
    """Hours of the week as a reader states them: "18:00-20:00 on mon, tue, wed, thu, fri", "22:00-02:00
    every day"; runs of consecutive hours, those of the same clock hours joined over their days."""
    if len(slots) >= HOURS_PER_WEEK:
        return "all week"
    # Start each run where the hour before is not in it (a run may cross midnight or the week's end).
    runs: dict[tuple[int, int], list[str]] = {}
    for start in sorted(h for h in slots if (h - 1) % HOURS_PER_WEEK not in slots):
        length = 1
        while (start + length) % HOURS_PER_WEEK in slots:
            length += 1
        runs.setdefault((start % 24, length), []).append(DAYS[start // 24])
    parts = []
    for (hour, length), days in runs.items():
        days_text = "every day" if len(days) == len(DAYS) else "on " + ", ".join(days)
        span = (
            f"{hour:02d}:00-{(hour + length) % 24:02d}:00"
            if length < 24
            else f"{length} hours from {hour:02d}:00"
        )
        parts.append(f"{span} {days_text}")
    return "; ".join(parts)


def shortfall(data: ProblemData, *, solver: str, time_limit_s: float) -> str:
    """Which budgets and limits the cheapest limit-breaking plan of ``data`` breaks, and by how much ("the
    capex budget (budgets.capex_usd) is short by 25,000 USD"); empty where slack does not help (stock,
    owned counts) or the elastic program finds nothing in time."""
    sol = solve_problem(data, solver=solver, time_limit_s=time_limit_s, elastic=True)
    over = [(name, value) for name, value in sorted(sol.slack.items()) if value > 1e-6]
    if sol.status not in ("optimal", "feasible") or not over:
        return ""
    rows = {row.name: row for row in data.limits}
    whole = [short_by(rows[name], value) for name, value in over if rows[name].months is None]
    return "; ".join(whole + _by_months([(rows[name], value) for name, value in over]))


def _by_months(over: list[tuple[LimitRow, float]]) -> list[str]:
    """Rows of one period each (demand over time), one sentence per limit: "the rack space
    (limits.rack_units) is short by 6 U in months 1-27, 22 U in months 28-36", adjacent periods short
    by the same figure joined."""
    by_limit: dict[tuple[str, str, str], list[tuple[tuple[int, int], float]]] = {}
    for row, value in over:
        if row.months is not None:
            by_limit.setdefault((row.what, row.label, row.unit), []).append((row.months, _shown(row, value)))
    out = []
    for (what, label, unit), spans in by_limit.items():
        joined: list[tuple[int, int, float]] = []
        for (first, last), shown in sorted(spans):
            if joined and joined[-1][2] == shown and joined[-1][1] + 1 == first:
                joined[-1] = (joined[-1][0], last, shown)
            else:
                joined.append((first, last, shown))
        figures = ", ".join(f"{_figure(shown)} {unit} in months {a}-{b}" for a, b, shown in joined)
        out.append(f"the {what} ({label}) is short by {figures}")
    return out


def _shown(row: LimitRow, value: float) -> float:
    """``value`` over ``row`` in the unit the scenario states it, rounded up to the cent: raising the limit
    by the figure shown must be enough."""
    return max(math.ceil(value / row.per_user_unit * 100 - 1e-6) / 100, 0.01)


def short_by(row: LimitRow, value: float) -> str:
    """``value`` over ``row``, in the unit the scenario states it (USD, kW), rounded up."""
    return f"the {row.what} ({row.label}) is short by {_figure(_shown(row, value))} {row.unit}"


def _figure(shown: float) -> str:
    """A whole shortfall without decimals ("short by 7 GPUs": "7.00 GPUs" read as if a fraction of a card
    were possible), a fraction to the cent ("0.05 kW")."""
    return f"{shown:,.0f}" if shown == round(shown) else f"{shown:,.2f}"
