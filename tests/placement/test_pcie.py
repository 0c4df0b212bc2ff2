"""Tensor parallelism over PCIe inside one machine, and linked SXM/OAM boards (hand-computed plans).

Memory: a stand-in model, ``gib / k + 0.5`` GiB per GPU on k GPUs, so a 60 GiB model needs 30.5 GiB on each
of two cards. helpers.scenario: office hosting, PUE 1, 0.10 USD/kWh, GPUs at full TDP (300 W) while busy, no
headroom, 12 months: one GPU busy all month for a year costs 262.80 USD.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.placement.memory import Footprint
from planner.report.terminal import render_terminal
from planner.scenario.schema import Workload
from planner.units import GIB

from builders import catalog, gpu, scenario, system

GPU_YEAR = 262.8
CARD48 = gpu("Card48", 48)
SXM80 = gpu("Card80-SXM", 80).model_copy(update={"form_factor": "SXM5"})
CAT = catalog(
    [CARD48, SXM80],
    [
        system("ws-2x48", "Card48", 2, price=5000.0),
        system("sxm-2x80", "Card80-SXM", 2, price=20000.0, linked=True),
    ],
)


def memory(w: Workload, k: int) -> Footprint:
    return Footprint(k, math.ceil((float(w.model.removeprefix("m")) / k + 0.5) * GIB))


def _plan(gib: int, **extra: Any) -> Any:
    s = scenario([{"name": "big", "model": f"m{gib}"}], **extra)
    return solve(s, CAT, memory=memory, alternatives=False)


def test_a_model_splits_over_the_pcie_cards_of_a_workstation() -> None:
    """60 GiB: 30.5 GiB on each card of the 2 x 48 GiB workstation, 5,000 + 2 x 262.80 = 5,525.60, against
    the SXM server (60.5 GiB on one 80 GiB GPU) at 20,000 + 262.80."""
    plan = _plan(60, hardware={"cloud": False})
    assert plan.total_cost == pytest.approx(5000 + 2 * GPU_YEAR) and plan.status == "optimal"
    (a,) = plan.assignments
    assert (a.unit, a.gpu_indices, a.interconnect) == ("ws-2x48#1", (0, 1), "pcie")
    assert "Tensor parallel over PCIe (memory fits; speed not priced): big (2 GPUs)." in render_terminal(
        plan, 200
    )


def test_pcie_tensor_parallelism_can_be_switched_off() -> None:
    plan = _plan(60, hardware={"cloud": False, "tensor_parallel_over_pcie": False})
    assert plan.total_cost == pytest.approx(20000 + GPU_YEAR)
    (a,) = plan.assignments
    assert (a.unit, a.gpu_indices, a.interconnect) == ("sxm-2x80#1", (0,), None)


def test_owned_sxm_boards_are_linked_unless_told_otherwise() -> None:
    """Owned 2 x 80 GiB SXM board, no gpus_linked given: a 100 GiB model splits 50.5 + 50.5 over NVLink. The
    same board with tensor parallelism over PCIe off still splits (its GPUs are linked); said unlinked, only
    a split over PCIe would hold it (50.5 GiB of 80 per GPU), and the message names that setting."""
    owned = [{"gpu": "Card80-SXM", "gpu_count": 2}]
    only_owned = {"bought": False, "cloud": False, "tensor_parallel_over_pcie": False}
    plan = _plan(100, hardware=only_owned, owned=owned)
    (a,) = plan.assignments
    assert (a.gpu_indices, a.interconnect) == ((0, 1), "nvlink")
    with pytest.raises(InfeasibleError, match=r"pcie: false; split over 2 PCIe GPUs .* need 50.50 GiB"):
        _plan(100, hardware=only_owned, owned=[{**owned[0], "gpus_linked": False}])


def test_owned_pcie_cards_split_over_pcie() -> None:
    plan = _plan(60, hardware={"bought": False, "cloud": False}, owned=[{"gpu": "Card48", "gpu_count": 2}])
    (a,) = plan.assignments
    assert (a.gpu_indices, a.interconnect) == ((0, 1), "pcie")


def test_a_model_that_only_pcie_splitting_would_fit_names_the_setting() -> None:
    """60 GiB: 60.5 GiB on one 48 GiB card does not fit, 30.5 GiB on each of the owned workstation's two
    PCIe cards would. The message named the card's memory and "allow larger or more GPUs", though the
    setting that forbids the split is what binds."""
    only_owned = {"bought": False, "cloud": False, "tensor_parallel_over_pcie": False}
    with pytest.raises(InfeasibleError) as raised:
        _plan(60, hardware=only_owned, owned=[{"gpu": "Card48", "gpu_count": 2}])
    message = str(raised.value)
    assert "hardware.tensor_parallel_over_pcie: false" in message
    assert "split over 2 PCIe GPUs of 2x Card48 (owned) it would need 30.50 GiB of the 48.00 GiB" in message
    assert "set tensor_parallel_over_pcie: true" in message
    # 100 GiB: 50.5 GiB per card does not fit either way, so the setting is not what binds.
    with pytest.raises(InfeasibleError) as raised:
        _plan(100, hardware=only_owned, owned=[{"gpu": "Card48", "gpu_count": 2}])
    assert "tensor_parallel_over_pcie" not in str(raised.value)


def test_a_rate_stated_load_over_pcie_says_its_speed_is_modelled() -> None:
    """Llama 3 8B in bf16 (15 GiB of weights) needs both 16 GiB cards of a workstation (13.26 GiB on each);
    stated as a rate, its replica runs at the speed the model gives over PCIe (the speed table prices it), so
    the terminal no longer files it under "speed not priced"."""
    from builders import rate_workload

    cat = catalog([gpu("Card16", 16)], [system("ws-2x16", "Card16", 2, price=3000.0)])
    plan = solve(scenario([rate_workload(0.2)], hardware={"cloud": False}), cat, alternatives=False)
    assert {(a.unit, a.gpu_indices, a.interconnect) for a in plan.assignments} == {
        ("ws-2x16#1", (0, 1), "pcie")
    }
    (chat,) = plan.workloads
    assert chat.performance is not None
    text = render_terminal(plan, 200)
    assert (
        "Tensor parallel over PCIe (speed modelled over PCIe: a load stated as a rate): chat (2 GPUs)."
        in text
    )
    assert "speed not priced" not in text
