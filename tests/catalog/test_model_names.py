"""Model names as users type them: Hugging Face repo ids copied from the hub resolve to the catalog model, and
an unknown name is answered with a model of the same family and size."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from planner.catalog.models import find_model, load_model_catalog, model_keys, suggest_model
from planner.cli import main

SPECS = load_model_catalog()


@pytest.mark.parametrize(
    ("repo", "model"),
    [
        # The repo ids as huggingface.co spells them; each -Instruct/-chat/-it release has its base's config.
        ("meta-llama/Llama-3.1-8B-Instruct", "llama-3.1-8b"),
        ("meta-llama/Meta-Llama-3.1-8B-Instruct", "llama-3.1-8b"),  # the repo's name before July 2024
        ("meta-llama/Meta-Llama-3-70B-Instruct", "llama-3-70b"),
        ("meta-llama/Llama-2-7b-chat-hf", "llama-2-7b"),
        ("Qwen/Qwen2.5-7B-Instruct", "qwen2.5-7b"),
        ("Qwen/Qwen2.5-72B-Instruct", "qwen2.5-72b"),
        ("QWEN/QWEN2.5-14B-INSTRUCT", "qwen2.5-14b"),
        ("google/gemma-2-9b-it", "gemma-2-9b"),
        ("mistralai/Mixtral-8x7B-Instruct-v0.1", None),  # a version after the variant: not guessed
    ],
)
def test_a_repo_id_copied_from_the_hub_resolves(repo: str, model: str | None) -> None:
    found = find_model(SPECS, repo)
    assert (found.name if found else None) == model


def test_an_exact_name_wins_over_a_stripped_one() -> None:
    """``mistral-7b-instruct`` is an alias of mistral-7b (v0.3); stripping would reach the same model, and
    ``meta-llama-3-8b`` is llama-3-8b's own alias, found before ``meta-`` is dropped."""
    assert model_keys("meta-llama/Meta-Llama-3-8B-Instruct") == (
        "meta-llama/meta-llama-3-8b-instruct",
        "meta-llama-3-8b-instruct",
        "meta-llama-3-8b",
        "llama-3-8b",
    )
    assert find_model(SPECS, "mistral-7b-instruct").name == "mistral-7b"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("meta-llama/Llama-3.1-8B-Instruct-FP8", "llama-3.1-8b"),  # the issue: it suggested the 70B
        ("Qwen/Qwen2.5-14B-Instruct-AWQ", "qwen2.5-14b"),
        ("llama-3.1-8", "llama-3.1-8b"),
        ("gemma-2-9b-fp8", "gemma-2-9b"),
        ("qwen3-30b-a3b-fp8", "qwen3-30b-a3b"),
        ("lama-3", "llama-3-8b"),  # as close letter by letter as the alias llama2-13b; its version is 3
        ("totally-unknown", None),
    ],
)
def test_a_suggestion_keeps_the_family_and_the_size(typed: str, meant: str | None) -> None:
    assert find_model(SPECS, typed) is None
    assert suggest_model(SPECS, typed) == meant


@given(st.sampled_from([s for s in SPECS if any(c.isdigit() for c in s.name)]))
def test_every_catalog_name_with_a_variant_suffix_resolves_to_itself(spec: object) -> None:
    name = spec.name  # type: ignore[attr-defined]
    for variant in (f"{name}-Instruct", f"org/{name.upper()}-it", f"someone/{name}-chat-hf"):
        assert find_model(SPECS, variant) is spec


def test_estimate_accepts_the_repo_id_and_matches_the_catalog_name() -> None:
    runner = CliRunner()
    by_repo = runner.invoke(main, ["estimate", "meta-llama/Llama-3.1-8B-Instruct", "--format", "json"])
    by_name = runner.invoke(main, ["estimate", "llama-3.1-8b", "--format", "json"])
    assert by_repo.exit_code == 0 and by_repo.stdout == by_name.stdout
