"""The LP relaxation of the pattern model held in one HiGHS instance, for column generation.

PuLP rebuilds the whole model for every solve (about a second per round on a 1,000-workload fleet); column
generation only appends columns, so here the rows are built once, new patterns are added with ``addCol`` and
the simplex restarts from the previous basis. The rows and columns are exactly those of constraints.py
(demand, rate, capacity and every limit row; ``units`` and ``use`` continuous, copy bounds dropped; the
spread rows are left out, which only loosens it), so the optimum is the relaxation ``solve_lp`` computes
through PuLP, or below it where spread rows bind: a lower bound either way.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from planner.ilp.data import PatternData, ProblemData
from planner.ilp.solve import LpSolution, _silence_highs_banner


class LpMaster:
    def __init__(self, data: ProblemData, *, time_limit_s: float = 60.0) -> None:
        import highspy

        _silence_highs_banner()
        h: Any = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        h.setOptionValue("random_seed", 0)
        h.setOptionValue("time_limit", float(time_limit_s))
        self._h = h
        self._data = data
        inf = highspy.kHighsInf
        self._row: dict[str, int] = {}
        # A rate-stated workload's demand is a floor (its replica count may exceed it) and its rate a row of
        # its own: requests/s served, summed over the replicas of every pattern, at least those asked.
        rows: list[tuple[str, float, float]] = [
            (f"d_{w}", data.demand[w], inf if w in data.rate else data.demand[w]) for w in data.workloads
        ]
        rows += [(f"r_{w}", data.rate[w], inf) for w in data.workloads if w in data.rate]
        rows += [(f"c_{o.id}", -inf, 0.0) for o in data.options]
        rows += [(f"l_{row.name}", -inf, row.bound) for row in data.limits]
        self._running = [f"l_{row.name}" for row in data.limits if row.running]
        for name, lower, upper in rows:
            self._row[name] = len(self._row)
            h.addRow(lower, upper, 0, [], [])
        self._units: list[str] = []
        for o in data.options:
            entries = [(f"c_{o.id}", -float(o.gpus_per_unit))]
            entries += [(f"l_{row.name}", row.coefficient(o.id)) for row in data.limits]
            upper = inf if o.max_units is None else float(o.max_units)
            self._add_col(o.fixed_cost, upper, entries)
            self._units.append(o.id)
        self._patterns: list[str] = []
        self.add_patterns(data.patterns)

    def _add_col(self, cost: float, upper: float, entries: Iterable[tuple[str, float]]) -> None:
        index = [self._row[r] for r, v in entries if v and r in self._row]
        value = [v for r, v in entries if v and r in self._row]
        self._h.addCol(cost, 0.0, upper, len(index), index, value)

    def add_patterns(self, patterns: Iterable[PatternData]) -> None:
        import highspy

        for p in patterns:
            entries = [(f"d_{w}", float(n)) for w, n in p.counts]
            entries += [(f"r_{w}", n * self._data.served[p.id]) for w, n in p.counts if w in self._data.rate]
            entries.append((f"c_{p.option}", float(p.gpus)))
            entries += [(name, p.monthly_cost) for name in self._running]
            self._add_col(p.cost, highspy.kHighsInf, entries)
            self._patterns.append(p.id)

    def solve(self) -> LpSolution:
        import highspy

        h = self._h
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            status = h.getModelStatus()
            kind = "infeasible" if status == highspy.HighsModelStatus.kInfeasible else "no_solution"
            return LpSolution(kind, math.inf)  # type: ignore[arg-type]
        sol = h.getSolution()
        row_dual = list(sol.row_dual)
        col_value = list(sol.col_value)
        col_dual = list(sol.col_dual)
        d = self._data
        n_units = len(self._units)
        return LpSolution(
            "optimal",
            float(h.getInfo().objective_function_value),
            demand={w: row_dual[self._row[f"d_{w}"]] for w in d.workloads},
            capacity={o.id: row_dual[self._row[f"c_{o.id}"]] for o in d.options},
            running=sum(row_dual[self._row[name]] for name in self._running),
            values={p: col_value[n_units + i] for i, p in enumerate(self._patterns)},
            units_reduced_cost={o: col_dual[i] for i, o in enumerate(self._units)},
        )
