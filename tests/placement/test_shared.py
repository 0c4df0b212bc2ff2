"""The aggregate relaxation of large fleets (constraints.py): dual feasible rows, and the real packing."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.ilp.constraints import dual_feasible
from planner.ilp.data import pool_key
from planner.pipeline import solve
from planner.placement.candidates import Candidates
from planner.solving.packing import first_fit_decreasing, minimum_bin_slack, pack_exact
from planner.units import GIB

from builders import (
    OVERFILLED_DESK_YEAR,
    OVERFILLED_SPOT_YEAR,
    catalog,
    cloud,
    gpu,
    overfilled_desks,
    scenario,
    system,
    workload,
)

EIGHT_GIB = [24.79, 22.66, 22.66, 22.66, 19.79, 19.79, 18.55, 7.76]
"""Eight replicas (158.66 GiB) that memory and every u_k row fit on two 80 GiB cards; no packing does."""
CARD80 = catalog([gpu("Card80", 80)], [system("desk-card80", "Card80")])
CARD_YEAR = 1000 + 262.8
"""A desk and a year of one busy 300 W GPU at 0.10 USD/kWh."""


def test_dual_feasible_function_by_hand() -> None:
    # u_4 of 0.44 of a GPU: floor(5 x 0.44) / 4 = 2/4; of 0.23: floor(1.15) / 4 = 1/4.
    assert dual_feasible(44, 100, 4) == pytest.approx(0.5)
    assert dual_feasible(23, 100, 4) == pytest.approx(0.25)
    # Exactly j / (k + 1) of a GPU keeps its size: 1/5 under u_4 is 0.2, not 1/4.
    assert dual_feasible(20, 100, 4) == pytest.approx(0.2)
    # Below 1 / (k + 1) it weighs nothing.
    assert dual_feasible(19, 100, 4) == 0.0


@given(st.integers(2, 7), st.lists(st.integers(1, 1000), min_size=1, max_size=8))
def test_what_fits_on_one_gpu_weighs_at_most_one(k: int, sizes: list[int]) -> None:
    """The law that makes every dff row valid: items that fit together have u_k summing to at most 1."""
    capacity = sum(sizes)  # the items fill one GPU exactly: the hardest case
    total = sum(Fraction(dual_feasible(s / GIB, capacity / GIB, k)).limit_denominator(10**6) for s in sizes)
    assert total <= 1 + Fraction(1, 10**6)


def test_exact_packing_finds_what_first_fit_decreasing_misses() -> None:
    # Three 96 GiB GPUs (from the 10-workload benchmark fleet): first-fit decreasing needs a fourth, the
    # search finds {39.9, 35.0, 18.6} x 2 and {35.0, 35.0, 18.6, 3.5, 3.5} (95.5 GiB).
    gib = [39.87, 39.87, 34.96, 34.96, 34.96, 34.96, 18.55, 18.55, 18.55, 3.51, 3.51]
    sizes = [(round(g * GIB), 730.0) for g in gib]
    assert len(first_fit_decreasing(sizes, 96 * GIB, float("inf"))) == 4
    bins = pack_exact(sizes, 3, 96 * GIB, float("inf"))
    assert bins is not None and len(bins) == 3
    assert sorted(i for b in bins for i in b) == list(range(len(gib)))
    assert all(sum(sizes[i][0] for i in b) <= 96 * GIB for b in bins)


def test_minimum_bin_slack_fills_each_gpu_where_first_fit_decreasing_strands_gaps() -> None:
    # 5, 4, 4, 3, 2, 2 GiB on 10 GiB GPUs (20 GiB in all): first-fit decreasing opens {5, 4}, {4, 3, 2}, {2};
    # minimum bin slack fills the first GPU exactly ({5, 3, 2}), then {4, 4, 2}.
    sizes = [(g * GIB, 730.0) for g in (5, 4, 4, 3, 2, 2)]
    assert [[sizes[i][0] // GIB for i in b] for b in first_fit_decreasing(sizes, 10 * GIB)] == [
        [5, 4],
        [4, 3, 2],
        [2],
    ]
    assert [[sizes[i][0] // GIB for i in b] for b in minimum_bin_slack(sizes, 10 * GIB)] == [
        [5, 3, 2],
        [4, 4, 2],
    ]


@given(
    st.lists(st.tuples(st.integers(1, 100), st.sampled_from((40.0, 220.0, 730.0))), min_size=1, max_size=60),
    st.sampled_from((730.0, float("inf"))),
)
def test_minimum_bin_slack_packs_every_item_once_within_each_gpu(
    items: list[tuple[int, float]], max_hours: float
) -> None:
    sizes = sorted(((s * GIB, h) for s, h in items), reverse=True)
    bins = minimum_bin_slack(sizes, 100 * GIB, max_hours)
    assert sorted(i for b in bins for i in b) == list(range(len(sizes)))
    for b in bins:
        assert sum(sizes[i][0] for i in b) <= 100 * GIB
        assert 1 <= len(b) <= 8
        assert sum(sizes[i][1] for i in b) <= max_hours
    # Never more GPUs than one per item, nor fewer than memory or the replica limit allow.
    assert max(-(-sum(s for s, _ in sizes) // (100 * GIB)), -(-len(sizes) // 8)) <= len(bins) <= len(sizes)


def test_packing_keeps_a_part_gpu_within_a_month_of_hours() -> None:
    # Four replicas of 220 h: memory allows one GPU, hours (880 > 730) need two.
    sizes = [(GIB, 220.0)] * 4
    assert pack_exact(sizes, 1, 24 * GIB, 730.0) is None
    bins = pack_exact(sizes, 2, 24 * GIB, 730.0)
    assert bins is not None and sorted(len(b) for b in bins) == [1, 3]


def test_a_packing_the_relaxation_promises_but_no_gpu_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight replicas of 158.66 GiB in all on 80 GiB cards: memory and every u_k row allow two cards, but no
    subset fills one card to 78.66-80 GiB, so every real plan needs three. The relaxation's solution is packed
    for real (three cards), the plan verifies, and the gap against the relaxation's two cards is reported."""
    import planner.placement.colocation as colocation

    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(EIGHT_GIB)], hardware={"cloud": False})
    exact = solve(fleet, CARD80, alternatives=False)
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    large = solve(fleet, CARD80, alternatives=False)
    assert exact.total_cost == pytest.approx(3 * CARD_YEAR) and exact.status == "optimal"
    assert large.total_cost == pytest.approx(3 * CARD_YEAR)
    # Column generation's LP bound (fractional patterns) is higher than the relaxation's two cards here; the
    # plan reports the higher of the two, and neither reaches the three cards every plan needs.
    assert 2 * CARD_YEAR - 1e-6 <= large.best_bound < 3 * CARD_YEAR - 1
    assert large.status == "feasible"
    assert large.gap == pytest.approx((large.total_cost - large.best_bound) / large.total_cost)
    import planner.solving.large as large_fleet
    from planner.solving.colgen import Generated

    monkeypatch.setattr(large_fleet, "generate", lambda c, **_: Generated(c, None, 0, 0))
    alone = solve(fleet, CARD80, alternatives=False)
    assert alone.total_cost == pytest.approx(3 * CARD_YEAR)
    assert alone.best_bound == pytest.approx(2 * CARD_YEAR) and alone.gap == pytest.approx(1 / 3)


