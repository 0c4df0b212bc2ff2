"""Demand over time (start_month, end_month, growth_per_month): plans computed by hand.

As in test_finance: office hosting, 0.10 USD/kWh, PUE 1, GPUs at full TDP while busy, 12 months, no residual
value unless a test sets one. Card16 (16 GiB, 300 W) in a 1,000 USD desk system with no base power, or rented
at 0.50 USD/h. A 10 GiB replica fills a card (two do not fit one). One card busy all month costs 0.3 kW x
730 h x 0.10 = 21.90 USD a month; renting it all month 0.50 x 730 = 365 USD a month.
"""

from __future__ import annotations

from typing import Any

import pytest

from planner.assemble.merged import split_assembled
from planner.check import verify
from planner.errors import InfeasibleError, ScenarioError
from planner.pipeline import solve
from planner.plan import Plan
from planner.scenario.periods import demand_periods

from builders import catalog, cloud, gpu, scenario, system, workload

CAT = catalog([gpu("Card16", 16)], [system("desk", "Card16")], [cloud("c1", "Card16", price=0.5)])
ENERGY_MONTH = 21.9
RENT_MONTH = 365.0


def _flow(plan: Plan) -> list[tuple[int, float, float]]:
    """(month, up front, running) of the plan's cash flow, in cents."""
    rows = plan.cash_flows[0].months
    return [(r.month, round(r.up_front, 2), round(r.running, 2)) for r in rows]


def test_a_workload_starting_in_month_7_is_bought_in_month_7() -> None:
    """Six months of one card: 1,000 + 6 x 21.90 = 1,131.40 against 6 x 365 = 2,190 rented. The purchase is
    paid when month 7 begins (the cash flow's month 6, as month 0 is when month 1 begins), the energy in
    months 7 to 12 only; nothing is spent before."""
    plan = solve(scenario([workload("chat", 10, start_month=7)]), CAT, alternatives=False)
    assert plan.total_cost == pytest.approx(1000 + 6 * ENERGY_MONTH)
    (unit,) = plan.units
    assert (unit.kind, unit.start_month, unit.end_month) == ("bought", 7, None)
    assert [(p.start_month, p.end_month, p.bought) for p in plan.periods] == [
        (1, 6, ()),
        (7, 12, ("desk#1",)),
    ]
    flow = _flow(plan)
    assert flow[:6] == [(m, 0.0, 0.0) for m in range(6)]
    assert flow[6] == (6, 1000.0, 0.0)
    assert flow[7:] == [(m, 0.0, ENERGY_MONTH) for m in range(7, 13)]
    assert plan.cash_flows[0].total == pytest.approx(plan.total_cost)
    assert verify(plan, scenario([workload("chat", 10, start_month=7)])) == []


def test_a_late_purchase_keeps_more_of_its_value() -> None:
    """Held 6 of a 60-month life, the card is worth 1,000 x (1 - 6 / 60) = 900 at month 12: it costs
    1,000 - 900 + 131.40 = 231.40."""
    s = scenario([workload("chat", 10, start_month=7)], finance={"useful_life_months": 60})
    plan = solve(s, CAT, alternatives=False)
    assert plan.residual_value == pytest.approx(900.0)
    assert plan.total_cost == pytest.approx(231.4)
    assert plan.cash_flows[0].months[-1].residual == pytest.approx(900.0)


def test_renting_wins_for_a_short_end_month() -> None:
    """Two months: renting costs 2 x 365 = 730, buying 1,000 + 2 x 21.90 = 1,043.80, so it rents, and the
    rent shows in months 1 and 2 only. Over all twelve months buying (1,262.80) beats renting (4,380)."""
    s = scenario([workload("job", 10, end_month=2)])
    plan = solve(s, CAT, alternatives=False)
    assert plan.total_cost == pytest.approx(2 * RENT_MONTH)
    (unit,) = plan.units
    assert (unit.kind, unit.id, unit.start_month, unit.end_month) == ("cloud", "testcloud:c1:r1#1@1-2", 1, 2)
    assert _flow(plan)[1:4] == [(1, 0.0, RENT_MONTH), (2, 0.0, RENT_MONTH), (3, 0.0, 0.0)]
    assert plan.capex == 0.0
    assert verify(plan, s) == []
    whole = solve(scenario([workload("job", 10)]), CAT, alternatives=False)
    assert whole.units[0].kind == "bought"
    assert whole.total_cost == pytest.approx(1000 + 12 * ENERGY_MONTH)


