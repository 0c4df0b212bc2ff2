"""Budget and limit rows as data (no pulp): one record per row, read by every part of the program that
states, checks or relaxes it.

A limit row is ``sum_o per_unit[o] * units[o] (+ the running costs, where it counts them) <= bound``. The
integer program (``ilp.constraints``), the LP master of column generation (``ilp.master``), the incumbent
check (``ilp.incumbent``), the dominance rule (``ilp.dominance``, presolve and the offers' pruning) and the
infeasibility diagnosis (``solving.diagnose``) all read the rows from ``ProblemData.limits``; none of them
names a budget. The rows are built from the scenario in ``placement.limits``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LimitRow:
    """One budget or limit row, in the program's units (the scenario's currency, watts, rack units, GPUs)."""

    name: str
    """Row id, solver-safe: the constraint is ``{name}__total`` and its elastic slack ``slack__{name}``."""
    bound: float
    per_unit: Mapping[str, float] = field(default_factory=dict)
    """Option id -> what one unit of it counts against the row (options not named count 0)."""
    running: bool = False
    """Whether the running cost per month of what the units hold counts too (patterns' and shared replicas'
    ``monthly_cost``, "full" shared GPUs' ``shared_gpu_monthly``): the monthly budget's row."""
    label: str = ""
    """The scenario field that sets the row, e.g. ``budgets.capex_usd``."""
    what: str = ""
    """What the row limits, in words: ``capex budget``."""
    unit: str = ""
    """The unit the scenario states the bound in: ``USD``, ``kW``."""
    per_user_unit: float = 1.0
    """Program units per unit of the scenario's field (the exchange rate for a USD budget, 1000 for kW)."""
    months: tuple[int, int] | None = None
    """Demand over time: the first and last month of the period the row holds in (None: the whole horizon)."""

    def coefficient(self, option: str) -> float:
        return self.per_unit.get(option, 0.0)


LIMIT_TOL = 1e-6
"""Relative (and absolute) slack a checked plan may use beyond a bound: the solver's feasibility tolerance."""


def within(total: float, row: LimitRow) -> bool:
    """Whether ``total`` keeps to ``row`` up to the solver's tolerance."""
    return total <= row.bound * (1 + LIMIT_TOL) + LIMIT_TOL
