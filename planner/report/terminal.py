"""Terminal report: what ``planner solve`` prints (chosen mix, costs, savings, a line per workload)."""

from __future__ import annotations

from planner.plan import Plan
from planner.units import to_gib


def _money(value: float | None, currency: str) -> str:
    return "n/a" if value is None else f"{value:,.0f} {currency}"


def render_terminal(plan: Plan, width: int = 100) -> str:
    """A plain-text summary no wider than ``width`` columns."""
    lines = [
        f"{plan.scenario}: {plan.status}, {plan.horizon_months} months, "
        f"total {_money(plan.total_cost, plan.currency)}",
        f"capex {_money(plan.capex, plan.currency)}  opex {_money(plan.opex, plan.currency)}  "
        f"gap {plan.gap:.2%}",
        "",
    ]
    for unit in plan.units:
        lines.append(f"  {unit.id:<40} {unit.gpus} x {unit.gpu:<20} {_money(unit.cost, plan.currency):>16}")
    lines.append("")
    for a in plan.assignments:
        lines.append(
            f"  {a.workload:<30} r{a.replica} on {a.unit:<36} {to_gib(a.reserved_bytes):7.2f} GiB reserved"
        )
    return "\n".join(line[:width] for line in lines) + "\n"
