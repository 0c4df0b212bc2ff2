"""Terminal report: what ``planner solve`` prints (headline, chosen mix, savings, a line per workload).

Fits ``width`` columns (100 by default): numbers are never cut, long names are shortened with an ellipsis.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from planner.plan import IdleOwned, Plan, WorkloadSummary
from planner.report.figures import (
    ALTERNATIVE_LABELS,
    PAYBACK_COLUMN_NOTE,
    SIMPLE_PAYBACK,
    break_even,
    chosen_mix,
    mix_per_month_note,
    mix_total,
    payback_month_text,
    period_lines,
    reading,
    replica_memory_note,
    saving_of,
)
from planner.report.launch import NO_SETTINGS, launch_texts
from planner.report.speed import slo_text, speed_rows
from planner.report.text import TextColumn, cut, cut_cells, render_table, wrap
from planner.units import to_gib


def _n(value: float) -> str:
    return f"{value:,.0f}"


def headline(plan: Plan) -> list[str]:
    horizon = max(plan.horizon_months, 1)
    per_month = plan.opex_per_month or plan.opex / horizon
    c = plan.currency
    residual = f" - residual value {_n(plan.residual_value)}" if plan.residual_value else ""
    npv = (
        [f"Net present value {_n(plan.npv)} {c} at {plan.discount_rate_per_year:.1%} a year"]
        if plan.discount_rate_per_year and plan.npv is not None
        else []
    )
    lines = [
        f"Plan for {plan.scenario}: {plan.status}, {plan.horizon_months} months, money in {c}",
        f"Total {_n(plan.total_cost)} {c} = up-front {_n(plan.capex)} + running {_n(plan.opex)} "
        f"({_n(per_month)} per month){residual}",
        f"Average {_n(plan.total_cost / horizon)} {c} per month over the horizon",
        *npv,
        f"Solver {plan.solver or 'unknown'}: gap {plan.gap:.2%}, best bound {_n(plan.best_bound)}, "
        f"{plan.solve_seconds:.2f} s",
    ]
    if rate := exchange_rate_line(plan):
        lines.insert(1, rate)
    return lines


def exchange_rate_line(plan: Plan) -> str:
    """The rate USD prices were converted at, and its date; empty for a plan in USD."""
    if plan.currency.upper() == "USD":
        return ""
    date = plan.usd_to_currency_as_of
    return (
        f"Exchange rate: 1 USD = {plan.usd_to_currency:g} {plan.currency} "
        f"({'as of ' + date.isoformat() if date else 'date not given'}; scenario usd_to_currency)"
    )


def mix_lines(plan: Plan, width: int) -> list[str]:
    over_periods = bool(plan.periods)
    columns = [
        TextColumn("Action", min_width=4),
        TextColumn("Units", ">"),
        TextColumn("Item", flexible=True, min_width=12),
        *([TextColumn("Months", ">")] if over_periods else []),
        TextColumn("h/month", ">"),
        TextColumn("Up-front", ">"),
        TextColumn("Per month", ">"),
        TextColumn("Horizon", ">"),
    ]
    lines = chosen_mix(plan)
    rows = [
        [
            m.action,
            str(m.count),
            m.option_name,
            *([m.months] if over_periods else []),
            _n(m.hours_per_month),
            _n(m.capex),
            _n(m.per_month),
            _n(m.cost),
        ]
        for m in lines
    ]
    total = mix_total(plan, lines)
    rows.append(
        [
            "Total",
            str(total.count),
            "",
            *([""] if over_periods else []),
            "",
            _n(total.capex),
            _n(total.per_month),
            _n(total.cost),
        ]
    )
    note = mix_per_month_note(plan)
    return render_table(columns, rows, width) + (wrap(note, width, 2) if note else [])


def saving_lines(plan: Plan, width: int) -> list[str]:
    columns = [
        TextColumn("Alternative", flexible=True, min_width=12),
        TextColumn("Status", flexible=True),
        TextColumn(f"Cost ({plan.currency})", ">"),
        TextColumn("Saving", ">"),
        TextColumn("Saving %", ">"),
        TextColumn("Payback", ">"),
    ]
    flows = {f.name: f for f in plan.cash_flows}
    rows = []
    for alt in plan.alternatives:
        saving = saving_of(plan, alt)
        flow = flows.get(alt.name)
        rows.append(
            [
                ALTERNATIVE_LABELS.get(alt.name, alt.name),
                alt.status,
                "-" if alt.total_cost is None else _n(alt.total_cost),
                "-" if saving is None else _n(saving),
                "-" if saving is None or not alt.total_cost else f"{saving / alt.total_cost:.1%}",
                "-" if flow is None or flow.payback_months is None else f"{flow.payback_months:.1f} mo",
            ]
        )
    out = render_table(columns, rows, width)
    if any(row[-1] != "-" for row in rows):
        out += wrap(PAYBACK_COLUMN_NOTE, width, indent=2)
    for a in plan.alternatives:
        if a.reason:  # read in full (which budget binds, by how much): wrapped, not cut
            lines = wrap(f"{ALTERNATIVE_LABELS.get(a.name, a.name)}: {a.reason}", width, indent=4)
            out += [lines[0][2:], *lines[1:]]
    return out


def period_text(plan: Plan, width: int) -> list[str]:
    """Months, what is bought and rented then, what it costs and what runs (``figures.period_lines``)."""
    c = plan.currency
    out = []
    for p in period_lines(plan):
        line = (
            f"Months {p.months}: buy {p.buys}; rent {p.rents}; up front {_n(p.up_front)} {c}, running "
            f"{_n(p.running_per_month)} {c}/month; runs {p.demand}"
        )
        out += wrap(line, width, indent=2)
    return out


def idle_owned_lines(plan: Plan) -> list[str]:
    """Owned machines the plan leaves unused, and what they still cost while they stay in place."""
    c = plan.currency

    def cost(i: IdleOwned) -> str:
        if round(i.still_costs, 2) == 0:  # by a desk and off while idle: nothing to pay
            return "no running cost while idle"
        return (
            f"still {_n(i.still_costs_per_month)} {c} per month ({_n(i.still_costs)} over the horizon) in "
            "hosting and base power while they stay in place, not in the total"
        )

    return [
        f"Owned, left unused: {i.count} x {i.name} ({i.gpus_per_unit} x {i.gpu}); {cost(i)}"
        for i in plan.idle_owned
    ]


def units_of(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Workload -> the units its replicas run on, each once, with a replica count where more than one."""
    # A replica that stays on its unit through several periods of demand over time counts once there.
    counts = {
        w: Counter(unit for _, unit in dict.fromkeys((a.replica, a.unit) for a in replicas))
        for w, replicas in plan.placements().items()
    }
    return {
        w: tuple(unit if n == 1 else f"{unit} ({n} replicas)" for unit, n in units.items())
        for w, units in counts.items()
    }


