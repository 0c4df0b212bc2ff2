"""Stage 5-6 for demand over time: each period's solution laid out on units as a one-period plan is, then
joined into one ``Plan`` whose units say when they are bought or rented (``solving.periods``).

- A bought unit ``system#i`` is bought when the first period that has i units of the system begins, and is
  kept to the horizon's end: its capex is paid then, its residual value is what it is worth after the
  months it is held (``finance``), its energy and hosting run in every period it is held (idle or not).
- An owned unit runs in the periods that use it; its cost is theirs.
- A cloud unit is rented for one period: ``offer#i@<first>-<last month>``.

Each replica keeps one assignment per period it runs in; the replica shares of a unit are scaled so that
they sum to the unit's cost, and the replica shares sum to the plan's total as in a one-period plan. Each
period is laid out knowing where the one before placed its replicas (``assemble.units.Kept``), so a replica
whose unit is still held, with room on the same GPUs, stays there rather than move for nothing; the units
bought, rented and run, and so the cost, are the plain layout's.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from planner import __version__
from planner.assemble.cashflow import against, monthly_cash_flow
from planner.assemble.checkpoint import checkpoints_of
from planner.assemble.merged import split_assembled
from planner.assemble.plan import plan_gap
from planner.assemble.summary import assumptions, workload_summaries
from planner.assemble.units import Assembled, assemble
from planner.errors import PlannerError
from planner.placement.candidates import Candidates
from planner.placement.merge import Merged, split_candidates
from planner.placement.rates import on_demand_months, residual_share
from planner.plan import (
    CLOUD_CATEGORY,
    COST_CATEGORIES,
    TERM_MONTHS,
    Alternative,
    Assignment,
    Assumption,
    CashFlow,
    Plan,
    PlanPeriod,
    PlanUnit,
    WorkloadSummary,
)
from planner.scenario.periods import GROWTH_STEP_MONTHS, growth_step
from planner.scenario.schema import Scenario
from planner.solving.alternatives import saving
from planner.solving.periods import PeriodAlternative, Stacked, net_price

KeptPlaces = dict[str, list[list[tuple[str, int, int]]]]
"""``assemble.units.Kept`` as built here: per offer, per unit place, (workload, first GPU, GPUs)."""


@dataclass(frozen=True)
class Layout:
    """A stacked solution laid out on units over the periods: what a plan over periods is made of."""

    units: tuple[PlanUnit, ...]
    assignments: list[Assignment]
    periods: list[PlanPeriod]
    summaries: dict[str, WorkloadSummary]
    built: list[Assembled | None]

    def money(self, scenario: Scenario, name: str) -> tuple[float, float, float, CashFlow]:
        """Total cost, purchases and residual value of the units, and the cash flow named ``name``: the
        plan's and each alternative's by one rule."""
        total = sum(u.cost for u in self.units)
        capex = sum(u.capex for u in self.units)
        residual = sum(u.residual_value for u in self.units)
        rate = scenario.finance.discount_rate_per_year
        return (
            total,
            capex,
            residual,
            period_cash_flow(name, scenario.horizon_months, self.periods, residual, rate),
        )


def build_period_plan(
    scenario: Scenario,
    stacked: Stacked,
    alternatives: Sequence[PeriodAlternative] = (),
    *,
    solver: str,
    mip_gap: float,
    start: float,
) -> Plan:
    """The plan over every period (module docstring), and each alternative solved over the same periods
    laid out and priced the same way, its cash flow measured against the plan's; ``start`` is when the run
    began."""
    horizon = scenario.horizon_months
    laid = lay_out(scenario, stacked)
    plan_units, assignments, periods, built = laid.units, laid.assignments, laid.periods, laid.built
    total, capex, residual, flow = laid.money(scenario, "plan")
    opex = total - capex + residual
    rate = scenario.finance.discount_rate_per_year
    priced = [price_alternative(scenario, a, flow, total) for a in alternatives]
    flows = (flow, *(f for _, f in priced if f is not None))
    cost_by_category = dict.fromkeys(COST_CATEGORIES, 0.0)
    for u in plan_units:
        if u.kind == "cloud":
            cost_by_category[CLOUD_CATEGORY[u.pricing]] += u.cost
        else:
            cost_by_category["purchase"] += u.capex
            cost_by_category["residual"] -= u.residual_value
            cost_by_category["energy"] += u.energy_cost
            cost_by_category["hosting"] += u.hosting_cost
    by_workload: dict[str, float] = defaultdict(float)
    for a in assignments:
        by_workload[a.workload] += a.cost
    workloads = tuple(
        laid.summaries[w.name].model_copy(update={"cost": by_workload[w.name]})
        for w in scenario.workloads
        if w.name in laid.summaries
    )
    solution = stacked.solution
    bound, gap, proven = plan_gap(solution, total, mip_gap)
    latest = next(k for k in reversed(range(len(built))) if built[k] is not None)
    last_candidates = stacked.periods[latest].candidates
    if last_candidates is None:
        raise PlannerError("internal error: no period runs a workload")
    everything = Assembled(units=list(plan_units), assignments=assignments)
    notes = tuple(
        _residual_note(scenario, plan_units, a)
        if (a.category, a.name) == ("finance", "residual value")
        else a
        for a in assumptions(scenario, last_candidates, everything, solution)
    ) + _period_notes(scenario, periods)
    return Plan(
        scenario=scenario.name,
        status="optimal" if proven else "feasible",
        currency=scenario.currency,
        horizon_months=horizon,
        total_cost=total,
        capex=capex,
        opex=opex,
        opex_per_month=opex / horizon,
        residual_value=residual,
        npv=flow.npv,
        discount_rate_per_year=rate,
        best_bound=bound,
        gap=gap,
        solver=solver,
        solve_seconds=round(time.perf_counter() - start, 3),
        units=plan_units,
        assignments=tuple(assignments),
        workloads=workloads,
        alternatives=tuple(a for a, _ in priced),
        assumptions=notes,
        cost_by_category=cost_by_category,
        cash_flows=flows,
        periods=tuple(periods),
        planner_version=__version__,
        usd_to_currency=scenario.usd_to_currency,
        usd_to_currency_as_of=scenario.usd_to_currency_as_of,
    ).with_replica_memory()


def price_alternative(
    scenario: Scenario, solved: PeriodAlternative, plan: CashFlow, plan_cost: float
) -> tuple[Alternative, CashFlow | None]:
    """An alternative solved over the periods, laid out on units as the plan is: its purchases, running
    costs and residual value, and its month-by-month cash flow against the plan's (``cashflow.against``).
    One without a plan is returned as solved, without a flow."""
    alt = solved.alternative
    if solved.stacked is None or alt.total_cost is None:
        return alt, None
    total, capex, residual, flow = lay_out(scenario, solved.stacked, with_summaries=False).money(
        scenario, alt.name
    )
    priced = alt.model_copy(
        update={
            "total_cost": total,
            "saving": saving(total, plan_cost),
            "best_bound": min(alt.best_bound if alt.best_bound is not None else total, total),
            "capex": capex,
            "opex": total - capex + residual,
            "residual_value": residual,
        }
    )
    return priced, against(plan, flow)


def period_cash_flow(
    name: str, horizon: int, periods: Sequence[PlanPeriod], residual: float, rate_per_year: float
) -> CashFlow:
    """A plan's flow over periods (``assemble.cashflow``): each period's purchases when it begins, its
    running cost spread evenly over its months, the residual value back at the end."""
    up_front = [0.0] * (horizon + 1)
    monthly = [0.0] * (horizon + 1)
    for p in periods:
        up_front[p.start_month - 1] += p.capex
        for month in range(p.start_month, p.end_month + 1):
            monthly[month] = p.running / (p.end_month - p.start_month + 1)
    return monthly_cash_flow(name, up_front, monthly, residual, rate_per_year=rate_per_year)


def lay_out(scenario: Scenario, stacked: Stacked, *, with_summaries: bool = True) -> Layout:
    """Each period's solution on units, joined over the periods (module docstring); ``with_summaries``: the
    workloads' summaries too (an alternative's layout needs only its units and periods)."""
    horizon = scenario.horizon_months
    built: list[Assembled | None] = []
    kept: KeptPlaces = {}
    for pp in stacked.periods:
        if pp.candidates is None or pp.solution is None or pp.merged is None:
            built.append(None)
            continue
        checkpoints = checkpoints_of(pp.merged.scenario)
        laid = assemble(pp.candidates, pp.solution, checkpoints, _in_merged_names(kept, pp.merged))
        split = split_assembled(laid, pp.merged, kept)
        built.append(split)
        kept = _kept(split, kept, set(stacked.chain_offer) | _owned_keys(pp.candidates))

    # Chained units (bought, reserved): unit i of a chain starts in the first period with at least i units,
    # and is the unit in place i of its offer (``Assembled.slots``) in every period's layout: a place may
    # hold nothing in a period (its unit held idle while a replica kept its own).
    layout: list[dict[tuple[str, int], str]] = []  # per period: (chain key, i) -> the period's unit id
    for b in built:
        here: dict[tuple[str, int], str] = {}
        for uid, (key, place) in {} if b is None else b.slots.items():
            if key in stacked.chain_offer:
                here[(key, place + 1)] = uid
        layout.append(here)
    bought: dict[str, PlanUnit] = {}
    chain_id: list[dict[str, str]] = [{} for _ in built]  # per period: the period's unit id -> the plan's
    # (unit id, period index) -> its running cost there: energy, hosting and rent apart, so that the reports
    # can restate each from the input it comes from (PlanPeriod.energy, .hosting, .rent)
    running_in: dict[tuple[str, int], tuple[float, float, float]] = {}
    numbers: dict[str, int] = defaultdict(int)
    for key, ids in stacked.chains.items():
        offer = stacked.chain_offer[key]
        k0 = len(stacked.periods) - len(ids)  # a chain runs from its first period to the last
        priced = stacked.priced[key]  # the months its offer was priced for
        energy_pm, hosting_pm = offer.fixed_energy / priced, offer.hosting / priced
        # A period's layout may open more units than its program bought (replicas kept apart by machine
        # beside replicas that fill whole machines): those are bought too, and the plan's cost and gap say
        # so, as on a single period (assemble.units._lay_out).
        counts = [
            max([stacked.solution.units.get(sid, 0), *(i for k, i in layout[k0 + j] if k == key)])
            for j, sid in enumerate(ids)
        ]
        for i in range(1, max(counts, default=0) + 1):
            first = k0 + next(j for j, n in enumerate(counts) if n >= i)
            begins = stacked.periods[first].period.start
            held = horizon - begins + 1
            numbers[offer.option] += 1
            uid = f"{offer.option}#{numbers[offer.option]}"
            if offer.kind == "cloud":
                uid = f"{offer.option}#r{numbers[offer.option]}@{begins}-{horizon}"
            price = net_price(scenario, offer, begins)
            energy = hosting = 0.0
            template: PlanUnit | None = None
            for k in range(first, len(stacked.periods)):
                months = stacked.periods[k].period.months
                there = _unit(built[k], layout[k].get((key, i)))
                if there is not None:
                    chain_id[k][there.id] = uid
                period_energy = there.energy_cost if there is not None else energy_pm * months
                template = template or there
                energy += period_energy
                hosting += hosting_pm * months
                rent = 0.0 if offer.kind == "bought" else price * months / held
                running_in[(uid, k)] = (period_energy, hosting_pm * months, rent)
            if template is None:
                raise PlannerError(f"internal error: {uid} is bought but holds nothing in any period")
            residual = 0.0 if offer.kind == "cloud" else offer.capex - price
            term = TERM_MONTHS.get(offer.pricing)
            tail = on_demand_months(offer.unit_price, held, term, offer.on_demand_price) if term else 0
            bought[uid] = template.model_copy(
                update={
                    "id": uid,
                    "cost": price + energy + hosting,
                    "residual_value": residual,
                    "energy_cost": energy,
                    "hosting_cost": hosting,
                    "start_month": begins,
                    "end_month": None,
                    "on_demand_months": tail,
                    "on_demand_price": offer.on_demand_price if tail else 0.0,
                }
            )

    units: dict[str, PlanUnit] = dict(bought)
    assignments: list[Assignment] = []
    periods: list[PlanPeriod] = []
    summaries: dict[str, WorkloadSummary] = {}
    owned_spans: dict[str, list[int]] = defaultdict(list)
    for k, (pp, b) in enumerate(zip(stacked.periods, built, strict=True)):
        period = pp.period
        renting = {
            uid.split("@")[0]: uid
            for uid, u in units.items()
            if u.kind == "cloud" and u.end_month == period.start - 1 and "#r" not in uid
        }
        rename: dict[str, str] = {}
        rented: list[str] = []
        energy_k = sum(v[0] for (_, j), v in running_in.items() if j == k)
        hosting_k = sum(v[1] for (_, j), v in running_in.items() if j == k)
        rent_k = {uid: v[2] for (uid, j), v in running_in.items() if j == k and v[2]}
        if b is not None:
            rename |= chain_id[k]
            for u in b.units:
                if u.id in rename:
                    continue  # a chained unit: priced above
                if u.kind == "cloud":
                    # Rented on from the period before (same instance, pricing and hours): one rental.
                    before = renting.get(u.id)
                    same = before is not None and units[before].hours_per_month == u.hours_per_month
                    if before is not None and same and units[before].pricing == u.pricing:
                        rename[u.id] = before
                        units[before] = units[before].model_copy(
                            update={"cost": units[before].cost + u.cost, "end_month": period.end}
                        )
                    else:
                        rename[u.id] = f"{u.id}@{period.start}"
                        units[rename[u.id]] = u.model_copy(
                            update={"id": rename[u.id], "start_month": period.start, "end_month": period.end}
                        )
                    rented.append(rename[u.id])
                    rent_k[rename[u.id]] = rent_k.get(rename[u.id], 0.0) + u.cost
                elif u.kind == "owned":
                    owned_spans[u.id].append(k)
                    units[u.id] = _add_owned(units.get(u.id), u)
                    energy_k += u.energy_cost
                    hosting_k += u.cost - u.energy_cost  # an owned unit costs its energy and hosting
            for a in b.assignments:
                assignments.append(
                    a.model_copy(
                        update={
                            "unit": rename.get(a.unit, a.unit),
                            "units": tuple(rename.get(uid, uid) for uid in a.units),
                            "start_month": period.start,
                            "end_month": period.end,
                        }
                    )
                )
        replicas: dict[str, int] = defaultdict(int)
        for a in assignments:
            if a.start_month == period.start:
                replicas[a.workload] += 1
        served: dict[str, float] = {}
        if b is not None and pp.candidates is not None and pp.merged is not None and period.scenario:
            for s in (
                ()
                if not with_summaries
                else workload_summaries(period.scenario, split_candidates(pp.candidates, pp.merged), b)
            ):
                summaries[s.name] = s  # the last period a workload runs in: its peak
                if s.performance is not None:
                    served[s.name] = s.performance.requests_per_s
        new = tuple(uid for uid, u in bought.items() if u.start_month == period.start and u.kind == "bought")
        rented += [uid for uid, u in bought.items() if u.start_month == period.start and u.kind == "cloud"]
        periods.append(
            PlanPeriod(
                start_month=period.start,
                end_month=period.end,
                replicas=dict(replicas),
                requests_per_s=served,
                bought=new,
                rented=tuple(rented),
                capex=sum(bought[uid].capex for uid in new),
                running=energy_k + hosting_k + sum(rent_k.values()),
                energy=energy_k,
                hosting=hosting_k,
                rent=rent_k,
            )
        )
    for uid, spans in owned_spans.items():
        since, until = stacked.periods[spans[0]].period, stacked.periods[spans[-1]].period
        units[uid] = units[uid].model_copy(update={"start_month": since.start, "end_month": until.end})
    # Running cost per month averaged over the horizon, as the plan's own (and the monthly budget's): a unit
    # held or rented part of the horizon counts its months' cost spread over all of them.
    units = {
        uid: u.model_copy(update={"opex_per_month": (u.cost - u.capex + u.residual_value) / horizon})
        for uid, u in units.items()
    }
    # Rentals are named by their months once they are known: ``offer#1@28-36``.
    final = {
        uid: f"{uid}-{u.end_month}"
        for uid, u in units.items()
        if u.kind == "cloud" and "#r" not in uid and "-" not in uid.rsplit("@", 1)[-1]
    }
    units = {
        final.get(uid, uid): u.model_copy(update={"id": final.get(uid, uid)}) for uid, u in units.items()
    }
    assignments = [
        a.model_copy(
            update={"unit": final.get(a.unit, a.unit), "units": tuple(final.get(uid, uid) for uid in a.units)}
        )
        for a in assignments
    ]
    periods = [
        p.model_copy(
            update={
                "rented": tuple(final.get(r, r) for r in p.rented),
                "rent": {final.get(r, r): v for r, v in p.rent.items()},
            }
        )
        for p in periods
    ]
    assignments = _scaled(assignments, units)
    return Layout(tuple(units.values()), assignments, periods, summaries, built)


def _owned_keys(c: Candidates) -> set[str]:
    return {o.key for o in c.offers.values() if o.kind == "owned"}


def _kept(
    built: Assembled,
    before: KeptPlaces,
    held: set[str],
) -> KeptPlaces:
    """Where a period placed its replicas, per offer and unit place (``assemble.units.Kept``), for the next
    period's layout to keep. A unit that stays where it is (bought, reserved, owned: ``held``) keeps what it
    held last where this period leaves it idle; a rental ends with its period."""
    on: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for a in built.assignments:
        if not a.units and a.gpu_indices:  # a replica over machines is laid by rules of its own
            on[a.unit].append((a.workload, a.gpu_indices[0], len(a.gpu_indices)))
    out = {key: [list(unit) for unit in units] for key, units in before.items() if key in held}
    for uid, (key, place) in built.slots.items():
        units = out.setdefault(key, [])
        units += [[] for _ in range(place + 1 - len(units))]
        units[place] = on.get(uid, [])
    return out


def _in_merged_names(kept: KeptPlaces, merged: Merged) -> KeptPlaces:
    """``kept`` with each workload under the name it has in a period's program: equal workloads run merged
    (``placement.merge``), and their replicas keep their places as the merged one's."""
    label = {orig: name for name, parts in merged.parts.items() for orig, _ in parts}
    return {
        key: [[(label[w], g, n) for w, g, n in unit if w in label] for unit in units]
        for key, units in kept.items()
    }