def test_growth_forces_a_purchase_when_it_is_needed() -> None:
    """One replica growing 10 % a month, stepped every six months at each step's peak: months 1-6 ask
    ceil(1.1^5) = ceil(1.61) = 2 replicas, months 7-12 ceil(1.1^11) = ceil(2.85) = 3. Two cards are bought
    in month 1 and a third in month 7: 3 x 1,000 + 2 x 12 x 21.90 + 6 x 21.90 = 3,657."""
    s = scenario([workload("chat", 10, growth_per_month=0.1)])
    plan = solve(s, CAT, alternatives=False)
    assert [(p.start_month, p.end_month, p.replicas) for p in plan.periods] == [
        (1, 6, {"chat": 2}),
        (7, 12, {"chat": 3}),
    ]
    assert sorted((u.id, u.start_month) for u in plan.units) == [("desk#1", 1), ("desk#2", 1), ("desk#3", 7)]
    assert plan.total_cost == pytest.approx(3000 + 30 * ENERGY_MONTH)
    flow = _flow(plan)
    assert (flow[0][1], flow[6][1]) == (2000.0, 1000.0)
    assert flow[1][2] == pytest.approx(2 * ENERGY_MONTH) and flow[7][2] == pytest.approx(3 * ENERGY_MONTH)
    assert sum(a.cost for a in plan.assignments) == pytest.approx(plan.total_cost)
    assert verify(plan, s) == []


def test_units_bought_stay_for_later_periods() -> None:
    """A runs months 1-6, B months 7-12 (each one card): the card bought for A serves B, one purchase
    (1,000 + 12 x 21.90), not a second card or a rental."""
    s = scenario([workload("a", 10, end_month=6), workload("b", 10, start_month=7)])
    plan = solve(s, CAT, alternatives=False)
    assert [u.id for u in plan.units] == ["desk#1"]
    assert plan.total_cost == pytest.approx(1000 + 12 * ENERGY_MONTH)
    assert {(a.workload, a.unit, a.start_month) for a in plan.assignments} == {
        ("a", "desk#1", 1),
        ("b", "desk#1", 7),
    }


