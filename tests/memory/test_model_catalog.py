"""catalogs/models.yaml and user model catalogs: loading, lookup and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from planner import estimate_memory
from planner.catalog.models import find_model, load_model_catalog
from planner.errors import CatalogError

ENTRY = """
models:
  - name: tiny-llama
    aliases: [tiny]
    model_type: llama
    hidden_size: 256
    num_hidden_layers: 4
    num_attention_heads: 4
    intermediate_size: 512
    vocab_size: 1000
    source: test
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "models.yaml").write_text(text)
    return tmp_path


def test_user_catalog_is_used_and_params_are_filled(tmp_path: Path) -> None:
    specs = load_model_catalog(write(tmp_path, ENTRY))
    spec = find_model(specs, "TINY")
    assert spec is not None and spec.name == "tiny-llama"
    # 2 x 1000 x 256 embeddings + 4 x (4 x 256^2 + 3 x 256 x 512 + 2 x 256) + 256 final norm
    assert spec.params == 2 * 1000 * 256 + 4 * (4 * 256 * 256 + 3 * 256 * 512 + 2 * 256) + 256
    assert estimate_memory("tiny", catalog_dir=tmp_path).params == spec.params
    assert estimate_memory(spec).params == spec.params
    assert estimate_memory(spec.architecture()).params == spec.params


def test_builtin_catalog_lists_what_catalog_models_shows() -> None:
    for spec in load_model_catalog():
        assert spec.name and spec.model_type and spec.params and spec.max_context > 0 and spec.source


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: 3", "expected a top-level 'models:' list"),
        ("models: [", "not valid YAML"),
        (ENTRY.replace("hidden_size: 256", "hidden_size: -1"), "model tiny-llama: hidden_size"),
        (ENTRY.replace("vocab_size: 1000", "vocab_size: 1000\n    colour: red"), "model tiny-llama: colour"),
        (ENTRY + ENTRY.split("models:")[1].replace("name: tiny-llama", "name: other"), "'tiny' already used"),
    ],
)
def test_malformed_catalogs_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CatalogError, match=message) as info:
        load_model_catalog(write(tmp_path, text))
    assert "\n" not in str(info.value) and "models.yaml" in str(info.value)


def test_missing_catalog(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match="model catalog not found"):
        load_model_catalog(tmp_path)
