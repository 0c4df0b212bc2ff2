"""Time-sharing: workloads that never run at the same time hold the same GPU memory in turns (stage 3).

A workload runs at any hour of the week unless it has a ``schedule``; workloads of one ``exclusive_group``
never run together. What a GPU must hold is then its peak: over the hours of the week, the replicas that may
run in that hour, with each exclusive group counted by its largest workload. The hours fall into a few
classes (the same workloads may run in every hour of a class), so the peak is a maximum over those classes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass

from planner.placement.patterns import Member
from planner.scenario.schema import DAYS, HOURS_PER_WEEK, Scenario, Workload


@dataclass(frozen=True)
class TimeShare:
    classes: tuple[frozenset[str], ...]
    """The workloads that may run in each class of hours of the week."""
    group: dict[str, str]
    """Workload -> its exclusive group."""
    shared: frozenset[str]
    """Workloads with a schedule or a group: those whose memory may be held by another in turns."""

    @staticmethod
    def of(scenario: Scenario) -> TimeShare | None:
        """The scenario's time-sharing, or None where no workload has a schedule or an exclusive group."""
        if not any(w.time_shared for w in scenario.workloads):
            return None
        slots = {w.name: w.schedule.slots() for w in scenario.workloads if w.schedule is not None}
        classes = {
            frozenset(w.name for w in scenario.workloads if w.name not in slots or t in slots[w.name])
            for t in range(HOURS_PER_WEEK)
        }
        return TimeShare(
            classes=tuple(sorted(classes, key=sorted)),
            group={w.name: w.exclusive_group for w in scenario.workloads if w.exclusive_group is not None},
            shared=frozenset(w.name for w in scenario.workloads if w.time_shared),
        )

    def together(self, a: str, b: str) -> bool:
        """Whether workloads ``a`` and ``b`` may run in the same hour (not one exclusive group)."""
        if a in self.group and self.group.get(b) == self.group[a]:
            return a == b
        return any(a in active and b in active for active in self.classes)

    def peak(self, members: Iterable[Member]) -> int:
        """The most memory ``members`` (replicas on one GPU) hold at once over the week, in bytes."""
        held: dict[str, int] = {}
        for m in members:
            held[m.workload] = held.get(m.workload, 0) + m.reserved_bytes
        best = 0
        for active in self.classes:
            alone = 0
            grouped: dict[str, int] = {}
            for name, reserved in held.items():
                if name not in active:
                    continue
                if name in self.group:
                    g = self.group[name]
                    grouped[g] = max(grouped.get(g, 0), reserved)
                else:
                    alone += reserved
            best = max(best, alone + sum(grouped.values()))
        return best


def peak_over_week(held: Mapping[str, int], hours: Mapping[str, Set[int]], group: Mapping[str, str]) -> int:
    """The most one GPU holds at once, hour by hour over the week, without the classes ``TimeShare`` groups
    the hours into (what the verifier and the reports recompute from a plan): ``held`` the bytes each
    workload's replicas reserve on it, ``hours`` the hours of the week a scheduled workload runs (one not in
    it runs at every hour), ``group`` each grouped workload's exclusive group, counted by its largest. Where
    none of them takes turns, the sum."""
    if not any(name in hours or name in group for name in held):
        return sum(held.values())
    peak = 0
    for slot in range(HOURS_PER_WEEK):
        alone = 0
        grouped: dict[str, int] = {}
        for name, reserved in held.items():
            if name in hours and slot not in hours[name]:
                continue
            if name in group:
                grouped[group[name]] = max(grouped.get(group[name], 0), reserved)
            else:
                alone += reserved
        peak = max(peak, alone + sum(grouped.values()))
    return peak


def when_it_runs(w: Workload) -> str:
    """A time-shared workload's hours and group in words, for the people who start and stop it."""
    parts = []
    if w.schedule is not None:
        s = w.schedule
        days = "every day" if set(s.days) == set(DAYS) else ",".join(s.days)
        parts.append(f"runs {s.start_hour:02d}:00-{s.end_hour:02d}:00 {days} only")
    if w.exclusive_group is not None:
        parts.append(f"exclusive group {w.exclusive_group!r}: stop the group's other replicas first")
    return "; ".join(parts)
