"""Where the replicas that did not fit the relaxation's units go (large fleets, ``solving.repack``): a small
integer program over the spare GPUs of every option and the units that could still be bought.

``repack`` packs each option's shared replicas onto the GPUs its units hold; what is left over (a few groups
of replicas) must go somewhere else. One group at a time, the cheapest place for the next group pays a whole
new unit by itself, so three GPUs left over become three one-GPU desktops (three purchases) where one more
four-GPU workstation holds them all for less (figures: docs/benchmarks.md, "The figures behind the tuned
constants"). This program places all of them at once:

    min  sum_o fixed[o] * new[o] + sum_{g, o} energy[g, o] * x[g, o]
    s.t. every left-over replica is placed once: alone (its own pattern on o), or in one of the groups
         ``repack`` merged (on an option whose GPUs hold the group and where all of its workloads share)
         sum_g gpus[g, o] * x[g, o] <= spare[o] + gpus_per_unit[o] * new[o]    for every o
         new[o] <= stock left on o

It is stated as a ``ProblemData`` (each option twice: its spare GPUs as free one-GPU "units", at most that
many, and its new units at their price), so the solver and its time control are the program's own. Budget
and limit rows are not in it; the plan it completes is checked against every row afterwards, as the
one-at-a-time placement's is (``ilp.incumbent.evaluate``), and ``repack`` keeps the cheaper of the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from planner import deadline
from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.solve import solve_problem
from planner.placement.patterns import Member

OVERFLOW_LIMIT_S = 2.0
"""Time for the overflow program (never past the run's deadline). The benchmark fleets leave a few dozen
replicas over, which the program places in a small part of this (figures: docs/benchmarks.md, "The figures
behind the tuned constants")."""
NEW_UNIT_OPTIONS = 8
"""Options per group on which new units are offered to the program: the cheapest by a new unit's whole price
and the cheapest by its price per GPU (each this many). Spare GPUs are offered wherever they are."""


@dataclass(frozen=True)
class Place:
    """Where one group may go: ``gpus`` GPUs of ``option`` at ``energy`` over the horizon."""

    option: str
    gpus: int
    energy: float


Choices = Callable[[tuple[Member, ...]], list[Place]]
"""Every option a group may go to (``repack``: its own pattern there, or a GPU that holds the group)."""


def overflow_cost(
    placed: Sequence[tuple[tuple[Member, ...], Place]],
    spare: dict[str, int],
    per_unit: dict[str, int],
    fixed: dict[str, float],
) -> float:
    """What ``placed`` adds to the plan: the energy of each group and the new units each option then needs
    beyond its ``spare`` GPUs."""
    gpus: dict[str, int] = {}
    energy = 0.0
    for _, where in placed:
        gpus[where.option] = gpus.get(where.option, 0) + where.gpus
        energy += where.energy
    units = sum(fixed[o] * -(-max(0, n - spare.get(o, 0)) // per_unit[o]) for o, n in gpus.items())
    return energy + units


def place_overflow(
    replicas: Sequence[Member],
    groups: Sequence[tuple[Member, ...]],
    choices: Choices,
    spare: dict[str, int],
    options: dict[str, OptionData],
    stock_left: dict[str, int | None],
) -> list[tuple[tuple[Member, ...], Place]] | None:
    """The cheapest placement of ``replicas``, each alone or in one of ``groups`` (replicas that may share a
    GPU), or None where the program found none within ``OVERFLOW_LIMIT_S``. ``spare``: free GPUs per option
    on the units already bought; ``stock_left``: units that may still be bought per option (None: no
    limit)."""
    singles = {m.workload: m for m in replicas}
    demand: dict[str, int] = {}
    for m in replicas:
        demand[m.workload] = demand.get(m.workload, 0) + 1
    ids = {name: f"w{i}" for i, name in enumerate(sorted(demand))}
    kinds = list(dict.fromkeys(g for g in groups if len(g) > 1))
    kinds += [(singles[name],) for name in sorted(demand)]
    spare_ids: dict[str, str] = {}
    new_ids: dict[str, str] = {}
    option_rows: list[OptionData] = []
    patterns: list[PatternData] = []
    where_of: dict[str, tuple[tuple[Member, ...], Place]] = {}

    def option(oid: str, new: bool) -> str | None:
        if new:
            if oid not in new_ids and stock_left.get(oid) != 0:
                o = options[oid]
                new_ids[oid] = f"n{len(new_ids)}"
                option_rows.append(
                    OptionData(new_ids[oid], o.gpus_per_unit, o.fixed_cost, max_units=stock_left.get(oid))
                )
            return new_ids.get(oid)
        if oid not in spare_ids:
            spare_ids[oid] = f"s{len(spare_ids)}"
            option_rows.append(OptionData(spare_ids[oid], 1, 0.0, max_units=spare[oid]))
        return spare_ids[oid]

    for group in kinds:
        counts: dict[str, int] = {}
        for m in group:
            counts[ids[m.workload]] = counts.get(ids[m.workload], 0) + 1
        places = choices(group)
        offered = [p for p in places if spare.get(p.option, 0) >= p.gpus]
        offered_new = _cheapest_new(places, options)
        for where, new in [(p, False) for p in offered] + [(p, True) for p in offered_new]:
            oid = option(where.option, new)
            if oid is None:
                continue
            pid = f"p{len(patterns)}"
            patterns.append(PatternData(pid, oid, where.gpus, tuple(sorted(counts.items())), where.energy))
            where_of[pid] = (group, where)
    workloads = tuple(ids[n] for n in sorted(demand))
    data = ProblemData(workloads, {ids[n]: k for n, k in demand.items()}, tuple(option_rows), tuple(patterns))
    # Optional work: never past the run's deadline (the one-at-a-time placement is the plan then).
    solution = solve_problem(data, time_limit_s=deadline.cap(OVERFLOW_LIMIT_S), mip_gap=1e-6, presolve=False)
    if solution.status not in ("optimal", "feasible"):
        return None
    placed: list[tuple[tuple[Member, ...], Place]] = []
    for pid, n in sorted(solution.use.items()):
        placed += [where_of[pid]] * n
    return placed


def _cheapest_new(places: list[Place], options: dict[str, OptionData]) -> list[Place]:
    """The places where new units are offered for one group (``NEW_UNIT_OPTIONS``)."""

    def whole(p: Place) -> float:
        return p.energy + options[p.option].fixed_cost * math.ceil(p.gpus / options[p.option].gpus_per_unit)

    def per_gpu(p: Place) -> float:
        return p.energy + options[p.option].fixed_cost * p.gpus / options[p.option].gpus_per_unit

    chosen = sorted(places, key=lambda p: (whole(p), p.option))[:NEW_UNIT_OPTIONS]
    chosen += sorted(places, key=lambda p: (per_gpu(p), p.option))[:NEW_UNIT_OPTIONS]
    return list({p.option: p for p in chosen}.values())
