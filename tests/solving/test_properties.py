"""Laws the optimizer must obey on any input, checked on small random fleets.

Memory comes from a stand-in model (``gib / k`` per GPU plus 0.5 GiB) so the laws are tested without the
memory model; alternatives are off to keep each example to one solve.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.schema import Catalog
from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.placement.memory import Footprint
from planner.scenario.schema import Scenario, Workload
from planner.units import GIB

from builders import catalog, cloud, gpu, system

MIP_GAP = 1e-4


def memory(w: Workload, k: int) -> Footprint:
    gib = float(w.model.removeprefix("m"))
    return Footprint(k, math.ceil((gib / k + 0.5) * GIB))


workloads_st = st.lists(
    st.fixed_dictionaries(
        {
            "gib": st.integers(1, 60),
            "hours_per_month": st.sampled_from([50.0, 200.0, 730.0]),
            "replicas": st.integers(1, 2),
            "interruptible": st.booleans(),
        }
    ),
    min_size=1,
    max_size=3,
)
prices_st = st.fixed_dictionaries(
    {
        "p16": st.floats(300, 3000),
        "p48": st.floats(2000, 9000),
        "c16": st.floats(0.2, 2.0),
        "c48": st.floats(0.5, 4.0),
        "spot": st.floats(0.2, 0.9),
    }
)


def make_catalog(
    pr: dict[str, float], *, vram16: float = 16, scale: float = 1.0, extra: bool = False
) -> Catalog:
    cards = [gpu("Card16", vram16, tdp_w=200), gpu("Card48", 48, tdp_w=300)]
    systems = [
        system("desk-16", "Card16", price=pr["p16"] * scale, base_w=100),
        system("desk-48", "Card48", price=pr["p48"] * scale, base_w=100),
        system("server-2x48", "Card48", 2, price=2.1 * pr["p48"] * scale, base_w=300, linked=True),
    ]
    clouds = [
        cloud("c16", "Card16", price=pr["c16"] * scale, spot=pr["c16"] * pr["spot"] * scale),
        cloud("c48", "Card48", price=pr["c48"] * scale),
        cloud("c48x2", "Card48", 2, price=2 * pr["c48"] * scale, spot=2 * pr["c48"] * pr["spot"] * scale),
    ]
    if extra:
        clouds.append(cloud("bargain", "Card48", price=pr["c16"] * scale))
    return catalog(cards, systems, clouds)


def make_scenario(ws: list[dict[str, Any]], *, scale: float = 1.0, bump: int = -1) -> Scenario:
    return Scenario.model_validate(
        {
            "name": "prop",
            "horizon_months": 24,
            "headroom": 0.1,
            "energy": {"usd_per_kwh": 0.15 * scale, "colocation_usd_per_kw_month": 50 * scale},
            "workloads": [
                {
                    "name": f"w{i}",
                    "model": f"m{w['gib']}",
                    "hours_per_month": w["hours_per_month"],
                    "replicas": w["replicas"] + (1 if i == bump else 0),
                    "interruptible": w["interruptible"],
                }
                for i, w in enumerate(ws)
            ],
        }
    )


def cost(scenario: Scenario, cat: Catalog) -> float:
    try:
        plan = solve(scenario, cat, memory=memory, alternatives=False, mip_gap=MIP_GAP)
    except InfeasibleError:
        return math.inf
    return plan.total_cost


def no_more(a: float, b: float) -> bool:
    """a <= b up to the solver's relative gap."""
    return a <= b * (1 + 2 * MIP_GAP) + 1e-6 if math.isfinite(b) else True


@settings(max_examples=25)
@given(workloads_st, prices_st)
def test_a_larger_card_never_costs_more(ws: list[dict[str, Any]], pr: dict[str, float]) -> None:
    s = make_scenario(ws)
    assert no_more(cost(s, make_catalog(pr, vram16=24)), cost(s, make_catalog(pr)))


@settings(max_examples=25)
@given(workloads_st, prices_st)
def test_an_extra_offer_never_costs_more(ws: list[dict[str, Any]], pr: dict[str, float]) -> None:
    s = make_scenario(ws)
    assert no_more(cost(s, make_catalog(pr, extra=True)), cost(s, make_catalog(pr)))


@settings(max_examples=25)
@given(workloads_st, prices_st, st.floats(0.3, 0.99))
def test_lower_prices_never_cost_more(ws: list[dict[str, Any]], pr: dict[str, float], factor: float) -> None:
    cheaper = {k: (v * factor if k != "spot" else v) for k, v in pr.items()}
    s = make_scenario(ws)
    assert no_more(cost(s, make_catalog(cheaper)), cost(s, make_catalog(pr)))


@settings(max_examples=25)
@given(workloads_st, prices_st, st.sampled_from([2.0, 3.0, 10.0]))
def test_prices_times_k_give_cost_times_k(ws: list[dict[str, Any]], pr: dict[str, float], k: float) -> None:
    base = cost(make_scenario(ws), make_catalog(pr))
    scaled = cost(make_scenario(ws, scale=k), make_catalog(pr, scale=k))
    if math.isinf(base):
        assert math.isinf(scaled)
    else:
        assert math.isclose(scaled, k * base, rel_tol=3 * MIP_GAP)


@settings(max_examples=25)
@given(workloads_st, prices_st, st.integers(0, 2))
def test_more_demand_never_costs_less(ws: list[dict[str, Any]], pr: dict[str, float], which: int) -> None:
    bump = which % len(ws)
    cat = make_catalog(pr)
    assert no_more(cost(make_scenario(ws), cat), cost(make_scenario(ws, bump=bump), cat))


@settings(max_examples=25)
@given(workloads_st, prices_st, st.integers(0, 2))
def test_fewer_hours_never_cost_more(ws: list[dict[str, Any]], pr: dict[str, float], which: int) -> None:
    """Cutting one workload's hours (730 -> 200 -> 50): on a cloud instance it once lost the instance it
    shared, which needed equal hours."""
    i = which % len(ws)
    longer = ws[i]["hours_per_month"]
    shorter = {730.0: 200.0, 200.0: 50.0, 50.0: 50.0}[longer]
    fewer = [dict(w, hours_per_month=shorter) if j == i else w for j, w in enumerate(ws)]
    cat = make_catalog(pr)
    assert no_more(cost(make_scenario(fewer), cat), cost(make_scenario(ws), cat))
