"""Markdown report: the plan summary for a wiki page or a pull request (``planner solve --markdown FILE``).

The same figures as the workbook's Summary, a workload table and the prices with their sources. Text from the
scenario (workload and model names) is escaped so a name cannot break a table or inject HTML.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.plan import Plan
from planner.report.figures import ALTERNATIVE_LABELS, break_even, chosen_mix, placements, reading, saving_of
from planner.units import to_gib

_ESCAPES = {"|": "\\|", "<": "&lt;", ">": "&gt;", "\n": " ", "\r": " ", "`": "\\`", "*": "\\*"}


def escape(text: str) -> str:
    """Text safe inside a Markdown table cell (pipes, HTML, emphasis and line breaks neutralised)."""
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _n(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> list[str]:
    """A GitHub-flavoured Markdown table; columns in ``right`` are right-aligned (figures)."""
    align = ["---:" if i in right else "---" for i in range(len(headers))]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def render_markdown(plan: Plan) -> str:
    """The plan as Markdown: headline, reading, chosen mix, savings, workloads, break-even, prices."""
    c = plan.currency
    horizon = max(plan.horizon_months, 1)
    out = [
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
        "",
        escape(reading(plan)),
        "",
        "## Chosen mix",
        "",
    ]
    lines = chosen_mix(plan)
    mix_rows = [
        [
            m.action,
            str(m.count),
            escape(m.option_name),
            f"{m.gpus_per_unit} x {escape(m.gpu)}",
            _n(m.hours_per_month),
            _n(m.capex),
            _n(m.per_month),
            _n(m.cost),
            escape(", ".join(m.workloads)),
        ]
        for m in lines
    ]
    mix_rows.append(
        [
            "**Total**",
            str(sum(m.count for m in lines)),
            "",
            "",
            "",
            f"**{_n(sum(m.capex for m in lines))}**",
            f"**{_n(sum(m.per_month for m in lines))}**",
            f"**{_n(sum(m.cost for m in lines))}**",
            "",
        ]
    )
    headers = [
        "Action",
        "Units",
        "Item",
        "GPUs",
        "Hours/month",
        f"Up-front ({c})",
        f"Per month ({c})",
        f"Horizon ({c})",
        "Workloads",
    ]
    out += table(headers, mix_rows, right=(1, 4, 5, 6, 7))
    if plan.alternatives:
        out += ["", "## Saving against each alternative", ""]
        rows = []
        flows = {f.name: f for f in plan.cash_flows}
        for alt in plan.alternatives:
            saving = saving_of(plan, alt)
            share = f"{saving / alt.total_cost:.1%}" if saving is not None and alt.total_cost else "–"
            flow = flows.get(alt.name)
            payback = flow.payback_months if flow is not None else None
            rows.append(
                [
                    escape(ALTERNATIVE_LABELS.get(alt.name, alt.name)),
                    escape(alt.status + (f": {alt.reason}" if alt.reason else "")),
                    _n(alt.total_cost),
                    _n(saving),
                    share,
                    "–" if payback is None else f"{payback:.1f} months",
                ]
            )
        out += table(
            ["Alternative", "Status", f"Cost ({c})", f"Saving ({c})", "Saving %", "Payback"],
            rows,
            right=(2, 3, 4, 5),
        )
    if plan.workloads:
        out += ["", "## Workloads", ""]
        where = placements(plan)
        rows = [
            [
                escape(w.name),
                escape(w.model),
                escape(w.task),
                escape(w.precision),
                str(w.replicas),
                f"{to_gib(w.per_gpu_bytes):.2f}",
                f"{to_gib(w.reserved_bytes):.2f}",
                escape("; ".join(where.get(w.name, ()))),
                _n(w.cost),
            ]
            for w in plan.workloads
        ]
        out += table(
            [
                "Workload",
                "Model",
                "Task",
                "Precision",
                "Replicas",
                "GiB per GPU",
                "Reserved GiB",
                "Runs on",
                f"Cost ({c})",
            ],
            rows,
            right=(4, 5, 6, 8),
        )
    be = break_even(plan)
    out += ["", "## Buy versus rent", ""]
    if be.available:
        months = "never" if be.months is None else f"{be.months:.1f} months"
        util = "never" if be.utilization is None else f"{be.utilization:.0%} of the planned hours"
        out += [
            f"Against renting everything ({_n(be.rent_per_month)} {c} per month), this plan runs at "
            f"{_n(be.plan_per_month)} {c} per month after {_n(be.capex)} {c} of purchases: they pay back "
            f"after **{months}**. Renting everything is cheaper below **{util}**.",
        ]
    else:
        out += [f"Not computed: {escape(be.reason)}."]
    if plan.idle_owned:
        out += ["", "## Owned hardware left unused", ""]
        out += table(
            ["Machine", "Units", "GPUs", f"Still costs per month ({c})", f"Over the horizon ({c})"],
            [
                [
                    escape(i.name),
                    str(i.count),
                    f"{i.gpus_per_unit} x {escape(i.gpu)}",
                    _n(i.still_costs_per_month),
                    _n(i.still_costs),
                ]
                for i in plan.idle_owned
            ],
            right=(1, 3, 4),
        )
        out += ["", "Hosting and base power continue while they stay in place; they are not in the total."]
    priced = [u for u in plan.units if u.kind != "owned"]
    if priced:
        out += ["", "## Prices used", ""]
        seen: set[tuple[str, str]] = set()
        rows = []
        for u in priced:
            if (u.option, u.pricing) in seen:
                continue
            seen.add((u.option, u.pricing))
            price = f"{u.unit_price:,.0f} {c}/unit" if u.kind == "bought" else f"{u.unit_price:,.3f} {c}/hour"
            rows.append(
                [
                    escape(u.option_name or u.option),
                    u.pricing.replace("_", " "),
                    price,
                    escape(u.price_source),
                    u.price_date.isoformat() if u.price_date else "",
                ]
            )
        out += table(["Offer", "Pricing", "Price", "Source", "As of"], rows)
    out += ["", f"_Made by planner {escape(plan.planner_version)}; memory in GiB (2^30 bytes)._"]
    return "\n".join(out) + "\n"
