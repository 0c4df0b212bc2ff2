"""Stage 6: month-by-month cash flows of the plan and its alternatives, their net present value and the month
in which the plan's purchases are paid back.

The money model is the one the program prices (placement.offers): purchases are paid in month 0, running
costs (energy, hosting, rent, reservations) in equal parts at the end of months 1 to H (a reservation's
months past its last whole term rented on demand at their own on-demand bill), and the purchases'
residual value comes back at the end of month H. Where demand changes over time (``Plan.periods``), a unit
bought for month s is paid in month s - 1 (when month s begins) and running costs are each period's, spread
evenly over its months: a rental shows only in the months it runs. Discounting at an annual rate ``r``
uses the monthly rate ``(1 + r)^(1/12) - 1``; a rate of 0 leaves the plain sum, the plan's ``total_cost``.
"""

from __future__ import annotations

from collections.abc import Sequence

from planner.plan import Alternative, CashFlow, CashFlowMonth, PlanUnit
from planner.units import HOURS_PER_MONTH


def monthly_rate(rate_per_year: float) -> float:
    """The monthly rate that compounds to ``rate_per_year`` over twelve months."""
    return float((1 + rate_per_year) ** (1 / 12) - 1)


def cash_flow(
    name: str, *, capex: float, opex: float, residual: float, months: int, rate_per_year: float
) -> CashFlow:
    """One plan's flow: ``capex`` in month 0, ``opex / months`` each month, ``residual`` back at the end."""
    per_month = opex / months
    return monthly_cash_flow(
        name,
        [capex] + [0.0] * months,
        [0.0] + [per_month] * months,
        residual,
        rate_per_year=rate_per_year,
    )


def monthly_cash_flow(
    name: str, up_front: Sequence[float], running: Sequence[float], residual: float, *, rate_per_year: float
) -> CashFlow:
    """A flow month by month: ``up_front[m]`` paid at the end of month m (month 0: when month 1 begins; a
    purchase for month s is paid in month s - 1), ``running[m]`` over month m (0 in month 0), ``residual``
    back at the end of the last month."""
    months = len(up_front) - 1
    factor = 1 + monthly_rate(rate_per_year)
    rows: list[CashFlowMonth] = []
    cumulative = discounted = 0.0
    for month in range(months + 1):
        back = residual if month == months else 0.0
        net = up_front[month] + running[month] - back
        cumulative += net
        discounted += net / factor**month
        rows.append(
            CashFlowMonth(
                month=month,
                up_front=up_front[month],
                running=running[month],
                residual=back,
                net=net,
                cumulative=cumulative,
                discounted_cumulative=discounted,
            )
        )
    return CashFlow(name=name, months=tuple(rows), total=cumulative, npv=discounted)


def against(plan: CashFlow, other: CashFlow) -> CashFlow:
    """``other`` with the month the plan catches up with it and the linear payback time of the extra
    purchases (see ``CashFlow.payback_month`` and ``payback_months``)."""
    pairs = list(zip(plan.months, other.months, strict=True))

    def caught_up(p: CashFlowMonth, o: CashFlowMonth) -> bool:
        return p.discounted_cumulative <= o.discounted_cumulative + 1e-9 * max(1.0, abs(o.cumulative))

    # From the first month the plan has spent more (month 0 where it buys more up front; over periods, the
    # month of a later purchase: months before it, equal on both sides, are no payback), the first month it
    # has caught up again.
    ahead = next((k for k, (p, o) in enumerate(pairs) if not caught_up(p, o)), None)
    crossing = 0 if ahead is None else next((p.month for p, o in pairs[ahead:] if caught_up(p, o)), None)
    # Purchases and running costs summed over the horizon, the saving averaged over its months: one rule for a
    # plan that buys in month 0 (the same as month 0's purchases over month 1's saving) and one over periods,
    # whose purchases and running costs change from period to period.
    horizon = max(len(plan.months) - 1, 1)
    extra = sum(p.up_front for p in plan.months) - sum(o.up_front for o in other.months)
    saving = (sum(o.running for o in other.months) - sum(p.running for p in plan.months)) / horizon
    months = extra / saving if extra > 0 and saving > 0 else None
    return other.model_copy(update={"payback_month": crossing, "payback_months": months})


def running_by_month(units: Sequence[PlanUnit], months: int) -> list[float]:
    """Running costs of units held the whole horizon in months 0 to ``months`` (0 in month 0): each unit's
    spread evenly, except a reservation's months past its last whole term rented on demand
    (``PlanUnit.on_demand_months``), billed in those last months at the on-demand price, its terms spread
    over the months before them."""
    running = [0.0] * (months + 1)
    for u in units:
        total = u.cost - u.capex + u.residual_value
        tail = min(u.on_demand_months, months - 1)
        tail_bill = HOURS_PER_MONTH * u.on_demand_price if tail > 0 else 0.0
        first = total - tail_bill * tail
        for m in range(1, months + 1):
            running[m] += tail_bill if m > months - tail else first / (months - tail)
    return running


def plan_cash_flows(
    *,
    capex: float,
    opex: float,
    residual: float,
    months: int,
    rate_per_year: float,
    alternatives: Sequence[Alternative],
    units: Sequence[PlanUnit] = (),
) -> tuple[CashFlow, ...]:
    """The plan's flow (month by month from ``units`` where given, see ``running_by_month``), then each
    feasible alternative's, measured against the plan."""
    if units:
        plan = monthly_cash_flow(
            "plan",
            [capex] + [0.0] * months,
            running_by_month(units, months),
            residual,
            rate_per_year=rate_per_year,
        )
    else:
        plan = cash_flow(
            "plan", capex=capex, opex=opex, residual=residual, months=months, rate_per_year=rate_per_year
        )
    out = [plan]
    for alt in alternatives:
        if alt.total_cost is None or alt.capex is None or alt.opex is None:
            continue
        flow = cash_flow(
            alt.name,
            capex=alt.capex,
            opex=alt.opex,
            residual=alt.residual_value or 0.0,
            months=months,
            rate_per_year=rate_per_year,
        )
        out.append(against(plan, flow))
    return tuple(out)
