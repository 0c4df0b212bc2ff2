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


def group_energy(offer: Offer, group: tuple[Member, ...], hours: dict[str, float], rates: CostRates) -> float:
    """Electricity of one copy on local hardware; 0 on cloud, whose rent is the option's fixed cost.

    A GPU draws power while any of its replicas computes; replicas sharing it take turns. When machines are
    not always on, the GPU's share of the base power runs with it.
    """
    if offer.kind == "cloud":
        return 0.0
    busy_hours = min(HOURS_PER_MONTH, sum(hours[m.workload] for m in group))
    watts_per_gpu = offer.gpu.tdp_w * rates.gpu_utilisation + offer.base_w_per_busy_gpu
    return energy_cost(watts_per_gpu * group[0].gpus, busy_hours, rates)


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
