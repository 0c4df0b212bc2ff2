"""Replicas over several machines: only on offers whose machines have a fabric, only under engines that serve
that way (vLLM, SGLang), priced as whole machines; figures by hand."""

from __future__ import annotations

import pytest

from planner.catalog.schema import Fabric
from planner.check import verify
from planner.errors import InfeasibleError
from planner.pipeline import solve
from planner.placement.memory import Footprint
from planner.plan import Plan
from planner.scenario.schema import Workload
from planner.units import GIB

from builders import catalog, cloud, gpu, scenario

EFA = Fabric(kind="efa", gbps_per_node=3200, source="test page")
CARD = gpu("Card24", 24)
HOURS_YEAR = 730 * 12


def memory(w: Workload, k: int, nodes: int = 1) -> Footprint:
    """80 GiB split evenly over the replica's GPUs, however many machines hold them."""
    return Footprint(k, 80 * GIB // k)


def pair(price: float = 1.0) -> object:
    return cloud("pair", "Card24", 2, price=price).model_copy(update={"fabric": EFA})


def _plan(engine: str, *clouds: object) -> Plan:
    cat = catalog([CARD], clouds=list(clouds))  # type: ignore[arg-type]
    work = scenario([{"name": "big", "model": "x", "engine": engine}], hardware={"bought": False})
    return solve(work, cat, memory=memory, alternatives=False)


def test_a_replica_spans_two_machines_with_a_fabric() -> None:
    # 40 GiB per GPU on one 2 x 24 GiB machine does not fit; 20 GiB on 2 machines (4 GPUs) does:
    # 2 instances x 1.00 USD/h x 730 h x 12 months = 17,520 USD.
    plan = _plan("vllm", pair(1.0))
    assert plan.total_cost == pytest.approx(2 * 1.0 * HOURS_YEAR)
    assert [u.id for u in plan.units] == ["testcloud:pair:r1#1", "testcloud:pair:r1#2"]
    (a,) = plan.assignments
    assert a.units == ("testcloud:pair:r1#1", "testcloud:pair:r1#2")
    assert (a.unit, a.gpu_indices, a.nodes, a.gpu_count, a.fabric) == (
        "testcloud:pair:r1#1",
        (0, 1),
        2,
        4,
        "efa",
    )
    assert a.per_gpu_bytes == 20 * GIB
    assert a.cost == pytest.approx(plan.total_cost)
    (w,) = plan.workloads
    assert (w.gpus_per_replica, w.nodes_per_replica) == (4, 2)
    assert verify(plan, scenario([{"name": "big", "model": "x", "engine": "vllm"}])) == []


def test_one_machine_that_holds_it_wins_when_cheaper() -> None:
    # A 4-GPU machine without a fabric at 1.90 USD/h (16,644 USD) beats two pairs (17,520 USD); at 2.50 USD/h
    # (21,900 USD) it does not.
    cheap = cloud("quad", "Card24", 4, price=1.9)
    plan = _plan("sglang", pair(1.0), cheap)
    assert plan.total_cost == pytest.approx(1.9 * HOURS_YEAR)
    assert plan.assignments[0].units == ()
    dear = cloud("quad", "Card24", 4, price=2.5)
    assert _plan("sglang", pair(1.0), dear).total_cost == pytest.approx(2 * 1.0 * HOURS_YEAR)


def test_no_fabric_no_multi_node() -> None:
    bare = cloud("pair", "Card24", 2, price=1.0)
    with pytest.raises(InfeasibleError, match=r"'big' fits nowhere: it needs 40.00 GiB per GPU"):
        _plan("vllm", bare)


@pytest.mark.parametrize("engine", ["transformers", "llama.cpp"])
def test_an_engine_that_does_not_serve_across_machines_is_named(engine: str) -> None:
    with pytest.raises(InfeasibleError) as info:
        _plan(engine, pair(1.0))
    message = str(info.value)
    assert "\n" not in message
    assert f"'big' fits on no single machine, and its engine {engine} does not serve one replica" in message
    assert "under vllm or sglang it would fit 2 x testcloud pair (r1) over efa: use engine: vllm" in message
    assert info.value.exit_code == 3


def test_verify_refuses_machines_without_a_fabric_or_not_identical() -> None:
    plan = _plan("vllm", pair(1.0))
    work = scenario([{"name": "big", "model": "x", "engine": "vllm"}])
    bare = [plan.units[0], plan.units[1].model_copy(update={"fabric": None})]
    problems = verify(plan.model_copy(update={"units": bare}), work)
    assert any("without a fabric" in p for p in problems)
    other = [plan.units[0], plan.units[1].model_copy(update={"option": "testcloud:other:r1"})]
    problems = verify(plan.model_copy(update={"units": other}), work)
    assert any("not identical" in p for p in problems)
    as_tf = scenario([{"name": "big", "model": "x", "engine": "transformers"}])
    assert any("does not serve across machines" in p for p in verify(plan, as_tf))


def test_a_workload_no_number_of_machines_holds_is_told_it_fits_nowhere() -> None:
    # 5000 GiB measured per GPU: no engine and no fabric helps, so the message is not about the engine.
    cat = catalog([CARD], clouds=[pair(1.0)])  # type: ignore[list-item]
    huge = scenario([{"name": "huge", "model": "measured", "memory_per_gpu": "5000GiB"}])
    with pytest.raises(InfeasibleError, match=r"'huge' fits nowhere"):
        solve(huge, cat, alternatives=False)


def test_a_fabric_keeps_an_offer_only_where_a_replica_spans_machines() -> None:
    """A dearer instance with a fabric is dominated by a cheaper one without when every replica fits one
    machine (nothing needs the fabric), and kept when a replica spans machines of it."""
    from planner.placement.candidates import build_candidates, without_dominated

    plain = cloud("plain", "Card24", 2, price=0.8)
    cat = catalog([CARD], clouds=[pair(1.0), plain])  # type: ignore[list-item]

    def kept(gib: int) -> set[str]:
        work = scenario([{"name": "w", "model": "x", "engine": "vllm"}], hardware={"bought": False})
        c = without_dominated(build_candidates(work, cat, lambda w, k, nodes=1: Footprint(k, gib * GIB // k)))
        return {o.option for o in c.offers.values()}

    assert kept(20) == {"testcloud:plain:r1"}  # 20 GiB on one GPU: either instance holds it
    assert kept(80) == {"testcloud:pair:r1"}  # 20 GiB on each of 4 GPUs: only two pairs with EFA


def test_a_replica_over_machines_that_starts_later_pays_both_machines_in_its_months() -> None:
    # The replica runs from month 7 of 12: two pair instances rented for 6 months each,
    # 2 x 1.00 USD/h x 730 h x 6 = 8,760 USD, all of it the replica's (both machines' costs reach it).
    cat = catalog([CARD], clouds=[pair(1.0)])  # type: ignore[list-item]
    big = {"name": "big", "model": "x", "engine": "vllm", "start_month": 7}
    work = scenario([big], hardware={"bought": False})
    plan = solve(work, cat, memory=memory, alternatives=False)
    assert plan.total_cost == pytest.approx(2 * 1.0 * 730 * 6)
    (a,) = plan.assignments
    assert (a.nodes, a.start_month) == (2, 7)
    assert a.cost == pytest.approx(plan.total_cost)
    assert verify(plan, work) == []
    # Every machine of the replica must be the plan's in its months, not only the first.
    second = next(u for u in plan.units if u.id == a.units[1])
    late = second.model_copy(update={"start_month": 9})
    damaged = plan.model_copy(update={"units": tuple(late if u is second else u for u in plan.units)})
    assert f"big replica 1: on {second.id} in months it does not have" in verify(damaged, work)


def test_the_cloud_sheet_names_the_workload_on_every_instance_of_a_replica() -> None:
    """Two 'pair' instances hold one replica of big: the Cloud sheet's second instance row named no workload
    (the replica was listed on its first machine only), as if it were rented for nothing."""
    from planner.report.figures import workloads_by_unit
    from planner.report.workbook import build_workbook

    plan = _plan("vllm", pair(1.0))
    assert workloads_by_unit(plan) == {"testcloud:pair:r1#1": ("big",), "testcloud:pair:r1#2": ("big",)}
    ws = build_workbook(plan)["Cloud"]
    cells = ws[ws.tables["Cloud"].ref]
    header = [c.value for c in cells[0]]
    rows = [dict(zip(header, [c.value for c in row], strict=True)) for row in cells[1:]]
    assert [(r["Unit"], r["Workloads"]) for r in rows] == [
        ("testcloud:pair:r1#1", "big"),
        ("testcloud:pair:r1#2", "big"),
    ]
