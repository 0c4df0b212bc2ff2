"""``planner solve`` and ``planner validate``: parse, call the library, print.

Only click is imported at module level; the library (pulp, openpyxl) is imported inside the commands so
``planner --help`` stays fast.
"""

from __future__ import annotations

import contextlib
import math
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from planner.cli.options import catalog_dir_option, check_output, load_catalog_from, mkdir_option
from planner.errors import ModelError, PlannerError, ScenarioError

if TYPE_CHECKING:
    pass


def _report_path(name: str) -> Path:
    """``reports/<scenario name>.xlsx``, the name reduced to characters safe in any file system."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "plan"
    return Path("reports") / f"{stem[:80]}.xlsx"


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Workbook to write, a .xlsx name (default reports/<scenario name>.xlsx).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="What to print: a summary table, or exactly one JSON object.",
)
@click.option("--solver", type=click.Choice(["highs", "cbc"]), default="highs", show_default=True)
@click.option(
    "--time-limit",
    "time_limit_s",
    type=click.FloatRange(min=0.1, max=86_400),
    default=60.0,
    show_default=True,
    help="Solver time limit, seconds.",
)
@click.option(
    "--mip-gap",
    type=click.FloatRange(min=0, max=1, max_open=True),
    default=1e-4,
    show_default=True,
    help="Relative optimality gap at which the solver may stop.",
)
@catalog_dir_option
@click.option(
    "--markdown",
    "markdown_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Also write the summary as Markdown (for a wiki or a pull request).",
)
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

    Exit status: 0 plan found, 2 invalid input, 3 infeasible (the message says what would make it feasible).
    """
    from planner.pipeline import solve as solve_plan
    from planner.report.atomic import text_writer, write_atomic_all
    from planner.report.json import plan_to_json
    from planner.report.markdown import render_markdown
    from planner.report.terminal import render_terminal
    from planner.report.workbook import build_workbook
    from planner.scenario.load import load_scenario

    for flag, value in (("--time-limit", time_limit_s), ("--mip-gap", mip_gap)):
        if not math.isfinite(value):  # click's range lets nan through: every comparison with it is false
            raise PlannerError(f"{flag}: not a number: {value}")
    scenario = load_scenario(scenario_path)
    path = output if output is not None else _report_path(scenario.name)
    for target in (path, markdown_path):
        # A report replaces a regular file only: not a device (-o /dev/full, run as root, replaced the
        # device with a workbook) and not the scenario it answers.
        if target is not None and target.exists() and not target.is_file():
            raise PlannerError(f"{target}: not a regular file; give a path for the report")
        if target is not None and target.resolve() == scenario_path.resolve():
            raise PlannerError(f"{target}: is the scenario itself; give another path for the report")
    if markdown_path is not None and markdown_path.resolve() == path.resolve():
        raise PlannerError(
            f"{path}: given as both -o and --markdown; the Markdown would replace the workbook"
        )
    if output is not None:
        check_output(output, "workbook", mkdir=mkdir)
    if markdown_path is not None:
        check_output(markdown_path, "markdown", mkdir=mkdir)
    catalog = load_catalog_from(catalog_dirs)
    with _naming(scenario_path):
        plan = solve_plan(scenario, catalog, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap)
    writes: list[tuple[Path, Callable[[Path], None]]] = [(path, build_workbook(plan).save)]
    if markdown_path is not None:
        writes.append((markdown_path, text_writer(render_markdown(plan) + "\n")))
    try:
        write_atomic_all(writes)  # both reports, or neither: a failed run leaves the previous ones
    except OSError as error:
        raise PlannerError(f"{error.filename}: cannot write the report: {error.strerror or error}") from None
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
    config.json) that the library raises without it: the README promises one line naming the file."""
    try:
        yield
    except (ScenarioError, ModelError) as error:
        message = str(error)
        if message.startswith(str(scenario_path)):
            raise
        raise type(error)(f"{scenario_path}: {message}") from None


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