def test_a_relaxation_that_packs_within_the_gap_is_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """40, 40, 30, 30, 10 and 10 GiB on 80 GiB cards: the relaxation's two cards pack exactly (80 GiB each),
    so the plan is proven at once and column generation never runs."""
    import planner.placement.colocation as colocation
    import planner.solving.large as large_fleet

    def no_column_generation(*_: object, **__: object) -> None:
        raise AssertionError("column generation ran although the packed relaxation met the gap")

    sizes = [40, 40, 30, 30, 10, 10]
    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(sizes)], hardware={"cloud": False})
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "generate", no_column_generation)
    plan = solve(fleet, CARD80, alternatives=False)
    assert plan.total_cost == pytest.approx(2 * CARD_YEAR) and plan.best_bound == pytest.approx(2 * CARD_YEAR)
    assert plan.status == "optimal" and plan.gap == pytest.approx(0.0)
    held = [sum(a.reserved_bytes for a in plan.assignments if a.unit == u.id) for u in plan.units]
    assert held == [80 * GIB, 80 * GIB]


def test_large_fleet_alternatives_are_packed_plans_with_the_relaxation_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The alternatives of a large fleet are real plans (the relaxation packed), carrying the relaxation's
    bound: on the eight-replica case above, all bought hardware is three cards, bounded by two."""
    import planner.placement.colocation as colocation

    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(EIGHT_GIB)], hardware={"cloud": False})
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    plan = solve(fleet, CARD80)
    bought = next(a for a in plan.alternatives if a.name == "all_bought")
    assert bought.total_cost == pytest.approx(3 * CARD_YEAR) and bought.status == "feasible"
    assert bought.best_bound == pytest.approx(2 * CARD_YEAR)
    # No cloud instance is on offer (hardware.cloud false): renting everything does not apply.
    assert next(a for a in plan.alternatives if a.name == "all_cloud").status == "not applicable"


def _repacked_by_hand(
    monkeypatch: pytest.MonkeyPatch,
    cards: dict[str, float],
    workloads: list[dict[str, object]],
    desks: dict[str, int],
    held: dict[str, dict[str, int]],
) -> tuple[dict[str, str], Candidates, dict[str, int], dict[str, int]]:
    """A relaxation solution written by hand, packed for real (solving.repack): desk cards of ``cards``
    (name -> GiB), no cloud, large-fleet mode; on each card ``desks[card]`` desks, all shared "full" GPUs,
    holding ``held[card]`` replicas by workload. Returns the option id of each card, the exact program, and
    the units and pattern copies of the packed start (which every row of that program accepts)."""
    import planner.placement.colocation as colocation
    from planner.ilp.incumbent import evaluate
    from planner.ilp.solve import Solution
    from planner.placement.candidates import build_candidates
    from planner.solving.repack import repack

    cat = catalog(
        [gpu(name, gib) for name, gib in cards.items()],
        [system(f"desk-{name.lower()}", name) for name in cards],
    )
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    c = build_candidates(scenario(workloads, hardware={"cloud": False}), cat)
    option = {o.gpu.name: oid for oid, o in c.offers.items()}
    entry = {(s.option, c.shared_members[s.id].workload): s.id for s in c.data.shared if s.pool == "full"}
    relaxed = Solution(
        "optimal",
        0.0,
        0.0,
        0.0,
        units={option[card]: n for card, n in desks.items()},
        share={entry[option[card], w]: n for card, on in held.items() for w, n in on.items()},
        shared_gpus={pool_key(option[card], "full"): n for card, n in desks.items()},
    )
    exact, start = repack(c, relaxed)
    point = evaluate(exact.data, start)
    assert point is not None
    _, units, use = point
    return option, exact, units, use


def test_replicas_that_do_not_fit_take_the_memory_left_on_another_option(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A relaxation solution (written by hand) that promises two 80 GiB cards for four replicas of 35 GiB and
    one of 20 GiB, which need three, and one 48 GiB card holding 10 GiB. Packed for real, the 20 GiB replica
    goes into the 38 GiB left on the 48 GiB card rather than onto a third card."""
    option, exact, units, use = _repacked_by_hand(
        monkeypatch,
        {"Card80": 80, "Card48": 48},
        [workload("big", 35, replicas=4), workload("mid", 20), workload("small", 10)],
        {"Card80": 2, "Card48": 1},
        {"Card80": {"big": 4, "mid": 1}, "Card48": {"small": 1}},
    )
    assert units[option["Card80"]] == 2 and units[option["Card48"]] == 1
    on_48 = [
        exact.members[p]
        for p, n in use.items()
        if n and exact.data.pattern_by_id[p].option == option["Card48"]
    ]
    assert sorted(m.workload for m in on_48[0]) == ["mid", "small"] and len(on_48) == 1


