"""Markdown report: the plan summary for a wiki page or a pull request (``planner solve --markdown FILE``).

The same figures as the workbook's Summary, a workload table and the prices with their sources. Text from the
scenario (workload and model names) is escaped so a name cannot break a table or inject HTML.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from planner.plan import Alternative, IdleOwned, Plan, PlanUnit, WorkloadSummary
from planner.report.figures import (
    ALTERNATIVE_LABELS,
    PAYBACK_COLUMN_NOTE,
    SAVING_BASES,
    SIMPLE_PAYBACK,
    MixLine,
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
from planner.report.speed import SpeedRow, slo_text, speed_rows
from planner.report.terminal import exchange_rate_line, multi_node_lines
from planner.units import to_gib

T = TypeVar("T")

_ESCAPES = {"|": "\\|", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " ", "`": "\\`", "*": "\\*"}


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes, HTML, emphasis and line breaks neutralised)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


@dataclass(frozen=True)
class MdColumn(Generic[T]):
    """One column of a Markdown table: its key (total rows name it), header, how a row shows, alignment."""

    key: str
    header: str
    cell: Callable[[T], str]
    right: bool = False


def table(
    columns: Sequence[MdColumn[T]], items: Iterable[T], total: Mapping[str, str] | None = None
) -> list[str]:
    """A GitHub-flavoured Markdown table with one row per item and an optional total row whose cells are
    placed by column key; figures are right-aligned."""
    unknown = set(total or {}) - {c.key for c in columns}
    if unknown:
        raise ValueError(f"total row names unknown columns {sorted(unknown)}")
    lines = [
        "| " + " | ".join(c.header for c in columns) + " |",
        "| " + " | ".join("---:" if c.right else "---" for c in columns) + " |",
    ]
    lines += ["| " + " | ".join(c.cell(item) for c in columns) + " |" for item in items]
    if total is not None:
        lines.append("| " + " | ".join(total.get(c.key, "") for c in columns) + " |")
    return lines


def rows_table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """A Markdown table of ready-made cells, for reports whose rows are not records (``planner compare``);
    the columns numbered in ``right`` are right-aligned."""
    return [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---:" if i in right else "---" for i in range(len(headers))) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def runs_on(placements: Sequence[str]) -> str:
    """Each place once, with how many replicas share it: two replicas on one GPU read
    ``box#1 GPU 0 (2 replicas)``, not ``box#1 GPU 0; box#1 GPU 0``."""
    counts: dict[str, int] = {}
    for place in placements:
        counts[place] = counts.get(place, 0) + 1
    return "; ".join(place if n == 1 else f"{place} ({n} replicas)" for place, n in counts.items())


def _places(plan: Plan) -> dict[str, list[str]]:
    """Workload -> ``unit GPU i,j`` per replica, in replica order (``Plan.placements``); a replica that
    stays put through several periods of demand over time is there once."""
    return {
        w: [where for _, where in dict.fromkeys((a.replica, a.where) for a in replicas)]
        for w, replicas in plan.placements().items()
    }


def _headline(plan: Plan, today: dt.date | None) -> list[str]:
    c = plan.currency
    horizon = max(plan.horizon_months, 1)
    return [
        f"# LLM hardware plan: {escape(plan.scenario)}",
        "",
        f"- **Total over {plan.horizon_months} months:** {_n(plan.total_cost)} {c} "
        f"(up-front {_n(plan.capex)}, running {_n(plan.opex)}"
        + (f", less {_n(plan.residual_value)} of residual value at the end" if plan.residual_value else "")
        + f"; {_n(plan.total_cost / horizon)} {c} per month on average)",
        *(
            [f"- **Net present value:** {_n(plan.npv)} {c} at {plan.discount_rate_per_year:.1%} a year"]
            if plan.discount_rate_per_year and plan.npv is not None
            else []
        ),
        f"- **Solver:** {escape(plan.solver or 'unknown')}, status {plan.status}, gap {plan.gap:.2%}",
        *([f"- **{escape(rate)}**"] if (rate := exchange_rate_line(plan)) else []),
        f"- **Prices:** {escape(plan.oldest_price(today).sentence())}",
        *(f"- **{escape(line)}**" for line in multi_node_lines(plan)),
        "",
        escape(reading(plan)),
    ]


