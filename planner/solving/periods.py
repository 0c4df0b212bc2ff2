"""Demand over time: one integer program over every period of a scenario whose demand changes
(``scenario.periods``; docs/optimizer.md, "Demand over time").

Each period's plain scenario gets its own candidates (offers priced for the period's months, placements of the
workloads that run then), and the programs are stacked, ids prefixed ``t<k>_``:

- cloud units and owned units are per period: rented (or run) only in the months of the period;
- a bought system, and a reserved cloud instance, is one chain of options, from the first period it fits
  anything to the last, linked by ``units[t<k>] <= units[t<k+1>]`` (``ProblemData.links``): what is bought
  or reserved stays to the horizon's end. A unit bought when period k begins (month s_k) costs its price
  less what it is worth at the horizon's end after ``H - s_k + 1`` months (``finance``); a reservation
  started then pays every hour of each term it starts in those months. With N_k that net price, the
  chain's units in period k cost ``running_k + N_k - N_{k+1}`` (N past the last period is 0): summed over
  the chain this is exactly each unit's net price in the period it starts plus its running cost (energy,
  hosting) in every period it is held;
- the capex budget counts every purchase once (the chain's last period), the monthly budget the running cost
  averaged over the horizon, and every other limit (power, rack space, provider quotas) holds in each period.

No co-location patterns are shared between periods and the large-fleet path is not taken: a multi-period
scenario past the pattern budget is refused in one line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace

from planner.catalog.schema import Catalog
from planner.errors import InfeasibleError, PlannerError
from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.limits import LimitRow
from planner.ilp.solve import Solution, solve_problem
from planner.placement.candidates import Candidates, build_candidates
from planner.placement.explain import explain_unplaceable
from planner.placement.memory import MemoryFn
from planner.placement.merge import Merged, merge_equivalent
from planner.placement.offers import Offer
from planner.placement.rates import reserved_rent, residual_share
from planner.plan import TERM_MONTHS, Alternative
from planner.scenario.periods import Period, demand_periods
from planner.scenario.schema import Scenario
from planner.solving.alternatives import (
    Clock,
    best_single_gpu,
    not_on_offer,
    saving,
    solved,
    workload_names,
)
from planner.solving.diagnose import explain_limits, shortfall


@dataclass(frozen=True)
class PeriodPlan:
    """One period's own program: its months, its merged scenario and candidates, and its part of the
    solution (ids without the prefix)."""

    period: Period
    merged: Merged | None
    candidates: Candidates | None
    solution: Solution | None


@dataclass(frozen=True)
class Program:
    """The stacked program and how its options map to offers (see the module docstring)."""

    data: ProblemData
    chains: dict[str, tuple[str, ...]]
    """Offer key of a bought system or a reservation -> its stacked option ids, one per period from the first
    it fits to the last (from the first period of all where every purchase is made up front)."""
    chain_offer: dict[str, Offer]
    priced: dict[str, int]
    """Offer key of a chain -> the months of the period its offer was priced for (its running cost per
    month is the offer's over those months)."""
    offers: dict[str, Offer]
    """Stacked option id -> its offer (a held unit's too)."""


@dataclass(frozen=True)
class Stacked:
    """The periods, the stacked program, its solution and how each bought chain is priced."""

    periods: tuple[PeriodPlan, ...]
    data: ProblemData
    solution: Solution
    chains: dict[str, tuple[str, ...]]
    """Offer key of a bought system or a reservation -> its stacked option ids (``Program.chains``)."""
    chain_offer: dict[str, Offer]
    priced: dict[str, int]
    """Offer key of a chain -> the months its offer was priced for (``Program.priced``)."""


@dataclass(frozen=True)
class PeriodAlternative:
    """An alternative solved over the periods: as the solver left it, and where it has a plan, that plan's
    periods and solution, for ``assemble.periods`` to lay out and price month by month as the plan is."""

    alternative: Alternative
    stacked: Stacked | None = None


def chained(offer: Offer) -> bool:
    """Whether units of the offer, once started, stay to the horizon's end: bought and reserved."""
    return offer.kind == "bought" or offer.pricing in TERM_MONTHS


def net_price(scenario: Scenario, offer: Offer, begins: int) -> float:
    """What a unit started when month ``begins`` begins costs, beyond its running costs, to the horizon's
    end: a purchase less its residual value, or a reservation's every hour of each term it starts (the months
    past its last whole term on demand where cheaper, ``rates.on_demand_months``)."""
    held = scenario.horizon_months - begins + 1
    if offer.kind == "bought":
        return offer.capex * (1 - residual_share(scenario, held))
    return reserved_rent(offer.unit_price, held, TERM_MONTHS[offer.pricing], offer.on_demand_price)


def solve_periods(
    scenario: Scenario,
    catalog: Catalog,
    memory: MemoryFn,
    *,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
) -> Stacked:
    """The cheapest plan over all periods; raises ``InfeasibleError`` saying what would make one exist."""
    plans = period_programs(scenario, catalog, memory)
    program = stack(scenario, [(p, c) for p, _, c in plans])
    data = program.data
    solution = solve_problem(data, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap, presolve=False)
    if solution.status == "infeasible":
        short = shortfall(data, solver=solver, time_limit_s=time_limit_s)
        raise InfeasibleError(
            f"no plan meets every period's demand within the budgets and limits: {short}"
            if short
            else _first_period_without_plan(plans, solver=solver, time_limit_s=time_limit_s)
            or "no plan meets every period's demand with the hardware, stock and owned inventory allowed"
        )
    if solution.status == "no_solution":
        raise InfeasibleError(
            f"no plan found within the time limit of {time_limit_s:g} s ({solver}); raise --time-limit"
        )
    return _stacked(plans, program, solution)


PeriodPrograms = list[tuple[Period, Merged | None, Candidates | None]]
"""Each period, its merged scenario and its candidates (None for a period where nothing runs)."""


def _first_period_without_plan(plans: PeriodPrograms, *, solver: str, time_limit_s: float) -> str:
    """Why the first period that has no plan on its own has none, as a one-period scenario is told
    ("months 6-12: no plan fits the owned hardware (owned): a's min_replicas: 2 ..."); empty where each
    period has one alone. Said only "no plan meets every period's demand with the hardware ... allowed"."""
    for period, merged, c in plans:
        if c is None or merged is None:
            continue
        alone = solve_problem(c.data, solver=solver, time_limit_s=min(time_limit_s, 10.0))
        if alone.status == "infeasible":
            why = explain_limits(merged.scenario, c, solver=solver, time_limit_s=min(time_limit_s, 10.0))
            return f"months {period.start}-{period.end}: {why}"
    return ""


def period_programs(scenario: Scenario, catalog: Catalog, memory: MemoryFn) -> PeriodPrograms:
    """Each period's own candidates (module docstring)."""
    plans: PeriodPrograms = []
    for period in demand_periods(scenario):
        if period.scenario is None:
            plans.append((period, None, None))
            continue
        merged = merge_equivalent(period.scenario)
        candidates = build_candidates(merged.scenario, catalog, memory, prune=False)
        explain_unplaceable(merged.scenario, candidates)
        if candidates.data.shared:
            raise PlannerError(
                f"months {period.start}-{period.end}: more ways to share GPUs than the exact program takes; "
                "a scenario whose demand changes over time (start_month, end_month, growth_per_month) is "
                "not planned on the large-fleet path: drop those fields or split the scenario"
            )
        plans.append((period, merged, candidates))
    return plans


def _stacked(plans: PeriodPrograms, program: Program, solution: Solution) -> Stacked:
    """The solution of a stacked program cut into its periods."""
    periods = tuple(
        PeriodPlan(p, m, c, None if c is None else _part(solution, k)) for k, (p, m, c) in enumerate(plans)
    )
    return Stacked(periods, program.data, solution, program.chains, program.chain_offer, program.priced)


def prefix(k: int) -> str:
    """The id prefix of period ``k`` (0-based) in the stacked program."""
    return f"t{k + 1}_"


def _part(solution: Solution, k: int) -> Solution:
    """Period ``k``'s values, ids without the prefix (the form ``assemble`` reads)."""
    pre = prefix(k)

    def own(values: dict[str, int]) -> dict[str, int]:
        return {key[len(pre) :]: v for key, v in values.items() if key.startswith(pre)}

    return replace(solution, units=own(solution.units), use=own(solution.use), share={}, shared_gpus={})


def stack(
    scenario: Scenario, periods: list[tuple[Period, Candidates | None]], *, up_front: bool = False
) -> Program:
    """The stacked program (see the module docstring) and the bought chains. ``up_front``: every chain
    starts in the first period and holds the same units in every period (all bought, or reserved, when
    month 1 begins: the ``all_bought_up_front`` alternative)."""
    horizon = scenario.horizon_months
    first: dict[str, int] = {}
    chain_offer: dict[str, Offer] = {}
    counts_of: dict[str, dict[str, float]] = {}  # offer key -> row name -> what one unit counts there
    for k, (_, c) in enumerate(periods):
        if c is None:
            continue
        for oid, offer in c.offers.items():
            if chained(offer) and oid in c.data.option_by_id and offer.key not in first:
                first[offer.key] = k
                chain_offer[offer.key] = offer
                counts_of[offer.key] = {r.name: r.coefficient(oid) for r in c.data.limits}
    net = {
        key: [net_price(scenario, offer, p.start) for p, _ in periods] + [0.0]
        for key, offer in chain_offer.items()
    }

    def running(key: str, months: int) -> float:
        """Energy and hosting of one unit over ``months`` (a reservation's rent is all in its net price)."""
        offer = chain_offer[key]
        return (offer.fixed_energy + offer.hosting) / periods[first[key]][0].months * months

    def bought_cost(key: str, k: int, months: int) -> float:
        """Running cost in period k plus the step of the net price (module docstring)."""
        return running(key, months) + net[key][k] - net[key][k + 1]

    def monthly(key: str, k: int, months: int) -> float:
        """What one unit of the chain counts in period k on the monthly budget (running costs averaged over
        the horizon): its running cost there, and a reservation's rent in the period it starts."""
        rent = 0.0 if chain_offer[key].kind == "bought" else net[key][k] - net[key][k + 1]
        return (running(key, months) + rent) / horizon

    workloads: list[str] = []
    demand: dict[str, int] = {}
    options: list[OptionData] = []
    patterns: list[PatternData] = []
    rate: dict[str, float] = {}
    served: dict[str, float] = {}
    spread: set[str] = set()
    chains: dict[str, list[str]] = {key: [] for key in chain_offer}
    offer_of: dict[str, Offer] = {}
    rows: dict[str, tuple[LimitRow, dict[str, float]]] = {}
    begins = dict.fromkeys(first, 0) if up_front else first

    def count(row: LimitRow, pre: str, sid: str, value: float, share: float, chain: float | None) -> None:
        """One unit's coefficient on ``row`` in the period of ``pre``: the monthly budget's per month of the
        period, averaged over the horizon (a chain's ``chain``); every other row as it is."""
        whole = row.running or row.name in WHOLE_HORIZON
        name = row.name if whole else pre + row.name
        if row.running:
            value = value * share if chain is None else chain
        stated = row if whole else replace(row, months=months[pre])  # its months, where it binds
        rows.setdefault(name, (stated, {}))[1][sid] = value

    months = {prefix(k): (p.start, p.end) for k, (p, _) in enumerate(periods)}
    for k, (period, c) in enumerate(periods):
        pre, share = prefix(k), period.months / horizon
        here: set[str] = set()
        if c is not None:
            d = c.data
            workloads += [pre + w for w in d.workloads]
            demand |= {pre + w: n for w, n in d.demand.items()}
            rate |= {pre + w: r for w, r in d.rate.items()}
            served |= {pre + p: s for p, s in d.served.items()}
            spread |= {pre + w for w in d.spread_machine}
            for o in d.options:
                offer = c.offers[o.id]
                sid = pre + o.id
                offer_of[sid] = offer
                chain: float | None = None
                if chained(offer):
                    here.add(offer.key)
                    chains[offer.key].append(sid)
                    options.append(replace(o, id=sid, fixed_cost=bought_cost(offer.key, k, period.months)))
                    chain = monthly(offer.key, k, period.months)
                else:
                    options.append(replace(o, id=sid))
                for row in d.limits:
                    count(row, pre, sid, row.coefficient(o.id), share, chain)
            patterns += [
                replace(
                    p,
                    id=pre + p.id,
                    option=pre + p.option,
                    counts=tuple((pre + w, n) for w, n in p.counts),
                    monthly_cost=p.monthly_cost * share,
                )
                for p in d.patterns
            ]
        for index, (key, offer) in enumerate(chain_offer.items()):
            if key in here or begins[key] > k:
                continue
            # Held through a period that places nothing on it: the units are still there and still cost.
            sid = f"{pre}held{index + 1}"
            options.append(
                OptionData(sid, offer.gpus, bought_cost(key, k, period.months), offer.max_units, offer.key)
            )
            chains[key].append(sid)
            offer_of[sid] = offer
            template = periods[first[key]][1]
            for row in () if template is None else template.data.limits:
                chain = monthly(key, k, period.months)
                count(row, pre, sid, counts_of[key].get(row.name, 0.0), share, chain)
    if "capex" in rows:  # each purchase counted once: on its chain's last period
        for ids in chains.values():
            for sid in ids[:-1]:
                rows["capex"][1][sid] = 0.0
    limits = tuple(replace(row, name=name, per_unit=per_unit) for name, (row, per_unit) in rows.items())
    links = tuple(pair for ids in chains.values() for pair in itertools.pairwise(ids))
    if up_front:  # the last period's units no more than the first's: the same units in every period
        links += tuple((ids[-1], ids[0]) for ids in chains.values() if len(ids) > 1)
    data = ProblemData(
        workloads=tuple(workloads),
        demand=demand,
        options=tuple(options),
        patterns=tuple(patterns),
        limits=limits,
        spread_machine=frozenset(spread),
        rate=rate,
        served=served,
        links=links,
    )
    return Program(
        data,
        {key: tuple(ids) for key, ids in chains.items()},
        chain_offer,
        {key: periods[k][0].months for key, k in first.items()},
        offer_of,
    )


WHOLE_HORIZON = ("capex",)
"""Rows over the whole horizon, stated once: the capex budget (and the monthly budget, a ``running`` row)."""


CHEAPEST_PER_WORKLOAD_OVER_PERIODS = (
    "priced in closed form for one period only; over periods a unit bought for one period is held in the next"
)


def solve_period_alternatives(
    scenario: Scenario,
    stacked: Stacked,
    plan_cost: float,
    *,
    solver: str,
    time_limit_s: float,
    keep_owned: bool = True,
) -> list[PeriodAlternative]:
    """The simpler plans of ``solving.alternatives`` over the same periods, horizon and rules as the plan:
    every alternative is the stacked program restricted to some offers (all cloud; all bought as the demand
    arrives; the best single GPU type), plus all bought up front (every chain held from month 1, the same
    units in every period). They share one time budget, ``time_limit_s``, as one-period alternatives do.
    ``cheapest_per_workload`` is reported as not applicable (``CHEAPEST_PER_WORKLOAD_OVER_PERIODS``)."""
    clock = Clock(time_limit_s)
    plans = [(pp.period, pp.merged, pp.candidates) for pp in stacked.periods]
    program = stack(scenario, [(p, c) for p, _, c in plans])
    names = {
        prefix(k) + wid: name
        for k, (_, _, c) in enumerate(plans)
        if c is not None
        for wid, name in workload_names(c).items()
    }

    def restricted(name: str, description: str, program: Program, keep: set[str]) -> PeriodAlternative:
        data = program.data.restricted(keep)
        sol = solved(name, description, names, data, solver, clock, presolve=False)
        if isinstance(sol, Alternative):
            return PeriodAlternative(sol)
        alt = Alternative(
            name=name,
            description=description,
            total_cost=sol.objective,
            status=sol.status,
            saving=saving(sol.objective, plan_cost),
            best_bound=min(sol.best_bound, sol.objective),
        )
        return PeriodAlternative(alt, _stacked(plans, replace(program, data=data), sol))

    def kind(program: Program, kind: str) -> set[str]:
        return {sid for sid, o in program.offers.items() if o.kind == kind}

    owned = kind(program, "owned") if keep_owned else set()
    if not keep_owned:
        program = replace(program, data=program.data.restricted(set(program.offers) - kind(program, "owned")))
    with_owned = "owned hardware and " if owned else ""
    out: list[PeriodAlternative] = []
    for name, keep, what, noun in (
        ("all_cloud", kind(program, "cloud"), "cloud instances only", "cloud instance"),
        (
            "all_bought",
            kind(program, "bought"),
            "bought hardware only, as the demand arrives",
            "system to buy",
        ),
    ):
        description = f"{with_owned}{what}"
        out.append(
            restricted(name, description, program, keep | owned)
            if keep
            else PeriodAlternative(not_on_offer(name, description, noun))
        )
    description = f"{with_owned}bought hardware only, all bought when month 1 begins"
    if kind(program, "bought"):
        ahead = stack(scenario, [(p, c) for p, _, c in plans], up_front=True)
        keep = kind(ahead, "bought") | (kind(ahead, "owned") if keep_owned else set())
        out.append(restricted("all_bought_up_front", description, ahead, keep))
    else:
        out.append(PeriodAlternative(not_on_offer("all_bought_up_front", description, "system to buy")))
    by_type: dict[str, Stacked | None] = {}

    def solve_type(what: str, keep: set[str]) -> Alternative:
        one = restricted("best_single_gpu", what, program, keep)
        by_type[what] = one.stacked
        return one.alternative

    gpus = {sid: o.gpu.name for sid, o in program.offers.items() if sid in program.data.option_by_id}
    best = best_single_gpu(gpus, program.data, clock, owned, solve_type)
    # The best type's description, or with "(k of n GPU types not tried: time limit)" after it.
    tried = (
        s
        for what, s in by_type.items()
        if best.description == what or best.description.startswith(f"{what} (")
    )
    out.append(PeriodAlternative(best, next(tried, None) if best.total_cost is not None else None))
    out.append(
        PeriodAlternative(
            Alternative(
                name="cheapest_per_workload",
                description="each workload alone on its cheapest offer, no sharing",
                total_cost=None,
                status="not applicable",
                reason=CHEAPEST_PER_WORKLOAD_OVER_PERIODS,
            )
        )
    )
    return out
