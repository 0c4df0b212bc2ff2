"""Markdown report: the plan summary for a wiki page or a pull request."""

from __future__ import annotations

from planner.plan import Plan


def render_markdown(plan: Plan) -> str:
    """A Markdown summary: headline figures, the chosen units and the alternatives."""
    lines = [
        f"# Plan: {plan.scenario}",
        "",
        f"Total over {plan.horizon_months} months: {plan.total_cost:,.0f} {plan.currency} "
        f"(capex {plan.capex:,.0f}, opex {plan.opex:,.0f}); status {plan.status}, gap {plan.gap:.2%}.",
        "",
        "| Unit | GPUs | Cost |",
        "|---|---|---|",
    ]
    lines += [f"| {u.id} | {u.gpus} x {u.gpu} | {u.cost:,.0f} |" for u in plan.units]
    return "\n".join(lines) + "\n"
