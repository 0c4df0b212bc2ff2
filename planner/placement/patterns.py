"""Patterns: what a group of GPUs on one option holds, and what its energy costs (stage 3, and the solving
strategies that add patterns of their own: column generation, repacking)."""

from __future__ import annotations

from dataclasses import dataclass

from planner.ilp.data import PatternData
from planner.placement.offers import Offer
from planner.placement.rates import CostRates, energy_cost
from planner.units import HOURS_PER_MONTH


@dataclass(frozen=True)
class Member:
    """One replica inside a pattern."""

    workload: str
    gpus: int
    per_gpu_bytes: int
    reserved_bytes: int
    headroom: float
    nodes: int = 1
    """Machines the replica spans (``gpus`` over all of them); 1 on one machine."""


def group_energy(offer: Offer, group: tuple[Member, ...], hours: dict[str, float], rates: CostRates) -> float:
    """Electricity of one copy on local hardware above what the machine draws anyway; 0 on cloud, whose rent
    is the option's fixed cost.

    Replicas sharing one GPU share its compute: the GPU is busy for the sum of their hours, at most a month,
    and a cloud instance holding them is rented at least that long (``group_hours``; one rule per sharing
    kind, docs/optimizer.md). ``busy_w_per_gpu`` is its draw above idle (idle is paid while an always-on
    machine is on), or with its share of the base power where the machine runs only while its GPUs work.
    """
    if offer.kind == "cloud":
        return 0.0
    return energy_cost(offer.busy_w_per_gpu * group[0].gpus, group_hours(group, hours), rates)


def group_hours(group: tuple[Member, ...], hours: dict[str, float]) -> float:
    """Hours a month one GPU holding ``group`` computes: its replicas' hours one after another, at most a
    month (replicas on one GPU share its compute, so together they need the sum of their hours)."""
    return min(HOURS_PER_MONTH, sum(hours[m.workload] for m in group))


def month_energy(offer: Offer, rates: CostRates) -> float:
    """Electricity over the horizon of one GPU of ``offer`` busy all month (0 on cloud)."""
    busy = Member("__month__", 1, 0, 0, 0.0)
    return group_energy(offer, (busy,), {busy.workload: HOURS_PER_MONTH}, rates)


def add_pattern(
    patterns: list[PatternData],
    members: dict[str, tuple[Member, ...]],
    oid: str,
    offer: Offer,
    group: tuple[Member, ...],
    hours_of: dict[str, float],
    wid: dict[str, str],
    rates: CostRates,
    prefix: str = "p",
) -> None:
    pid = f"{prefix}{len(patterns) + 1}"
    gpus = group[0].gpus
    cost = group_energy(offer, group, hours_of, rates)
    patterns.append(PatternData(pid, oid, gpus, pattern_counts(group, wid), cost, cost / rates.months))
    members[pid] = group


def pattern_counts(group: tuple[Member, ...], wid: dict[str, str]) -> tuple[tuple[str, int], ...]:
    """Replicas per solver workload id in ``group``, sorted: a pattern's ``counts``, and its identity."""
    counts: dict[str, int] = {}
    for m in group:
        counts[wid[m.workload]] = counts.get(wid[m.workload], 0) + 1
    return tuple(sorted(counts.items()))
