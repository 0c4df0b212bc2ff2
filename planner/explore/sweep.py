"""``sweep``: one scenario solved at every point of a grid of assumptions, as a pandas DataFrame.

Each point is an ordinary ``solve`` of the scenario with the varied values (the CLI's numbers), run in worker
processes. The rows come back in grid order whatever order the workers finish in, so a sweep is
deterministic for any ``jobs``. Where the chosen mix changes between neighbouring points, ``break_evens``
names the interval: the answer to "at what horizon does buying win?".
"""

from __future__ import annotations

import contextlib
import functools
import math
import multiprocessing
import multiprocessing.pool
import os
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from planner.errors import InfeasibleError, PlannerError
from planner.explore.vary import Axis, Value, apply_point, axes_from, grid
from planner.report.figures import ACTION_BY_PRICING, chosen_mix

if TYPE_CHECKING:
    import pandas as pd

    from planner.catalog.schema import Catalog
    from planner.plan import Plan
    from planner.scenario.schema import Scenario

RESULT_COLUMNS = ("status", "total_cost", "capex", "opex_per_month", "mix", "units", "message")
"""Columns after the varied paths: the plan's total, up-front and monthly cost, the mix in words, the number
of units, and for an infeasible point what would make it feasible."""

MIX_SEPARATOR = "; "
Progress = Callable[[int, int], None]


def mix_text(plan: Plan) -> str:
    """The chosen mix in words, ordered by kind then offer (not by cost, which moves with every point), so
    two points share a text exactly when they buy and rent the same things. Units of one offer under one
    pricing count together whatever their hours."""
    rank = list(ACTION_BY_PRICING)
    counts: dict[tuple[int, str, str, str], int] = {}
    for m in chosen_mix(plan):
        key = (rank.index(m.pricing) if m.pricing in rank else len(rank), m.option, m.action, m.option_name)
        counts[key] = counts.get(key, 0) + m.count
    return MIX_SEPARATOR.join(f"{action} {n} x {name}" for (_, _, action, name), n in sorted(counts.items()))


def mix_change(before: str, after: str) -> str:
    """What a change of mix adds (+) and removes (-), from the two mix texts."""
    old, new = before.split(MIX_SEPARATOR) if before else [], after.split(MIX_SEPARATOR) if after else []
    return MIX_SEPARATOR.join(
        [*(f"+ {m}" for m in new if m not in old), *(f"- {m}" for m in old if m not in new)]
    )


def _row(plan: Plan) -> dict[str, Any]:
    return {
        "status": plan.status,
        "total_cost": plan.total_cost,
        "capex": plan.capex,
        "opex_per_month": plan.opex_per_month or plan.opex / max(plan.horizon_months, 1),
        "mix": mix_text(plan),
        "units": len(plan.units),
        "message": "",
    }


def solve_point(scenario: Scenario, catalog: Catalog, options: Mapping[str, Any]) -> dict[str, Any]:
    """One point's row; an infeasible point is a row with its reason, not an error."""
    from planner.pipeline import solve

    try:
        return _row(solve(scenario, catalog, **options))
    except InfeasibleError as error:
        nan = math.nan
        return {
            "status": "infeasible",
            "total_cost": nan,
            "capex": nan,
            "opex_per_month": nan,
            "mix": "",
            "units": 0,
            "message": str(error),
        }


# --- worker processes ------------------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(catalog: Catalog, options: Mapping[str, Any]) -> None:
    # Ctrl-C reaches the whole process group: the parent alone decides to stop, and terminates the workers.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _WORKER["catalog"], _WORKER["options"] = catalog, options


def _work(task: tuple[int, Scenario, Catalog | None]) -> tuple[int, dict[str, Any]]:
    index, scenario, catalog = task
    return index, solve_point(scenario, catalog or _WORKER["catalog"], _WORKER["options"])


