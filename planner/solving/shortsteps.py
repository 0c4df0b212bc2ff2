"""Large fleets, short runs: the seconds after a short first pass go to the exact program, not to pricing.

A short first pass (under ``large.MIN_FILL_S``: 200 workloads at 10 s) ends once the restricted relaxation is
solved and packed, usually well before its own end (``large.SHORT_PASS_SHARE``). Were column generation's
share to end with that pass, it would price patterns for all the seconds left, and the exact program that
needs them would not have its minimum: the plan would be the packed relaxation. Column generation's first
rounds add most of its patterns and its later rounds few, while the exact program, started from the packed
relaxation (its patterns in the program, the plan kept where HiGHS finds none cheaper), finds its first
cheaper plans only after a few seconds of its own. So after a short pass column generation gets a fixed share
of the limit (``COLGEN_SHARE``), counted from when the packed plans are in hand, and the exact program the
rest until ``END_SHARE`` of the limit; where that leaves it less than ``EXACT_MIN_S``, neither runs and the
packed plan is the plan, out sooner. Figures: docs/benchmarks.md, "The figures behind the tuned constants".
"""

from __future__ import annotations

COLGEN_SHARE = 0.1
"""Share of the limit column generation gets after a short pass, from when the pass's plans are packed: its
first rounds come quickly and later ones add few patterns the exact program uses in its seconds."""
EXACT_MIN_S = 3.0
"""The least time the exact program must have after column generation for either to run: with less it
returned the packed plan it started from, and the seconds only delayed the plan."""
END_SHARE = 0.92
"""Share of the limit, from the start of the run, by which the exact program ends after a short pass: the
assembly, the verifier and HiGHS's overrun take the rest, which in a short run is a larger share than
``large.FINISH_SHARE`` keeps."""


def short_ends(
    start: float, time_limit_s: float, now: float, end: float, least: float = 0.0
) -> tuple[float, float] | None:
    """When column generation and the exact program end after a short pass (``time.perf_counter`` values),
    or None where the exact program would have less than ``EXACT_MIN_S`` (or ``least``, the caller's
    measure of the fleet) after column generation. ``start``: when the run began; ``now``: when the pass's
    plans were packed; ``end``: the latest the caller allows the exact program (its finish kept)."""
    finish = min(end, start + time_limit_s * END_SHARE)
    colgen_end = now + time_limit_s * COLGEN_SHARE
    if finish - colgen_end < max(EXACT_MIN_S, least):
        return None
    return colgen_end, finish
