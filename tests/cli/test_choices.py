"""A misspelt choice is answered as a misspelt engine is: one line naming the nearest value, exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from planner.cli import COMMANDS, main
from planner.cli.options import Choice

STARTUP = Path(__file__).resolve().parents[2] / "scenarios" / "startup.yaml"


def _commands() -> Iterator[tuple[list[str], click.Command]]:
    """Every command and subcommand with the words that invoke it (``["catalog", "gpus"]``)."""
    ctx = click.Context(main)
    for name in sorted(COMMANDS):
        command = main.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            for sub, child in sorted(command.commands.items()):
                yield [name, sub], child
        else:
            yield [name], command


CHOICES = [
    pytest.param(words, option.opts[-1], choice, id=f"{' '.join(words)} {option.opts[-1]} {choice}")
    for words, command in _commands()
    for option in command.params
    if isinstance(option, click.Option) and isinstance(option.type, click.Choice)
    for choice in option.type.choices
]


def test_every_choice_option_suggests() -> None:
    assert CHOICES  # --format, --solver, --interconnect: the walk finds them
    for words, command in _commands():
        for option in command.params:
            if isinstance(option.type, click.Choice):
                assert isinstance(option.type, Choice), (words, option.name)


@pytest.mark.parametrize(("words", "flag", "choice"), CHOICES)
def test_a_choice_with_a_letter_doubled_names_it(words: list[str], flag: str, choice: str) -> None:
    # The bad option comes first: click checks options in the order given, before missing arguments.
    typo = str(choice) + str(choice)[-1]
    result = CliRunner().invoke(main, [*words, flag, typo])
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and result.output.startswith("error: "), result.output
    assert f"{typo!r} is not one of " in result.output
    assert result.output.endswith(f" (did you mean {choice!r}?).\n"), result.output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["estimate", "--format", "jsn", "llama-3-8b"],
            "error: Invalid value for '--format': 'jsn' is not one of 'table', 'json' "
            "(did you mean 'json'?).",
        ),
        (
            ["solve", "--solver", "higs", str(STARTUP)],
            "error: Invalid value for '--solver': 'higs' is not one of 'highs', 'cbc' "
            "(did you mean 'highs'?).",
        ),
        (
            # --task is checked by the library, which answers with the same suggester
            ["estimate", "llama-3-8b", "--task", "lorra"],
            "error: unknown task 'lorra' (did you mean 'lora'?) (known: inference, lora, qlora, full)",
        ),
        (
            ["fit", "llama-3-8b", "--gpu", "RTX 4090", "--task", "Qlor"],
            "error: unknown task 'Qlor' (did you mean 'qlora'?) (known: inference, lora, qlora, full)",
        ),
        (
            ["perf", "llama-3-8b", "--gpu", "H100 SXM5", "--interconnect", "xyz"],
            "error: Invalid value for '--interconnect': 'xyz' is not one of 'nvlink', 'pcie'.",
        ),
    ],
)
def test_the_whole_line(args: list[str], line: str) -> None:
    result = CliRunner().invoke(main, args)
    assert (result.exit_code, result.output) == (2, line + "\n")


NUMBER_OPTIONS = [
    (words, option.opts[-1])
    for words, command in _commands()
    for option in command.params
    if isinstance(option, click.Option) and isinstance(option.type, click.types.FloatParamType)
]


def test_the_walk_finds_the_number_options() -> None:
    found = {(" ".join(words), flag) for words, flag in NUMBER_OPTIONS}
    assert {
        ("perf", "--ttft-ms"),
        ("perf", "--tpot-ms"),
        ("solve", "--mip-gap"),
        ("catalog update", "--timeout"),
    } <= found


@pytest.mark.parametrize(
    ("words", "flag"), [pytest.param(w, f, id=f"{' '.join(w)} {f}") for w, f in NUMBER_OPTIONS]
)
def test_a_word_for_a_number_is_one_line_naming_the_option(words: list[str], flag: str) -> None:
    """As ``Count`` answers a word for a whole number: what the option takes, not click's "not a valid float
    range", which names the type's class."""
    result = CliRunner().invoke(main, [*words, flag, "abc"])
    assert (result.exit_code, result.output) == (
        2,
        f"error: Invalid value for '{flag}': 'abc' is not a number.\n",
    )
