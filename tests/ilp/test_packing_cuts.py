"""The ccm rows of the aggregate relaxation (constraints.add_ccm_rows): the function by hand, the law that
makes each row valid, and the relaxation with them, or with the pools' Gilmore-Gomory rows
(solving.poolbound), never above the cheapest plan brute force finds."""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from typing import Any
from unittest import mock

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from planner.ilp.constraints import ccm_weight, dual_feasible
from planner.ilp.data import OptionData, ProblemData, SharedData
from planner.ilp.solve import solve_lp, solve_problem
from planner.placement.candidates import Candidates, build_candidates
from planner.solving.poolbound import strengthen

from builders import catalog, cloud, gpu, scenario, workload

C = 1000
"""A GPU's memory in the hand examples, in bytes."""
SEVEN = [749, 749, 749, 219, 219, 219, 94]
"""2,998 bytes that the memory row and every u_k row fit on three GPUs of 1,000 and no packing does."""


def test_ccm_weights_by_hand() -> None:
    # l = 94: floor(1000 / 94) = 10, so a GPU weighs 20. Over half: 2 (10 - floor(251 / 94)) = 2 (10 - 2).
    assert ccm_weight(749, C, 94) == 16
    assert ccm_weight(219, C, 94) == 4  # 2 floor(219 / 94)
    assert ccm_weight(94, C, 94) == 2
    assert ccm_weight(93, C, 94) == 0
    assert ccm_weight(500, C, 94) == 10  # exactly half a GPU: floor(1000 / 94)
    assert ccm_weight(1000, C, 94) == 20  # a whole GPU weighs the GPU


