"""The plan's cash flows as the reports read them: ``Plan.cash_flows`` where the plan carries them, else
derived from its totals by the rule the optimizer uses (``planner.assemble.cashflow``), so an older plan
still gets a Cash flow sheet, a payback month and a net present value."""

from __future__ import annotations

from planner.assemble.cashflow import plan_cash_flows
from planner.plan import Alternative, CashFlow, Plan


def cash_flows(plan: Plan) -> dict[str, CashFlow]:
    """The plan's cash flows by name (``plan``, then each alternative's), as solved; a plan written before
    they were part of it gets them from its totals by the same rule."""
    if plan.cash_flows:
        return {f.name: f for f in plan.cash_flows}
    flows = plan_cash_flows(
        capex=plan.capex,
        opex=plan.opex,
        residual=plan.residual_value,
        months=max(plan.horizon_months, 1),
        rate_per_year=plan.discount_rate_per_year,
        alternatives=[_with_opex(a) for a in plan.alternatives],
    )
    return {f.name: f for f in flows}


def _with_opex(alt: Alternative) -> Alternative:
    """An alternative written before its split was stored: what it does not pay up front it pays running."""
    if alt.total_cost is None or alt.opex is not None:
        return alt
    capex = alt.capex or 0.0
    residual = alt.residual_value or 0.0
    return alt.model_copy(update={"capex": capex, "opex": alt.total_cost - capex + residual})


def plan_npv(plan: Plan) -> float:
    """The plan's net present value (its total where the discount rate is 0)."""
    return plan.npv if plan.npv is not None else cash_flows(plan)["plan"].npv