def test_a_relaxation_stopped_without_a_bound_falls_back_to_its_linear_relaxation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CBC through PuLP reports no bound when stopped (0). The large-fleet plan's bound then comes from the
    relaxation's linear relaxation, which lies between the memory volume (158.66 GiB on 80 GiB cards: 1.98
    cards) and the two whole cards of the relaxation's optimum."""
    import dataclasses

    import planner.placement.colocation as colocation
    import planner.solving.large as large_fleet
    from planner.solving.colgen import Generated

    real = large_fleet.solve_problem
    calls: list[float] = []

    def stopped_first(data: object, **kw: object) -> object:
        solution = real(data, **kw)  # type: ignore[arg-type]
        calls.append(solution.best_bound)
        return dataclasses.replace(solution, best_bound=0.0) if len(calls) == 1 else solution

    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(EIGHT_GIB)], hardware={"cloud": False})
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "solve_problem", stopped_first)
    monkeypatch.setattr(large_fleet, "generate", lambda c, **_: Generated(c, None, 0, 0))
    plan = solve(fleet, CARD80, alternatives=False)
    assert plan.total_cost == pytest.approx(3 * CARD_YEAR)
    assert sum(EIGHT_GIB) / 80 * CARD_YEAR - 1e-6 <= plan.best_bound <= 2 * CARD_YEAR + 1e-6
    assert plan.gap == pytest.approx((plan.total_cost - plan.best_bound) / plan.total_cost)


