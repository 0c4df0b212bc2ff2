"""The command line: a thin click layer over the library.

Each command lives in its own module (``estimate``, ``catalog``, ``solve``) and imports the library inside its
function body, so ``planner --help`` imports neither pandas, pulp nor openpyxl. Errors map to exit codes here,
in one place: a ``PlannerError`` prints one line on stderr and exits with its ``exit_code``.
"""

from __future__ import annotations

import importlib
import os
import sys
import warnings
from typing import Any, TextIO

import click

from planner import __version__
from planner.errors import EXIT_INVALID_INPUT, PlannerError

# pydantic looks for plugins through importlib.metadata the first time a model class is built: about 0.1 s
# of a 0.45 s `planner estimate`. The command line uses no pydantic plugin; a user who does can set the
# variable themselves (setdefault leaves their value alone). Library users are not affected.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

# command name -> "module:attribute"; the module is imported only when the command is looked up.
COMMANDS: dict[str, str] = {
    "estimate": "planner.cli.estimate:estimate",
    "fit": "planner.cli.estimate:fit",
    "perf": "planner.cli.perf:perf",
    "catalog": "planner.cli.catalog:catalog",
    "compare": "planner.cli.compare:compare",
    "serve": "planner.cli.serve:serve",
    "sweep": "planner.cli.sweep:sweep",
    "solve": "planner.cli.solve:solve",
    "validate": "planner.cli.solve:validate",
    "schema": "planner.cli.schema:schema",
}


class PlannerGroup(click.Group):
    """A group that loads commands lazily and turns planner errors into one line and an exit code."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _one_line_warning
        try:
            return super().invoke(ctx)
        except PlannerError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except click.UsageError as error:
            # A bad option or argument is invalid input like any other: one line naming it, exit 2 (click's
            # own form is four lines of usage and hint). `planner COMMAND --help` shows the usage.
            message = " ".join(error.format_message().split())
            click.echo(f"error: {message}", err=True)
            sys.exit(EXIT_INVALID_INPUT)


def _one_line_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    """Show a warning (a stale catalog, say) as one ``warning:`` line, without Python's source excerpt."""
    click.echo(f"warning: {message}", err=True)


@click.group(cls=PlannerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="planner")
def main() -> None:
    """Plan GPU memory and the cheapest hardware for LLM workloads.

    \b
    planner estimate llama-3-8b --precision q4_k_m --context 32768
    planner fit qwen2.5-7b --gpu "RTX 4090"
    planner perf llama-3-8b --gpu "H100 SXM5" --batch 16
    planner solve scenarios/startup.yaml
    """
