"""The replicas left over after packing (solving.overflow): placed all at once, not one at a time."""

from __future__ import annotations

import pytest

from planner.ilp.data import OptionData
from planner.placement.patterns import Member
from planner.solving.overflow import Place, overflow_cost, place_overflow

GIB = 2**30
DESK = OptionData("desk", 1, 7.0)
"""A one-GPU desktop at 7 USD."""
STATION = OptionData("station", 4, 20.0)
"""A four-GPU workstation at 20 USD: cheaper per GPU, dearer as a first GPU."""
OPTIONS = {o.id: o for o in (DESK, STATION)}
PER_UNIT = {o.id: o.gpus_per_unit for o in OPTIONS.values()}
FIXED = {o.id: o.fixed_cost for o in OPTIONS.values()}


def _replica(name: str) -> Member:
    return Member(name, 1, 10 * GIB, 10 * GIB, 0.0)


def _anywhere(group: tuple[Member, ...]) -> list[Place]:
    """Each replica alone on a GPU of either option, with no energy (rented)."""
    return [Place("desk", 1, 0.0), Place("station", 1, 0.0)] if len(group) == 1 else []


def test_three_left_over_replicas_share_one_new_workstation_instead_of_three_desks() -> None:
    # One at a time, each replica's cheapest place is a new desk (7 < 20): 21 USD. Together, one
    # workstation holds all three for 20.
    left = [_replica("a"), _replica("b"), _replica("c")]
    placed = place_overflow(left, [], _anywhere, {}, OPTIONS, {"desk": None, "station": None})
    assert placed is not None
    assert sorted(m.workload for group, _ in placed for m in group) == ["a", "b", "c"]
    assert {where.option for _, where in placed} == {"station"}
    assert overflow_cost(placed, {}, PER_UNIT, FIXED) == pytest.approx(20.0)
    desks = [((m,), Place("desk", 1, 0.0)) for m in left]
    assert overflow_cost(desks, {}, PER_UNIT, FIXED) == pytest.approx(21.0)


def test_two_left_over_replicas_take_two_desks_and_spare_gpus_come_first() -> None:
    left = [_replica("a"), _replica("b")]
    stock = {"desk": None, "station": None}
    placed = place_overflow(left, [], _anywhere, {}, OPTIONS, stock)
    assert placed is not None and overflow_cost(placed, {}, PER_UNIT, FIXED) == pytest.approx(14.0)
    # One spare GPU on a workstation already bought: it holds one replica for nothing, a desk the other.
    placed = place_overflow(left, [], _anywhere, {"station": 1}, OPTIONS, stock)
    assert placed is not None and overflow_cost(placed, {"station": 1}, PER_UNIT, FIXED) == pytest.approx(7.0)


def test_no_workstation_left_in_stock_means_desks() -> None:
    left = [_replica("a"), _replica("b"), _replica("c")]
    placed = place_overflow(left, [], _anywhere, {}, OPTIONS, {"desk": None, "station": 0})
    assert placed is not None
    assert {where.option for _, where in placed} == {"desk"}


def test_a_group_that_shares_one_gpu_is_placed_whole_where_that_is_cheaper() -> None:
    # a and b fit together on one GPU (a desk holds both): one desk, 7 USD, against two desks apart.
    a, b = _replica("a"), _replica("b")

    def choices(group: tuple[Member, ...]) -> list[Place]:
        return [Place("desk", 1, 0.0)] if len(group) <= 2 else []

    placed = place_overflow([a, b], [(a, b)], choices, {}, OPTIONS, {"desk": None, "station": None})
    assert placed == [((a, b), Place("desk", 1, 0.0))]
