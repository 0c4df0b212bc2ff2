"""Units at the edges. Inside planner every memory figure is an integer number of bytes.

GiB (2^30) is what CUDA tools and most "GB" in LLM memory tables really mean; GB (10^9) is what the rule of
thumb and vendor spec sheets use. Both are labelled wherever they are shown.
"""

from __future__ import annotations

import math
import re

KIB = 2**10
MIB = 2**20
GIB = 2**30
TIB = 2**40
KB = 10**3
MB = 10**6
GB = 10**9
TB = 10**12
MAX_BYTES = 2**60
"""Largest size parse_bytes accepts (1 EiB): beyond it a float no longer rounds to an exact int."""
HOURS_PER_MONTH = 730.0
"""Average hours in a month (8,760 / 12): a workload or machine busy this many hours is always on, and a
cloud instance rented by the hour for a whole month is billed this many."""

_SIZE_UNITS: dict[str, int] = {
    "b": 1,
    "kib": KIB,
    "mib": MIB,
    "gib": GIB,
    "tib": TIB,
    "kb": KB,
    "mb": MB,
    "gb": GB,
    "tb": TB,
}

_SIZE_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$")


def parse_bytes(text: str) -> int:
    """Parse a labelled size such as ``24GiB``, ``80 GB`` or ``512MiB`` into bytes.

    A bare number is read as GiB, because that is what people mean when they type ``--vram 24``.
    """
    match = _SIZE_RE.match(text)
    if not match:
        raise ValueError(f"not a memory size: {text!r} (expected e.g. 24GiB or 80GB)")
    number, unit = float(match.group(1)), match.group(2).lower() or "gib"
    if unit not in _SIZE_UNITS:
        raise ValueError(f"unknown unit {match.group(2)!r} in {text!r} (use B, MiB, GiB, TiB, MB, GB or TB)")
    n_bytes = number * _SIZE_UNITS[unit]
    if not math.isfinite(n_bytes) or n_bytes > MAX_BYTES:
        raise ValueError(f"memory size {text!r} is too large (at most 1 EiB)")
    return round(n_bytes)


def to_gib(n_bytes: float) -> float:
    """Bytes to GiB (2^30), for display."""
    return n_bytes / GIB


def fmt_gib(n_bytes: float, digits: int = 2) -> str:
    """A labelled GiB figure, e.g. ``15.32 GiB``."""
    return f"{to_gib(n_bytes):.{digits}f} GiB"
