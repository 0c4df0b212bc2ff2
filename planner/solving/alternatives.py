"""Simpler plans solved beside the optimum, for the report's headline saving: what the plan saves over what a
buyer would do without it.

- all_cloud / all_bought: the same integer program restricted to cloud offers / to bought hardware.
- best_single_gpu: the same program restricted to one GPU type, the best type (Melange's baseline,
  arXiv 2404.14527); types are tried in the order of their linear relaxation's bound, and skipped where that
  bound shows they cannot beat the best found.
- cheapest_per_workload: each workload alone on the one offer that is cheapest for it, no sharing of GPUs or
  machines (what SkyPilot's optimizer does per task). Computed in closed form; infeasible where the choices
  together break the scenario's budgets, limits or stock.
Every alternative keeps the owned hardware (``finance.alternatives_keep_owned``): what a team with machines
decides is what to add to them, so the saving and the payback are on the increment. An infeasible one says
why, and by how much where a budget or limit binds (an elastic re-solve, as the plan's own diagnosis).
Each restricted solve gets at most ``ALTERNATIVE_TIME_LIMIT_S``, and all together the plan's time limit, so
big fleets stay quick; an alternative left without time is reported as skipped.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from dataclasses import replace

from planner import deadline
from planner.errors import TimeLimitError
from planner.ilp.data import ProblemData
from planner.ilp.incumbent import evaluate
from planner.ilp.limits import within
from planner.ilp.solve import DEFAULT_MIP_GAP, Solution, solve_lp, solve_problem
from planner.placement.candidates import Candidates
from planner.plan import Alternative
from planner.solving.diagnose import short_by, shortfall
from planner.solving.repack import repack

ALTERNATIVE_TIME_LIMIT_S = 10.0
"""Longest one alternative may run; all of them together get the plan's own time limit."""
MIN_SOLVE_S = 0.5
LP_TIME_LIMIT_S = 5.0
"""Longest the linear relaxation that ranks one GPU type may run (it takes a fraction of a second)."""


def saving(cost: float, plan_cost: float) -> float:
    """What the plan saves over an alternative costing ``cost``. The same units priced by two sums in
    another order differ in the last bits (research-lab: its per-workload answer is the plan, cheaper by a
    rounding error, printed as a saving of "-0"); a difference that small is no saving."""
    saving = cost - plan_cost
    return 0.0 if abs(saving) <= 1e-9 * max(1.0, abs(plan_cost)) else saving


class Clock:
    """One time budget shared by every alternative solve, so big fleets cannot run for hours."""

    def __init__(self, budget_s: float) -> None:
        self.deadline = time.perf_counter() + deadline.cap(budget_s)

    def limit(self) -> float:
        return min(ALTERNATIVE_TIME_LIMIT_S, self.deadline - time.perf_counter())


def _unplaceable(names: Mapping[str, str], data: ProblemData) -> str:
    """Why a restricted program has no plan before solving it: no offers, or a workload none of them runs.
    ``names``: solver workload id -> the scenario's name for it."""
    if not data.options:
        return "no offer of this kind is allowed or fits any workload"
    missing = {names.get(w, w) for w in data.workloads if not data.placeable(w)}
    return "no offer of this kind runs " + ", ".join(sorted(missing)) if missing else ""


def workload_names(c: Candidates) -> dict[str, str]:
    """Solver workload id -> the scenario's name for it."""
    return {wid: name for name, wid in c.workload_id.items()}


def _infeasible(
    name: str, description: str, data: ProblemData, status: str, solver: str, clock: Clock
) -> Alternative:
    """An alternative without a plan, saying which budget or limit binds and by how much where slack would
    make one (an elastic re-solve, as the plan's own diagnosis does)."""
    reason = ""
    if status == "infeasible" and clock.limit() >= MIN_SOLVE_S:
        reason = shortfall(data, solver=solver, time_limit_s=clock.limit())
    if status == "infeasible" and not reason:
        reason = "no plan within the stock, owned counts and limits"
    elif status != "infeasible" and not reason:
        reason = "the solver found no plan in its time"
    return Alternative(name=name, description=description, total_cost=None, status=status, reason=reason)


def _money(c: Candidates, units: Mapping[str, float]) -> dict[str, float]:
    """Purchases and their residual value of a solution's units (option id -> units)."""
    capex = sum(c.offers[oid].capex * n for oid, n in units.items() if oid in c.offers)
    residual = sum(c.offers[oid].residual * n for oid, n in units.items() if oid in c.offers)
    return {"capex": capex, "residual_value": residual}


