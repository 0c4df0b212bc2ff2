"""``planner sweep SCENARIO --vary PATH=VALUES ...``: parse, run the library's sweep, print and write.

Only click at module level. The progress bar goes to stderr and only on a terminal (none when piped or in a
file). Ctrl-C stops the workers and exits 130 before anything is written: reports appear whole or not at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from planner.cli.options import (
    catalog_dir_option,
    file_option,
    format_option,
    load_catalog_from,
    solver_option,
    time_limit_option,
)

EXIT_INTERRUPTED = 130


@click.command()
@click.argument("scenario_path", metavar="SCENARIO", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "--vary",
    "vary",
    multiple=True,
    required=True,
    metavar="PATH=VALUES",
    help="A dotted path into the scenario (energy.usd_per_kwh, horizon_months, "
    "workloads.NAME.hours_per_month, workloads.*.headroom) or a price factor (price.gpu.NAME, "
    "price.provider.NAME), with a list 3,6,12 or a range start:stop:count; a list field takes one value a "
    "point (hardware.gpus=RTX 5090,RTX A6000: each card alone). Repeat for a grid.",
)
@click.option(
    "--jobs", type=click.IntRange(min=1, max=256), default=None, help="Processes [default: the cores]."
)
@file_option("-o", "--output", help="Workbook to write: the Sweep sheet, the break-evens and a chart.")
@file_option("--plot", "plot_path", help="An SVG chart of cost against the first varied value.")
@format_option(
    ["table", "json", "csv"],
    "What to print: a table, one JSON object (points and break-evens), or the points as CSV.",
)
@solver_option
@time_limit_option("the solve of each point")
@catalog_dir_option
def sweep(
    scenario_path: Path,
    vary: tuple[str, ...],
    jobs: int | None,
    output: Path | None,
    plot_path: Path | None,
    fmt: str,
    solver: str,
    time_limit_s: float,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """Solve SCENARIO at every point of the values varied: one row per point, and where the mix changes."""
    from planner.errors import PlannerError
    from planner.explore.sweep import break_evens, run_sweep
    from planner.files import text_writer, write_atomic_all
    from planner.scenario.load import load_scenario

    if plot_path is not None and plot_path.suffix.lower() != ".svg":
        raise PlannerError(f"--plot {plot_path}: the chart is written as SVG; give a .svg path")
    scenario = load_scenario(scenario_path)
    catalog = load_catalog_from(catalog_dirs)
    progress, finish = _progress_bar()
    try:
        frame = run_sweep(
            scenario,
            vary,
            catalog=catalog,
            jobs=jobs,
            solver=solver,
            time_limit_s=time_limit_s,
            progress=progress,
        )
    except KeyboardInterrupt:
        finish()
        click.echo("interrupted: no report written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    finish()
    breaks = break_evens(frame)
    writes: list[tuple[Path, Callable[[Path], None]]] = []
    if output is not None:
        from planner.explore.sweep_workbook import build_sweep_workbook

        writes.append((output, build_sweep_workbook(frame, breaks).save))
    if plot_path is not None:
        from planner.explore.plot import svg_plot

        writes.append((plot_path, text_writer(svg_plot(frame, breaks))))
    try:
        write_atomic_all(writes)
    except OSError as error:
        raise PlannerError(f"{error.filename}: cannot write: {error.strerror or error}") from None
    if fmt == "json":
        data = {"points": _records(frame), "break_evens": _records(breaks), "vary": list(frame.attrs["vary"])}
        click.echo(json.dumps(data, indent=2, allow_nan=False))
    elif fmt == "csv":
        # to 10 decimals, as the JSON (pandas' to_json): not 1735.0080000000003 where the JSON says 1735.008
        click.echo(frame.round(JSON_DECIMALS).to_csv(index=False), nl=False)
    else:
        from planner.explore.sweep_text import render_sweep

        click.echo(render_sweep(frame, breaks))
    for path in (output, plot_path):
        if path is not None:
            click.echo(f"report: {path}", err=fmt != "table")


JSON_DECIMALS = 10
"""Decimals a figure keeps in the JSON (pandas' ``to_json`` default) and, the same, in the CSV."""


def _records(frame: Any) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: NaN (an infeasible point's cost) becomes null."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in json.loads(frame.to_json(orient="records", double_precision=JSON_DECIMALS))
    ]


def _progress_bar() -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A one-line bar on stderr when it is a terminal; nothing otherwise (a pipe or a log gets no bar)."""
    if not sys.stderr.isatty():
        return None, lambda: None
    state = {"shown": False}

    def show(done: int, total: int) -> None:
        filled = round(30 * done / total)
        sys.stderr.write(f"\rsolving {done}/{total} [{'#' * filled}{'.' * (30 - filled)}]")
        sys.stderr.flush()
        state["shown"] = True

    def finish() -> None:
        if state["shown"]:
            sys.stderr.write("\n")
            sys.stderr.flush()

    return show, finish