def test_a_large_fleet_alternative_is_packed_within_its_own_options(monkeypatch: pytest.MonkeyPatch) -> None:
    """All bought hardware, on the eight-replica case: the relaxation's two cards pack onto three. The third
    must be a bought card too: a cheap cloud GPU outside the alternative made the packed plan infeasible
    there, so the exact program started from nothing (200-workload fleet, MI325X only: 5.84 M USD against
    5.17 M once the packing stayed within the alternative)."""
    import planner.placement.colocation as colocation
    import planner.solving.alternatives as alternatives
    from planner.ilp.incumbent import evaluate
    from planner.placement.candidates import build_candidates
    from planner.solving.alternatives import solve_alternatives

    real = alternatives.solve_problem
    starts: list[bool] = []

    def record(data: object, **kw: object) -> object:
        start = kw.get("start")
        if start:
            starts.append(evaluate(data, start) is not None)  # type: ignore[arg-type]
        return real(data, **kw)  # type: ignore[arg-type]

    cat = catalog([gpu("Card80", 80)], [system("desk-card80", "Card80")], [cloud("c1", "Card80", price=0.01)])
    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(EIGHT_GIB)])
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(alternatives, "solve_problem", record)
    c = build_candidates(fleet, cat)
    alts = {a.name: a for a in solve_alternatives(c, 1.0, solver="highs", time_limit_s=30)}
    assert alts["all_bought"].total_cost == pytest.approx(3 * CARD_YEAR)
    assert starts and all(starts)