def test_seven_replicas_that_every_other_row_fits_on_three_gpus_need_four() -> None:
    assert sum(SEVEN) <= 3 * C
    for k in range(1, 8):  # the u_k rows the relaxation already has
        assert sum(dual_feasible(s, C, k) for s in SEVEN) <= 3 + 1e-9
    assert sum(ccm_weight(s, C, 94) for s in SEVEN) == 62 > 3 * 2 * (C // 94)
    # Brute force: no assignment of the seven to three GPUs fits.
    fits = (
        all(sum(s for s, b in zip(SEVEN, gpus, strict=True) if b == g) <= C for g in range(3))
        for gpus in itertools.product(range(3), repeat=len(SEVEN))
    )
    assert not any(fits)


def _seven_data(cuts: bool = False) -> ProblemData:
    """``SEVEN`` on a one-GPU instance at 1 USD (sizes as GiB: the same fractions of a 1,000 GiB GPU)."""
    return ProblemData(
        ("a", "b", "c"),
        {"a": 3, "b": 3, "c": 1},
        (OptionData("one", 1, 1.0, gpu_memory_gib=float(C)),),
        (),
        shared=tuple(
            SharedData(f"s{w}", "one", w, float(gib)) for w, gib in (("a", 749), ("b", 219), ("c", 94))
        ),
        packing_cuts=cuts,
    )


def _seven(cuts: bool) -> float:
    """Units the relaxation buys for ``SEVEN``."""
    return solve_problem(_seven_data(cuts), mip_gap=0.0, time_limit_s=20).objective


def test_the_ccm_rows_make_the_relaxation_buy_the_fourth_gpu() -> None:
    assert _seven(cuts=False) == pytest.approx(3.0)  # memory, count and u_k rows: three GPUs
    assert _seven(cuts=True) == pytest.approx(4.0)  # what any packing needs


def test_the_gilmore_gomory_rows_make_the_relaxation_buy_the_fourth_gpu() -> None:
    """The pool's row (solving.poolbound) asks 3.25 GPUs of the seven replicas: with whole GPUs, four."""
    without = _seven_data()
    rows = strengthen(without, until=time.perf_counter() + 60)
    assert [r.pool for r in rows.data.pool_rows] == ["one_full"]  # 3 GPUs violate it, once
    assert {s for s, _ in rows.data.pool_rows[0].weights} <= {"sa", "sb", "sc"}
    assert solve_lp(without).objective == pytest.approx(3.0)  # u_1: each 749 is a whole GPU
    assert rows.bound == pytest.approx(3.25, abs=1e-6)
    assert solve_problem(rows.data, mip_gap=0.0, time_limit_s=20).objective == pytest.approx(4.0)


@given(st.lists(st.integers(1, 1000), min_size=1, max_size=8), st.integers(0, 200), st.data())
def test_what_fits_on_one_gpu_weighs_at_most_the_gpu(sizes: list[int], free: int, data: Any) -> None:
    """The law that makes every ccm row valid: items that fit together on one GPU weigh at most the GPU,
    whatever the step l (up to half the GPU)."""
    capacity = sum(sizes) + free
    step = data.draw(st.integers(1, max(1, capacity // 2)))
    assert sum(ccm_weight(s, capacity, step) for s in sizes) <= 2 * (capacity // step)


INSTANCES = {"one24": ("Card24", 24, 1), "one48": ("Card48", 48, 1), "two48": ("Card48", 48, 2)}
HOURS = 730.0 * 12


def _oracle(ws: list[tuple[int, int]], offers: list[tuple[str, float]]) -> float:
    """The cheapest plan by brute force: every assignment of the replicas to at most as many GPUs, each GPU
    of every instance type that holds it (tests/solving/test_oracle.py states the same fleets)."""
    sizes = [gib for gib, n in ws for _ in range(n)]
    best = math.inf
    for gpus in itertools.product(range(len(sizes)), repeat=len(sizes)):
        groups = [[s for s, g in zip(sizes, gpus, strict=True) if g == b] for b in range(len(sizes))]
        used = [sum(g) for g in groups if g]
        choices = [[k for k, (name, _) in enumerate(offers) if u <= INSTANCES[name][1]] for u in used]
        for pick in itertools.product(*choices):
            cost = sum(
                math.ceil(pick.count(k) / INSTANCES[name][2]) * price * HOURS
                for k, (name, price) in enumerate(offers)
            )
            best = min(best, cost)
    return best


def small_fleet(ws: list[tuple[int, int]], offers: list[tuple[str, float]]) -> Candidates:
    """A small fleet on the oracle's instance types, its replicas in shared pools (no patterns enumerated)."""
    cards = [gpu("Card24", 24), gpu("Card48", 48)]
    cat = catalog(cards, clouds=[cloud(n, INSTANCES[n][0], INSTANCES[n][2], price=p) for n, p in offers])
    sc = scenario(
        [workload(f"w{i}", gib, replicas=n) for i, (gib, n) in enumerate(ws)],
        hardware={"bought": False, "pricing": ["on_demand"]},
    )
    with (
        mock.patch("planner.placement.candidates.PATTERN_BUDGET", 0),
        mock.patch("planner.placement.colocation.PATTERN_BUDGET", 0),
    ):
        return build_candidates(sc, cat)


SMALL_WORKLOADS = st.lists(st.tuples(st.integers(1, 40), st.integers(1, 2)), min_size=1, max_size=3).filter(
    lambda ws: sum(n for _, n in ws) <= 4
)
"""Up to three workloads (GiB, replicas), four replicas in all: small enough for the brute-force oracle."""
SMALL_OFFERS = st.lists(
    st.tuples(st.sampled_from(sorted(INSTANCES)), st.floats(0.2, 4.0)),
    min_size=2,
    max_size=3,
    unique_by=lambda t: t[0],
)
"""Two or three cloud instances of ``INSTANCES`` at an hourly price each."""


@settings(max_examples=25, deadline=None)
@given(SMALL_WORKLOADS, SMALL_OFFERS)
def test_the_relaxation_with_packing_rows_never_costs_more_than_the_cheapest_plan(
    ws: list[tuple[int, int]], offers: list[tuple[str, float]]
) -> None:
    c = small_fleet(ws, offers)
    assume(len(c.data.shared) > len(c.data.workloads))  # replicas that may share a GPU, in pools
    relaxed = solve_problem(dataclasses.replace(c.data, packing_cuts=True), mip_gap=0.0, time_limit_s=20)
    # With the pools' Gilmore-Gomory rows as well (solving.poolbound), separated until none is violated.
    rows = strengthen(c.data, until=time.perf_counter() + 20)
    with_rows = solve_problem(rows.data, mip_gap=0.0, time_limit_s=20)
    best = _oracle(ws, offers)
    if math.isinf(best):
        return
    assert relaxed.status == with_rows.status == "optimal"
    assert relaxed.objective <= best * (1 + 1e-9) + 1e-6
    assert rows.bound <= with_rows.objective * (1 + 1e-9) + 1e-6 <= best * (1 + 1e-9) + 2e-6
