"""Plain-text tables for the terminal report: columns shrink to a width limit, text is cut with an ellipsis.

Numbers never shrink (a truncated figure is a wrong figure); only the columns marked flexible give up width,
in order of ``shrink_first`` and then widest first, down to a minimum each.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ELLIPSIS = "…"


@dataclass(frozen=True)
class TextColumn:
    header: str
    align: str = "<"
    """``<`` for text, ``>`` for figures."""
    flexible: bool = False
    min_width: int = 6
    shrink_first: int = 0
    """Among flexible columns, higher values give up width before lower ones (names last)."""


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters, with an ellipsis where it was cut."""
    if len(text) <= width:
        return text
    return text[: max(width - 1, 0)] + ELLIPSIS if width > 0 else ""


def render_table(
    columns: Sequence[TextColumn], rows: Sequence[Sequence[str]], width: int, indent: int = 2
) -> list[str]:
    """Lines of a table no wider than ``width`` (as long as the fixed columns alone fit)."""
    gap = 2
    widths = [max([len(c.header), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]
    budget = width - indent - gap * (len(columns) - 1)
    while sum(widths) > budget:
        candidates = [i for i, c in enumerate(columns) if c.flexible and widths[i] > c.min_width]
        if not candidates:
            break
        widest = max(candidates, key=lambda i: (columns[i].shrink_first, widths[i]))
        widths[widest] -= 1

    def line(cells: Sequence[str]) -> str:
        parts = [f"{cut(cell, w):{c.align}{w}}" for cell, w, c in zip(cells, widths, columns, strict=True)]
        return (" " * indent + (" " * gap).join(parts)).rstrip()

    return [line([c.header for c in columns]), *(line(r) for r in rows)]


def wrap(text: str, width: int, indent: int = 0) -> list[str]:
    """Greedy word wrap (textwrap would do; this keeps long unit ids whole where they fit)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        if len(candidate) + indent <= width or not current:
            current = candidate
        else:
            lines.append(" " * indent + current)
            current = word
    if current:
        lines.append(" " * indent + current)
    return [cut(line, width) for line in lines]
