"""Owned machines given by GPU stand where such cards stand: a consumer card by a desk, unless told."""

from __future__ import annotations

import pytest
import yaml

from planner.errors import ScenarioError
from planner.pipeline import solve
from planner.scenario.load import parse_scenario

OWNED_4090S = """name: owned-4090s
horizon_months: 12
owned:
  - gpu: RTX 4090
    count: 2
    name: dev-box
workloads:
  - name: chat
    model: llama-3.1-8b
"""


def _plan(text: str):  # type: ignore[no-untyped-def]
    return solve(parse_scenario(text), alternatives=False)


def test_owned_consumer_cards_stand_by_a_desk_and_are_used() -> None:
    """Two owned RTX 4090 boxes under the default colocation hosting: charged colocation, they had cost more
    than a new desk-side machine, so the plan bought one and left both idle. By a desk they pay no fee and
    the plan buys nothing."""
    plan = _plan(OWNED_4090S)
    assert plan.capex == 0.0
    assert {u.kind for u in plan.units} == {"owned"}
    assert all(u.hosting_cost == 0.0 for u in plan.units)


def test_owned_cards_in_a_rack_pay_colocation_as_told() -> None:
    """Told they stand in a rack, the boxes pay colocation and the plan buys a desk-side machine instead (a
    Radeon RX 7900 XTX desktop, 2,499 USD): the behaviour before, now only where the scenario says so."""
    racked = OWNED_4090S.replace("    name: dev-box\n", "    name: dev-box\n    system_type: server\n")
    plan = _plan(racked)
    assert plan.capex == pytest.approx(2499.0)
    assert [u.kind for u in plan.units] == ["bought"]
    assert plan.idle_owned


def test_system_type_with_a_catalog_system_is_refused() -> None:
    text = yaml.safe_dump(
        {
            "name": "x",
            "owned": [{"system": "server-8x-a100-80gb-sxm", "system_type": "desktop"}],
            "workloads": [{"name": "chat", "model": "llama-3.1-8b"}],
        }
    )
    with pytest.raises(ScenarioError, match="system_type goes with gpu"):
        parse_scenario(text)