def test_pools_that_overflow_apart_are_packed_together(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relaxation solution (written by hand) on 100 GiB cards: five always-on replicas of 35 GiB on two
    "full" GPUs (no GPU holds three, so they need three) and three nightly replicas of 30 GiB on one "part"
    GPU. Apart: four GPUs. Together: {35, 35, 30} twice and {35, 30}, the three the relaxation counted."""
    import planner.placement.colocation as colocation
    from planner.ilp.solve import Solution
    from planner.placement.candidates import build_candidates
    from planner.solving.repack import pack_shared

    cat = catalog([gpu("Card100", 100)], [system("desk-card100", "Card100")])
    fleet = scenario(
        [workload("big", 35, replicas=5), workload("nightly", 30, replicas=3, hours_per_month=120)],
        hardware={"cloud": False},
    )
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    c = build_candidates(fleet, cat)
    (oid,) = c.offers
    entry = {(c.shared_members[s.id].workload, s.pool): s.id for s in c.data.shared}
    relaxed = Solution(
        "optimal",
        0.0,
        0.0,
        0.0,
        units={oid: 3},
        share={entry["big", "full"]: 5, entry["nightly", "part"]: 3},
        shared_gpus={f"{oid}_full": 2, f"{oid}_part": 1},
    )
    packed = pack_shared(c, relaxed, oid)
    assert sorted(sorted(m.reserved_bytes // GIB for m in held) for held in packed) == [
        [30, 35],
        [30, 35, 35],
        [30, 35, 35],
    ]


def test_replicas_left_over_on_two_options_share_one_new_gpu(monkeypatch: pytest.MonkeyPatch) -> None:
    """A relaxation solution (written by hand) on two cards: four replicas of 37 GiB and one of 12 GiB on two
    80 GiB cards, four of 30 GiB and one of 8 GiB on two 64 GiB cards. Both fill their pool to the byte, yet
    each packs into two cards only without its smallest replica, and no packed card has the room for either
    (6 and 4 GiB left). The 12 and 8 GiB replicas share one new card (five cards in all), not one each."""
    on = {"Card80": {"a37": (37, 4), "s12": (12, 1)}, "Card64": {"b30": (30, 4), "t8": (8, 1)}}
    _, exact, units, use = _repacked_by_hand(
        monkeypatch,
        {"Card80": 80, "Card64": 64},
        [workload(w, gib, replicas=n) for held in on.values() for w, (gib, n) in held.items()],
        {"Card80": 2, "Card64": 2},
        {card: {w: n for w, (_, n) in held.items()} for card, held in on.items()},
    )
    assert sum(units.values()) == 5
    groups = [sorted(m.workload for m in exact.members[p]) for p, n in use.items() for _ in range(n)]
    assert ["s12", "t8"] in groups


def test_an_overfilled_relaxation_is_solved_again_with_room_to_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Replicas of 48, 48, 48, 36 and 20 GiB fill two 100 GiB desk cards to the byte; memory and every u_k
    row allow it, yet no packing does (a brute-force search found this set). Packed, the 20 GiB replica is
    left over and only a third desk takes it (spot is for interruptible work, on-demand costs more). Solved
    again with every GPU at PACKING_FILL of its memory, the relaxation moves one interruptible 48 GiB replica
    to a spot card instead, and the rest packs on the two desks: two desks and spot, not three desks. The
    bound stays the first relaxation's two desks."""
    import planner.placement.colocation as colocation
    import planner.solving.large as large_fleet
    from planner.solving.colgen import Generated

    desk_year, spot_year = OVERFILLED_DESK_YEAR, OVERFILLED_SPOT_YEAR
    cat, fleet = overfilled_desks()
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "generate", lambda c, **_: Generated(c, None, 0, 0))
    # Without the rounds on the plan's units too (solving.improve), which reach the same plan from three
    # desks (tests/solving/test_improve.py): here the packing alone is measured.
    monkeypatch.setattr(large_fleet, "improve", lambda c, exact, solution, *_: (exact, solution))
    plan = solve(fleet, cat, alternatives=False)
    assert plan.total_cost == pytest.approx(2 * desk_year + spot_year)
    assert plan.best_bound == pytest.approx(2 * desk_year)
    monkeypatch.setattr(large_fleet, "PACKING_FILL", 1.0)
    assert solve(fleet, cat, alternatives=False).total_cost == pytest.approx(3 * desk_year)
    # No run with room to pack with CBC, nor where the first pass is shorter than MIN_FILL_S (10 s of 40 %):
    # the second core then solves the relaxation itself with the other solver, and it packs on three desks.
    monkeypatch.setattr(large_fleet, "PACKING_FILL", 0.995)
    assert solve(fleet, cat, alternatives=False, solver="cbc").total_cost == pytest.approx(3 * desk_year)
    assert solve(fleet, cat, alternatives=False, time_limit_s=24).total_cost == pytest.approx(3 * desk_year)
    assert solve(fleet, cat, alternatives=False, time_limit_s=25).total_cost == pytest.approx(
        2 * desk_year + spot_year
    )


