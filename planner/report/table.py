"""Writing one Excel table: string headers, a named style per column, text that never becomes a formula.

Every sheet module describes its table as ``Column`` records and rows of plain values; this module puts them
in cells, registers an Excel table over the range (so charts and filters refer to it), and tracks how wide
each column must be to show its content.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.formatting.rule import DataBarRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet
from typing_extensions import TypeVar

from planner.report import styles
from planner.report.live import Formula

Value = str | int | float | bool | dt.date | Formula | None
T = TypeVar("T", default=Any)
"""The record a table row is read from (``Column.value``); any where rows come ready-made."""

TABLE_STYLE = "TableStyleLight9"
"""Banded rows, header styled by our own named style; prints well in greyscale."""

MIN_WIDTH = 8.0
MAX_WIDTH = 60.0
DEFAULT_WIDTH = 8.43
"""Excel's default column width, in characters."""
LINE_HEIGHT_PT = 15.0
"""Height of one line of 11-point text, in points."""

UNDATED = "unknown"
"""A price's "as of" where its source has no date, as the Markdown and the Assumptions' inputs say it: a
blank cell in a date column read as a figure left out."""


@dataclass(frozen=True)
class Column(Generic[T]):
    """One table column: its header, the named style of its cells, an optional fixed width, and what it
    shows of a row's record (``rows_of``), so a table gains a column in one line."""

    header: str
    style: str = styles.TEXT
    width: float | None = None
    key: str = ""
    """How code names the column (rows given as mappings, total rows); the header where empty."""
    value: Callable[[T], Value] | None = None

    @property
    def id(self) -> str:
        return self.key or self.header


@dataclass(frozen=True)
class TableRange:
    """Where a table landed: first and last row (header row included) and columns, 1-based."""

    name: str
    first_row: int
    last_row: int
    first_col: int
    last_col: int

    @property
    def ref(self) -> str:
        return (
            f"{get_column_letter(self.first_col)}{self.first_row}:"
            f"{get_column_letter(self.last_col)}{self.last_row}"
        )


EXCEL_MAX_CELL_CHARS = 32_767
"""Excel's limit on the characters in one cell; longer text makes Excel "repair" (truncate) the file."""


def clean_text(text: str) -> str:
    """Text the xlsx format can hold: no control characters (openpyxl raises on them), at most Excel's cell
    limit (a placement list of thousands of replicas can exceed it)."""
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_MAX_CELL_CHARS:
        text = text[: EXCEL_MAX_CELL_CHARS - 1] + "…"
    return text


def put(cell: Cell | MergedCell, value: Value, style: str | None = None) -> None:
    """Write a value; text is stored as text, so ``=HYPERLINK(...)`` from a scenario is never a formula.

    openpyxl turns any string that starts with ``=`` into a formula; setting the data type back to ``s``
    after assignment stores it as a plain string that Excel and LibreOffice show as typed.
    """
    if isinstance(cell, MergedCell):
        raise ValueError(f"cannot write into merged cell {cell.coordinate}")
    if isinstance(value, Formula) and _NUMBER.fullmatch(value.text):
        cell.value = float(value.text)  # a constant (nothing to buy, a figure without its rates) is a number
    elif isinstance(value, Formula):
        # planner's own formula (live.py builds it from its names and cell references; the workbook
        # checks every formula's vocabulary before it is saved).
        cell.value = "=" + value.text
        if value.value is not None:
            expected_values(cell.parent)[cell.coordinate] = value.value
    elif isinstance(value, str):
        cell.value = clean_text(value)
        cell.data_type = "s"
    else:
        cell.value = value
    if style is not None:
        cell.style = style


_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?(e[-+]?[0-9]+)?")

EXPECTED = "_planner_expected"