def _mix(plan: Plan) -> list[str]:
    c = plan.currency
    lines = chosen_mix(plan)
    columns: list[MdColumn[MixLine]] = [
        MdColumn("action", "Action", lambda m: m.action),
        MdColumn("units", "Units", lambda m: str(m.count), right=True),
        MdColumn("item", "Item", lambda m: escape(m.item or m.label or m.option_name)),
        *([MdColumn("months", "Months", lambda m: m.months, right=True)] if plan.periods else []),
        MdColumn("gpus", "GPUs", lambda m: f"{m.gpus_per_unit} x {escape(m.gpu)}"),
        MdColumn("hours", "Hours/month", lambda m: _n(m.hours_per_month), right=True),
        MdColumn("capex", f"Up-front ({c})", lambda m: _n(m.capex), right=True),
        MdColumn("per_month", f"Per month ({c})", lambda m: _n(m.per_month), right=True),
        MdColumn("cost", f"Horizon ({c})", lambda m: _n(m.cost), right=True),
        MdColumn("workloads", "Workloads", lambda m: escape(", ".join(m.workloads))),
    ]
    sums = mix_total(plan, lines)
    total = {
        "action": "**Total**",
        "units": str(sums.count),
        "capex": f"**{_n(sums.capex)}**",
        "per_month": f"**{_n(sums.per_month)}**",
        "cost": f"**{_n(sums.cost)}**",
    }
    note = mix_per_month_note(plan)
    return ["## Chosen mix", "", *table(columns, lines, total), *(["", escape(note)] if note else [])]


def _savings(plan: Plan) -> list[str]:
    if not plan.alternatives:
        return []
    c = plan.currency

    flows = {f.name: f for f in plan.cash_flows}

    def payback(alt: Alternative) -> str:
        flow = flows.get(alt.name)
        months = flow.payback_months if flow is not None else None
        return "–" if months is None else f"{months:.1f} months"

    def share(alt: Alternative) -> str:
        saving = saving_of(plan, alt)
        if saving is None or not alt.total_cost:
            return "–"
        return f"{saving / alt.total_cost:.1%} of {SAVING_BASES.get(alt.name, 'its cost')}"

    columns: list[MdColumn[Alternative]] = [
        MdColumn("alternative", "Alternative", lambda a: escape(ALTERNATIVE_LABELS.get(a.name, a.name))),
        MdColumn("status", "Status", lambda a: escape(a.status + (f": {a.reason}" if a.reason else ""))),
        MdColumn("cost", f"Cost ({c})", lambda a: _n(a.total_cost), right=True),
        MdColumn("saving", f"Saving ({c})", lambda a: _n(saving_of(plan, a)), right=True),
        MdColumn("share", "Saving %", share, right=True),
        MdColumn("payback", "Payback", payback, right=True),
    ]
    note = ["", PAYBACK_COLUMN_NOTE] if any(payback(a) != "–" for a in plan.alternatives) else []
    return ["## Saving against each alternative", "", *table(columns, plan.alternatives), *note]


def _workloads(plan: Plan) -> list[str]:
    if not plan.workloads:
        return []
    c = plan.currency
    where = _places(plan)
    columns: list[MdColumn[WorkloadSummary]] = [
        MdColumn("workload", "Workload", lambda w: escape(w.name)),
        MdColumn("model", "Model", lambda w: escape(w.model)),
        MdColumn("task", "Task", lambda w: escape(w.task)),
        MdColumn("precision", "Precision", lambda w: escape(w.precision)),
        MdColumn("replicas", "Replicas", lambda w: str(w.replicas), right=True),
        MdColumn("per_gpu", "GiB per GPU", lambda w: f"{to_gib(w.per_gpu_bytes):.2f}", right=True),
        MdColumn("reserved", "Reserved GiB", lambda w: f"{to_gib(w.reserved_bytes):.2f}", right=True),
        MdColumn("runs_on", "Runs on", lambda w: escape(runs_on(where.get(w.name, [])))),
        MdColumn("cost", f"Cost ({c})", lambda w: _n(w.cost), right=True),
    ]
    out = ["## Workloads", "", *table(columns, plan.workloads)]
    if differ := replica_memory_note(plan):
        out += ["", differ]
    return out