def solved(
    name: str,
    description: str,
    names: Mapping[str, str],
    data: ProblemData,
    solver: str,
    clock: Clock,
    *,
    share: float = 1.0,
    presolve: bool = True,
) -> Solution | Alternative:
    """A restricted program solved within ``share`` of what is left of the budget, or, where it has no plan
    (nothing of its kind runs a workload, no time left, infeasible, nothing found), the alternative saying
    why. One path for every restricted solve, one-period and over periods (``solving.periods``)."""
    why = _unplaceable(names, data)
    if why:
        return Alternative(
            name=name, description=description, total_cost=None, status="infeasible", reason=why
        )
    limit = clock.limit()
    if limit < MIN_SOLVE_S:
        return Alternative(
            name=name,
            description=description,
            total_cost=None,
            status="skipped: time limit",
            reason="the run's time limit was spent before this alternative",
        )
    sol = solve_problem(data, solver=solver, time_limit_s=limit * share, presolve=presolve)
    if sol.status in ("infeasible", "no_solution"):
        return _infeasible(name, description, data, sol.status, solver, clock)
    return sol


def _restricted(
    name: str, description: str, c: Candidates, keep: set[str], plan_cost: float, solver: str, clock: Clock
) -> Alternative:
    data = c.data.restricted(keep)
    sol = solved(name, description, workload_names(c), data, solver, clock, share=0.5 if data.shared else 1)
    if isinstance(sol, Alternative):
        return sol
    bound = sol.best_bound
    if data.shared:
        # Large fleets: ``sol`` is the aggregate relaxation, a bound rather than a plan. Pack its shared GPUs
        # for real and solve the exact model over those patterns (as the plan itself is solved).
        # Packed within the alternative's own options: overflow placed on any other option made the start
        # infeasible there (200-workload fleet, MI325X only: 5.84 M USD without a start, 5.17 M with it).
        within = replace(c, data=data, offers={oid: o for oid, o in c.offers.items() if oid in keep})
        try:
            exact, start = repack(within, sol)
        except TimeLimitError:  # an alternative is optional: the run keeps its plan
            return Alternative(
                name=name, description=description, total_cost=None, status="skipped: time limit"
            )
        limit = max(clock.limit(), MIN_SOLVE_S)
        data = exact.data
        sol = solve_problem(data, solver=solver, time_limit_s=limit, start=start)
        if sol.status in ("infeasible", "no_solution"):
            return _infeasible(name, description, exact.data, sol.status, solver, clock)
        if sol.objective - bound > DEFAULT_MIP_GAP * sol.objective:
            sol = replace(sol, status="feasible")
    money = _money(c, sol.units)
    return Alternative(
        name=name,
        description=description,
        total_cost=sol.objective,
        status=sol.status,
        saving=saving(sol.objective, plan_cost),
        best_bound=min(bound, sol.objective),
        opex=sol.objective - money["capex"] + money["residual_value"],
        **money,
    )


def solve_alternatives(
    c: Candidates,
    plan_cost: float,
    *,
    solver: str,
    time_limit_s: float,
    parts: Mapping[str, tuple[int, ...]] | None = None,
    keep_owned: bool = True,
) -> list[Alternative]:
    """``parts``: solver workload id -> replica counts of the scenario workloads merged into it
    (placement.merge); the per-workload baseline prices each of them alone. ``keep_owned``: every
    alternative may use the owned hardware (owned + rent against owned + buy), else none may."""
    limit = Clock(time_limit_s)
    owned = {oid for oid, o in c.offers.items() if o.kind == "owned"} if keep_owned else set()
    if not keep_owned:
        c = replace(c, data=c.data.restricted({oid for oid, o in c.offers.items() if o.kind != "owned"}))
    cloud = {oid for oid, o in c.offers.items() if o.kind == "cloud"}
    bought = {oid for oid, o in c.offers.items() if o.kind == "bought"}
    with_owned = "owned hardware and " if owned else ""
    out = [
        _restricted(name, f"{with_owned}{what} only", c, keep | owned, plan_cost, solver, limit)
        if keep
        else not_on_offer(name, f"{with_owned}{what} only", kind)
        for name, keep, what, kind in (
            ("all_cloud", cloud, "cloud instances", "cloud instance"),
            ("all_bought", bought, "bought hardware", "system to buy"),
        )
    ]
    out.append(_best_single_gpu(c, plan_cost, solver, limit, owned))
    out.append(_per_workload(c, plan_cost, parts))
    return out