def expected_values(ws: object) -> dict[str, float]:
    """Cell -> the figure planner computed for the formula in it: what a spreadsheet program must show
    after recalculating (the tests compare, to the cent)."""
    found: dict[str, float] | None = getattr(ws, EXPECTED, None)
    if found is None:
        found = {}
        setattr(ws, EXPECTED, found)
    return found


def display_width(value: Value, style: str) -> float:
    """Characters a value needs in its number format (a close estimate; Calibri 11 digits are ~1 char)."""
    if isinstance(value, Formula):
        value = value.value
    if value is None:
        return 0.0
    if isinstance(value, str):
        return float(max((len(line) for line in value.splitlines()), default=0))
    if isinstance(value, bool):
        return 5.0
    if isinstance(value, dt.date):
        return 10.0
    number = float(value)
    if style in (styles.USD, styles.TOTAL_USD):
        return len(f"{number:,.0f}") + 3.0
    if style == styles.USD_RATE:
        return len(f"{number:,.3f}") + 3.0
    if style == styles.USD_CENTS:
        return len(f"{number:,.2f}") + 3.0
    if style == styles.GIB:
        return len(f"{number:,.2f}") + 4.0
    if style == styles.PERCENT:
        return len(f"{number * 100:.1f}") + 1.0
    if style == styles.INTEGER:
        return float(len(f"{number:,.0f}"))
    return float(len(f"{number:,.1f}"))


class Widths:
    """The widest content seen per column of a sheet; ``apply`` sets the column widths once at the end."""

    def __init__(self) -> None:
        self._widths: dict[int, float] = {}
        self._fixed: dict[int, float] = {}
        self._wrapped: list[tuple[int, int, int, str]] = []

    def wrap(self, row: int, first_col: int, last_col: int, text: str) -> None:
        """Note wrapped text in ``row`` spanning the columns; ``apply`` makes the row tall enough for it.

        Neither Excel nor LibreOffice grows a row for wrapped text when it converts to PDF, so the height is
        set here from the final column widths.
        """
        self._wrapped.append((row, first_col, last_col, text))

    def see(self, col: int, width: float) -> None:
        self._widths[col] = max(self._widths.get(col, 0.0), width)

    def fix(self, col: int, width: float) -> None:
        self._fixed[col] = width

    def apply(self, ws: Worksheet) -> float:
        """Set the widths on ``ws``; returns the sheet's total width in characters (for the print layout)."""
        total = 0.0
        for col in sorted(set(self._widths) | set(self._fixed)):
            width = self.width_of(col)
            ws.column_dimensions[get_column_letter(col)].width = width
            total += width
        heights: dict[int, float] = {}
        for row, first, last, text in self._wrapped:
            span = sum(self.width_of(c) for c in range(first, last + 1))
            heights[row] = max(heights.get(row, 0.0), wrapped_height(text, span))
        for row, height in heights.items():
            if height > LINE_HEIGHT_PT + 2.0:
                ws.row_dimensions[row].height = height
        return total

    def width_of(self, col: int) -> float:
        """The width ``apply`` gives column ``col`` (default width where nothing was seen)."""
        if col not in self._fixed and col not in self._widths:
            return DEFAULT_WIDTH
        return min(max(self._fixed.get(col, self._widths.get(col, 0.0) + 2.0), MIN_WIDTH), MAX_WIDTH)


def _too_wide(value: Value, column: Column) -> bool:
    """Whether text is wider than the widest its column can be (its fixed width, else ``MAX_WIDTH``): a
    checkpoint named with its GGUF file, a long workload name or a path to a ``config.json``."""
    if not isinstance(value, str):
        return False
    room = (column.width if column.width is not None else MAX_WIDTH) - 2.0  # the padding ``width_of`` adds
    return display_width(value, styles.TEXT) > room


def wrapped_height(text: str, span: float) -> float:
    """Points a cell of ``text`` needs, wrapped over columns ``span`` characters wide in all."""
    per_line = max(span * 1.1 - 1.0, 4.0)  # body text runs narrower than the digit-based unit
    lines = sum(wrapped_lines(line, per_line) for line in text.splitlines() or [""])
    return LINE_HEIGHT_PT * lines + 2.0


