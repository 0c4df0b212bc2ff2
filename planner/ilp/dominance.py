"""The one dominance rule: when a unit of option A can stand in for one of option B in every plan (no pulp).

A dominates B when

- both have the same GPUs per unit, and A has no unit limit (stock or owned count), so there is always
  another A;
- one unit of A costs no more than one of B on the objective and counts no more on every limit row the
  program has (``ilp.limits``: budgets, power, rack space, per-provider quotas, and any row added later);
- whatever runs on B runs on A, at no higher cost on the objective and on every row that counts running costs
  (``holds``: the caller's comparison, which knows what runs on an option at its stage).

Replacing every unit of B by a unit of A then keeps a plan feasible and never costs more, so dropping B keeps
the optimum. A row the scenario does not set cannot be broken, so it is not compared; a row it does set is,
whatever its name: a new limit needs no change here.

The offers' pruning (``placement.offers``: the same machine at a higher price; a cloud machine another beats),
the candidates' (``placement.candidates.without_dominated``) and the presolve (``ilp.presolve``) all decide
with ``undominated`` below and differ only in what they know of ``holds``.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

TOL = 1e-9
"""Relative tolerance on costs: equal within rounding counts as no more expensive."""

T = TypeVar("T")


@dataclass(frozen=True)
class Standing:
    """What one unit of an option is and costs, as the dominance rule compares it."""

    gpus: int
    limited: bool
    """The option has a unit limit (stock or owned count): it cannot replace every unit of another."""
    costs: tuple[float, ...]
    """Fixed cost, then the coefficient on each limit row, in the rows' order."""


def no_dearer(a: float, b: float) -> bool:
    return a <= b + TOL * max(1.0, abs(b))


def all_no_dearer(a: Sequence[float], b: Sequence[float]) -> bool:
    return all(no_dearer(x, y) for x, y in zip(a, b, strict=True))


def dominates(a: Standing, b: Standing) -> bool:
    """Whether a unit of ``a`` may replace one of ``b`` as far as the units themselves go (module docstring);
    the caller adds what runs on them."""
    return not a.limited and a.gpus == b.gpus and all_no_dearer(a.costs, b.costs)


def undominated(
    items: Sequence[T],
    *,
    standing: Callable[[T], Standing],
    holds: Callable[[T, T], bool],
    order: Callable[[T], Any],
    group: Callable[[T], Hashable] = lambda item: 0,
) -> list[T]:
    """The items no kept item dominates, in their given order.

    Within each ``group`` items are visited in ``order``, which must put a dominator no later than what it
    dominates (the fixed cost first does: a dominator is never dearer), so comparing each item with the items
    kept before it is enough (dominance is transitive); ties keep the first, so the result is deterministic.
    """
    standings = [standing(item) for item in items]
    groups: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        groups.setdefault((standings[index].gpus, group(item)), []).append(index)
    keep: set[int] = set()
    for members in groups.values():
        kept: list[int] = []
        for b in sorted(members, key=lambda index: order(items[index])):
            if not any(dominates(standings[a], standings[b]) and holds(items[a], items[b]) for a in kept):
                kept.append(b)
        keep.update(kept)
    return [item for index, item in enumerate(items) if index in keep]