def workload_lines(plan: Plan, width: int) -> list[str]:
    columns = [
        TextColumn("Workload", flexible=True, min_width=10),
        TextColumn("Model", flexible=True, min_width=10, shrink_first=2),
        TextColumn("Task", flexible=True, min_width=5, shrink_first=1),
        TextColumn("Precision", flexible=True, min_width=5, shrink_first=1),
        TextColumn("x", ">"),
        TextColumn("GiB/GPU", ">"),
        TextColumn("Reserved", ">"),
        TextColumn("Runs on", flexible=True, min_width=14, shrink_first=3),
        TextColumn("Cost", ">"),
    ]
    where = units_of(plan)
    rows = [
        [
            w.name,
            w.model,
            w.task,
            w.precision,
            str(w.replicas),
            f"{to_gib(w.per_gpu_bytes):.2f}",
            f"{to_gib(w.reserved_bytes):.2f}",
            ", ".join(where.get(w.name, ())),
            _n(w.cost),
        ]
        for w in plan.workloads
    ]
    # A workload over several units (the growth scenario's 70B on two racks, a server and a rental) or on
    # one long unit id read "a100-rack#1 (…": where a cell would be cut, it says how many units, and the
    # units follow the table in full, wrapped.
    runs_on = len(columns) - 2
    full = [row[runs_on] for row in rows]
    below: list[int] = []
    while newly := sorted(r for r, i in cut_cells(columns, rows, width) if i == runs_on and r not in below):
        for r in newly:
            n = len(where.get(plan.workloads[r].name, ()))
            rows[r][runs_on] = f"{n} units, below" if n > 1 else "below"
        below += newly
    lines = render_table(columns, rows, width)
    if below:
        lines.append("Runs on:")
        for r in sorted(below):
            lines += wrap(f"{plan.workloads[r].name}: {full[r]}", width, indent=2, hang=2)
    return lines


