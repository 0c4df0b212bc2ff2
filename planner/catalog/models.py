"""The built-in model catalog (``catalogs/models.yaml``): architecture fields per model, with their source.

Field names are Hugging Face ``config.json`` names, so an entry can be checked against (or pasted from) the
repository it names. The memory model turns an entry into an ``Architecture`` with ``ModelSpec.architecture``.
"""

from __future__ import annotations

import difflib
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import Field, ValidationError

from planner.base import FrozenModel
from planner.bounds import MAX_CONFIG_COUNT
from planner.catalog.paths import BUILTIN_CATALOG_DIR
from planner.errors import CatalogError
from planner.safe_yaml import safe_load

if TYPE_CHECKING:
    from planner.memory.architecture import Architecture

MODELS_FILE = "models.yaml"


class Checkpoint(FrozenModel):
    """A published checkpoint of a model quantized ahead of time, which an engine loads as it is (AWQ, GPTQ,
    GGUF): a server cannot make one from the 16-bit repository at start."""

    format: str = Field(min_length=1, max_length=40)
    """planner's weight format it holds (``awq-int4``, ``gptq-int4``, ``gptq-int8``, ``mxfp4``), or ``gguf``
    for a repository of GGUF files of several types."""
    repo: str = Field(pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
    """The Hugging Face repository id; it is also the source: the entry says who published it in ``by``."""
    by: str = Field(min_length=1, max_length=100)
    """Who published it: the model's publisher or a known quantizer (bartowski, hugging-quants)."""
    file: str = ""
    """GGUF only: the file name, ``{type}`` standing for the GGUF type as llama.cpp spells it (Q4_K_M)."""
    types: tuple[str, ...] = ()
    """GGUF only: the types the repository holds (llama.cpp's spelling); empty: every type."""


class ModelSpec(FrozenModel):
    """One open model: Hugging Face architecture fields (element counts, no units), source and date."""

    name: str
    aliases: tuple[str, ...] = ()
    model_type: str
    hidden_size: int = Field(gt=0, le=MAX_CONFIG_COUNT)
    num_hidden_layers: int = Field(gt=0, le=MAX_CONFIG_COUNT)
    num_attention_heads: int = Field(gt=0, le=MAX_CONFIG_COUNT)
    num_key_value_heads: int | None = Field(default=None, gt=0, le=MAX_CONFIG_COUNT)
    head_dim: int | None = Field(default=None, gt=0, le=MAX_CONFIG_COUNT)
    intermediate_size: int = Field(gt=0, le=MAX_CONFIG_COUNT)
    vocab_size: int = Field(gt=0, le=MAX_CONFIG_COUNT)
    tie_word_embeddings: bool = False
    max_position_embeddings: int = Field(default=4096, gt=0, le=MAX_CONFIG_COUNT)
    """Longest context the model was trained for, in tokens."""
    attention_bias: bool | None = None
    sliding_window: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    sliding_window_pattern: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    layer_types: tuple[str, ...] | None = None
    """Per layer, "sliding_attention" or "full_attention" (gpt-oss alternates them)."""
    num_local_experts: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    num_experts: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    n_routed_experts: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    num_experts_per_tok: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    moe_intermediate_size: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    n_shared_experts: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    shared_expert_intermediate_size: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    first_k_dense_replace: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    decoder_sparse_step: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    moe_layer_freq: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    q_lora_rank: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    kv_lora_rank: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    qk_nope_head_dim: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    qk_rope_head_dim: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    v_head_dim: int | None = Field(default=None, ge=0, le=MAX_CONFIG_COUNT)
    params: int | None = Field(default=None, ge=0, le=10**15)
    """Total parameters; filled from the architecture when the file leaves it out."""
    source: str
    as_of: str = "2026-11-25"
    notes: str = ""
    instruct: str | None = Field(default=None, pattern=r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")
    """The instruction-tuned (chat) repository a server runs, where ``source`` is the base model's; None
    where ``source`` is already the model to serve."""
    checkpoints: tuple[Checkpoint, ...] = ()
    """Quantized checkpoints known to be published, one per format (GGUF: one repository of files)."""

    @property
    def repo(self) -> str | None:
        """The Hugging Face repository ``source`` names (None where it is not a Hugging Face address)."""
        if not self.source.startswith("huggingface.co/"):
            return None
        return "/".join(self.source.split("/")[1:3])

    @property
    def max_context(self) -> int:
        """Longest context in tokens (``max_position_embeddings``)."""
        return self.max_position_embeddings

    def config(self) -> dict[str, Any]:
        """The entry as a Hugging Face config dict (only the fields that are set)."""
        skip = {"name", "aliases", "params", "source", "as_of", "notes", "instruct", "checkpoints"}
        return {k: v for k, v in self.model_dump(exclude_none=True).items() if k not in skip}

    def architecture(self) -> Architecture:
        from planner.memory.architecture import from_config

        return from_config(self.config(), self.name, where=f"{MODELS_FILE}: {self.name}")

    @property
    def param_count(self) -> int:
        """``params`` if the file gives it, else counted from the architecture."""
        if self.params is not None:
            return self.params
        from planner.memory.architecture import count_parameters

        return count_parameters(self.architecture()).total


def load_model_catalog(catalog_dir: Path | None = None) -> tuple[ModelSpec, ...]:
    """Read ``models.yaml`` from ``catalog_dir`` (default: the built-in ``catalogs/``)."""
    directory = Path(catalog_dir) if catalog_dir is not None else BUILTIN_CATALOG_DIR
    return _load(directory.resolve())


@functools.lru_cache(maxsize=8)
def _load(directory: Path) -> tuple[ModelSpec, ...]:
    path = directory / MODELS_FILE
    try:
        raw = safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CatalogError(f"{path}: model catalog not found") from None
    except yaml.YAMLError as error:
        raise CatalogError(f"{path}: not valid YAML ({str(error).splitlines()[0]})") from None
    entries = raw.get("models") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise CatalogError(f"{path}: expected a top-level 'models:' list")
    specs: list[ModelSpec] = []
    seen: dict[str, str] = {}
    for index, entry in enumerate(entries):
        label = entry.get("name", f"#{index + 1}") if isinstance(entry, dict) else f"#{index + 1}"
        try:
            spec = ModelSpec.model_validate(entry)
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "entry"
            raise CatalogError(f"{path}: model {label}: {field}: {first['msg']}") from None
        if spec.params is None:
            spec = spec.model_copy(update={"params": spec.param_count})
        for key in (spec.name, *spec.aliases):
            folded = key.lower()
            if folded in seen and seen[folded] != spec.name:
                raise CatalogError(f"{path}: model {spec.name}: name {key!r} already used by {seen[folded]}")
            seen[folded] = spec.name
        specs.append(spec)
    return tuple(specs)


_VARIANT_SUFFIXES = ("instruct", "chat", "it", "hf", "base")
"""Trailing repo-name words that name a tuned or repackaged release of the same architecture (Llama's
``-Instruct``, ``-chat-hf``, Gemma's ``-it``): the weights differ, the shapes the memory model reads do
not."""

_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
_SIZE_RE = re.compile(r"(?<![a-z0-9.])(\d+x)?\d+(?:\.\d+)?[bm](?:-a\d+(?:\.\d+)?b)?(?![a-z0-9])")


def model_keys(name: str) -> tuple[str, ...]:
    """The keys ``name`` is looked up by, most literal first: as typed (case folded); without the Hugging Face
    owner (``meta-llama/``); without a trailing variant word (``-instruct``, ``-chat``, ``-it``, ``-hf``);
    without the ``meta-`` of Meta's older repo names. ``meta-llama/Llama-3.1-8B-Instruct`` ends at
    ``llama-3.1-8b``."""
    key = name.strip().lower()
    keys = [key]
    key = key.rsplit("/", 1)[-1]
    keys.append(key)
    while True:
        stem, _, last = key.rpartition("-")
        if not stem or last not in _VARIANT_SUFFIXES:
            break
        key = stem
        keys.append(key)
    if key.startswith("meta-"):
        keys.append(key.removeprefix("meta-"))
    return tuple(dict.fromkeys(keys))


def find_model(specs: tuple[ModelSpec, ...], name: str) -> ModelSpec | None:
    """Case-insensitive lookup by name or alias, then by the same name as a Hugging Face repo id copied from
    the hub (owner, ``-Instruct``/``-chat``/``-it`` variants: ``model_keys``). An exact name always wins."""
    index = {key.lower(): spec for spec in specs for key in (spec.name, *spec.aliases)}
    for key in model_keys(name):
        if key in index:
            return index[key]
    return None


def suggest_model(specs: tuple[ModelSpec, ...], name: str) -> str | None:
    """The catalog model closest to an unknown ``name``: of the same family and size where one is (an 8B
    Llama for ``Llama-3.1-8B-Instruct-FP8``, never a 70B), else of the same family, else the closest name
    overall (difflib ratio >= 0.6); None where nothing is close."""
    key = model_keys(name)[-1]
    size = _size(key)
    family = _family(key)
    names = [
        (spec.name, core) for spec in specs for n in (spec.name, *spec.aliases) for core in model_keys(n)[-1:]
    ]
    same_family = [(n, core) for n, core in names if family and _family(core) == family]
    same_size = [(n, core) for n, core in same_family if size and _size(core) == size]
    numbers = _numbers(key)

    def closeness(core: str) -> tuple[float, int]:
        # Equally close names go to the one sharing the typed version numbers ('lama-3' is Llama 3's, not
        # 'llama2-13b', whose alias is as close letter by letter).
        return difflib.SequenceMatcher(None, key, core).ratio(), len(numbers & _numbers(core))

    for pool, cutoff in ((same_size, 0.0), (same_family, 0.6), (names, 0.6)):
        if pool:
            best, core = max(pool, key=lambda name_core: closeness(name_core[1]))
            if closeness(core)[0] >= cutoff:
                return best
    return None


def _numbers(key: str) -> set[str]:
    """The numbers in a model name (``3``, ``3.1``, ``8``), by which a family's versions and sizes differ."""
    return set(_NUMBER_RE.findall(key))


def _size(key: str) -> str:
    """The parameter count in a model name (``8b``, ``0.5b``, ``8x7b``, ``30b-a3b``), "" where none."""
    found = _SIZE_RE.search(key)
    return found.group(0) if found else ""


def _family(key: str) -> str:
    """The leading letters of a model name: ``llama``, ``qwen``, ``gemma``, ``mistral``."""
    match = re.match(r"[a-z]+", key)
    return match.group(0) if match else ""