def test_the_restricted_relaxation_solves_with_room_to_pack(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a short run (the second core's sequence alone) the relaxation restricted to the linear relaxation's
    options sees every GPU at PACKING_FILL of its memory: 100 GiB cards as 99.5 GiB. Its solution is no
    bound: the plan's bound stays the linear relaxation's two desks (200 GiB of replicas on 100 GiB cards),
    though the restricted relaxation itself needs three (200 GiB > 2 x 99.5)."""
    import planner.placement.colocation as colocation
    import planner.solving.large as large_fleet
    from planner.ilp.data import ProblemData
    from planner.ilp.solve import Solution
    from planner.solving.colgen import Generated

    desk_year = 1000 + 394.2
    cat = catalog([gpu("Card100", 100, tdp_w=450)], [system("desk-card100", "Card100")])
    fleet = scenario([workload("a", 36), workload("b", 48, replicas=3), workload("c", 20)])
    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "generate", lambda c, **_: Generated(c, None, 0, 0))
    seen: list[tuple[float, Solution]] = []
    relax = large_fleet._relax

    def spy(data: ProblemData, *args: object, **kwargs: object) -> Solution:
        solution = relax(data, *args, **kwargs)  # type: ignore[arg-type]
        seen.append((data.options[0].gpu_memory_gib, solution))
        return solution

    monkeypatch.setattr(large_fleet, "_relax", spy)
    plan = solve(fleet, cat, alternatives=False, time_limit_s=5)
    assert [memory for memory, _ in seen] == [pytest.approx(100 * large_fleet.PACKING_FILL)]
    assert sum(seen[0][1].units.values()) == 3
    assert plan.total_cost == pytest.approx(3 * desk_year)
    assert plan.best_bound == pytest.approx(2 * desk_year)


def test_column_generation_prices_the_options_the_relaxation_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    """Column generation prices only the options of the linear relaxation and of the packed plan (here the
    80 GiB desks; a 160 GiB desk at 5,000 USD, which would hold all eight replicas, is never worth it), and a
    bound it proves over those options alone is no bound on every plan: a made-up bound above the plan is
    left out of the gap, while the same bound from a generation over every option is taken."""
    import planner.placement.colocation as colocation
    import planner.solving.large as large_fleet
    from planner.solving.colgen import Generated

    cat = catalog(
        [gpu("Card80", 80), gpu("Card160", 160)],
        [system("desk-card80", "Card80"), system("desk-card160", "Card160", price=5000.0)],
    )
    fleet = scenario([workload(f"w{i}", g) for i, g in enumerate(EIGHT_GIB)], hardware={"cloud": False})
    priced: list[set[str]] = []

    def fake(c: Candidates, **_: object) -> Generated:
        priced.append({c.offers[o.id].gpu.name for o in c.data.options})
        return Generated(c, 10 * CARD_YEAR, 0, 0)

    monkeypatch.setattr(colocation, "PATTERN_BUDGET", 0)
    monkeypatch.setattr(large_fleet, "generate", fake)
    plan = solve(fleet, cat, alternatives=False)
    assert priced == [{"Card80"}]
    assert plan.total_cost == pytest.approx(3 * CARD_YEAR)
    assert plan.best_bound == pytest.approx(2 * CARD_YEAR) and plan.status == "feasible"
    monkeypatch.setattr(large_fleet, "GENERATE_WITHIN_SUPPORT", False)
    everywhere = solve(fleet, cat, alternatives=False)
    assert priced[-1] == {"Card80", "Card160"}
    assert everywhere.best_bound == pytest.approx(everywhere.total_cost) and everywhere.status == "optimal"