def _unit(built: Assembled | None, uid: str | None) -> PlanUnit | None:
    return None if built is None else next((u for u in built.units if u.id == uid), None)


def _add_owned(known: PlanUnit | None, u: PlanUnit) -> PlanUnit:
    """An owned unit's costs summed over the periods that use it."""
    if known is None:
        return u
    return known.model_copy(
        update={
            "cost": known.cost + u.cost,
            "energy_cost": known.energy_cost + u.energy_cost,
            "hosting_cost": known.hosting_cost + u.hosting_cost,
            "hours_per_month": max(known.hours_per_month, u.hours_per_month),
        }
    )


def _scaled(assignments: list[Assignment], units: dict[str, PlanUnit]) -> list[Assignment]:
    """Each unit's replica shares scaled to sum to its cost over the horizon (a bought unit's net price and
    the months it is held idle are spread over the replicas it holds, by their shares). A replica over
    several machines holds an equal part of its share on each of them."""
    on: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for i, a in enumerate(assignments):
        for uid in a.machines:
            on[uid].append((i, a.cost / a.nodes))
    costs = [0.0] * len(assignments)
    for uid, held in on.items():
        shares = sum(weight for _, weight in held)
        for i, weight in held:
            costs[i] += units[uid].cost * (weight / shares if shares > 0 else 1 / len(held))
    return [a.model_copy(update={"cost": cost}) for a, cost in zip(assignments, costs, strict=True)]


