"""Plain-text tables for the terminal report: columns shrink to a width limit, text is cut with an ellipsis.

Numbers never shrink (a truncated figure is a wrong figure); only the columns marked flexible give up width,
in order of ``shrink_first`` and then widest first, down to a minimum each. A table still too wide continues
below itself, each part led by the first column, as wide data frames print.
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
    """Lines of a table no wider than ``width``: flexible columns shrink first; where the rest still do not
    fit, the columns after the first are dealt into parts that do, each part under the one before."""
    gap = 2
    lines: list[str] = []
    for part, widths in _layout(columns, rows, width, indent):

        def line(cells: Sequence[str]) -> str:
            texts = [f"{cut(cells[i], widths[i]):{columns[i].align}{widths[i]}}" for i in part]  # noqa: B023
            return (" " * indent + (" " * gap).join(texts)).rstrip()

        lines += [""] if lines else []
        lines += [line([c.header for c in columns]), *(line(r) for r in rows)]
    return lines


def cut_cells(
    columns: Sequence[TextColumn], rows: Sequence[Sequence[str]], width: int, indent: int = 2
) -> set[tuple[int, int]]:
    """(row, column) of every cell ``render_table`` shortens with an ellipsis at ``width``: what a report
    must then give in full elsewhere."""
    return {
        (r, i)
        for part, widths in _layout(columns, rows, width, indent)
        for r, row in enumerate(rows)
        for i in part
        if len(row[i]) > widths[i]
    }


def _layout(
    columns: Sequence[TextColumn], rows: Sequence[Sequence[str]], width: int, indent: int
) -> list[tuple[list[int], dict[int, int]]]:
    """The table's parts, each with its columns' widths."""
    gap = 2
    natural = [max([len(c.header), *(len(r[i]) for r in rows)]) for i, c in enumerate(columns)]

    def shrunk(part: Sequence[int]) -> dict[int, int]:
        widths = {i: natural[i] for i in part}
        budget = width - indent - gap * (len(part) - 1)
        while sum(widths.values()) > budget:
            candidates = [i for i in part if columns[i].flexible and widths[i] > columns[i].min_width]
            if not candidates:
                break
            widest = max(candidates, key=lambda i: (columns[i].shrink_first, widths[i]))
            widths[widest] -= 1
        return widths

    everything = range(len(columns))
    narrowest = shrunk(everything)
    return [(part, shrunk(part)) for part in _parts([narrowest[i] for i in everything], width - indent, gap)]


def _parts(widths: Sequence[int], room: int, gap: int) -> list[list[int]]:
    """Column indices in parts no wider than ``room``, each led by column 0 (the row's name)."""
    parts = [[0]]
    used = widths[0]
    for i in range(1, len(widths)):
        if used + gap + widths[i] > room and len(parts[-1]) > 1:
            parts.append([0])
            used = widths[0]
        parts[-1].append(i)
        used += gap + widths[i]
    return parts


def wrap(text: str, width: int, indent: int = 0, hang: int = 0) -> list[str]:
    """Greedy word wrap (textwrap would do; this keeps long unit ids whole where they fit): every line starts
    with ``indent`` spaces, the lines after the first with ``hang`` more."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}" if current else word
        margin = indent + (hang if lines else 0)
        if len(candidate) + margin <= width or not current:
            current = candidate
        else:
            lines.append(" " * margin + current)
            current = word
    if current:
        lines.append(" " * (indent + (hang if lines else 0)) + current)
    return [cut(line, width) for line in lines]
