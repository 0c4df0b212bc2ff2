"""Build the PuLP model from ``ProblemData``, run HiGHS (default) or CBC, and read back integer values.

The solver is always named explicitly; a non-optimal status is data (``Solution.status``), never an assert.
HiGHS runs single-threaded with a fixed seed so the same input gives the same plan.
"""

from __future__ import annotations

import math
import os
import sys
import threading
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from planner import deadline
from planner.errors import PlannerError
from planner.ilp.constraints import CONSTRAINT_FAMILIES, Model, build_variables
from planner.ilp.data import ProblemData
from planner.ilp.incumbent import Point, cheapest_alone, evaluate
from planner.ilp.lp import pulp
from planner.ilp.objective import set_objective, shared_gpu_cost
from planner.ilp.presolve import presolve as drop_dominated
from planner.ilp.watchdog import GuardedHighs

HIGHS_HEURISTIC_EFFORT = 0.3
"""HiGHS's share of MIP effort on primal heuristics (its default is 0.05): the large exact programs of column
generation find far better incumbents within their time with more, and small programs are unchanged."""
DEFAULT_MIP_GAP = 1e-4
"""Relative gap at which a solve counts as optimal, unless the caller asks for another."""
SolverName = Literal["highs", "cbc"]
SolveStatus = Literal["optimal", "feasible", "infeasible", "no_solution"]
SOLVERS: tuple[str, ...] = ("highs", "cbc")
HANDOVER_FACTOR = 1.0
"""PuLP hands a built model to the solver in about as long again as it took to build (figures:
docs/benchmarks.md, "The figures behind the tuned constants"), and
the solver's clock starts only then: its limit is the call's less the time before it and this much again,
so that a call ends near its limit (``whole_call``; at least ``MIN_SOLVER_SHARE`` of it)."""
MIN_SOLVER_SHARE = 0.25
"""The least share of a call's limit its solver is given, however long the model took to build."""
HIGHS_PRESOLVE_RULES_OFF = 1 << 15
"""HiGHS presolve rule 15 (probing) is off: it took most of the solve time on small programs and proves
nothing our integer columns need."""


@dataclass(frozen=True)
class Solution:
    status: SolveStatus
    objective: float
    best_bound: float
    gap: float
    units: dict[str, int] = field(default_factory=dict)
    use: dict[str, int] = field(default_factory=dict)
    slack: dict[str, float] = field(default_factory=dict)
    share: dict[str, int] = field(default_factory=dict)
    shared_gpus: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    solver: str = ""
    variables: int = 0
    constraints: int = 0


def build_model(data: ProblemData, *, elastic: bool = False) -> Model:
    m = build_variables(data, elastic=elastic)
    for add in CONSTRAINT_FAMILIES:
        add(m)
    set_objective(m)
    return m


_BANNER_SILENCED: list[bool] = []
_BANNER_LOCK = threading.Lock()


def _silence_highs_banner() -> None:
    """highspy prints a copyright banner on stdout the first time a ``Highs`` object is made, even with
    ``msg=False``; ``--format json`` must print one JSON object and nothing else. Make that first object with
    file descriptor 1 pointed at /dev/null. Under a lock: the large-fleet strategy solves in two threads, and
    neither may make its first object before the banner is gone."""
    with _BANNER_LOCK:
        if _BANNER_SILENCED:
            return
        try:
            import highspy
        except ImportError:
            _BANNER_SILENCED.append(True)
            return
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _BANNER_SILENCED.append(True)


def _make_solver(solver: str, time_limit_s: float, mip_gap: float) -> Any:
    time_limit_s = deadline.cap(time_limit_s)
    if solver == "highs":
        _silence_highs_banner()
        if not pulp.HiGHS(msg=False).available():
            raise PlannerError("solver highs is not available (install highspy, or use --solver cbc)")
        return GuardedHighs(
            msg=False,
            timeLimit=time_limit_s,
            gapRel=mip_gap,
            threads=1,
            random_seed=0,
            mip_abs_gap=1e-6,
            presolve_rule_off=HIGHS_PRESOLVE_RULES_OFF,
            mip_heuristic_effort=HIGHS_HEURISTIC_EFFORT,
        )
    if solver == "cbc":
        # PuLP 4 drops the bundled CBC (PULP_CBC_CMD) for COIN_CMD with a CBC from ``pulp[cbc]`` or the PATH;
        # PuLP 3 on Python 3.11 still bundles it and only warns. Prefer COIN_CMD where it finds a CBC.
        cbc = pulp.COIN_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=1)
        if not cbc.available() and hasattr(pulp, "PULP_CBC_CMD"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                cbc = pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit_s, gapRel=mip_gap, threads=1)
        if not cbc.available():
            raise PlannerError("solver cbc is not available (use --solver highs)")
        return cbc
    raise PlannerError(f"unknown solver {solver!r} (use one of {', '.join(SOLVERS)})")