def test_no_new_field_is_one_period_and_the_old_plan() -> None:
    """Without start, end or growth the plan has no periods and is the one-period plan."""
    plan = solve(scenario([workload("chat", 10)]), CAT, alternatives=False)
    assert plan.periods == ()
    assert [(p.start, p.end) for p in demand_periods(scenario([workload("chat", 10)]))] == [(1, 12)]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"start_month": 6, "end_month": 3}, "end_month 3 is before start_month 6"),
        ({"start_month": 13}, "start_month 13 is past horizon_months 12"),
        ({"growth_per_month": -0.1}, "growth_per_month"),
        ({"growth_per_month": 2}, "growth_per_month"),
    ],
)
def test_bad_months_and_growth_are_refused(fields: dict[str, float], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        scenario([workload("chat", 10, **fields)])


def test_growth_past_the_replica_bound_is_refused_in_one_line() -> None:
    """Doubling every month from 100 replicas asks 100 x 2^11 = 204,800 by month 12, past 100,000."""
    s = scenario([workload("chat", 10, replicas=100, growth_per_month=1.0)])
    with pytest.raises(ScenarioError, match=r"chat.growth_per_month: asks .* replicas by month 12"):
        demand_periods(s)


def test_the_verifier_checks_every_month() -> None:
    """A plan that drops the third replica of months 7-12 fails the month-by-month demand check from month 9,
    the first to ask ceil(1.1^8) = ceil(2.14) = 3 (months 7 and 8 ask 2)."""
    s = scenario([workload("chat", 10, growth_per_month=0.1)])
    plan = solve(s, CAT, alternatives=False)
    short = plan.model_copy(
        update={
            "assignments": tuple(a for a in plan.assignments if not (a.start_month == 7 and a.replica == 3))
        }
    )
    problems = verify(short, s)
    shortfalls = [p for p in problems if "replicas in month" in p]
    assert shortfalls[0] == "workload chat: 2 replicas in month 9, asked 3"
    assert len(shortfalls) == 4  # months 9 to 12


@pytest.mark.parametrize("later", [2, 4, 7, 10, 12])
def test_a_later_start_never_costs_more(later: int) -> None:
    """Every month asks no more with a later start, so the plan costs no more (bought, rented or both; with
    growth and residual value)."""

    def cost(start: int) -> float:
        s = scenario(
            [workload("a", 10, start_month=start, growth_per_month=0.1), workload("b", 10, end_month=3)],
            finance={"useful_life_months": 60},
        )
        return solve(s, CAT, alternatives=False).total_cost

    assert cost(later) <= cost(later - 1) + 1e-6


@pytest.mark.parametrize(("low", "high"), [(0.0, 0.02), (0.02, 0.1), (0.1, 0.3)])
def test_more_growth_never_costs_less(low: float, high: float) -> None:
    def cost(growth: float) -> float:
        s = scenario([workload("a", 10, growth_per_month=growth), workload("b", 10, start_month=5)])
        return solve(s, CAT, alternatives=False).total_cost

    assert cost(high) >= cost(low) - 1e-6


def test_a_budget_too_small_for_the_growth_says_by_how_much() -> None:
    """Growth to three cards (3,000 USD) under a 2,500 USD capex budget, no cloud: exit 3, short by 500."""
    s = scenario(
        [workload("chat", 10, growth_per_month=0.1)],
        budgets={"capex_usd": 2500},
        hardware={"cloud": False},
    )
    with pytest.raises(InfeasibleError, match=r"capex budget \(budgets.capex_usd\) is short by 500 USD"):
        solve(s, CAT, alternatives=False)


def test_a_period_that_lays_out_a_machine_more_than_its_program_bought_buys_it() -> None:
    """4-GPU servers (4,000 USD); big fills a whole server (4 GPUs x 20 GiB) and grows 20 % a month from one
    replica (3 in months 1-6: 1.2^5 = 2.49, 8 in months 7-12: 1.2^11 = 7.43); solo (one 20 GiB GPU) keeps
    its two replicas on machines of their own. Each solo replica needs a server the big ones do not fill: 5,
    then 10. The program counted GPUs and one machine per solo replica (4, then 9), and the layout's extra
    server was dropped from the plan over periods (a KeyError or 'on quad#3 in months it does not have'); the
    assembly now buys such a server, and the program counts the servers big fills against solo's (the spread
    rows), so it plans the tenth itself and proves the plan. Cost: 10 x 4,000 + energy, GPU-months
    3 x 4 x 6 + 8 x 4 x 6 + 2 x 12 = 288 at 0.3 kW x 730 h x 0.10 USD = 21.90 each: 46,307.20."""
    quad = catalog([gpu("Card24", 24)], [system("quad", "Card24", 4, price=4000.0)])
    ws = [workload("big", 20, gpus_per_replica=4, growth_per_month=0.2), workload("solo", 20, min_replicas=2)]
    s = scenario(ws, hardware={"cloud": False})
    plan = solve(s, quad)
    assert verify(plan, s) == []
    assert plan.total_cost == pytest.approx(10 * 4000 + 288 * 21.9)
    assert plan.best_bound == pytest.approx(10 * 4000 + 288 * 21.9)  # one server less before
    assert plan.status == "optimal"
    assert [p.bought for p in plan.periods] == [
        tuple(f"quad#{i}" for i in range(1, 6)),
        tuple(f"quad#{i}" for i in range(6, 11)),
    ]
    solo = sorted(a.unit for a in plan.assignments if a.workload == "solo" and a.start_month == 7)
    big = {a.unit for a in plan.assignments if a.workload == "big" and a.start_month == 7}
    assert len(set(solo)) == 2 and not set(solo) & big


def test_the_residual_value_assumption_states_the_share_each_purchase_keeps() -> None:
    """A desk (1,000 USD) bought in month 1 and another in month 7 for a workload starting then, 12 months,
    a 60-month straight line: held 12 and 6 months, they keep 1 - 12/60 = 80 % and 1 - 6/60 = 90 %, 1,700 USD
    of residual value. The Assumptions said '90.0% of the purchase price at month 12', the share of a unit
    held the last period only (the growth plan's said 95.0 % where its month-4 servers keep 45 %)."""
    ws = [workload("early", 12), workload("late", 12, start_month=7)]
    s = scenario(ws, hardware={"cloud": False}, finance={"useful_life_months": 60})
    plan = solve(s, CAT, alternatives=False)
    assert sorted((u.id, u.start_month) for u in plan.units) == [("desk#1", 1), ("desk#2", 7)]
    assert plan.residual_value == pytest.approx(1000 * 0.8 + 1000 * 0.9)
    (note,) = [a for a in plan.assumptions if a.name == "residual value"]
    assert note.value == (
        "80.0% of the purchase price at month 12 for a unit bought in month 1 (held 12 months), "
        "90.0% bought in month 7 (held 6)"
    )


def _places(plan: Plan) -> list[tuple[str, str, tuple[int, ...], int]]:
    """(workload, unit, GPUs, first month) of every assignment, sorted."""
    return sorted((a.workload, a.unit, a.gpu_indices, a.start_month) for a in plan.assignments)


def test_a_replica_keeps_its_server_when_a_larger_one_arrives() -> None:
    """Two-GPU servers (2,000 USD, no cloud): small (one 10 GiB GPU) runs all year on duo#1; pair (two GPUs)
    starts in month 7 and needs a second server. The layout lays the largest first, so pair took duo#1 and
    small moved to duo#2 in month 7 for nothing; it stays on duo#1 GPU 0 and pair takes duo#2. The plan's cost
    is the same: 2 x 2,000 + 12 x 21.90 + 6 x 2 x 21.90 = 4,525.60."""
    cat = catalog([gpu("Card16", 16)], [system("duo", "Card16", 2, price=2000.0)])
    ws = [workload("small", 10), workload("pair", 10, gpus_per_replica=2, start_month=7)]
    s = scenario(ws, hardware={"cloud": False})
    plan = solve(s, cat, alternatives=False)
    assert _places(plan) == [
        ("pair", "duo#2", (0, 1), 7),
        ("small", "duo#1", (0,), 1),
        ("small", "duo#1", (0,), 7),
    ]
    assert plan.total_cost == pytest.approx(2 * 2000 + 12 * ENERGY_MONTH + 12 * ENERGY_MONTH)
    assert verify(plan, s) == []


def test_a_replica_keeps_its_gpus_when_another_joins_its_server() -> None:
    """One four-GPU server: small on GPU 0 in months 1-6; pair (two GPUs) joins in month 7. Largest first put
    pair on GPUs 0-1 and small on GPU 2; small stays on GPU 0 and pair takes GPUs 2-3. Same cost: 4,000 +
    12 x 21.90 + 6 x 2 x 21.90 = 4,525.60."""
    cat = catalog([gpu("Card16", 16)], [system("quad", "Card16", 4, price=4000.0)])
    ws = [workload("small", 10), workload("pair", 10, gpus_per_replica=2, start_month=7)]
    s = scenario(ws, hardware={"cloud": False})
    plan = solve(s, cat, alternatives=False)
    assert _places(plan) == [
        ("pair", "quad#1", (2, 3), 7),
        ("small", "quad#1", (0,), 1),
        ("small", "quad#1", (0,), 7),
    ]
    assert plan.total_cost == pytest.approx(4000 + 24 * ENERGY_MONTH)
    assert verify(plan, s) == []


def test_a_replica_stays_on_its_desk_when_the_other_desk_falls_idle() -> None:
    """b (months 1-6) on desk#1 and a (all year) on desk#2; from month 7 only a runs. The layout numbered the
    one desk in use desk#1, so a moved to b's desk while its own was still owned; it stays on desk#2, and
    desk#1 stands idle. Same cost: 2 x 1,000 + 18 x 21.90 = 2,394.20."""
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")])
    s = scenario([workload("b", 10, end_month=6), workload("a", 10)], hardware={"cloud": False})
    plan = solve(s, cat, alternatives=False)
    assert _places(plan) == [("a", "desk#2", (0,), 1), ("a", "desk#2", (0,), 7), ("b", "desk#1", (0,), 1)]
    assert plan.total_cost == pytest.approx(2000 + 18 * ENERGY_MONTH)
    assert {u.id: u.cost for u in plan.units} == pytest.approx(
        {"desk#1": 1000 + 6 * ENERGY_MONTH, "desk#2": 1000 + 12 * ENERGY_MONTH}
    )
    assert verify(plan, s) == []


def test_replicas_spread_by_machine_keep_their_servers() -> None:
    """ha keeps two replicas on different machines (min_replicas 2) on duo#1 and duo#2; pair (two GPUs) starts
    in month 7 on a third server. Laid largest first, pair took duo#1 and ha's replicas moved to duo#2 and
    duo#3; the units are renumbered so that ha stays on duo#1 and duo#2 and pair takes duo#3. Same cost:
    3 x 2,000 + 2 x 12 x 21.90 + 6 x 2 x 21.90 = 6,788.40."""
    cat = catalog([gpu("Card16", 16)], [system("duo", "Card16", 2, price=2000.0)])
    ws = [workload("ha", 10, min_replicas=2), workload("pair", 10, gpus_per_replica=2, start_month=7)]
    s = scenario(ws, hardware={"cloud": False})
    plan = solve(s, cat, alternatives=False)
    assert _places(plan) == [
        ("ha", "duo#1", (0,), 1),
        ("ha", "duo#1", (0,), 7),
        ("ha", "duo#2", (0,), 1),
        ("ha", "duo#2", (0,), 7),
        ("pair", "duo#3", (0, 1), 7),
    ]
    assert plan.total_cost == pytest.approx(3 * 2000 + 36 * ENERGY_MONTH)
    assert verify(plan, s) == []


def test_equal_workloads_run_merged_keep_their_own_desks() -> None:
    """a (one replica growing 10 % a month: 2, then 3) and b (one replica) are equal but for their names, so
    each period plans them merged and gives the replicas back in order: b's desk#3 of months 1-6 went to a's
    third replica in month 7 and b moved to the new desk#4. Given back by place, b stays on desk#3 and a's
    third replica takes desk#4. Same cost: 4 x 1,000 + (3 x 12 + 6) x 21.90 = 4,919.80."""
    cat = catalog([gpu("Card16", 16)], [system("desk", "Card16")])
    s = scenario([workload("a", 10, growth_per_month=0.1), workload("b", 10)], hardware={"cloud": False})
    plan = solve(s, cat, alternatives=False)
    assert [(w, u, m) for w, u, _, m in _places(plan)] == [
        ("a", "desk#1", 1),
        ("a", "desk#1", 7),
        ("a", "desk#2", 1),
        ("a", "desk#2", 7),
        ("a", "desk#4", 7),
        ("b", "desk#3", 1),
        ("b", "desk#3", 7),
    ]
    assert plan.total_cost == pytest.approx(4000 + 42 * ENERGY_MONTH)
    assert verify(plan, s) == []


@pytest.mark.parametrize("seed", range(8))
def test_keeping_places_never_changes_what_a_plan_costs(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """The places kept are a tie-break among layouts of one cost: random plans over periods (desks, 2- and
    4-GPU servers and rentals; starts, ends, growth, replicas over 2 and 4 GPUs, shared GPUs, replicas spread
    by machine) cost the same to the cent laid out with the places kept as laid out each period afresh (the
    layout before), their units the same costs, and pass the month-by-month verifier."""
    import random

    from planner.assemble import periods

    cat = catalog(
        [gpu("Card16", 16), gpu("Card24", 24)],
        [
            system("desk", "Card16"),
            system("duo", "Card16", 2, price=1900.0),
            system("quad", "Card24", 4, price=5000.0),
        ],
        [cloud("c1", "Card16", price=0.5), cloud("c4", "Card24", 4, price=1.6)],
    )
    rng = random.Random(seed)
    ws = []
    for i in range(rng.randint(2, 4)):
        w: dict[str, Any] = {"replicas": rng.randint(1, 3)}
        if rng.random() < 0.5:
            w["start_month"] = rng.randint(2, 9)
        if rng.random() < 0.4:
            w["end_month"] = rng.randint(w.get("start_month", 1), 12)
        if rng.random() < 0.3:
            w["growth_per_month"] = 0.1
        if rng.random() < 0.3:
            w["gpus_per_replica"] = rng.choice([2, 4])
        if rng.random() < 0.2:
            w["min_replicas"] = 2
        ws.append(workload(f"w{i}", rng.choice([5, 10, 14, 20]), **w))
    s = scenario(ws, hardware={"cloud": rng.random() < 0.5})
    kept = solve(s, cat, alternatives=False)
    monkeypatch.setattr(periods, "_in_merged_names", lambda kept, merged: {})
    monkeypatch.setattr(
        periods, "split_assembled", lambda built, merged, kept: split_assembled(built, merged)
    )
    afresh = solve(s, cat, alternatives=False)
    assert kept.total_cost == pytest.approx(afresh.total_cost, abs=0.005)
    assert sorted(round(u.cost, 2) for u in kept.units) == sorted(round(u.cost, 2) for u in afresh.units)
    assert verify(kept, s) == []
