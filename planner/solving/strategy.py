"""Stage 4: the program solved with the strategy its size asks for.

Where every co-location pattern was enumerated, the exact pattern model is solved as it is; past the
pattern budget (``placement.colocation``) the large-fleet strategy (``solving.large``) bounds and builds the
plan. Either way a program without a plan becomes an ``InfeasibleError`` that says what would make one exist.
"""

from __future__ import annotations

from planner.errors import InfeasibleError
from planner.ilp.solve import Solution, solve_problem
from planner.placement.candidates import Candidates
from planner.scenario.schema import Scenario
from planner.solving.diagnose import explain_limits
from planner.solving.large import solve_large


def solve_candidates(
    scenario: Scenario,
    candidates: Candidates,
    *,
    solver: str,
    start: float,
    time_limit_s: float,
    mip_gap: float,
) -> tuple[Candidates, Solution]:
    """The solution and the candidates it solves (the large-fleet strategy ends on patterns of its own);
    ``start`` is when the run began (``time.perf_counter``), so the strategies share the whole time limit."""
    if candidates.data.shared:
        candidates, solution = solve_large(candidates, solver, start, time_limit_s, mip_gap)
    else:
        solution = solve_problem(candidates.data, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    if solution.status == "infeasible":
        raise explain_limits(scenario, candidates, solver=solver, time_limit_s=time_limit_s)
    if solution.status == "no_solution":
        raise InfeasibleError(
            f"no plan found within the time limit of {time_limit_s:g} s ({solver}); raise --time-limit"
        )
    return candidates, solution