def solve_problem(
    data: ProblemData,
    *,
    solver: str = "highs",
    time_limit_s: float = 60.0,
    mip_gap: float = DEFAULT_MIP_GAP,
    elastic: bool = False,
    presolve: bool = True,
    start: Mapping[str, float] | None = None,
    whole_call: bool = False,
) -> Solution:
    """Solve to optimality or to the time limit; ``status`` says which.

    ``whole_call``: the time limit bounds the whole call, model build and handover included
    (``HANDOVER_FACTOR``), not only the solver's own clock; the large-fleet strategy, whose stages share one
    limit, asks for it.

    ``start``: a known plan as values of ``units`` (option id) and ``use`` (pattern id); the solution is never
    worse than it (where it satisfies every row). It is kept beside the solver's answer, not handed to HiGHS
    as a first incumbent: HiGHS then stays near it instead of finding better plans.

    ``presolve`` first drops options another option dominates (``ilp.presolve``: exact, the optimum is
    unchanged); dropped options and their patterns read 0 in the solution.
    """
    if not data.workloads:
        return Solution("optimal", 0.0, 0.0, 0.0, solver=solver)
    if any(not data.placeable(w) for w in data.workloads):
        return Solution("infeasible", math.inf, math.inf, math.inf, solver=solver)
    if deadline.expired():  # no time left to build the model, let alone solve it
        return Solution("no_solution", math.inf, math.inf, math.inf, solver=solver)
    entered = time.perf_counter()
    full = data
    if presolve:
        data = drop_dominated(data)
    m = build_model(data, elastic=elastic)
    spent = (time.perf_counter() - entered) * (1 + HANDOVER_FACTOR) if whole_call else 0.0
    backend = _make_solver(solver, max(time_limit_s - spent, time_limit_s * MIN_SOLVER_SHARE), mip_gap)
    began = time.perf_counter()
    m.prob.solve(backend)
    seconds = time.perf_counter() - began
    n_vars, n_rows = len(m.prob.variables()), len(m.prob.constraints())
    if m.prob.sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        status: SolveStatus = "infeasible" if m.prob.status == pulp.LpStatusInfeasible else "no_solution"
        fallback = _fallback(full, start) if status == "no_solution" and not elastic else None
        if fallback is not None:
            objective, units, use = fallback
            # HiGHS's dual bound holds without a plan (large fleets: the relaxation's bound within seconds).
            proven = min(max(_best_bound(m, backend, objective, False), 0.0), objective)
            return Solution(
                "feasible",
                objective,
                proven,
                (objective - proven) / objective if objective > 0 else 0.0,
                units,
                use,
                seconds=seconds,
                solver=solver,
                variables=n_vars,
                constraints=n_rows,
            )
        return Solution(
            status,
            math.inf,
            math.inf,
            math.inf,
            seconds=seconds,
            solver=solver,
            variables=n_vars,
            constraints=n_rows,
        )
    units = dict.fromkeys((o.id for o in full.options), 0) | {o: _int(v) for o, v in m.units.items()}
    use = dict.fromkeys((p.id for p in full.patterns), 0) | {p: _int(v) for p, v in m.use.items()}
    slack = {k: float(v.value() or 0.0) for k, v in m.slack.items()}
    share = dict.fromkeys((s.id for s in full.shared), 0) | {s: _int(v) for s, v in m.share.items()}
    shared_gpus = {o: _int(v) for o, v in m.shared_gpus.items()}
    objective = (
        sum(o.fixed_cost * units[o.id] for o in data.options)
        + sum(p.cost * use[p.id] for p in data.patterns)
        + sum(s.cost * share[s.id] for s in data.shared)
        + sum(shared_gpu_cost(m, key) * n for key, n in shared_gpus.items())
    )
    optimal = m.prob.sol_status == pulp.LpSolutionOptimal
    bound = _best_bound(m, backend, objective, optimal)
    known = evaluate(full, start) if start and not elastic else None
    if known is not None and known[0] < objective - 1e-9:
        # The solver stopped on a plan worse than the one it was told about: keep the known one.
        objective, units, use = known
        share = dict.fromkeys(share, 0)
        shared_gpus = dict.fromkeys(shared_gpus, 0)
        optimal = False
    bound = min(bound, objective)
    gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / abs(objective))
    proven = (optimal or gap <= 1e-9) and gap <= mip_gap + 1e-9
    status = "optimal" if proven else "feasible"
    return Solution(
        status, objective, bound, gap, units, use, slack, share, shared_gpus, seconds, solver, n_vars, n_rows
    )


def _fallback(data: ProblemData, start: Mapping[str, float] | None) -> Point | None:
    """The cheaper of the caller's start and every replica alone, where either satisfies every row
    (``ilp.incumbent``): the solver stopped without a plan, which proves nothing about feasibility."""
    found = [evaluate(data, values) for values in (start or {}, cheapest_alone(data)) if values]
    plans = [f for f in found if f is not None]
    return min(plans, key=lambda f: f[0]) if plans else None


def _int(var: Any) -> int:
    value = var.value()
    return 0 if value is None else round(value)


