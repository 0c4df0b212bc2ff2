"""Name look-up shared by the memory model's tables (weight formats, KV dtypes, engines)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from planner.errors import ModelError

_T = TypeVar("_T")


def by_name(table: Mapping[str, _T], aliases: Mapping[str, str], name: str, what: str) -> _T:
    """``table[name]``, ignoring case and surrounding spaces and following ``aliases``.

    Unknown names raise ``ModelError`` listing the known ones, so every table answers a typo the same way.
    """
    key = name.strip().lower()
    key = aliases.get(key, key)
    try:
        return table[key]
    except KeyError:
        raise ModelError(f"unknown {what} {name!r} (known: {', '.join(table)})") from None