def wrapped_lines(line: str, per_line: float) -> int:
    """Lines ``line`` takes wrapped at words in ``per_line`` characters. Counting characters alone missed
    the line a word too long for the column takes on its own: the Cloud sheet's source
    "skypilot-org/skypilot-catalog catalogs/v8/aws/vms.csv@00148f2af3" (64 characters, 32 a line) wraps to
    three lines, not two, and the third was cut off in the PDF."""
    lines, used = 1, 0.0
    for word in line.split():
        need = len(word) if used == 0 else used + 1 + len(word)
        if need <= per_line:
            used = need
            continue
        if used:
            lines += 1
        whole, rest = divmod(len(word), per_line)  # a word wider than a line is broken where it runs out
        lines += int(whole) - (1 if rest == 0 and whole else 0)
        used = rest if rest or not whole else per_line
    return lines


def header_width(header: str) -> float:
    """Width a header needs to wrap onto the two lines its row holds: the longer line of its best break at a
    space. Half its length is not enough where the words do not split evenly ("Discounted cumulative, this
    plan" needs 21, not 16: at 16 it wrapped onto three lines and the third was cut off)."""
    words = header.split()
    if len(words) <= 1:
        return float(len(header.strip()))
    return float(min(max(len(" ".join(words[:i])), len(" ".join(words[i:]))) for i in range(1, len(words))))


def rows_of(columns: Sequence[Column[T]], items: Iterable[T]) -> list[list[Value]]:
    """One row per record, each column showing its ``value`` of it."""
    shows = [c.value for c in columns]
    if None in shows:
        raise ValueError(f"column {columns[shows.index(None)].header!r} does not say what it shows")
    return [[show(item) for show in shows if show is not None] for item in items]


def write_table(
    ws: Worksheet,
    name: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Value] | Mapping[str, Value]],
    *,
    top: int = 1,
    left: int = 1,
    widths: Widths | None = None,
) -> TableRange:
    """Write a header row and ``rows`` at (top, left) and register them as the Excel table ``name``.

    A row is a sequence in column order or a mapping from column ids (a column missing from it is blank),
    so a table can gain a column without its rows changing.

    Headers wrap (the header style wraps text), so they count only half their length towards the column
    width and the header row is two lines high; numbers and text decide the width.
    """
    for j, column in enumerate(columns):
        put(ws.cell(row=top, column=left + j), column.header, styles.HEADER)
        if widths is not None:
            widths.see(left + j, header_width(column.header))
            if column.width is not None:
                widths.fix(left + j, column.width)
    last = top
    ids = [c.id for c in columns]
    for i, given in enumerate(rows, start=1):
        if isinstance(given, Mapping):
            unknown = set(given) - set(ids)
            if unknown:
                raise ValueError(f"table {name}: row {i} names unknown columns {sorted(unknown)}")
            row: Sequence[Value] = [given.get(k) for k in ids]
        else:
            row = given
        if len(row) != len(columns):
            raise ValueError(f"table {name}: row {i} has {len(row)} values for {len(columns)} columns")
        last = top + i
        for j, (column, value) in enumerate(zip(columns, row, strict=True)):
            style = column.style
            if style == styles.TEXT and widths is not None and _too_wide(value, column):
                style = styles.WRAP  # printed unwrapped, the text past the column's edge was cut off
            put(ws.cell(row=last, column=left + j), value, style)
            if widths is not None:
                widths.see(left + j, display_width(value, style))
                if style == styles.WRAP and isinstance(value, str):
                    widths.wrap(last, left + j, left + j, value)
    ws.row_dimensions[top].height = 30
    placed = TableRange(
        name=name,
        first_row=top,
        last_row=max(last, top + 1),
        first_col=left,
        last_col=left + len(columns) - 1,
    )
    if last == top:
        # An Excel table needs at least one data row; an empty one keeps the sheet valid and readable.
        for j, column in enumerate(columns):
            put(ws.cell(row=top + 1, column=left + j), None, column.style)
    table = Table(displayName=name, ref=placed.ref)
    table.tableStyleInfo = TableStyleInfo(name=TABLE_STYLE, showRowStripes=True)
    ws.add_table(table)
    return placed