def not_on_offer(name: str, description: str, kind: str) -> Alternative:
    """An alternative with nothing of its kind on offer (``hardware.cloud: false``, or no instance passes
    the scenario's filters): solving it would price the owned hardware alone under a label that says
    "rent everything", so it is reported as not applicable instead."""
    return Alternative(
        name=name,
        description=description,
        total_cost=None,
        status="not applicable",
        reason=f"no {kind} is on offer to this scenario",
    )


def _best_single_gpu(
    c: Candidates, plan_cost: float, solver: str, clock: Clock, owned: set[str] | None = None
) -> Alternative:
    """The best one-GPU-type plan of a one-period program (``best_single_gpu``)."""

    def solve_type(what: str, keep: set[str]) -> Alternative:
        return _restricted("best_single_gpu", what, c, keep, plan_cost, solver, clock)

    gpus = {oid: o.gpu.name for oid, o in c.offers.items()}
    return best_single_gpu(gpus, c.data, clock, owned or set(), solve_type)


def best_single_gpu(
    gpus: Mapping[str, str],
    data: ProblemData,
    clock: Clock,
    owned: set[str],
    solve_type: Callable[[str, set[str]], Alternative],
) -> Alternative:
    """Solve each GPU type that can run every workload, lowest linear-relaxation bound first, while the time
    budget lasts; a type whose bound is no lower than the best plan found cannot beat it and is not solved.
    ``gpus``: option id -> its GPU type; ``owned``: options every type keeps; ``solve_type(description,
    options kept)`` solves one type (a one-period program, or one over periods: ``solving.periods``).

    The bound ranks by what a type costs with GPUs shared; the per-workload baseline used before did not,
    and on the 1,000-workload fleet it put the 256 GiB MI325X fourth, after three types that used up the
    budget, each dearer than it (figures: docs/benchmarks.md, "The figures behind the tuned constants").
    ``best_bound`` is the lowest bound of any type not beaten, so
    that it bounds the best type, not only the one reported."""
    ranked: list[tuple[float, float, str, set[str]]] = []
    seen: set[frozenset[str]] = set()
    # Every type offered, the owned ones too: a plan on owned cards of one type is a one-type plan (owned
    # RTX 4090s with nothing to buy or rent had no type to try and read "infeasible"). Types only owned all
    # keep the same offers (the owned ones): solved once.
    for gpu in sorted(set(gpus.values())):
        if deadline.expired():
            break  # the types ranked so far are tried; the run ends within its time limit
        keep = {oid for oid, name in gpus.items() if name == gpu} | owned
        if frozenset(keep) in seen:
            continue
        seen.add(frozenset(keep))
        one = data.restricted(keep)
        if not all(one.placeable(w) for w in one.workloads):
            continue
        lp = solve_lp(one, time_limit_s=max(min(clock.limit(), LP_TIME_LIMIT_S), MIN_SOLVE_S))
        if lp.status == "infeasible":
            continue  # budgets or limits leave this type no plan at all
        bound = lp.objective if lp.status == "optimal" else 0.0
        ranked.append((bound, _cheapest_alone(one)[0], gpu, keep))
    if not ranked:
        if deadline.expired():
            return Alternative(
                name="best_single_gpu",
                total_cost=None,
                status="skipped: time limit",
                description="no time left",
            )
        return Alternative(
            name="best_single_gpu",
            total_cost=None,
            status="infeasible",
            description="one GPU type",
            reason="no single GPU type runs every workload within the budgets and limits",
        )
    best: Alternative | None = None
    bounds: list[float] = []  # lower bounds of every type not proven worse than ``best``
    skipped = 0
    for bound, _, gpu, keep in sorted(ranked, key=lambda r: (r[0], r[1], r[2])):
        if best is not None and best.total_cost is not None and bound >= best.total_cost:
            continue  # proven no cheaper than the best plan found
        what = f"owned hardware and one GPU type: {gpu}" if owned else f"one GPU type: {gpu}"
        alt = solve_type(what, keep)
        if alt.status.startswith("skipped"):
            skipped += 1
            bounds.append(bound)
        elif alt.total_cost is not None:
            bounds.append(bound if alt.best_bound is None else max(bound, alt.best_bound))
            if best is None or alt.total_cost < (best.total_cost or math.inf):
                best = alt
    if best is None and not skipped:
        # Every type's relaxation was feasible, no type's integer program (whole machines within the budgets).
        return Alternative(
            name="best_single_gpu",
            total_cost=None,
            status="infeasible",
            description="one GPU type",
            reason="no single GPU type meets the budgets and limits with whole machines",
        )
    if best is None:
        return Alternative(
            name="best_single_gpu",
            total_cost=None,
            status="skipped: time limit",
            description="one GPU type",
            reason="the run's time limit was spent before any GPU type was solved",
        )
    update: dict[str, object] = {"best_bound": min([*bounds, best.total_cost or math.inf])}
    if skipped:
        update["status"] = "feasible"
        tried = f"{skipped} of {len(ranked)} GPU types not tried: time limit"
        update["description"] = f"{best.description} ({tried})"
    return best.model_copy(update=update)