def _residual_note(scenario: Scenario, units: Sequence[PlanUnit], note: Assumption) -> Assumption:
    """The residual value's share as each purchase earns it: a unit bought in a later month is held fewer
    months, so more of its price is left at the horizon's end. The last period's rates stated the share of a
    unit held that period only (95 % for the growth plan's month-4 servers, which keep 45 %)."""
    horizon = scenario.horizon_months
    starts = sorted({u.start_month for u in units if u.kind == "bought" and u.start_month is not None}) or [1]
    shares = [(s, residual_share(scenario, horizon - s + 1)) for s in starts]
    if len({share for _, share in shares}) == 1 and starts == [1]:
        value = f"{shares[0][1]:.1%} of the purchase price at month {horizon}"
    else:
        first, *rest = shares
        value = (
            f"{first[1]:.1%} of the purchase price at month {horizon} for a unit bought in month {first[0]} "
            f"(held {horizon - first[0] + 1} months)"
            + "".join(f", {share:.1%} bought in month {s} (held {horizon - s + 1})" for s, share in rest)
        )
    return note.model_copy(update={"value": value})


def _period_notes(scenario: Scenario, periods: list[PlanPeriod]) -> tuple[Assumption, ...]:
    """How the horizon was cut, as the plan's assumptions say it."""
    cut = ", ".join(f"{p.start_month}-{p.end_month}" for p in periods)
    step = growth_step(scenario.horizon_months)
    rule = (
        "demand changes when a workload starts or ends and, for a growing one, every "
        f"{step} months from its start ({GROWTH_STEP_MONTHS} unless the horizon is longer than six years); "
        "each period is planned for its last month's demand, units bought stay to the horizon's end and "
        "cloud units are rented per period; the alternatives are solved over the same periods"
    )
    return (Assumption(category="policy", name="demand periods (months)", value=cut, source=rule),)
