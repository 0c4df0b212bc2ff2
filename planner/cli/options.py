"""Options several commands share, declared once (the catalog directory, and loading the catalog it names)."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from planner.catalog.schema import Catalog

F = TypeVar("F", bound=Callable[..., Any])

catalog_dir_option = click.option(
    "--catalog-dir",
    "catalog_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Your own catalog directory (same file names), repeatable: overrides and extends the built-in one.",
)


def load_catalog_from(catalog_dirs: tuple[Path, ...]) -> Catalog:
    """The built-in catalog extended by the user's directories.

    A stale catalog's warning goes through ``warnings`` and the CLI group prints it as one ``warning:`` line.
    """
    from planner.catalog.load import load_catalog

    return load_catalog(catalog_dirs)


OUTPUT_SUFFIXES: dict[str, tuple[str, ...]] = {
    "workbook": (".xlsx",),
    "markdown": (".md", ".markdown"),
    "csv": (".csv",),
}
"""Report kind -> the file name endings it may be written under (the first is the one to suggest)."""

mkdir_option = click.option(
    "--mkdir", is_flag=True, help="Create the output file's directory if it does not exist."
)


def check_output(path: Path, kind: str, *, mkdir: bool) -> None:
    """Refuse an output name whose ending does not match what is written into it (a workbook in
    ``out.csv``), and a missing directory unless the user asked for it to be made (``--mkdir``)."""
    from planner.errors import PlannerError

    suffixes = OUTPUT_SUFFIXES[kind]
    if path.suffix.lower() not in suffixes:
        found = f"'{path.suffix}'" if path.suffix else "no extension"
        raise PlannerError(
            f"{path}: a {kind} is written here but the name has {found}; use a name ending in "
            + " or ".join(suffixes)
        )
    parent = path.parent
    if parent.exists() or parent == Path(""):
        return
    if not mkdir:
        raise PlannerError(f"{path}: directory {parent} does not exist (create it, or pass --mkdir)")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PlannerError(f"{parent}: cannot create the directory: {error.strerror or error}") from None


def _number(
    kind: click.types.FloatParamType, value: Any, param: click.Parameter | None, ctx: click.Context | None
) -> None:
    """Refuse a word as a number saying what the option takes (``Invalid value for '--ttft-ms': 'abc' is not
    a number.``), as ``Count`` does for whole numbers, rather than click's "not a valid float range", which
    names the type's class, not the input."""
    if isinstance(value, (int, float)):
        return
    try:
        float(value)
    except (TypeError, ValueError):
        kind.fail(f"{value!r} is not a number.", param, ctx)


class Number(click.types.FloatParamType):
    """A number with no range of its own (the library checks it and names the option); refuses a word with
    one line naming the option."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _number(self, value, param, ctx)
        return super().convert(value, param, ctx)


NUMBER = Number()


class FiniteFloatRange(click.FloatRange):
    """``click.FloatRange`` that also refuses nan (every comparison with nan is false, so a range lets it
    through) and, with finite bounds, inf; a word is "not a number", as ``Number`` says."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        _number(self, value, param, ctx)
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


class Choice(click.Choice):  # type: ignore[type-arg]  # click < 8.2's Choice is not generic
    """``click.Choice`` whose refusal names the nearest choice, as the library answers a misspelt engine or
    precision (``planner.memory.lookup.suggestion``): ``'jsn' is not one of 'table', 'json' (did you mean
    'json'?).`` The group prints it as one line and exits 2, like any bad option. Every choice option of the
    CLI is one of these (tests/cli check it)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            return super().convert(value, param, ctx)
        except click.BadParameter:
            from planner.memory.lookup import suggestion

            known = [str(choice) for choice in self.choices]
            listed = ", ".join(repr(choice) for choice in known)
            self.fail(f"{value!r} is not one of {listed}{suggestion(str(value), known)}.", param, ctx)


class Count(click.IntRange):
    """``click.IntRange`` whose refusal of a word or a fraction says what the option takes
    (``Invalid value for '--batch': 'abc' is not a whole number.``) rather than click's "not a valid
    integer range", which names the type's class, not the input."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, int):
            try:
                int(value)
            except (TypeError, ValueError):
                self.fail(f"{value!r} is not a whole number.", param, ctx)
        return super().convert(value, param, ctx)


def count(maximum: int) -> click.IntRange:
    """A whole number up to ``maximum`` (the bounds of ``planner.bounds``, shared with the schemas); the
    library refuses one below 1 with its own message (``context must be a whole number >= 1``)."""
    return Count(max=maximum)


def count_option(name: str, maximum: int, default: int | None, help: str | None = None) -> Callable[[F], F]:
    """A whole-number option up to ``maximum`` (``count``), its default shown where it has one."""
    return click.option(
        name, type=count(maximum), default=default, show_default=default is not None, help=help
    )


solver_option = click.option(
    "--solver", type=Choice(["highs", "cbc"]), default="highs", show_default=True, help="MILP solver."
)


def time_limit_option(what: str) -> Callable[[F], F]:
    """``--time-limit`` in seconds, finite and positive; ``what`` says what it bounds (the whole run, one
    scenario of a comparison, one point of a sweep)."""
    return click.option(
        "--time-limit",
        "time_limit_s",
        type=FiniteFloatRange(min=0.1, max=86_400),
        default=60.0,
        show_default=True,
        help=f"Time limit of {what}, seconds.",
    )


def headroom_option(help: str) -> Callable[[F], F]:
    """``--headroom``: the share of each GPU's memory kept free, 0 to below 1, 0.2 by default as a scenario's
    workloads keep it (``memory.fit.DEFAULT_HEADROOM``; not imported, to keep ``planner --help`` light), so
    ``fit``, ``perf`` and ``solve`` size the same replica alike; ``help`` says what it bounds."""
    return click.option(
        "--headroom",
        type=FiniteFloatRange(0, 1, max_open=True),
        default=0.2,
        show_default=True,
        help=help,
    )


def format_option(choices: list[str], help: str, default: str = "table") -> Callable[[F], F]:
    """``--format`` (the parameter ``fmt``): what a command prints; ``help`` says what each choice gives."""
    return click.option(
        "--format", "fmt", type=Choice(choices), default=default, show_default=True, help=help
    )


def file_option(*names: str, help: str) -> Callable[[F], F]:
    """An optional file to write (``-o/--output``, ``--plot``, ``--markdown``): a path, never a directory,
    None when not given."""
    return click.option(*names, type=click.Path(path_type=Path, dir_okay=False), default=None, help=help)


def markdown_option(what: str) -> Callable[[F], F]:
    """``--markdown FILE``: also write ``what`` as Markdown."""
    return file_option("--markdown", "markdown_path", help=f"Also write {what} as Markdown.")