def _context() -> multiprocessing.context.BaseContext:
    """Workers forked from a forkserver that has imported the solver once: a fork of a clean,
    single-threaded process (never of the caller, whose solver threads or web-server threads a fork would
    copy half-way), without each worker importing pandas, pulp and pydantic again as spawn does. Spawn
    where there is no forkserver (Windows)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["planner.pipeline", "planner.explore.sweep"])
    return context


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Start the forkserver and the workers with SIGINT ignored: a terminal's Ctrl-C reaches the whole
    process group, and a process that has not yet run ``_init_worker`` (the forkserver while it imports the
    solver, a worker just forked) would otherwise print a traceback. A Python started with SIGINT ignored
    keeps ignoring it. Only the main thread may change signal handlers; elsewhere (the web server's threads)
    the workers still ignore SIGINT once initialised."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _start_pool(
    jobs: int, catalog: Catalog, options: Mapping[str, Any]
) -> tuple[multiprocessing.pool.Pool, bool]:
    """The workers, and whether a Ctrl-C came while they started.

    Under a forkserver only the forkserver's own start needs SIGINT ignored (``_sigint_ignored``): it is the
    one process started from this one, and the workers it forks inherit its ignoring. While it imports the
    solver and forks the workers (a second or more on a busy machine) a Ctrl-C is held (``_sigint_held``)
    and answered once they are up: with SIGINT ignored throughout, one was dropped and the sweep ran on to
    write its report and exit 0; answered at once, it left a worker half-sent its start-up data, which
    printed a traceback."""
    context = _context()
    start = functools.partial(context.Pool, jobs, initializer=_init_worker, initargs=(catalog, dict(options)))
    with _main_not_inherited():
        if context.get_start_method() != "forkserver":
            with _sigint_ignored():  # spawn: every worker is started from this process
                return start(), False
        from multiprocessing import forkserver

        with _sigint_ignored():
            forkserver.ensure_running()
        with _sigint_held() as interrupted:
            pool = start()
        return pool, interrupted()


@contextlib.contextmanager
def _sigint_held() -> Iterator[Callable[[], bool]]:
    """Hold a Ctrl-C while the block runs; the caller asks whether one came and answers it when the block is
    done. The signal's wake-up descriptor is set aside meanwhile: the CLI's watcher would otherwise end the
    process a second later, whatever the block was doing. Main thread only, as ``_sigint_ignored``; where
    SIGINT is ignored (a background job) it stays ignored."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    ):
        yield lambda: False
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    wakeup = signal.set_wakeup_fd(-1)
    try:
        yield lambda: bool(caught)
    finally:
        signal.set_wakeup_fd(wakeup, warn_on_full_buffer=False)
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _main_not_inherited() -> Iterator[None]:
    """Start the workers without the caller's script: a spawned or forkserver worker re-runs the main
    module to rebuild its state, so a script calling ``sweep`` at its top level, without an ``if __name__ ==
    "__main__":`` guard, would sweep again in every worker (multiprocessing's "bootstrapping phase" error and
    a broken pipe). The workers need nothing from it: points, catalog and the functions they run are
    planner's. While the pool starts, ``__main__`` is a bare module, which the workers then do not import."""
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _refuse_in_a_worker_bootstrap() -> None:
    """One clear line where a worker is importing the caller's script and reaches ``sweep`` (a worker
    restarted after the pool began): multiprocessing's own answer is a traceback in every worker."""
    if getattr(multiprocessing.current_process(), "_inheriting", False):
        raise PlannerError(
            "sweep() was called while a worker process imported your script: put the call under "
            '`if __name__ == "__main__":`, or pass jobs=1'
        )


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def sweep(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Sequence[Value] | str] | Sequence[str],
    *,
    catalog: Catalog | None = None,
    jobs: int | None = None,
    solver: str = "highs",
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Solve ``scenario`` at every point of ``vary`` (``{"horizon_months": [3, 6, 12]}`` or CLI specs such
    as ``["energy.usd_per_kwh=0.08:0.32:7"]``); one row per point in grid order.

    Every point is validated before any is solved, so a bad path fails at once, in a line that names the
    argument (``vary energy.usd_per_kwhh: unknown field ...``, ``jobs must be at least 1``; ``planner
    sweep`` names its options). ``jobs`` processes solve the points (default: the cores; 1 solves in this
    process). ``progress(done, total)`` is called as points finish. KeyboardInterrupt stops the workers and
    propagates; nothing is returned in part.
    """
    try:
        return run_sweep(
            scenario,
            vary,
            catalog=catalog,
            jobs=jobs,
            solver=solver,
            time_limit_s=time_limit_s,
            mip_gap=mip_gap,
            progress=progress,
        )
    except PlannerError as error:
        worded = _python_words(str(error))
        if worded == str(error) or type(error) is not PlannerError:  # vary's and jobs' errors are plain
            raise
        raise PlannerError(worded) from None


CLI_WORDS = (
    ("--vary: give at least one PATH=VALUES", "vary is empty: give at least one path and its values"),
    ("--vary", "vary"),
    ("--jobs", "jobs"),
)
"""How ``sweep()`` words an error the CLI words by its options (``--vary energy.x: ...``): by its argument,
for a Python caller, who never typed ``--vary``. The first match at the start of the message is reworded."""


def _python_words(message: str) -> str:
    for cli, python in CLI_WORDS:
        if message.startswith(cli):
            return python + message[len(cli) :]
    return message


def run_sweep(
    scenario: Scenario | str | Path,
    vary: Mapping[str, Sequence[Value] | str] | Sequence[str],
    *,
    catalog: Catalog | None = None,
    jobs: int | None = None,
    solver: str = "highs",
    time_limit_s: float = 60.0,
    mip_gap: float = 1e-4,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """``sweep`` with errors worded for ``planner sweep``'s options (``--vary``, ``--jobs``): the CLI's."""
    import pandas as pd

    from planner.catalog.load import load_catalog
    from planner.scenario.load import load_scenario

    _refuse_in_a_worker_bootstrap()
    if not isinstance(scenario, str | Path | os.PathLike) and not hasattr(scenario, "workloads"):
        raise PlannerError(f"sweep takes a Scenario or a path, got {type(scenario).__name__}")
    base = load_scenario(scenario) if isinstance(scenario, str | os.PathLike) else scenario
    catalog = catalog if catalog is not None else load_catalog()
    axes = axes_from(vary)
    points = grid(axes)
    tasks: list[tuple[int, Scenario, Catalog | None]] = []
    for index, values in enumerate(points):
        point_scenario, point_catalog = apply_point(base, catalog, axes, values)
        tasks.append((index, point_scenario, None if point_catalog is catalog else point_catalog))
    options = {"solver": solver, "time_limit_s": time_limit_s, "mip_gap": mip_gap}
    jobs = min(default_jobs() if jobs is None else jobs, len(tasks))
    if jobs < 1:
        raise PlannerError(f"--jobs must be at least 1, got {jobs}")
    rows = _run(tasks, catalog, options, jobs, progress)
    frame = pd.DataFrame(
        [
            {**dict(zip((a.path for a in axes), values, strict=True)), **rows[i]}
            for i, values in enumerate(points)
        ],
        columns=[*(a.path for a in axes), *RESULT_COLUMNS],
    )
    frame.attrs["vary"] = [a.path for a in axes]
    frame.attrs["scenario"] = base.name
    frame.attrs["currency"] = base.currency
    return frame


def _run(
    tasks: list[tuple[int, Scenario, Catalog | None]],
    catalog: Catalog,
    options: Mapping[str, Any],
    jobs: int,
    progress: Progress | None,
) -> dict[int, dict[str, Any]]:
    rows: dict[int, dict[str, Any]] = {}
    if jobs == 1:
        for index, scenario, point_catalog in tasks:
            rows[index] = solve_point(scenario, point_catalog or catalog, options)
            if progress is not None:
                progress(len(rows), len(tasks))
        return rows
    pool, interrupted = _start_pool(jobs, catalog, options)
    try:
        if interrupted:
            raise KeyboardInterrupt  # a Ctrl-C while the workers started, held until they were up
        for index, row in pool.imap_unordered(_work, tasks):
            rows[index] = row
            if progress is not None:
                progress(len(rows), len(tasks))
        pool.close()
    except BaseException:
        pool.terminate()  # KeyboardInterrupt or an error in a point: stop every worker now
        raise
    finally:
        pool.join()
    return rows


def break_evens(frame: pd.DataFrame) -> pd.DataFrame:
    """Where the chosen mix changes between neighbouring points of one axis (the others held fixed).

    One row per change: the axis, the values either side, the other axes' values, the mix and total on
    each side. The true break-even lies between ``from_value`` and ``to_value``; a finer sweep narrows it.
    """
    import pandas as pd

    paths: list[str] = list(frame.attrs.get("vary", []))
    found = []
    for path in paths:
        others = [p for p in paths if p != path]
        groups = frame.groupby(others, sort=False, dropna=False) if others else [((), frame)]
        for key, group in groups:
            fixed = dict(zip(others, key if isinstance(key, tuple) else (key,), strict=True))
            previous = None
            for _, row in group.iterrows():
                if previous is not None and row["mix"] != previous["mix"]:
                    found.append(
                        {
                            "axis": path,
                            "from_value": previous[path],
                            "to_value": row[path],
                            "fixed": ", ".join(f"{k}={v}" for k, v in fixed.items()),
                            "from_mix": previous["mix"] or previous["status"],
                            "to_mix": row["mix"] or row["status"],
                            "from_total": previous["total_cost"],
                            "to_total": row["total_cost"],
                            "change": mix_change(previous["mix"], row["mix"]),
                        }
                    )
                previous = row
    columns = [
        "axis",
        "from_value",
        "to_value",
        "fixed",
        "from_mix",
        "to_mix",
        "from_total",
        "to_total",
        "change",
    ]
    return pd.DataFrame(found, columns=columns)


__all__ = ["Axis", "break_evens", "sweep"]
