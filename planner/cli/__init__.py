"""The command line: a thin click layer over the library.

Each command lives in its own module (``estimate``, ``catalog``, ``solve``) and imports the library inside its
function body, so ``planner --help`` imports neither pandas, pulp nor openpyxl. Errors map to exit codes here,
in one place: a ``PlannerError`` prints one line on stderr and exits with its ``exit_code``; Ctrl-C prints
one line and exits 130 (click's own "Aborted!" exits 1, which scripts read as an ordinary failure).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
import warnings
from collections.abc import Iterator
from typing import Any, TextIO

import click

from planner import __version__
from planner.errors import EXIT_INTERRUPTED, EXIT_INVALID_INPUT, QUOTE_LIMIT, PlannerError, one_line

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

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.exceptions.NoSuchCommand:
            # click suggests the closest of the commands it holds; these are loaded only when named.
            name = click.utils.make_str(args[0])
            raise click.exceptions.NoSuchCommand(name, possibilities=list(COMMANDS), ctx=ctx) from None

    def invoke(self, ctx: click.Context) -> Any:
        warnings.showwarning = _one_line_warning
        try:
            with _prompt_interrupts():
                return super().invoke(ctx)
        except PlannerError as error:
            click.echo(f"error: {error}", err=True)
            sys.exit(error.exit_code)
        except click.UsageError as error:
            # A bad option or argument is invalid input like any other: one line naming it, exit 2 (click's
            # own form is four lines of usage and hint). `planner COMMAND --help` shows the usage.
            # click echoes the value as given: a 400-digit --context is shown by its start and length.
            words = (
                w if len(w) <= QUOTE_LIMIT else f"{w[: QUOTE_LIMIT - 3]}... ({len(w):,} characters)"
                for w in error.format_message().split()
            )
            message = one_line(" ".join(words))
            click.echo(f"error: {message}", err=True)
            sys.exit(EXIT_INVALID_INPUT)
        except KeyboardInterrupt:
            # Reports are written to a temporary file and renamed: an interrupted run keeps the previous ones.
            click.echo("interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)


INTERRUPT_GRACE_S = 1.0
"""How long a Ctrl-C may wait for Python to raise KeyboardInterrupt before the process ends anyway."""


@contextlib.contextmanager
def _prompt_interrupts() -> Iterator[None]:
    """End the process within ``INTERRUPT_GRACE_S`` of a Ctrl-C, even inside the solver.

    Python raises KeyboardInterrupt only between bytecodes: during a HiGHS pass (C++, up to its share of the
    time limit) a Ctrl-C waited for the pass to end. The signal's wake-up file descriptor is written by the C
    handler at once; a watcher thread reading it waits the grace period for the ordinary path (which prints
    the line and exits 130 in ``invoke``), then prints the same line and ends the process itself. Reports are
    written after the solve, to temporary files a later run removes (``planner.files``)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    read_fd, write_fd = os.pipe()
    os.set_blocking(write_fd, False)
    try:
        previous = signal.set_wakeup_fd(write_fd, warn_on_full_buffer=False)
    except ValueError:  # not the main interpreter
        os.close(read_fd)
        os.close(write_fd)
        yield
        return
    done = threading.Event()

    def watch() -> None:
        while data := os.read(read_fd, 64):
            if signal.SIGINT in data and not done.wait(INTERRUPT_GRACE_S):
                sys.stderr.write("interrupted\n")
                sys.stderr.flush()
                os._exit(EXIT_INTERRUPTED)

    watcher = threading.Thread(target=watch, name="planner-interrupt", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        signal.set_wakeup_fd(previous)
        os.close(write_fd)
        watcher.join(timeout=INTERRUPT_GRACE_S)
        os.close(read_fd)


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
    planner estimate llama-3.1-8b --precision q4_k_m --context 32768
    planner fit qwen2.5-7b --gpu "RTX 4090"
    planner perf llama-3-8b --gpu "H100 SXM5" --batch 16
    planner solve scenarios/startup.yaml
    """
