"""Two plans side by side (``planner compare BASE NEW``): what a change costs, line by line.

In the manner of Infracost's diff: the total and every cost line as old -> new with the difference in money
and per cent, the units bought or rented that were added or removed, the workloads that moved to other
hardware, and the assumptions and workload settings that changed. Both plans come from the pipeline (a
scenario is solved, a saved ``--format json`` plan is read back), so every figure is the CLI's own.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from planner.plan import Plan
from planner.report.figures import ACTION_BY_PRICING, CATEGORY_LABELS, chosen_mix, hours_text

if TYPE_CHECKING:
    from planner.scenario.schema import Scenario

COST_LINES: tuple[tuple[str, str], ...] = (
    ("total_cost", "Total"),
    ("capex", "Up-front"),
    ("opex", "Running, whole horizon"),
    ("opex_per_month", "Running per month"),
)
"""Plan fields compared first, with their labels; the cost categories follow."""
WORKLOAD_SETTINGS = (
    "model",
    "task",
    "precision",
    "engine",
    "context",
    "batch",
    "replicas",
    "hours_per_month",
    "interruptible",
    "headroom",
)
"""Workload fields whose change is reported as a changed assumption. Not ``gpus_per_replica``: the plan
records the GPUs the optimizer picked (the scenario's None lets it choose), an outcome the units and moves
show; a pinned value that changes shows among the scenario's fields where both scenarios are given."""
CHOSEN_FOR_A_RATE = frozenset({"batch", "replicas"})
"""Fields the optimizer picks for a rate-stated workload (``requests_per_second``): outcomes, shown by the
moves and the units, not assumptions; what the user changed (the rate, the SLO, ``min_replicas``) shows
among the scenario's fields."""
VOLATILE_CATEGORIES = frozenset({"solver"})
"""Assumption categories that differ between runs of the same input (run time, model size): not compared."""
ONE_SIDED_CATEGORIES = frozenset({"price"})
"""Assumptions listed only for what a plan uses: compared only where both plans list them."""
PRICED_BY: Mapping[tuple[str, str], Callable[[Plan], bool]] = {
    ("finance", "residual value"): lambda p: any(u.kind == "bought" for u in p.units),
    ("cloud", "spot overhead"): lambda p: any(u.pricing == "spot" for u in p.units),
}
"""Assumptions that price only some units, and whether a plan has one: where neither plan has, a change
prices nothing and is not listed (two all-cloud plans over 18 and 24 months listed the residual value's
"70.0% of the purchase price at month 18 -> 60.0% ... at month 24" though neither buys anything). The
``energy`` category prices local machines alike (``_local``)."""


def _local(plan: Plan) -> bool:
    """Whether a plan has a machine of its own, bought or owned, whose electricity and hosting it pays."""
    return any(u.kind != "cloud" for u in plan.units)


def _prices_something(key: tuple[str, str], base: Plan, new: Plan) -> bool:
    """Whether the assumption ``key`` prices a unit of either plan (``PRICED_BY``)."""
    uses = _local if key[0] == "energy" else PRICED_BY.get(key)
    return uses is None or uses(base) or uses(new)


MONEY_EPSILON = 0.005
"""Differences below half a cent are rounding, not change."""


@dataclass(frozen=True)
class CostChange:
    key: str
    label: str
    old: float
    new: float

    @property
    def delta(self) -> float:
        return self.new - self.old

    @property
    def percent(self) -> float | None:
        """Change relative to the old figure's size, with the change's sign; None where the old figure is
        zero. A credit (the residual value, negative) that grows read "-6,131 USD (+137.5 %)" when divided by
        the signed figure."""
        return None if abs(self.old) < MONEY_EPSILON else 100 * self.delta / abs(self.old)

    def text(self, currency: str) -> str:
        """``+113 USD (+15 %)``, ``no change``, or ``+113 USD (new)``."""
        if abs(self.delta) < MONEY_EPSILON:
            return "no change"
        pct = "new" if self.percent is None else f"{self.percent:+.1f} %"
        return f"{self.delta:+,.0f} {currency} ({pct})"


@dataclass(frozen=True)
class MixChange:
    """One line of the chosen mix whose unit count changed (0 on one side: added or removed)."""

    action: str
    option: str
    option_name: str
    hours_per_month: float
    old_count: int
    new_count: int
    old_cost: float
    new_cost: float


@dataclass(frozen=True)
class Move:
    """A workload whose hardware changed; ``old`` or ``new`` is empty where it is only in one plan."""

    workload: str
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class SettingChange:
    category: str
    name: str
    old: str
    new: str


@dataclass(frozen=True)
class Comparison:
    base: str
    new: str
    currency: str
    base_status: str
    new_status: str
    costs: tuple[CostChange, ...]
    mix: tuple[MixChange, ...]
    moves: tuple[Move, ...]
    settings: tuple[SettingChange, ...]

    @property
    def total(self) -> CostChange:
        return self.costs[0]

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` object: money in the plan's currency, ``percent`` null where old is 0."""
        return {
            "base": self.base,
            "new": self.new,
            "currency": self.currency,
            "base_status": self.base_status,
            "new_status": self.new_status,
            "costs": [
                {**asdict(c), "delta": c.delta, "percent": c.percent, "text": c.text(self.currency)}
                for c in self.costs
            ],
            "units": [
                {**asdict(m), "delta": m.new_count - m.old_count, "hours_text": hours_text(m.hours_per_month)}
                for m in self.mix
            ],
            "moves": [{"workload": m.workload, "old": list(m.old), "new": list(m.new)} for m in self.moves],
            "settings": [asdict(s) for s in self.settings],
        }


def compare_plans(
    base: Plan,
    new: Plan,
    *,
    base_label: str = "base",
    new_label: str = "new",
    base_scenario: Scenario | None = None,
    new_scenario: Scenario | None = None,
) -> Comparison:
    """What changed from ``base`` to ``new``. Money is compared as given: a change of currency is reported
    among the assumptions, and the figures are then not converted. Where both scenarios are given (a saved
    plan JSON has none), what they say beyond the plans' assumptions (budgets, limits, hardware allowed,
    owned machines, quotes) is compared too."""
    costs = [
        CostChange(key, label, float(getattr(base, key)), float(getattr(new, key)))
        for key, label in COST_LINES
    ]
    keys = set(base.cost_by_category) | set(new.cost_by_category)
    order = list(CATEGORY_LABELS)
    for key in sorted(keys, key=lambda k: (order.index(k) if k in order else len(order), k)):
        if not (base.cost_by_category.get(key) or new.cost_by_category.get(key)):
            continue  # a category neither plan pays anything in
        label = CATEGORY_LABELS.get(key, key)
        costs.append(
            CostChange(key, label, base.cost_by_category.get(key, 0.0), new.cost_by_category.get(key, 0.0))
        )
    settings = _settings(base, new)
    if base_scenario is not None and new_scenario is not None:
        # a workload field the plans record shows once, as "workload <name> <field>"
        shown = {
            "workloads.{}.{}".format(*s.name.rsplit(" ", 1)) for s in settings if s.category == "workload"
        }
        settings += [c for c in scenario_changes(base_scenario, new_scenario) if c.name not in shown]
    if base.currency != new.currency:
        settings.insert(0, SettingChange("policy", "currency", base.currency, new.currency))
    return Comparison(
        base=base_label,
        new=new_label,
        currency=new.currency,
        base_status=base.status,
        new_status=new.status,
        costs=tuple(costs),
        mix=_mix_changes(base, new),
        moves=_moves(base, new),
        settings=tuple(settings),
    )


def _mix_changes(base: Plan, new: Plan) -> tuple[MixChange, ...]:
    old_lines = {(m.option, m.pricing, m.hours_per_month): m for m in chosen_mix(base)}
    new_lines = {(m.option, m.pricing, m.hours_per_month): m for m in chosen_mix(new)}
    changes = []
    for key in [*old_lines, *(k for k in new_lines if k not in old_lines)]:
        old, now = old_lines.get(key), new_lines.get(key)
        line = now or old
        assert line is not None
        old_count, new_count = (old.count if old else 0), (now.count if now else 0)
        if old_count != new_count:
            changes.append(
                MixChange(
                    action=line.action,
                    option=line.option,
                    option_name=line.option_name,
                    hours_per_month=line.hours_per_month,
                    old_count=old_count,
                    new_count=new_count,
                    old_cost=old.cost if old else 0.0,
                    new_cost=now.cost if now else 0.0,
                )
            )
    return tuple(changes)


def runs_on(plan: Plan) -> dict[str, tuple[str, ...]]:
    """Workload -> the distinct offers its replicas run on, as ``<action> <offer name>``, sorted."""
    units = {u.id: u for u in plan.units}
    found: dict[str, set[str]] = {w.name: set() for w in plan.workloads}
    for a in plan.assignments:
        unit = units.get(a.unit)
        if unit is not None:
            action = ACTION_BY_PRICING.get(unit.pricing, unit.pricing)
            found.setdefault(a.workload, set()).add(f"{action} {unit.option_name or unit.option}")
    return {w: tuple(sorted(where)) for w, where in found.items()}


def _moves(base: Plan, new: Plan) -> tuple[Move, ...]:
    old, now = runs_on(base), runs_on(new)
    names = [*old, *(w for w in now if w not in old)]
    return tuple(Move(w, old.get(w, ()), now.get(w, ())) for w in names if old.get(w, ()) != now.get(w, ()))


def _settings(base: Plan, new: Plan) -> list[SettingChange]:
    changes: list[SettingChange] = []
    old_a = {(a.category, a.name): a.value for a in base.assumptions if a.category not in VOLATILE_CATEGORIES}
    new_a = {(a.category, a.name): a.value for a in new.assumptions if a.category not in VOLATILE_CATEGORIES}
    for key in [*old_a, *(k for k in new_a if k not in old_a)]:
        if key[0] in ONE_SIDED_CATEGORIES and (key not in old_a or key not in new_a):
            continue  # the price of an offer only one plan uses: the units above show it
        if old_a.get(key) != new_a.get(key) and _prices_something(key, base, new):
            changes.append(SettingChange(key[0], key[1], old_a.get(key, "(none)"), new_a.get(key, "(none)")))
    old_w = {w.name: w for w in base.workloads}
    for w in new.workloads:
        before = old_w.get(w.name)
        if before is None:
            continue  # a new workload shows among the moves
        rate_stated = before.performance is not None or w.performance is not None
        for field in WORKLOAD_SETTINGS:
            if rate_stated and field in CHOSEN_FOR_A_RATE:
                continue
            a, b = getattr(before, field), getattr(w, field)
            if a != b:
                changes.append(SettingChange("workload", f"{w.name} {field}", str(a), str(b)))
    return changes


SCENARIO_SECTIONS = (
    "budgets",
    "limits",
    "hardware",
    "owned",
    "custom_offers",
    "purchase_prices_usd",
    "reserved_discounts",
    "usd_to_currency",
)
"""Scenario fields the plan's assumptions do not list (the horizon, headroom and energy figures are there)."""


def scenario_changes(base: Scenario, new: Scenario) -> list[SettingChange]:
    """Fields of ``SCENARIO_SECTIONS`` that differ, as dotted paths (``budgets.capex_usd``), and the fields of
    each workload both scenarios name (``workloads.chat.slo.tpot_ms``): what a user changed in a workload's
    rate or targets is not among a plan's assumptions, and a workload added or removed shows as a move."""
    old_flat = _flatten(_compared(base, new))
    new_flat = _flatten(_compared(new, base))
    return [
        SettingChange("scenario", key, old_flat.get(key, "(none)"), new_flat.get(key, "(none)"))
        for key in [*old_flat, *(k for k in new_flat if k not in old_flat)]
        if old_flat.get(key) != new_flat.get(key)
    ]


def _compared(scenario: Scenario, other: Scenario) -> dict[str, Any]:
    """The parts of ``scenario`` compared with ``other``: its sections, and the workloads both name."""
    data = scenario.model_dump(mode="json")
    compared = {k: v for k, v in data.items() if k in SCENARIO_SECTIONS}
    both = {w.name for w in other.workloads}
    compared["workloads"] = {
        w["name"]: {k: v for k, v in w.items() if k != "name"} for w in data["workloads"] if w["name"] in both
    }
    return compared


def _flatten(node: Any, prefix: str = "") -> dict[str, str]:
    if isinstance(node, dict):
        out: dict[str, str] = {}
        for key, value in node.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(node, float) and node.is_integer():
        node = int(node)  # 60000, not 60000.0, as the user wrote it
    return {prefix: json.dumps(node) if isinstance(node, list) else str(node)}