def availability_line(workloads: list[WorkloadSummary]) -> str:
    """Where ``min_replicas`` asked for availability: how many machines or GPUs each such workload spans."""
    parts = []
    for w in workloads:
        if w.spread == "none":
            parts.append(f"{w.name} {w.replicas} replicas (min_replicas {w.min_replicas}, spread: none)")
        else:
            noun = "machines" if w.spread == "machine" else "GPUs"
            parts.append(
                f"{w.name} {w.replicas} replicas on {w.domains} {noun} (min_replicas {w.min_replicas})"
            )
    return "Availability: " + "; ".join(parts) + "."


def speed_lines(plan: Plan, width: int) -> list[str]:
    """Rate-stated workloads: each replica on its card at its batch, then the workload's capacity against
    the rate it asked, the share used, and what stops a larger batch (memory, or a latency target)."""
    columns = [
        TextColumn("Workload", flexible=True, min_width=10),
        TextColumn("Runs on", flexible=True, min_width=10, shrink_first=1),
        TextColumn("Batch", ">"),
        TextColumn("TTFT", ">"),
        TextColumn("TPOT", ">"),
        TextColumn("Tokens/s", ">"),
        TextColumn("Req/s", ">"),
        TextColumn("Asked", ">"),
        TextColumn("Used", ">"),
        TextColumn("Binds", flexible=True, min_width=6),
    ]
    rows = [
        [
            r.label,
            r.runs_on,
            "" if r.batch is None else str(r.batch),
            f"{r.ttft_s * 1000:,.0f}",
            f"{r.tpot_s * 1000:,.1f}",
            _n(r.output_tokens_per_s),
            f"{r.requests_per_s:,.2f}",
            "" if r.requests_per_s_asked is None else f"{r.requests_per_s_asked:,.2f}",
            "" if r.utilisation is None else f"{r.utilisation:.0%}",
            r.binds,
        ]
        for r in speed_rows(plan)
    ]
    slos = sorted({f"{r.workload}: {slo_text(r)}" for r in speed_rows(plan) if r.replica is None})
    note = "SLO " + "; ".join(slos) + "; TPOT: decode step + prefills of requests joining meanwhile."
    return render_table(columns, rows, width) + wrap(note, width, indent=2)


def break_even_line(plan: Plan) -> str:
    be = break_even(plan)
    if not be.available:
        return f"Buy vs rent: not computed ({be.reason})."
    months = "never" if be.months is None else f"after {be.months:.1f} months ({SIMPLE_PAYBACK})"
    util = "never" if be.utilization is None else f"below {be.utilization:.0%} of the planned hours"
    month = payback_month_text(plan)
    return f"Buy vs rent: purchases pay back {months}; {month}; renting everything wins {util}."


