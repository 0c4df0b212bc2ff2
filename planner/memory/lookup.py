"""Name look-up shared by the memory model's tables (weight formats, KV dtypes, engines, frameworks)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TypeVar

from planner.errors import ModelError

_T = TypeVar("_T")


def suggestion(name: str, known: Iterable[str], canonical: Mapping[str, str] | None = None) -> str:
    """``" (did you mean 'x'?)"`` for the closest known name, or "" when none is close (difflib ratio >= 0.6).

    A typo such as ``q4_k_ms`` or ``llama-3.1-8`` is answered with the name meant, not only a list to read;
    a close alias is answered with the name it stands for (``canonical``)."""
    choices = {k.lower(): k for k in known}
    close = difflib.get_close_matches(name.strip().lower(), list(choices), n=1, cutoff=0.6)
    if not close:
        return ""
    meant = choices[close[0]]
    return f" (did you mean {(canonical or {}).get(meant, meant)!r}?)"


def by_name(table: Mapping[str, _T], aliases: Mapping[str, str], name: str, what: str) -> _T:
    """``table[name]``, ignoring case and surrounding spaces and following ``aliases``.

    Unknown names raise ``ModelError`` naming the closest known one and listing them all, so every table
    answers a typo the same way.
    """
    key = name.strip().lower()
    key = aliases.get(key, key)
    try:
        return table[key]
    except KeyError:
        hint = suggestion(name, [*table, *aliases], aliases)
        raise ModelError(f"unknown {what} {name!r}{hint} (known: {', '.join(table)})") from None
