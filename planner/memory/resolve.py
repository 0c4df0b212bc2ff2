"""Turn what a user typed (catalog name, nominal size, config.json path) into an Architecture, once.

The optimizer asks for the same model thousands of times, so resolution is cached; a config file is re-read
only when its modification time changes.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path
from typing import Any

from planner.bounds import MAX_NAME_CHARS
from planner.catalog.models import ModelSpec, find_model, load_model_catalog, suggest_model
from planner.errors import ModelError, UnknownModelError, one_line
from planner.files import Unreadable, read_at_most, regular_file
from planner.memory.architecture import Architecture, checkpoint_format, from_config, nominal_architecture

_NOMINAL_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([bm])\s*$", re.IGNORECASE)

MAX_CONFIG_BYTES = 16 * 2**20
"""Largest config.json read: Hugging Face's are a few kB (multimodal ones under 100 kB). A model path naming
/dev/zero or a multi-GB file was read whole, ending in a MemoryError traceback (or the machine's memory
spent first); a FIFO blocked for ever."""


def resolve_model(
    model: str | Path | ModelSpec | Architecture, catalog_dir: Path | None = None
) -> Architecture:
    """Architecture for a catalog name or alias, a nominal size (``7b``, ``0.5b``, ``350m``), a path to a
    Hugging Face ``config.json`` (or a directory holding one), a ModelSpec or an Architecture."""
    if isinstance(model, Architecture):
        return model
    if isinstance(model, ModelSpec):
        return _from_spec(model)
    if isinstance(model, Path):
        return _from_path(model)
    if not isinstance(model, str) or not model.strip():
        raise ModelError(f"model must be a name, a size like 7b or a config.json path, got {model!r}")
    return _from_text(model, catalog_dir)


@functools.lru_cache(maxsize=256)
def _from_spec(spec: ModelSpec) -> Architecture:
    return spec.architecture()


@functools.lru_cache(maxsize=1024)
def _from_text(text: str, catalog_dir: Path | None) -> Architecture:
    match = _NOMINAL_RE.match(text)
    if match:
        value = float(match.group(1))
        return nominal_architecture(value if match.group(2).lower() == "b" else value / 1000)
    path = Path(text).expanduser()
    if text.endswith(".json") or (_is_dir(path) and (path / "config.json").exists()):
        return _from_path(path)
    specs = load_model_catalog(catalog_dir)
    spec = find_model(specs, text)
    if spec is None:
        raise UnknownModelError(
            text,
            suggest_model(specs, text),
            "not a catalog name (see `planner catalog models`), a size like 7b, or a path to a config.json",
        )
    return _from_spec(spec)


def _is_dir(path: Path) -> bool:
    """``path.is_dir()``, False where the text is no valid path (a NUL byte, a name too long for the file
    system): such a model is then reported as unknown or not found, not as a traceback."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _from_path(path: Path) -> Architecture:
    file = path / "config.json" if _is_dir(path) else path
    try:
        status = regular_file(file, MAX_CONFIG_BYTES, "a config.json")
    except Unreadable as why:
        raise ModelError(f"{file}: {why}") from None
    except (OSError, ValueError):
        raise ModelError(f"{file}: config file not found") from None
    return _read_config(str(file.resolve()), status.st_mtime_ns)


@functools.lru_cache(maxsize=128)
def _read_config(file: str, mtime_ns: int) -> Architecture:
    try:
        data = read_at_most(Path(file), MAX_CONFIG_BYTES, "a config.json")
        # utf-8-sig: a byte-order mark (some Windows editors write one) means nothing in JSON: skipped.
        raw: Any = json.loads(data.decode("utf-8-sig"))
    except Unreadable as why:
        raise ModelError(f"{file}: {why}") from None
    except OSError as error:
        raise ModelError(f"{file}: cannot read ({error.strerror or error.__class__.__name__})") from None
    except UnicodeDecodeError as error:
        raise ModelError(
            f"{file}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start}); a config.json "
            "is JSON in UTF-8"
        ) from None
    except json.JSONDecodeError as error:
        raise ModelError(f"{file}: not valid JSON (line {error.lineno}: {error.msg})") from None
    except RecursionError:
        raise ModelError(f"{file}: not a config.json: nested deeper than Python's parser allows") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{file}: expected a JSON object of config fields")
    # The name is shown on the terminal: escaped (a name holding ESC sequences is not printed raw), and short.
    # ``Llama-3-8B/config.json`` is named by its directory, ``my-model.json`` by itself (not by the directory
    # it happens to sit in).
    path = Path(file)
    default = path.parent.name if path.name == "config.json" else path.stem
    name = one_line(str(raw.get("_name_or_path") or default or path.stem))
    name = name if len(name) <= MAX_NAME_CHARS else f"{name[: MAX_NAME_CHARS - 3]}..."
    arch = from_config(raw, name, where=file)
    found = checkpoint_format(raw)
    return dataclasses.replace(arch, checkpoint_format=found) if found else arch