def _performance(plan: Plan) -> list[str]:
    """Rate-stated workloads: capacity against the rate asked, latencies against the SLO, what binds."""
    rows = speed_rows(plan)
    if not rows:
        return []

    def rate(value: float | None) -> str:
        return "" if value is None else f"{value:,.2f}"

    columns: list[MdColumn[SpeedRow]] = [
        MdColumn(
            "workload",
            "Workload",
            lambda r: escape(r.workload if r.replica is None else f"{r.workload} #{r.replica}"),
        ),
        MdColumn(
            "runs_on",
            "Runs on",
            lambda r: escape(r.runs_on if r.replica is None else f"{r.runs_on}, {r.unit}"),
        ),
        MdColumn("batch", "Batch", lambda r: "" if r.batch is None else str(r.batch), right=True),
        MdColumn("ttft", "TTFT (ms)", lambda r: f"{r.ttft_s * 1000:,.0f}", right=True),
        MdColumn("tpot", "TPOT (ms)", lambda r: f"{r.tpot_s * 1000:,.1f}", right=True),
        MdColumn("tokens", "Output tokens/s", lambda r: _n(r.output_tokens_per_s), right=True),
        MdColumn("capacity", "Capacity (requests/s)", lambda r: rate(r.requests_per_s), right=True),
        MdColumn("asked", "Asked (requests/s)", lambda r: rate(r.requests_per_s_asked), right=True),
        MdColumn(
            "used", "Used", lambda r: "" if r.utilisation is None else f"{r.utilisation:.0%}", right=True
        ),
        MdColumn("binds", "Binds", lambda r: r.binds),
    ]
    slos = "; ".join(f"{escape(r.workload)}: {slo_text(r)}" for r in rows if r.replica is None)
    return [
        "## Performance",
        "",
        "Each replica runs the largest batch whose predicted TTFT and TPOT meet the SLO and whose memory "
        "fits its GPU (planner's speed model), or, where one replica carries the whole rate, the smallest "
        "batch that holds its requests in flight 99 % of the time (binds: rate asked). TPOT is the one the "
        "SLO checks, as a user sees it: the decode "
        "step plus the prefills of the requests that join meanwhile (batch / output tokens prompts a step); "
        "requests/s = batch / (output tokens x TPOT), every prefill holding up the batch. A workload's row "
        "sums its replicas' rates and shows the worst latencies; *binds* says what stops a larger batch "
        f"(memory, or a latency target). SLO: {slos}.",
        "",
        *table(columns, rows),
    ]


def _break_even(plan: Plan) -> list[str]:
    c = plan.currency
    be = break_even(plan)
    if not be.available:
        return ["## Buy versus rent", "", f"Not computed: {escape(be.reason)}."]
    months = "never" if be.months is None else f"{be.months:.1f} months"
    simple = "" if be.months is None else f" ({SIMPLE_PAYBACK})"
    util = "never" if be.utilization is None else f"{be.utilization:.0%} of the planned hours"
    return [
        "## Buy versus rent",
        "",
        f"Against renting everything ({_n(be.rent_per_month)} {c} per month), this plan runs at "
        f"{_n(be.plan_per_month)} {c} per month after {_n(be.capex)} {c} of purchases: they pay back "
        f"after **{months}**{simple}; {payback_month_text(plan, lambda t: f'**{t}**')}. Renting everything "
        f"is cheaper below **{util}**.",
    ]


