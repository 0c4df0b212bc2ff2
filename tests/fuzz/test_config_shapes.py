"""config.json files of any shape end in an Architecture or one line naming the file and the field.

A config nested 100,000 levels deep raised RecursionError; an MLA config with ``kv_lora_rank`` but no
``qk_nope_head_dim`` raised KeyError. Every config.json passes ``resolve._read_config`` (the parse) and
``architecture.from_config`` (the fields), which is where these are caught.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.errors import ModelError
from planner.memory.architecture import FAMILY_FIELDS, Architecture, from_config
from planner.memory.resolve import MAX_CONFIG_BYTES, resolve_model

from .hostile import assert_one_clean_line, cli

DEEPSEEK_V3: dict[str, Any] = {
    "model_type": "deepseek_v3",
    "hidden_size": 7168,
    "num_hidden_layers": 61,
    "num_attention_heads": 128,
    "num_key_value_heads": 128,
    "intermediate_size": 18432,
    "moe_intermediate_size": 2048,
    "vocab_size": 129280,
    "n_routed_experts": 256,
    "n_shared_experts": 1,
    "num_experts_per_tok": 8,
    "first_k_dense_replace": 3,
    "q_lora_rank": 1536,
    "kv_lora_rank": 512,
    "qk_nope_head_dim": 128,
    "qk_rope_head_dim": 64,
    "v_head_dim": 128,
}


@given(depth=st.integers(min_value=2_000, max_value=200_000), opener=st.sampled_from(("[", '{"a":')))
@settings(max_examples=8)
def test_a_deeply_nested_config_is_one_line(
    tmp_path_factory: pytest.TempPathFactory, depth: int, opener: str
) -> None:
    closer = "]" if opener == "[" else "}"
    path = tmp_path_factory.mktemp("deep") / "config.json"
    path.write_text('{"hidden_size": ' + opener * depth + "1" + closer * depth + "}", encoding="utf-8")
    with pytest.raises(ModelError, match=r"config\.json") as caught:
        resolve_model(path)
    assert_one_clean_line(str(caught.value))


@given(
    family=st.sampled_from(FAMILY_FIELDS),
    drop=st.sets(st.integers(0, 2), min_size=1),
)
@settings(max_examples=20)
def test_a_family_missing_one_of_its_fields_is_one_line_naming_it(
    family: tuple[str, tuple[str, ...]], drop: set[int]
) -> None:
    marker, fields = family
    removed = [fields[i] for i in sorted(drop) if i < len(fields)]
    config = {k: v for k, v in DEEPSEEK_V3.items() if k not in removed}
    assert config.get(marker)
    with pytest.raises(ModelError) as caught:
        from_config(config, "fuzz", where="config.json")
    message = str(caught.value)
    assert_one_clean_line(message)
    assert all(field in message for field in removed), message
    assert marker in message


def test_the_whole_family_gives_an_architecture() -> None:
    assert from_config(DEEPSEEK_V3, "deepseek-v3").kv_lora_rank == 512


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@given(
    changes=st.dictionaries(
        st.sampled_from([*sorted(DEEPSEEK_V3), "head_dim", "text_config", "sliding_window", "layer_types"]),
        json_values,
        max_size=4,
    ),
    drop=st.sets(st.sampled_from(sorted(DEEPSEEK_V3)), max_size=3),
)
@settings(max_examples=80)
def test_any_config_shape_is_an_architecture_or_one_line(changes: dict[str, Any], drop: set[str]) -> None:
    config = {k: v for k, v in DEEPSEEK_V3.items() if k not in drop} | changes
    try:
        result = from_config(config, "fuzz", where="config.json")
    except ModelError as error:
        assert_one_clean_line(str(error))
        assert str(error).startswith("config.json")
    else:
        assert isinstance(result, Architecture)


def test_the_cli_reports_a_deep_config_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    code, _, err = cli("estimate", str(path))
    assert code == 2 and str(path) in err
    assert_one_clean_line(err)
    path.write_text(
        json.dumps({k: v for k, v in DEEPSEEK_V3.items() if k != "qk_nope_head_dim"}), encoding="utf-8"
    )
    code, _, err = cli("estimate", str(path))
    assert code == 2 and "qk_nope_head_dim" in err


def test_a_model_path_that_is_no_small_regular_file_is_one_line(tmp_path: Path) -> None:
    # A path to /dev/zero was read whole (MemoryError traceback once memory ran out), a FIFO blocked for ever.
    device = tmp_path / "device.json"
    device.symlink_to(os.devnull)
    code, _, err = cli("estimate", str(device))
    assert code == 2 and "not a regular file" in err and str(device) in err
    assert_one_clean_line(err)
    # Sparse: 17 MiB long, no disk used. Read whole before, now refused by its size alone.
    huge = tmp_path / "huge.json"
    with huge.open("wb") as stream:
        stream.truncate(MAX_CONFIG_BYTES + 1)
    code, _, err = cli("estimate", str(huge))
    assert code == 2 and "too large for a config.json" in err
    assert_one_clean_line(err)


def test_a_config_that_is_not_utf8_says_so(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(b'{"model_type": "qwen2", "name": "caf\xe9"}')
    code, _, err = cli("estimate", str(path))
    assert code == 2 and "not UTF-8 text (byte 0xe9 at offset 36)" in err, err
    assert_one_clean_line(err)


def test_a_byte_order_mark_is_skipped_and_more_dense_layers_than_layers_is_one_line(tmp_path: Path) -> None:
    """A config.json saved with a byte-order mark was refused in Python's words ("decode using utf-8-sig");
    ``first_k_dense_replace`` past the layer count left an MoE config with no MoE layer and was taken."""
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(DEEPSEEK_V3).encode())
    assert resolve_model(str(path)).num_layers == 61
    with pytest.raises(ModelError, match=r"first_k_dense_replace 62 exceeds the 61 layers"):
        from_config({**DEEPSEEK_V3, "first_k_dense_replace": 62}, "x", where="config.json")
