"""Every `planner` command a reader copies from README.md and docs/*.md parses: the command exists, each
option it gives exists under that name, and each value is one the option accepts.

A renamed option or a dropped choice would leave a doc showing a command that stops at "no such option"; only
a few console blocks have their output compared (test_readme_estimate, test_readme_launch), since solving them
all takes minutes. Parsing takes none: click reads the line as it would on the command line, and nothing runs.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click
import pytest

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]
DOCS = ["README.md", *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").glob("*.md"))]
# Placeholders a doc writes for a value the reader fills in, and a value of the same kind.
PLACEHOLDERS = {"<sha>": "0123abc", "<date>": "2026-12-01"}
SHELL_ENDS = {">", ">>", "|", "&&", ";", "2>", "2>&1"}


def commands(text: str) -> list[tuple[int, str]]:
    """The lines of fenced blocks that start with ``$ planner `` or ``planner ``, with their continuations."""
    found: list[tuple[int, str]] = []
    fenced = False
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            fenced = not fenced
        elif fenced and (line.startswith("planner ") or line.startswith("$ planner ")):
            start = i + 1
            command = line.removeprefix("$ ")
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            found.append((start, command))
        i += 1
    return found


def parse(command: str, workdir: Path) -> None:
    """Parse ``command`` as the ``planner`` entry point would, without invoking it; raise click's error.

    A path that must exist (``--catalog-dir mycat``, ``import-skypilot vms.csv``) names the reader's own
    file: it is made, empty, under ``workdir`` (the current directory) first, so that every option is still
    checked."""
    words = shlex.split(command, comments=True)
    for n, word in enumerate(words):
        if word in SHELL_ENDS:
            words = words[:n]
            break
    assert words[0] == "planner", command
    args = [PLACEHOLDERS.get(w, w) for w in words[1:]]
    unknown = [w for w in args if w.startswith("<") and w.endswith(">")]
    assert not unknown, f"placeholder without a sample value: {unknown}"
    group: click.Group = main
    ctx = group.make_context("planner", args)
    while True:
        name, command_object, rest = group.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert name is not None and command_object is not None
        raw, _, _ = command_object.make_parser(
            click.Context(command_object, parent=ctx, info_name=name)
        ).parse_args(list(rest))
        for param in command_object.params:
            kind = param.type
            if isinstance(kind, click.Path) and kind.exists and raw.get(param.name) is not None:
                value = raw[param.name]
                for given in [value] if isinstance(value, str) else value:
                    path = workdir / given
                    if not path.exists():
                        if kind.file_okay:
                            path.parent.mkdir(parents=True, exist_ok=True)
                            path.touch()
                        else:
                            path.mkdir(parents=True)
        ctx = command_object.make_context(name, rest, parent=ctx)
        if not isinstance(command_object, click.Group):
            return
        group = command_object


@pytest.mark.parametrize("doc", DOCS)
def test_every_planner_command_in_the_docs_parses(
    doc: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    found = commands((ROOT / doc).read_text(encoding="utf-8"))
    monkeypatch.chdir(tmp_path)
    failures = []
    for line, command in found:
        try:
            parse(command, tmp_path)
        except click.ClickException as error:
            failures.append(f"{doc}:{line}: {command}: {error.format_message()}")
    assert not failures, "\n".join(failures)


def test_the_docs_show_commands_of_every_kind() -> None:
    """The scan finds what a reader sees: README's quick start, the console blocks and docs/catalogs.md's."""
    readme = [c for _, c in commands((ROOT / "README.md").read_text(encoding="utf-8"))]
    assert 'planner fit qwen2.5-7b --gpu "RTX 4090"' in readme
    assert any(c.startswith("planner compare ") for c in readme)
    catalogs = [c for _, c in commands((ROOT / "docs/catalogs.md").read_text(encoding="utf-8"))]
    assert any(c.startswith("planner catalog import-skypilot ") and "--mkdir" in c for c in catalogs)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        ("planner fit qwen2.5-7b --gpu-name 'RTX 4090'", "No such option '--gpu-name'"),
        ("planner solve s.yaml --format yaml", "'yaml' is not one of"),
        ("planner catalog gpu --min-vram 48GiB", "No such command 'gpu'"),
        ("planner catalog import-skypilot vms.csv --as-of 2026-13-01", "does not match the format"),
        (
            "planner catalog import-skypilot vms.csv --cloud aws --catalog-dir mycat --mkdir --bogus",
            "--bogus",
        ),
    ],
)
def test_a_command_the_program_would_refuse_fails_the_check(
    command: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(click.ClickException, match=message):
        parse(command, tmp_path)


def test_the_examples_in_planner_help_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    examples = [
        line.strip() for line in (main.help or "").splitlines() if line.strip().startswith("planner ")
    ]
    assert len(examples) == 4, examples
    monkeypatch.chdir(tmp_path)
    for example in examples:
        parse(example, tmp_path)
