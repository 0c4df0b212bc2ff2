"""Error lines shorten the user's quoted text, never planner's own sentence around it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cli import main
from planner.errors import (
    QUOTE_LIMIT,
    ModelError,
    PlannerError,
    ScenarioError,
    UnknownModelError,
    WorkloadModelError,
    one_line,
    reworded,
)

OWN = "nominal size 0.01b is below the smallest generic decoder (0.1b); pass the model's config.json"


def test_an_apostrophe_in_planners_sentence_is_no_quote() -> None:
    """The closing quote of ``'a'`` and the apostrophe of "model's" enclosed 81 characters of planner's own
    sentence, which came out cut: "pass the ...' (81 characters)s config.json"."""
    message = str(ModelError(f"workload 'a': {OWN}"))
    assert message == f"workload 'a': {OWN}"


@given(name=st.text(min_size=QUOTE_LIMIT + 1, max_size=400))
@settings(max_examples=60)
def test_a_long_name_is_shortened_and_the_sentence_kept(name: str) -> None:
    message = str(PlannerError(f"workload {name!r}: {OWN}"))
    assert message.endswith(f": {OWN}"), message
    assert f"({len(repr(name)) - 2:,} characters)" in message or len(message) < len(repr(name)), message
    assert len(message) <= len(OWN) + QUOTE_LIMIT + 60


def test_short_quotes_stay_whole_beside_long_ones() -> None:
    long = "x" * 200
    line = one_line(f"a 'b' then {long!r} and the engine's 'c'")
    assert line == f"a 'b' then '{'x' * (QUOTE_LIMIT - 4)}...' (200 characters) and the engine's 'c'"


def test_an_unknown_model_error_survives_a_process_boundary() -> None:
    """A sweep's worker returns its errors pickled: rebuilt from its message alone, the error's own
    constructor failed (missing the suggestion and advice) in the parent."""
    import pickle

    error = UnknownModelError("lama-3", "llama-3-8b", "a catalog name")
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, UnknownModelError) and str(again) == str(error)
    assert str(again) == "unknown model 'lama-3' (did you mean 'llama-3-8b'?): a catalog name"
    assert again.worded("pick one") == "unknown model 'lama-3' (did you mean 'llama-3-8b'?): pick one"


def test_a_workloads_unknown_model_is_worded_again_whole() -> None:
    """The web page words a scenario's unknown model with its own advice; it rebuilds the message from the
    workload and the cause, where it once replaced the cause's text inside the scenario error's."""
    import pickle

    error = WorkloadModelError("chat", UnknownModelError("lama-3", None, "see `planner catalog models`"))
    assert isinstance(error, ScenarioError)
    assert str(error) == "workload 'chat': unknown model 'lama-3': see `planner catalog models`"
    assert error.worded("a size such as 7b") == "workload 'chat': unknown model 'lama-3': a size such as 7b"
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, WorkloadModelError) and str(again) == str(error)


def test_an_error_reworded_keeps_its_type_and_fields() -> None:
    """A caller adds the file or the side of a comparison to an error's message; rebuilding it from the
    message alone (``type(error)(message)``) raised a TypeError traceback for errors built from parts."""
    cause = UnknownModelError("lama-3", None, "a size such as 7b")
    for error in (WorkloadModelError("w", cause), cause, ScenarioError("field x: bad")):
        again = reworded(error, f"s.yaml: {error}")
        assert type(again) is type(error) and str(again) == f"s.yaml: {error}"
    assert reworded(WorkloadModelError("w", cause), "m").cause is cause


@pytest.mark.parametrize("command", ["validate", "solve", "compare"])
def test_an_unknown_model_names_the_scenario_in_one_line(tmp_path: Path, command: str) -> None:
    # solve, validate and compare put the scenario's path before the error by rebuilding it from its text,
    # which WorkloadModelError's constructor (a workload and its cause) refused: a TypeError traceback.
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nworkloads: [{name: chat, model: nosuch-7q}]\n", encoding="utf-8")
    args = [command, str(path), *([str(path)] if command == "compare" else [])]
    result = CliRunner().invoke(
        main, [*args, *(["-o", str(tmp_path / "s.xlsx")] if command == "solve" else [])]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {path}: workload 'chat': unknown model 'nosuch-7q': not a catalog name "
        "(see `planner catalog models`), a size like 7b, or a path to a config.json"
    )
