"""The presolve (``planner.ilp.presolve``) drops options but never changes the optimum.

Random small programs (options of 1, 2, 4 or 8 GPUs with random costs, limits and patterns, some options exact
copies or cheaper supersets of others so that dominance actually fires) are solved with and without the
presolve: the optimal costs must be equal, and a program the presolve cuts down must still be feasible when
the full one is.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.ilp.data import OptionData, PatternData, ProblemData
from planner.ilp.limits import LimitRow
from planner.ilp.presolve import presolve, undominated_options
from planner.ilp.solve import solve_problem


@st.composite
def programs(draw: st.DrawFn) -> ProblemData:
    n_work = draw(st.integers(1, 3))
    workloads = tuple(f"w{i + 1}" for i in range(n_work))
    demand = {w: draw(st.integers(1, 4)) for w in workloads}
    options: list[OptionData] = []
    patterns: list[PatternData] = []
    per_unit: dict[str, dict[str, float]] = {"capex": {}, "power": {}, "rack": {}}
    for i in range(draw(st.integers(1, 6))):
        oid = f"o{i + 1}"
        if options and draw(st.integers(0, 2)) > 0:
            # A copy of an earlier option, perhaps cheaper or limited: the cases dominance decides.
            base = draw(st.sampled_from(options))
            scale = draw(st.sampled_from((0.5, 1.0, 1.0, 1.5)))
            max_units = draw(st.sampled_from((None, None, 1, 2)))
            options.append(OptionData(oid, base.gpus_per_unit, base.fixed_cost * scale, max_units=max_units))
            capex = per_unit["capex"][base.id] * draw(st.sampled_from((0.5, 1.0, 2.0)))
            per_unit["capex"][oid] = min(base.fixed_cost * scale, capex)
            per_unit["power"][oid] = per_unit["power"][base.id] * draw(st.sampled_from((0.5, 1.0, 2.0)))
            per_unit["rack"][oid] = per_unit["rack"][base.id]
            energy = draw(st.sampled_from((0.5, 1.0, 2.0)))  # per-copy costs scale on their own
            for p in [p for p in patterns if p.option == base.id]:
                if draw(st.integers(0, 5)):  # now and then a pattern is missing on the copy
                    patterns.append(
                        PatternData(
                            f"p{len(patterns) + 1}",
                            oid,
                            p.gpus,
                            p.counts,
                            p.cost * energy,
                            p.monthly_cost * energy,
                        )
                    )
            continue
        gpus = draw(st.sampled_from((1, 2, 4, 8)))
        fixed = float(draw(st.sampled_from((5, 10, 40, 100))))
        options.append(OptionData(oid, gpus, fixed, max_units=draw(st.sampled_from((None, None, 1, 3)))))
        per_unit["capex"][oid] = fixed * draw(st.sampled_from((0.0, 0.5, 1.0)))
        per_unit["power"][oid] = float(draw(st.integers(0, 3)) * 100)
        per_unit["rack"][oid] = float(draw(st.integers(0, 2)))
        for w in workloads:
            if draw(st.integers(0, 4)) == 0:
                continue  # w does not fit this option
            k = draw(st.sampled_from([k for k in (1, 2, 4, 8) if gpus % k == 0]))
            cost = float(draw(st.sampled_from((0, 5, 10, 20))))
            patterns.append(PatternData(f"p{len(patterns) + 1}", oid, k, ((w, 1),), cost, cost / 10))
        if n_work > 1 and draw(st.booleans()):
            pair = tuple(
                sorted(draw(st.lists(st.sampled_from(workloads), min_size=2, max_size=2, unique=True)))
            )
            patterns.append(
                PatternData(f"p{len(patterns) + 1}", oid, 1, tuple((w, 1) for w in pair), 1.0, 0.1)
            )
    limits: list[LimitRow] = []
    if draw(st.booleans()):
        limits.append(LimitRow("capex", float(draw(st.integers(50, 400))), per_unit["capex"]))
    if draw(st.booleans()):
        limits.append(LimitRow("power", float(draw(st.integers(200, 2000))), per_unit["power"]))
    if draw(st.integers(0, 3)) == 0:
        limits.append(LimitRow("rack", float(draw(st.integers(1, 6))), per_unit["rack"]))
    if draw(st.integers(0, 3)) == 0:  # a quota on the first option's GPUs: options stop being interchangeable
        gpus = {options[0].id: float(options[0].gpus_per_unit)}
        limits.append(LimitRow("quota", float(draw(st.integers(0, 8))), gpus))
    return ProblemData(workloads, demand, tuple(options), tuple(patterns), limits=tuple(limits))


@given(programs())
@settings(max_examples=150)
def test_presolve_keeps_the_optimum(data: ProblemData) -> None:
    full = solve_problem(data, mip_gap=0.0, time_limit_s=10, presolve=False)
    reduced = solve_problem(data, mip_gap=0.0, time_limit_s=10, presolve=True)
    assert full.status in ("optimal", "infeasible")
    assert reduced.status == full.status
    if full.status == "optimal":
        assert abs(reduced.objective - full.objective) <= 1e-6 * max(1.0, full.objective)
        # every option of the full program has a value, dropped ones 0
        assert set(reduced.units) == {o.id for o in data.options}


def test_a_cheaper_copy_dominates_and_a_limited_one_does_not() -> None:
    a = OptionData("o1", 1, 10.0)
    b = OptionData("o2", 1, 12.0)
    limited = OptionData("o3", 1, 5.0, max_units=1)
    patterns = tuple(
        PatternData(f"p{i + 1}", o, 1, (("w1", 1),), 1.0, 0.1) for i, o in enumerate(("o1", "o2", "o3"))
    )
    data = ProblemData(("w1",), {"w1": 3}, (a, b, limited), patterns)
    assert undominated_options(data) == ("o1", "o3")
    assert len(presolve(data).options) == 2
    # A's pattern costing more than B's breaks dominance: energy per copy counts too.
    dear = (
        PatternData("p1", "o1", 1, (("w1", 1),), 5.0, 0.5),
        PatternData("p2", "o2", 1, (("w1", 1),), 1.0, 0.1),
    )
    data = ProblemData(("w1",), {"w1": 3}, (a, b), dear)
    assert undominated_options(data) == ("o1", "o2")


def test_dominance_needs_every_pattern() -> None:
    a = OptionData("o1", 2, 10.0)
    b = OptionData("o2", 2, 12.0)
    patterns = (
        PatternData("p1", "o1", 1, (("w1", 1),)),
        PatternData("p2", "o2", 1, (("w1", 1),)),
        PatternData("p3", "o2", 2, (("w2", 1),)),  # only the dearer option runs w2
    )
    data = ProblemData(("w1", "w2"), {"w1": 1, "w2": 1}, (a, b), patterns)
    assert undominated_options(data) == ("o1", "o2")
    # Give the cheap option w2's pattern too and it dominates.
    more = (*patterns, PatternData("p4", "o1", 2, (("w2", 1),)))
    data = ProblemData(("w1", "w2"), {"w1": 1, "w2": 1}, (a, b), more)
    assert undominated_options(data) == ("o1",)


@pytest.mark.parametrize("limit", ["capex", "power", "rack", "a_row_added_later"])
def test_an_option_using_more_of_a_limited_resource_does_not_dominate(limit: str) -> None:
    """Cheaper A uses more capex (power, rack space, anything a row counts) than B; a limit that A's plan
    breaks keeps B needed. Without the row, A dominates."""
    a = OptionData("o1", 1, 10.0)
    b = OptionData("o2", 1, 12.0)
    patterns = (PatternData("p1", "o1", 1, (("w1", 1),)), PatternData("p2", "o2", 1, (("w1", 1),)))
    assert undominated_options(ProblemData(("w1",), {"w1": 2}, (a, b), patterns)) == ("o1",)
    row = LimitRow(limit, 2.0, {"o1": 3.0, "o2": 1.0})
    data = ProblemData(("w1",), {"w1": 2}, (a, b), patterns, limits=(row,))
    assert undominated_options(data) == ("o1", "o2")
    assert solve_problem(data, mip_gap=0.0).objective == pytest.approx(
        24.0
    )  # two units of B: A breaks the limit
