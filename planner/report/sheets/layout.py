"""Sheet set-up shared by every sheet: print layout and frozen header rows."""

from __future__ import annotations

import math

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from planner.report.table import DEFAULT_WIDTH, wrapped_height


def new_sheet(wb: Workbook, title: str, *, freeze: str | None = "A2", landscape: bool = True) -> Worksheet:
    """A sheet that prints on pages as wide as its content (landscape, fit to width) with frozen headers.

    Fit-to-width matters: without it LibreOffice and Excel split wide tables across pages, and the PDF a
    reader forwards shows half a table per page.
    """
    ws = wb.create_sheet(title)
    assert isinstance(ws, Worksheet)
    if freeze:
        ws.freeze_panes = freeze
    print_one_page_wide(ws, landscape=landscape)
    return ws


def print_one_page_wide(ws: Worksheet, *, landscape: bool = True) -> None:
    """``new_sheet``'s print layout, for a sheet made otherwise (a workbook's first, ``wb.active``)."""
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_options.gridLines = False


PAGE_WIDTH_CHARS = 240.0
"""Characters of column width per landscape page: about 135 fit at 100%, so the scale stays above ~55%."""


def fit_pages(ws: Worksheet, total_width_chars: float, *, title_rows: str = "1:1") -> None:
    """Print a wide sheet on as many pages across as it needs, repeating its header row and first column.

    One page wide would shrink a 30-column table to an unreadable size; repeating the titles keeps every
    page readable on its own.
    """
    pages = max(1, math.ceil(total_width_chars / PAGE_WIDTH_CHARS))
    ws.page_setup.fitToWidth = pages
    if pages > 1:
        ws.print_title_rows = title_rows
        ws.print_title_cols = "A:A"
        _notes_off_the_title_column(ws)


def _notes_off_the_title_column(ws: Worksheet) -> None:
    """Move each note merged from column A (``write_note``) to start in column B: column A repeats on every
    page, and there the note printed cut to column A's width ("Memory in GiB (2^30 ...") on every page after
    the first. The row is made tall enough for the narrower span."""

    def width(col: int) -> float:
        return ws.column_dimensions[get_column_letter(col)].width or DEFAULT_WIDTH

    for merged in list(ws.merged_cells.ranges):
        if merged.min_col != 1 or merged.max_col < 3 or merged.min_row != merged.max_row:
            continue
        row, last = merged.min_row, merged.max_col
        source = ws.cell(row=row, column=1)
        text, style = source.value, source.style
        ws.unmerge_cells(merged.coord)
        source.value = None
        target = ws.cell(row=row, column=2, value=text)
        target.style = style
        ws.merge_cells(start_row=row, start_column=2, end_row=row, end_column=last)
        height = wrapped_height(str(text or ""), sum(width(c) for c in range(2, last + 1)))
        if height > (ws.row_dimensions[row].height or 0):
            ws.row_dimensions[row].height = height