def _best_bound(m: Model, backend: Any, objective: float, optimal: bool) -> float:
    """HiGHS reports its MIP dual bound (through its callbacks where the call stopped waiting for it:
    ``ilp.watchdog``). CBC through PuLP does not: an optimal CBC run's bound is its objective, and a stopped
    one only has the trivial bound 0 (costs are never negative), so its gap says "not proven" instead of
    pretending to be optimal."""
    if isinstance(backend, GuardedHighs) and backend.abandoned:
        return backend.dual_bound if math.isfinite(backend.dual_bound) else 0.0
    if isinstance(backend, GuardedHighs):
        highs = getattr(m.prob, "solverModel", None)
        if highs is not None:
            bound = float(highs.getInfo().mip_dual_bound)
            if math.isfinite(bound):
                return bound
    return objective if optimal else 0.0


@dataclass(frozen=True)
class LpSolution:
    """The linear relaxation of the pattern model: its optimum and the row duals column generation prices
    new patterns with (solving.colgen). Duals follow HiGHS's sign convention for a minimisation: a "<="
    row's dual is <= 0."""

    status: Literal["optimal", "infeasible", "no_solution"]
    objective: float
    demand: dict[str, float] = field(default_factory=dict)
    capacity: dict[str, float] = field(default_factory=dict)
    running: float = 0.0
    """The duals of the rows that count running costs (the monthly budget's), summed: what a unit of running
    cost per month is worth in the objective."""
    values: dict[str, float] = field(default_factory=dict)
    units_reduced_cost: dict[str, float] = field(default_factory=dict)
    units: dict[str, float] = field(default_factory=dict)
    """Units by option id (``solve_lp`` only)."""
    share: dict[str, float] = field(default_factory=dict)
    """Replicas by shared entry id, on the shared GPUs of large fleets (``solve_lp`` only)."""
    shared_gpus: dict[str, float] = field(default_factory=dict)
    """Shared GPUs by ``pool_key`` (large fleets, ``solve_lp`` only)."""
    mip: Any = field(default=None, compare=False, repr=False)
    """The model as HiGHS held it (a ``highspy.HighsModel``), its integer columns marked integer again and the
    copy bounds still dropped: an integer program that relaxes the caller's (``solve_lp(keep_model=True)``
    only; solving.rootbound)."""


def solve_lp(data: ProblemData, *, time_limit_s: float = 60.0, keep_model: bool = False) -> LpSolution:
    """Solve the LP relaxation with HiGHS: every variable continuous and the copy bounds of patterns dropped,
    so it is a relaxation of the integer program whatever columns are missing from it (its optimum over all
    columns is a valid lower bound). ``keep_model`` also returns HiGHS's copy of the model with its integer
    columns integer (``LpSolution.mip``), so that an integer solve of it needs no second build."""
    if deadline.expired():
        return LpSolution("no_solution", math.inf)
    m = build_model(data)
    integer = [v for v in m.prob.variables() if v.cat == pulp.LpInteger]
    for v in m.use.values():
        v.upBound = None
    for v in m.prob.variables():
        v.cat = pulp.LpContinuous
    _silence_highs_banner()
    m.prob.solve(pulp.HiGHS(msg=False, timeLimit=deadline.cap(time_limit_s), threads=1, random_seed=0))
    if m.prob.status != pulp.LpStatusOptimal:
        status: Literal["infeasible", "no_solution"] = (
            "infeasible" if m.prob.status == pulp.LpStatusInfeasible else "no_solution"
        )
        return LpSolution(status, math.inf)
    rows = {row.name: row for row in m.prob.constraints()}
    running = [rows.get(f"{row.name}__total") for row in data.limits if row.running]
    return LpSolution(
        "optimal",
        float(pulp.value(m.prob.objective) or 0.0),
        demand={w: float(rows[f"demand__{w}"].pi or 0.0) for w in data.workloads},
        capacity={o.id: float(rows[f"capacity__{o.id}"].pi or 0.0) for o in data.options},
        running=sum(float(row.pi or 0.0) for row in running if row is not None),
        values={p: float(v.value() or 0.0) for p, v in m.use.items()},
        units_reduced_cost={o: float(v.dj or 0.0) for o, v in m.units.items()},
        units={o: float(v.value() or 0.0) for o, v in m.units.items()},
        share={s: float(v.value() or 0.0) for s, v in m.share.items()},
        shared_gpus={k: float(v.value() or 0.0) for k, v in m.shared_gpus.items()},
        mip=_integer_model(m.prob.solverModel, [v.index for v in integer]) if keep_model else None,
    )


def _integer_model(highs: Any, columns: list[int]) -> Any:
    """HiGHS's copy of a solved model with ``columns`` integer (every other column as it was)."""
    import highspy

    model = highs.getModel()
    lp = model.lp_
    kinds = list(lp.integrality_) or [highspy.HighsVarType.kContinuous] * lp.num_col_
    for column in columns:
        kinds[column] = highspy.HighsVarType.kInteger
    lp.integrality_ = kinds
    model.lp_ = lp
    return model
