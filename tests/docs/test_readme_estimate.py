"""The first estimate a reader meets (README's Quick start and "How much memory?", docs/memory-model.md's
"Reading the estimate") is what ``planner estimate`` prints, for a context the model was trained for.

It was Llama-3-8B with four 32K-token sequences: the model's ``max_position_embeddings`` is 8,192, so the
showcase ended in "note: context 32768 exceeds the model's max_position_embeddings 8192", an estimate for a
configuration the model cannot serve. Llama-3.1-8B has the same shape (the figures are the same) and a
131,072-token context."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _estimate_blocks(text: str) -> list[tuple[str, list[str]]]:
    """Each ``$ planner estimate ...`` console block: the command and the lines printed under it."""
    blocks = []
    for chunk in text.split("```console\n")[1:]:
        lines = chunk.split("```", 1)[0].splitlines()
        if lines and lines[0].startswith("$ planner estimate "):
            blocks.append((lines[0][2:], lines[1:]))
    return blocks


@pytest.mark.parametrize("doc", ["README.md", "docs/memory-model.md"])
def test_the_showcased_estimate_is_the_cli_output_within_the_models_context(doc: str) -> None:
    text = (ROOT / doc).read_text(encoding="utf-8")
    blocks = _estimate_blocks(text)
    assert blocks, f"{doc} shows no planner estimate"
    command, quoted = blocks[0]
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == quoted
    assert not any("exceeds the model's max_position_embeddings" in line for line in quoted)
    if doc == "README.md":  # the Quick start runs the same command
        assert f"\n{command}\n" in text
