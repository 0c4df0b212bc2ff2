"""``planner schema``: the scenario format, as a JSON Schema for editors or as the Markdown reference."""

from __future__ import annotations

import json

import click

from planner.cli.options import format_option


@click.command()
@format_option(
    ["json", "markdown"],
    "json: the JSON Schema of a scenario file; markdown: the field reference (docs/scenario.md).",
    default="json",
)
def schema(fmt: str) -> None:
    """Print the scenario file's schema: every field with its type, unit, default and description.

    \b
    planner schema > scenario.schema.json
    planner schema --format markdown > docs/scenario.md
    """
    from planner.scenario.reference import render_markdown, scenario_schema

    if fmt == "markdown":
        click.echo(render_markdown(), nl=False)
    else:
        click.echo(json.dumps(scenario_schema(), indent=2, ensure_ascii=False))
