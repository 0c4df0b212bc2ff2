"""The integer program's constraints, one family per function. This docstring is the whole formulation.

Sets
    W   workloads (identical workloads may be merged upstream; each has ``demand[w]`` replicas)
    O   options: bought systems, owned inventory, cloud instance types x pricing (x hours class for on-demand
        and spot: the instance is rented that many hours and holds workloads of at most that many)
    S_o workloads whose single-GPU replicas may share GPUs of option o (large fleets only, see below)
    P_o patterns on option o: ``gpus[p]`` GPUs holding ``count[p, w]`` replicas of workload w. Either one
        replica spread over k GPUs (k a divisor of the unit's GPU count; k > 1 only on linked GPUs) or several
        single-GPU replicas whose reserved memory fits together on one GPU (co-location).

Variables
    units[o]  integer >= 0, <= max_units[o] (stock, owned count)
    use[p]    integer >= 0: copies of pattern p in the plan
    shared_gpus[o, q]  integer >= 0 (large fleets): GPUs of o set aside for sharing, pool q (full, part)
    share[o, q, w]     integer >= 0 (large fleets): replicas of w on the shared GPUs of pool q of o

Objective (objective.py)
    min  sum_o fixed_cost[o] * units[o] + sum_p cost[p] * use[p]

Constraints
    demand__w      sum_p count[p, w] * use[p] + sum_{o,q} share[o, q, w] = demand[w]      for all w
    capacity__o    sum_{p in P_o} gpus[p] * use[p] + sum_q shared_gpus[o, q] <= gpus_per_unit[o] * units[o]
    memory, count, dff, hours     the shared pools' rows (large fleets, add_shared_constraints); ccm rows
                   where ``ProblemData.packing_cuts`` asks (add_ccm_rows; off in the pipeline), gg rows for
                   ``ProblemData.pool_rows`` (Gilmore-Gomory, solving.poolbound; none in the pipeline)
    spread__w_o    sum_{p in P_o} count[p, w] * use[p] <= units[o]   for workloads spread by machine
    link__o        units[earlier] <= units[later]   for every (earlier, later) in links: demand over time
                   stacks one copy of the program per period (solving.periods), and a machine bought in
                   one period is still there in the next
    {row}__total   sum_o per_unit[row, o] * units[o] (+ running costs) <= bound[row]   for every limit row
                   the scenario sets (ilp.limits; placement.limits builds them): capex budget, monthly
                   budget (which counts sum_p monthly[p] * use[p] too), power of local hardware (watts),
                   rack units, cloud GPUs per provider

Why this packs into real machines: every pattern's GPU count divides its unit's GPU count, so the patterns of
an option, sorted by size and laid out in aligned blocks, fill ceil(sum gpus / gpus_per_unit) units exactly
(bin packing with divisible item sizes, Coffman, Garey and Johnson 1987). The assignment step in the pipeline
does exactly that, and ``check.verify`` re-checks every GPU's reservations. A pattern's memory feasibility is
decided when it is enumerated (placement.candidates), so no aggregate-memory relaxation is needed.

Large fleets: the number of co-location patterns grows as (small workloads)^8, so past a budget
(placement.colocation.PATTERN_BUDGET, counted over distinct GPU classes) they are not enumerated. The program
is then first solved in aggregate form: shared GPUs are counted per option in two pools, "full" (paid a month
of energy, shared_gpu_cost[o] each) and "part" (replicas whose hours add up to at most a month, each paying
its own hours), and every pool gets the rows of add_shared_constraints: memory, at most MAX_PER_GPU replicas,
dual feasible functions and, on "part", hours. Each row holds GPU by GPU for any real packing and every cost
is what a real plan pays or less, so this program is a relaxation and its bound (HiGHS's, with units
integer) bounds every plan. The pipeline then packs its shared GPUs for real (solving.repack), adds the
patterns column generation finds (solving.colgen), and solves the exact pattern model over both, so the plan
is exactly what the solver priced; the gap is measured against the relaxation's bound (or column
generation's, whichever is higher), never against the solver's own bound over the given patterns.
Equivalent workloads are merged upstream (placement.merge), which divides the columns.

Elastic mode (infeasibility diagnosis): budget and limit rows get a non-negative slack with a large penalty;
the slack left in the optimum says which limit binds and by how much.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from planner.ilp.data import (
    MAX_PER_GPU,
    POOLS,
    PoolRow,
    ProblemData,
    SharedData,
    pool_key,
    split_pool_key,
)
from planner.ilp.lp import pulp
from planner.units import GIB, HOURS_PER_MONTH


@dataclass
class Model:
    """A PuLP problem with its variables, built from ``ProblemData``."""

    data: ProblemData
    prob: Any
    units: dict[str, Any]
    use: dict[str, Any]
    elastic: bool = False
    slack: dict[str, Any] = field(default_factory=dict)
    share: dict[str, Any] = field(default_factory=dict)
    shared_gpus: dict[str, Any] = field(default_factory=dict)


def build_variables(data: ProblemData, *, elastic: bool = False) -> Model:
    prob = pulp.LpProblem("planner", pulp.LpMinimize)
    units = {
        o.id: prob.add_variable(f"units__{o.id}", lowBound=0, upBound=o.max_units, cat=pulp.LpInteger)
        for o in data.options
    }
    use = {}
    for p in data.patterns:
        # A copy never needs to exceed the largest demand it serves: a tight bound helps the solver.
        bound = max(-(-data.most_replicas(w, p.id) // n) for w, n in p.counts)
        use[p.id] = prob.add_variable(f"use__{p.id}", lowBound=0, upBound=bound, cat=pulp.LpInteger)
    share = {
        s.id: prob.add_variable(
            f"share__{s.id}", lowBound=0, upBound=data.demand[s.workload], cat=pulp.LpInteger
        )
        for s in data.shared
    }
    shared_gpus = {
        key: prob.add_variable(f"shared_gpus__{key}", lowBound=0, cat=pulp.LpInteger)
        for o in data.options
        for key in pool_keys(data, o.id)
    }
    return Model(
        data=data, prob=prob, units=units, use=use, elastic=elastic, share=share, shared_gpus=shared_gpus
    )


def add_demand_constraints(m: Model) -> None:
    """Every workload gets exactly its replicas.

    sum_p count[p, w] * use[p] = demand[w]   for all w

    Equality loses nothing against ">=": every sub-multiset of a feasible pattern is itself a pattern (memory
    only shrinks) and costs no more, so surplus replicas can always be dropped; replica numbers stay exact.

    A rate-stated workload (``rate``) has a floor and a rate instead:

    sum_p count[p, w] * use[p] >= demand[w]              (min_replicas, default 1)
    sum_p served[p] * count[p, w] * use[p] >= rate[w]    (requests/s; its replicas never share a GPU)
    """
    for w in m.data.workloads:
        terms = [(m.use[p.id], n) for p, n in m.data.patterns_with[w]]
        terms += [(m.share[s.id], 1) for s in m.data.shared_with[w]]
        if w in m.data.rate:
            m.prob += pulp.LpAffineExpression(terms) >= m.data.demand[w], f"demand__{w}"
            served = [(m.use[p.id], n * m.data.served[p.id]) for p, n in m.data.patterns_with[w]]
            m.prob += pulp.LpAffineExpression(served) >= m.data.rate[w], f"rate__{w}"
            continue
        m.prob += pulp.LpAffineExpression(terms) == m.data.demand[w], f"demand__{w}"


def add_capacity_constraints(m: Model) -> None:
    """GPUs used on an option never exceed the GPUs of the units bought, owned or rented there.

    sum_{p in P_o} gpus[p] * use[p] <= gpus_per_unit[o] * units[o]   for all o
    """
    for o in m.data.options:
        terms = [(m.use[p.id], p.gpus) for p in m.data.patterns_on[o.id]]
        terms.append((m.units[o.id], -o.gpus_per_unit))
        terms += [(m.shared_gpus[key], 1) for key in pool_keys(m.data, o.id)]
        m.prob += pulp.LpAffineExpression(terms) <= 0, f"capacity__{o.id}"


def pool_keys(data: ProblemData, option: str) -> list[str]:
    """``{option}_{pool}`` for every pool of shared GPUs the option has (large fleets only)."""
    pools = {s.pool for s in data.shared_on[option]}
    return [pool_key(option, pool) for pool in POOLS if pool in pools]


def add_shared_constraints(m: Model) -> None:
    """What every real shared GPU satisfies, summed over the GPUs of one pool (large fleets only).

    memory__o_q   sum_w reserved_gib[w] * share[o, q, w] <= gpu_gib[o] * shared_gpus[o, q]
    count__o_q    sum_w share[o, q, w] <= MAX_PER_GPU * shared_gpus[o, q]
    dff_k__o_q    sum_w u_k(reserved_gib[w] / gpu_gib[o]) * share[o, q, w] <= shared_gpus[o, q]   k = 1..7
    gg_j__o_q     sum_w a_j[w] * share[o, q, w] <= shared_gpus[o, q]   for every ``ProblemData.pool_rows``
                  row of the pool: a_j weighs every GPU a real packing holds at most 1 (solving.poolbound)
    hours__o      sum_w hours[w] * share[o, part, w] <= 730 * shared_gpus[o, part]

    u_k(x) = x where (k + 1) x is whole, else floor((k + 1) x) / k, is a dual feasible function (Fekete and
    Schepers 2001): fractions of one GPU that fit together keep a u_k sum of at most 1, so each GPU and hence
    the pool satisfies the row. They cut off what memory alone allows but no packing does (four replicas of
    0.44 GPU and one of 0.23 on two GPUs: u_4 sums to 2.25). Every row holds for any real packing, so the
    program stays a relaxation and its bound a bound. u_1 counts a replica of more than half a GPU as a
    whole GPU (two never share one): without it the pools took such replicas two to a GPU, which no packing
    holds (1,000-workload benchmark fleet: a relaxation far below any packed plan; figures:
    docs/benchmarks.md, "The figures behind the tuned constants").
    """
    gilmore_gomory: dict[str, list[PoolRow]] = {}
    for pool_row in m.data.pool_rows:
        gilmore_gomory.setdefault(pool_row.pool, []).append(pool_row)
    for o in m.data.options:
        for key in pool_keys(m.data, o.id):
            pool = split_pool_key(key)[1]
            entries = [s for s in m.data.shared_on[o.id] if s.pool == pool]
            gpus = m.shared_gpus[key]
            terms = [(m.share[s.id], s.reserved_gib) for s in entries]
            row = pulp.LpAffineExpression([*terms, (gpus, -o.gpu_memory_gib)]) <= 0
            m.prob += row, f"memory__{key}"
            terms = [(m.share[s.id], 1) for s in entries]
            m.prob += pulp.LpAffineExpression([*terms, (gpus, -MAX_PER_GPU)]) <= 0, f"count__{key}"
            seen: set[tuple[float, ...]] = set()
            for k in range(1, MAX_PER_GPU):
                weights = tuple(dual_feasible(s.reserved_gib, o.gpu_memory_gib, k) for s in entries)
                if weights in seen or not any(weights):
                    continue
                seen.add(weights)
                terms = [(m.share[s.id], w) for s, w in zip(entries, weights, strict=True) if w]
                m.prob += pulp.LpAffineExpression([*terms, (gpus, -1)]) <= 0, f"dff_{k}__{key}"
            if m.data.packing_cuts:
                add_ccm_rows(m, key, entries, o.gpu_memory_gib)
            for index, pool_row in enumerate(gilmore_gomory.get(key, ())):
                terms = [(m.share[s], w) for s, w in pool_row.weights if w and s in m.share]
                row = pulp.LpAffineExpression([*terms, (gpus, -1)]) <= 0
                m.prob += row, f"gg_{index}__{key}"
            if pool == "part":
                terms = [(m.share[s.id], s.hours) for s in entries]
                row = pulp.LpAffineExpression([*terms, (gpus, -HOURS_PER_MONTH)]) <= 0
                m.prob += row, f"hours__{key}"


def add_ccm_rows(m: Model, key: str, entries: list[SharedData], bin_gib: float) -> None:
    """ccm_j__o_q   sum_w f_l(reserved[w]) * share[o, q, w] <= 2 floor(C / l) * shared_gpus[o, q]

    for every distinct replica size l below half the GPU's memory C (bytes), with Carlier, Clautiaux and
    Moukrim's dual feasible function (2007, f_CCM,1):

        f_l(x) = 2 (floor(C / l) - floor((C - x) / l))   x > C / 2
                 floor(C / l)                             x = C / 2
                 2 floor(x / l)                           x < C / 2

    Why every real GPU satisfies it (so the pool does, and the program stays a relaxation): the sizes on one
    GPU add up to at most C, so at most one is over C / 2. Without one, sum 2 floor(x / l) <= 2 floor(sum x
    / l) <= 2 floor(C / l) (floors are superadditive), and two replicas of exactly C / 2 fill the GPU alone
    (2 floor(C / l)); one of C / 2 leaves at most C / 2 to the rest, whose 2 floor(rest / l) is at most
    floor(C / l). With one x over C / 2, the rest add up to at most C - x, so their 2 floor(rest / l) is at
    most 2 floor((C - x) / l), which f_l(x) leaves to them. The rows cut off what the u_k rows allow but no
    packing does: three replicas of 0.749 GPU, three of 0.219 and one of 0.094 (2.998 GPUs of memory) pass
    the memory row and every u_k on 3 GPUs, but no 3 GPUs hold them (each 0.749 leaves 0.251, room for one
    0.219 and nothing more); with l = 0.094 GPU they weigh 3 x 16 + 3 x 4 + 2 = 62 against 3 x 20
    (tests/ilp/test_packing_cuts.py)."""
    capacity = round(bin_gib * GIB)
    sizes = {round(s.reserved_gib * GIB) for s in entries}
    seen: set[tuple[int, ...]] = set()
    for step in sorted(x for x in sizes if 0 < 2 * x < capacity):
        weights = tuple(ccm_weight(round(s.reserved_gib * GIB), capacity, step) for s in entries)
        if weights in seen or not any(weights):
            continue
        seen.add(weights)
        terms = [(m.share[s.id], w) for s, w in zip(entries, weights, strict=True) if w]
        row = pulp.LpAffineExpression([*terms, (m.shared_gpus[key], -2 * (capacity // step))]) <= 0
        m.prob += row, f"ccm_{len(seen)}__{key}"


def ccm_weight(size: int, capacity: int, step: int) -> int:
    """Carlier, Clautiaux and Moukrim's f_l of one item (``add_ccm_rows``), sizes in bytes."""
    if 2 * size > capacity:
        return 2 * (capacity // step - (capacity - size) // step)
    if 2 * size == capacity:
        return capacity // step
    return 2 * (size // step)


def dual_feasible(size_gib: float, bin_gib: float, k: int) -> float:
    """Fekete and Schepers' u_k of an item's fraction of a bin (see ``add_shared_constraints``), in whole
    bytes so that an item of exactly j / (k + 1) of a GPU is not pushed over the step by rounding."""
    size, capacity = round(size_gib * GIB), round(bin_gib * GIB)
    if (k + 1) * size % capacity == 0:
        return size / capacity
    return ((k + 1) * size // capacity) / k


def add_limit_constraints(m: Model) -> None:
    """One row per budget or limit (``ProblemData.limits``, built from the scenario in placement.limits):

    {name}__total   sum_o per_unit[o] * units[o] (+ the running costs per month, where the row counts them)
                    <= bound

    A row with nothing that could break it is left out (PuLP would drop a constant row silently).
    """
    for row in m.data.limits:
        terms = [(m.units[o.id], row.coefficient(o.id)) for o in m.data.options]
        if row.running:
            terms += running_terms(m)
        terms = [(v, c) for v, c in terms if c]
        if not terms:
            continue
        if m.elastic:
            slack = m.prob.add_variable(f"slack__{row.name}", lowBound=0)
            m.slack[row.name] = slack
            terms = [*terms, (slack, -1.0)]
        m.prob += pulp.LpAffineExpression(terms) <= row.bound, f"{row.name}__total"


def running_terms(m: Model) -> list[tuple[Any, float]]:
    """Running cost per month of what the units hold: pattern copies, shared replicas, "full" shared GPUs."""
    terms = [(m.use[p.id], p.monthly_cost) for p in m.data.patterns]
    terms += [(m.share[s.id], s.monthly_cost) for s in m.data.shared]
    for key, gpus in m.shared_gpus.items():
        option, pool = split_pool_key(key)
        if pool == "full":
            terms.append((gpus, m.data.option_by_id[option].shared_gpu_monthly))
    return terms


def add_spread_constraints(m: Model) -> None:
    """Replicas of a workload spread by machine (``min_replicas``) each on their own unit:

    spread__w_o   sum_{p in P_o part} count[p, w] use[p] + sum_{p in P_o whole} nodes[p] use[p] <= units[o]
                  for w spread by machine, all o where w has a pattern on part of a unit

    where "part" patterns use fewer GPUs than a unit has and "whole" ones fill ``nodes[p] = gpus[p] /
    gpus_per_unit[o]`` units. A unit that a whole pattern fills holds nothing else, so it is no unit for a
    replica of w: counting only w's replicas against the units, a plan with one 4-GPU replica and two spread
    1-GPU replicas on two 4-GPU servers passed the program (6 of 8 GPUs) and no layout held it.
    Co-location patterns already hold at most one replica of a spread workload (placement.candidates), which
    is the whole rule for ``spread: gpu`` and for units of one GPU; the assembly puts each replica on its own
    unit and check.verify re-checks it.
    """
    for w, option, terms in m.data.spread_rows:
        row = pulp.LpAffineExpression([*((m.use[p], n) for p, n in terms), (m.units[option], -1)]) <= 0
        m.prob += row, f"spread__{w}_{option}"


def add_link_constraints(m: Model) -> None:
    """Units bought in one period are owned in every later one (demand over time, ``ProblemData.links``):

    link__o   units[earlier] - units[later] <= 0
    """
    for earlier, later in m.data.links:
        row = pulp.LpAffineExpression([(m.units[earlier], 1), (m.units[later], -1)]) <= 0
        m.prob += row, f"link__{later}"


CONSTRAINT_FAMILIES: tuple[Callable[[Model], None], ...] = (
    add_demand_constraints,
    add_capacity_constraints,
    add_shared_constraints,
    add_spread_constraints,
    add_limit_constraints,
    add_link_constraints,
)