def write_total_row(
    ws: Worksheet, placed: TableRange, columns: Sequence[Column], values: Mapping[str, Value]
) -> int:
    """A bold "Total" line under a table, each value in the column whose id it names; returns its row.

    Money columns keep their format in bold; the label goes in the first column.
    """
    row = placed.last_row + 1
    ids = [c.id for c in columns]
    unknown = set(values) - set(ids)
    if unknown:
        raise ValueError(f"total row of {placed.name}: unknown columns {sorted(unknown)}")
    for j, column in enumerate(columns):
        value = values.get(column.id)
        if j == 0 and value is None:
            value = "Total"
        money = column.style in (styles.USD, styles.USD_RATE, styles.USD_CENTS)
        target = ws.cell(row=row, column=placed.first_col + j)
        total_style = styles.TOTAL_USD_CENTS if column.style == styles.USD_CENTS else styles.TOTAL_USD
        put(target, value, total_style if money else styles.TOTAL_LABEL)
        if not money and column.style not in (styles.TEXT, styles.WRAP) and value is not None:
            target.number_format = _FORMATS.get(column.style, "General")
    return row


_FORMATS: Mapping[str, str] = {
    styles.INTEGER: "#,##0",
    styles.NUMBER: "#,##0.0##",
    styles.PERCENT: "0.0%",
    styles.GIB: styles.GIB_FORMAT,
}


def column_of(placed: TableRange, columns: Sequence[Column], key: str) -> int:
    """The sheet column (1-based) of the column whose id is ``key``."""
    return placed.first_col + [c.id for c in columns].index(key)


DATE_FORMAT = "yyyy-mm-dd"


def format_dates(ws: Worksheet, placed: TableRange, columns: Sequence[Column], key: str = "as_of") -> None:
    """Show the dates in one column as dates: openpyxl would write them with a time of day."""
    col = column_of(placed, columns, key)
    for r in range(placed.first_row + 1, placed.last_row + 1):
        cell = ws.cell(row=r, column=col)
        if isinstance(cell.value, dt.date | dt.datetime):
            cell.number_format = DATE_FORMAT


def write_note(
    ws: Worksheet,
    row: int,
    first_col: int,
    last_col: int,
    text: str,
    widths: Widths,
    style: str = styles.NOTE,
) -> None:
    """A wrapped paragraph merged across columns: a note under a table, never cut off at a page edge."""
    put(ws.cell(row=row, column=first_col), text, style)
    if last_col > first_col:
        ws.merge_cells(start_row=row, start_column=first_col, end_row=row, end_column=last_col)
    widths.wrap(row, first_col, last_col, text)


def add_share_bar(ws: Worksheet, placed: TableRange, column_offset: int, color: str = "5B9BD5") -> None:
    """A data bar from 0 to 100 % in a share column, so full GPUs and big cost shares stand out at a glance.

    Fixed bounds (0 and 1) rather than the column's min and max: a GPU at 50 % must not look full because
    it is the fullest one.
    """
    col = get_column_letter(placed.first_col + column_offset)
    ref = f"{col}{placed.first_row + 1}:{col}{placed.last_row}"
    # types-openpyxl leaves DataBarRule unannotated.
    rule = DataBarRule(  # type: ignore[no-untyped-call]
        start_type="num", start_value=0, end_type="num", end_value=1, color=color
    )
    ws.conditional_formatting.add(ref, rule)