def _idle_owned(plan: Plan) -> list[str]:
    if not plan.idle_owned:
        return []
    c = plan.currency
    columns: list[MdColumn[IdleOwned]] = [
        MdColumn("machine", "Machine", lambda i: escape(i.name)),
        MdColumn("units", "Units", lambda i: str(i.count), right=True),
        MdColumn("gpus", "GPUs", lambda i: f"{i.gpus_per_unit} x {escape(i.gpu)}"),
        MdColumn(
            "per_month", f"Still costs per month ({c})", lambda i: _n(i.still_costs_per_month), right=True
        ),
        MdColumn("horizon", f"Over the horizon ({c})", lambda i: _n(i.still_costs), right=True),
    ]
    return [
        "## Owned hardware left unused",
        "",
        *table(columns, plan.idle_owned),
        "",
        "Hosting and base power continue while they stay in place; they are not in the total.",
    ]


def _prices(plan: Plan) -> list[str]:
    c = plan.currency
    seen: set[tuple[str, str]] = set()
    priced: list[PlanUnit] = []
    for u in plan.units:
        if u.kind != "owned" and (u.option, u.pricing) not in seen:
            seen.add((u.option, u.pricing))
            priced.append(u)
    if not priced:
        return []

    def price(u: PlanUnit) -> str:
        return f"{u.unit_price:,.0f} {c}/unit" if u.kind == "bought" else f"{u.unit_price:,.3f} {c}/hour"

    columns: list[MdColumn[PlanUnit]] = [
        MdColumn("offer", "Offer", lambda u: escape(u.option_name or u.option)),
        MdColumn("pricing", "Pricing", lambda u: u.pricing.replace("_", " ")),
        MdColumn("price", "Price", price),
        MdColumn("source", "Source", lambda u: escape(u.price_source)),
        MdColumn("as_of", "As of", lambda u: u.price_date.isoformat() if u.price_date else "unknown"),
    ]
    return ["## Prices used", "", *table(columns, priced)]


def _periods(plan: Plan) -> list[str]:
    if not plan.periods:
        return []
    c = plan.currency
    rows = [
        [p.months, escape(p.buys), escape(p.rents), _n(p.up_front), _n(p.running_per_month), escape(p.demand)]
        for p in period_lines(plan)
    ]
    headers = ["Months", "Buy", "Rent", f"Up front ({c})", f"Running ({c}/month)", "Runs"]
    return ["## When to buy and rent", "", *rows_table(headers, rows, right=(3, 4))]


def _launch(plan: Plan) -> list[str]:
    """What to run for each replica, as ``planner solve --launch`` prints it: a fenced block per replica
    (fenced longer than any run of backticks in it, so scenario text cannot close it)."""
    texts = launch_texts(plan)
    if not any(t.command for t in texts):
        return []
    out = ["## Launch settings", "", "Each engine sized to its reservation, on the GPUs the plan gave it."]
    for t in texts:
        if not t.command:
            out += ["", f"**{escape(t.where)}**: {NO_SETTINGS}"]
            continue
        fence = "`" * max(3, 1 + max((len(run) for run in re.findall("`+", "\n".join(t.script))), default=0))
        out += ["", f"**{escape(t.where)}**", "", f"{fence}sh", *t.script, fence]
    return out


SECTIONS: tuple[Callable[[Plan], list[str]], ...] = (
    _mix,
    _periods,
    _savings,
    _workloads,
    _performance,
    _break_even,
    _idle_owned,
    _prices,
    _launch,
)
"""The sections after the headline, in reading order; a section with nothing to say returns no lines."""


def render_markdown(plan: Plan, today: dt.date | None = None) -> str:
    """The plan as Markdown: headline, reading, chosen mix, savings, workloads, performance (a load stated as
    a rate), break-even, prices, launch settings.

    ``today`` dates the age of the oldest price (default: the clock)."""
    out: list[str] = _headline(plan, today)
    for section in SECTIONS:
        lines = section(plan)
        if lines:
            out += [*([""] if out else []), *lines]
    out += ["", f"_Made by planner {escape(plan.planner_version)}; memory in GiB (2^30 bytes)._"]
    return "\n".join(out) + "\n"