def _cheapest_alone(
    data: ProblemData, parts: Mapping[str, tuple[int, ...]] | None = None
) -> tuple[float, dict[str, float]]:
    """Each workload alone on the one option cheapest for it: its cost (inf where a workload has none) and
    the plan as units and pattern copies by id, summed over workloads whose units are each rounded up alone
    (no machine shared)."""
    total = 0.0
    values: dict[str, float] = {}
    for w in data.workloads:
        for demand in (parts or {}).get(w, (data.demand[w],)):
            best: tuple[float, str, str, int, int] | None = None  # (cost, pattern, option, units, replicas)
            for p, n in data.patterns_with[w]:
                if n != 1 or len(p.counts) != 1:
                    continue
                option = data.option_by_id[p.option]
                need = data.most_replicas(w, p.id) if w in data.rate else demand
                units = math.ceil(need * p.gpus / option.gpus_per_unit)
                if w in data.spread_machine:
                    units = max(units, need)  # one replica per machine (``min_replicas``, spread by machine)
                if option.max_units is not None and units > option.max_units:
                    continue
                cost = units * option.fixed_cost + need * p.cost
                if best is None or (cost, p.id) < best[:2]:
                    best = (cost, p.id, option.id, units, need)
            if best is None:
                return math.inf, {}
            cost, pattern, option_id, units, need = best
            total += cost
            values[pattern] = values.get(pattern, 0) + need
            values[option_id] = values.get(option_id, 0) + units
    return total, values


def _per_workload(
    c: Candidates, plan_cost: float, parts: Mapping[str, tuple[int, ...]] | None = None
) -> Alternative:
    total, values = _cheapest_alone(c.data, parts)
    description = "each workload alone on its cheapest offer, no sharing"
    if math.isinf(total):
        return Alternative(
            name="cheapest_per_workload",
            total_cost=None,
            status="infeasible",
            description=description,
            reason=_unplaceable(workload_names(c), c.data)
            or "a workload has no offer within the stock or owned counts",
        )
    if evaluate(c.data, values) is None:
        # Chosen alone, the workloads can together break what the scenario allows (a capex budget that rules
        # out buying, the stock of a system): no plan to compare with, and a "saving" against it would be
        # negative for a plan that keeps to the budget.
        return Alternative(
            name="cheapest_per_workload",
            total_cost=None,
            status="infeasible",
            description=description,
            reason=_over_limits(c.data, values) or "the choices together exceed the stock or owned counts",
        )
    money = _money(c, {k: v for k, v in values.items() if k in c.offers})
    return Alternative(
        name="cheapest_per_workload",
        total_cost=total,
        status="optimal",
        saving=saving(total, plan_cost),
        description=description,
        opex=total - money["capex"] + money["residual_value"],
        **money,
    )


def _over_limits(data: ProblemData, values: Mapping[str, float]) -> str:
    """The rows a closed-form choice of units and pattern copies breaks, and by how much."""
    parts = []
    for row in data.limits:
        used = sum(row.coefficient(k) * v for k, v in values.items())
        if row.running:
            patterns = data.pattern_by_id
            used += sum(patterns[k].monthly_cost * v for k, v in values.items() if k in patterns)
        if not within(used, row):
            parts.append(short_by(row, used - row.bound))
    return "; ".join(parts)
