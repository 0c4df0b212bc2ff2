"""``planner compare BASE NEW``: parse, solve or read both sides, print the diff.

Only click at module level; the library is imported inside the command so ``planner --help`` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from planner.cli.options import (
    catalog_dir_option,
    format_option,
    load_catalog_from,
    markdown_option,
    solver_option,
    time_limit_option,
)


@click.command()
@click.argument("base_path", metavar="BASE", type=click.Path(path_type=Path, dir_okay=False))
@click.argument("new_path", metavar="NEW", type=click.Path(path_type=Path, dir_okay=False))
@format_option(
    ["table", "json"],
    "What to print: the diff as text, or exactly one JSON object.",
)
@markdown_option("the diff (for the pull request that changes the scenario)")
@solver_option
@time_limit_option("the solve of each scenario")
@catalog_dir_option
def compare(
    base_path: Path,
    new_path: Path,
    fmt: str,
    markdown_path: Path | None,
    solver: str,
    time_limit_s: float,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """What changes from BASE to NEW: each a scenario (solved here) or a plan saved with
    `planner solve --format json`. Exit status 0 whatever the difference; 2 for unreadable input; 3 where a
    scenario has no plan (the line says what would make it feasible)."""
    from planner.errors import PlannerError
    from planner.explore.compare import compare_plans
    from planner.explore.compare_text import render_compare, render_compare_markdown
    from planner.explore.sides import is_plan_json, plan_from
    from planner.files import text_writer, write_atomic

    for path in (base_path, new_path):  # both readable before either is solved
        if not path.is_file():
            raise PlannerError(f"{path}: no such file")
    catalog = None
    if not (is_plan_json(base_path) and is_plan_json(new_path)):
        catalog = load_catalog_from(catalog_dirs)
    options = {"solver": solver, "time_limit_s": time_limit_s}
    base, base_scenario = plan_from(base_path, catalog, **options)
    new, new_scenario = plan_from(new_path, catalog, **options)
    comparison = compare_plans(
        base,
        new,
        base_label=str(base_path),
        new_label=str(new_path),
        base_scenario=base_scenario,
        new_scenario=new_scenario,
    )
    if markdown_path is not None:
        try:
            write_atomic(markdown_path, text_writer(render_compare_markdown(comparison) + "\n"))
        except OSError as error:
            raise PlannerError(f"{markdown_path}: cannot write: {error.strerror or error}") from None
    if fmt == "json":
        click.echo(json.dumps(comparison.to_dict(), indent=2, sort_keys=True, allow_nan=False))
    else:
        click.echo(render_compare(comparison))