def multi_node_lines(plan: Plan) -> list[str]:
    """One sentence per workload whose replicas span machines: how many, over which fabric, its source."""
    out = []
    units = {u.id: u for u in plan.units}
    for w in plan.workloads:
        placed = next((a for a in plan.assignments if a.workload == w.name and a.nodes > 1), None)
        fabric = units[placed.unit].fabric if placed is not None else None
        if fabric is None:
            continue
        speed = f", {fabric.gbps_per_node:,.0f} Gbit/s per machine" if fabric.gbps_per_node else ""
        out.append(
            f"Multi-node: each {w.name} replica spans {w.nodes_per_replica} machines ({w.gpus_per_replica} "
            f"GPUs) over {fabric.kind}{speed} (source: {fabric.source})."
        )
    return out


def launch_lines(plan: Plan) -> list[str]:
    """Every assignment's engine settings (``planner solve --launch``): what to run so each engine holds
    what the plan reserved for it, on the GPUs the plan gave it. A server is one line (the environment that
    pins its GPUs, then the command); a library is its loading call and its generation settings; the
    setup of a replica over machines, when a time-shared replica runs and what else to know follow it."""
    out = []
    for text in launch_texts(plan):
        if not text.command:
            out.append(f"  {text.where}: {NO_SETTINGS}")
            continue
        head = f"  {text.where}:" if text.before else f"  {text.where}: {text.command}"
        out += [head, *(f"    {line}" for line in (*text.before, *text.after))]
    return out


def render_terminal(
    plan: Plan, width: int = 100, today: dt.date | None = None, *, launch: bool = False
) -> str:
    """A plain-text summary, no line wider than ``width`` columns; no trailing newline (``click.echo`` adds
    one). ``today`` dates the age of the oldest price (default: the clock)."""
    width = max(width, 40)
    out = [part for line in headline(plan) for part in wrap(line, width, hang=2)]
    out += ["", *wrap(reading(plan), width)]
    out += ["", "Chosen mix", *mix_lines(plan, width)]
    if plan.alternatives:
        out += ["", "Savings against alternatives", *saving_lines(plan, width)]
    if plan.periods:
        out += ["", "When to buy and rent (demand changes over time)", *period_text(plan, width)]
    if plan.workloads:
        out += [
            "",
            *wrap("Workloads (GiB per GPU; reserved = per GPU / (1 - headroom))", width),
            *workload_lines(plan, width),
        ]
        if differ := replica_memory_note(plan):
            out += wrap(differ, width, hang=2)
    pcie = sorted({(a.workload, len(a.gpu_indices)) for a in plan.assignments if a.interconnect == "pcie"})
    # A load stated as a rate is served at the speed the model gives over PCIe (docs/optimizer.md); the
    # line said "speed not priced" of those too, beside a speed table that prices them.
    rated = {w.name for w in plan.workloads if w.performance is not None}
    for words, split in (
        ("memory fits; speed not priced", [(n, k) for n, k in pcie if n not in rated]),
        ("speed modelled over PCIe: a load stated as a rate", [(n, k) for n, k in pcie if n in rated]),
    ):
        if split:
            names = ", ".join(f"{name} ({k} GPUs)" for name, k in split)
            out += ["", *wrap(f"Tensor parallel over PCIe ({words}): {names}.", width)]
    for text in multi_node_lines(plan):
        out += ["", *wrap(text, width)]
    spread = [w for w in plan.workloads if w.min_replicas is not None]
    if spread:
        out += ["", *wrap(availability_line(spread), width)]
    if any(w.performance is not None for w in plan.workloads):
        out += [
            "",
            *wrap(
                "Speed (TTFT, TPOT in ms; each replica at its largest batch within the SLO, or the smallest "
                "its rate needs; totals: worst, summed)",
                width,
            ),
            *speed_lines(plan, width),
        ]
    out += ["", *wrap(break_even_line(plan), width)]
    out += wrap(plan.oldest_price(today).sentence(), width)
    for line in idle_owned_lines(plan):
        out += wrap(line, width)
    lines = [cut(line, width) for line in out]
    if launch:  # commands are copied as printed: never cut
        lines += ["", "Launch settings (each engine sized to its reservation)", *launch_lines(plan)]
    return "\n".join(lines)
