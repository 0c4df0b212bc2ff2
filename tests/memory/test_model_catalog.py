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


@pytest.mark.parametrize(
    "name",
    [
        "qwen2.5-coder-32b",
        "Qwen2.5-Coder-32B-Instruct",
        "Qwen/Qwen2.5-Coder-32B",
        "Qwen/Qwen2.5-Coder-32B-Instruct",
    ],
)
def test_the_32b_coder_is_in_the_catalog_with_qwen2_5_32bs_shape(name: str) -> None:
    """Users type qwen2.5-coder-32b (the hobbyist's day model is a 32B coder). Its config.json is
    Qwen2.5-32B's shape: 64 layers of hidden 5120, 40 query and 8 KV heads of 128 (q, k, v with biases), MLP
    27,648, vocab 152,064 untied. By hand: 2 x 152,064 x 5,120 embeddings + 64 x (2 x 5,120^2 + 2 x 5,120 x
    1,024 + 5,120 + 2 x 1,024 + 3 x 5,120 x 27,648 + 2 x 5,120) + 5,120 = 32,763,876,352."""
    specs = load_model_catalog()
    spec = find_model(specs, name)
    assert spec is not None and spec.name == "qwen2.5-coder-32b"
    layer = 2 * 5120**2 + 2 * 5120 * 1024 + 5120 + 2 * 1024 + 3 * 5120 * 27648 + 2 * 5120
    assert spec.params == 2 * 152_064 * 5120 + 64 * layer + 5120 == 32_763_876_352
    assert spec.source.endswith("Qwen/Qwen2.5-Coder-32B/blob/main/config.json")  # the base, as every entry
    assert spec.instruct == "Qwen/Qwen2.5-Coder-32B-Instruct"
