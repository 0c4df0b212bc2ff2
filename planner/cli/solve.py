"""``planner solve`` and ``planner validate``: parse, call the library, print.

Only click is imported at module level; the library (pulp, openpyxl) is imported inside the commands so
``planner --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.options import (
    FiniteFloatRange,
    catalog_dir_option,
    check_output,
    file_option,
    format_option,
    load_catalog_from,
    markdown_option,
    mkdir_option,
    solver_option,
    time_limit_option,
)
from planner.deadline import within
from planner.errors import InfeasibleError, ModelError, PlannerError, ScenarioError, prefixed

if TYPE_CHECKING:
    pass


REPORT_SHARE = 0.1
"""Share of ``--time-limit`` kept for writing the reports: the solve (``pipeline.solve``, which bounds all its
stages by the limit it is given) gets the rest. Reports are never abandoned half-way (a plan found is a plan
written), so a workbook that takes longer runs past the limit by the rest. Reading the scenario and the
catalog comes before, and is not counted."""


def _report_path(name: str) -> Path:
    """``reports/<scenario name>.xlsx``, the name reduced to characters safe in any file system."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "plan"
    return Path("reports") / f"{stem[:80]}.xlsx"


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path, dir_okay=False))
@file_option("-o", "--output", help="Workbook to write, a .xlsx name (default reports/<scenario name>.xlsx).")
@format_option(
    ["table", "json"],
    "What to print: a summary table, or exactly one JSON object.",
)
@solver_option
@time_limit_option("the whole run (candidates, solver, alternatives, reports)")
@click.option(
    "--mip-gap",
    type=FiniteFloatRange(min=0, max=1, max_open=True),
    default=1e-4,
    show_default=True,
    help="Relative optimality gap at which the solver may stop.",
)
@catalog_dir_option
@markdown_option("the summary (for a wiki or a pull request)")
@mkdir_option
@click.option(
    "--launch",
    "show_launch",
    is_flag=True,
    default=False,
    help="Also print each replica's engine launch settings (the JSON always has them).",
)
def solve(
    scenario_path: Path,
    output: Path | None,
    fmt: str,
    solver: str,
    time_limit_s: float,
    mip_gap: float,
    catalog_dirs: tuple[Path, ...],
    markdown_path: Path | None,
    mkdir: bool,
    show_launch: bool,
) -> None:
    """Find the cheapest mix of cards, servers and cloud instances for SCENARIO.

    Exit status: 0 plan found, 2 invalid input or the time limit ran out before a plan existed, 3 infeasible
    (the message says what would make it feasible), 130 interrupted (Ctrl-C).
    """
    from planner.pipeline import solve as solve_plan
    from planner.report.atomic import check_output as check_not_input
    from planner.report.atomic import text_writer, write_atomic_all
    from planner.report.json import plan_to_json
    from planner.report.markdown import render_markdown
    from planner.report.terminal import render_terminal
    from planner.report.workbook import build_workbook
    from planner.scenario.load import load_scenario

    scenario = load_scenario(scenario_path)
    path = output if output is not None else _report_path(scenario.name)
    for target in (path, markdown_path):
        if target is not None:
            # not a device, not the scenario it answers
            check_not_input(target, scenario_path, label="scenario")
    if markdown_path is not None and markdown_path.resolve() == path.resolve():
        raise PlannerError(
            f"{path}: given as both -o and --markdown; the Markdown would replace the workbook"
        )
    if output is not None:
        check_output(output, "workbook", mkdir=mkdir)
    if markdown_path is not None:
        check_output(markdown_path, "markdown", mkdir=mkdir)
    catalog = load_catalog_from(catalog_dirs)
    with _naming(scenario_path), within(time_limit_s):  # errors then name the limit the user gave
        limit = time_limit_s * (1 - REPORT_SHARE)
        plan = solve_plan(scenario, catalog, solver=solver, time_limit_s=limit, mip_gap=mip_gap)
    writes: list[tuple[Path, Callable[[Path], None]]] = [(path, build_workbook(plan).save)]
    if markdown_path is not None:
        writes.append((markdown_path, text_writer(render_markdown(plan) + "\n")))
    # The default folder is made where it is missing (a named -o folder only with --mkdir), and said so.
    made = output is None and not path.parent.exists()
    try:
        write_atomic_all(writes)  # both reports, or neither: a failed run leaves the previous ones
    except OSError as error:
        raise PlannerError(f"{error.filename}: cannot write the report: {error.strerror or error}") from None
    if made:
        click.echo(
            f"note: made the directory {path.parent}/ for the default report path (-o to choose)", err=True
        )
    if fmt == "json":
        click.echo(plan_to_json(plan))
        click.echo(f"report: {path}", err=True)
    else:
        width = shutil.get_terminal_size((100, 24)).columns
        click.echo(render_terminal(plan, width=width, launch=show_launch))
        click.echo(f"report: {path}")


@contextlib.contextmanager
def _naming(scenario_path: Path) -> Iterator[None]:
    """Name the scenario file in errors about what it says (an unknown engine, GPU or system id, a missing
    config.json), and that no plan fits it, that the library raises without it: the README promises one line
    naming the file, whichever exit code."""
    try:
        yield
    except (ScenarioError, ModelError, InfeasibleError) as error:
        message = str(error)
        if message.startswith(str(scenario_path)):
            raise
        raise prefixed(error, f"{scenario_path}: ") from None


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path, dir_okay=False))
@catalog_dir_option
def validate(scenario_path: Path, catalog_dirs: tuple[Path, ...]) -> None:
    """Check SCENARIO without solving: schema, models, GPUs, and that every workload fits somewhere."""
    from planner.placement.candidates import build_candidates
    from planner.placement.explain import explain_unplaceable
    from planner.scenario.load import load_scenario

    scenario = load_scenario(scenario_path)
    catalog = load_catalog_from(catalog_dirs)
    with _naming(scenario_path):
        candidates = build_candidates(scenario, catalog)
        explain_unplaceable(scenario, candidates)
    click.echo(
        f"{scenario_path}: ok ({len(scenario.workloads)} workloads, {len(candidates.data.options)} options, "
        f"{len(candidates.data.patterns)} placements)"
    )
