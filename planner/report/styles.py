"""Named cell styles of the workbook, registered once per workbook (stage 7, reports).

Named styles (rather than per-cell fonts and formats) keep the file small and let a reader restyle a whole
kind of figure in Excel or LibreOffice at once. The money style carries the plan's currency in its number
format, so it is built per workbook; its name stays ``planner.usd`` (the name the rest of the code uses).
"""

from __future__ import annotations

from collections.abc import Mapping

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

HEADER = "planner.header"
USD = "planner.usd"
USD_RATE = "planner.usd_rate"
USD_CENTS = "planner.usd_cents"
GIB = "planner.gib"
PERCENT = "planner.percent"
INTEGER = "planner.integer"
NUMBER = "planner.number"
TEXT = "planner.text"
WRAP = "planner.wrap"
TITLE = "planner.title"
SUBTITLE = "planner.subtitle"
NOTE = "planner.note"
LABEL = "planner.label"
TOTAL_LABEL = "planner.total_label"
TOTAL_USD = "planner.total_usd"
TOTAL_USD_CENTS = "planner.total_usd_cents"

CURRENCY_SYMBOLS: Mapping[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}

HEADER_FILL = "1F4E78"
"""Dark blue with white bold text: readable on screen and in greyscale print."""


def money_format(currency: str, decimals: int = 0) -> str:
    """Excel number format for money, e.g. ``"$"#,##0`` or ``#,##0 "CHF"`` for currencies without a symbol."""
    digits = "#,##0" + ("." + "0" * decimals if decimals else "")
    symbol = CURRENCY_SYMBOLS.get(currency.upper())
    if symbol:
        return f'"{symbol}"{digits};-"{symbol}"{digits}'
    return f'{digits} "{currency}";-{digits} "{currency}"'


GIB_FORMAT = '#,##0.00 "GiB"'
"""GiB = 2^30 bytes, labelled in every cell so a copied figure keeps its unit."""


def register_styles(wb: Workbook, currency: str) -> None:
    """Add planner's named styles to ``wb`` (once; a second call is a no-op)."""
    if HEADER in wb.named_styles:
        return
    thin = Side(style="thin", color="8EA9C1")
    top = Alignment(vertical="top")
    styles = [
        NamedStyle(
            name=HEADER,
            font=Font(bold=True, color="FFFFFF"),
            fill=PatternFill("solid", fgColor=HEADER_FILL),
            alignment=Alignment(horizontal="center", vertical="center", wrap_text=True),
            border=Border(bottom=thin),
        ),
        # Figures align to the top like text, so a row with a wrapped cell still reads across.
        NamedStyle(name=USD, number_format=money_format(currency), alignment=top),
        NamedStyle(name=USD_RATE, number_format=money_format(currency, 3), alignment=top),
        # Monthly figures keep their cents: 641.825 x 36 must come back to the total by hand.
        NamedStyle(name=USD_CENTS, number_format=money_format(currency, 2), alignment=top),
        NamedStyle(name=GIB, number_format=GIB_FORMAT, alignment=top),
        NamedStyle(name=PERCENT, number_format="0.0%", alignment=top),
        NamedStyle(name=INTEGER, number_format="#,##0", alignment=top),
        NamedStyle(name=NUMBER, number_format="#,##0.0##", alignment=top),
        # Text is indented one character so it never touches a right-aligned number in the column before.
        NamedStyle(
            name=TEXT, number_format="@", alignment=Alignment(horizontal="left", vertical="top", indent=1)
        ),
        NamedStyle(
            name=WRAP,
            number_format="@",
            alignment=Alignment(horizontal="left", vertical="top", wrap_text=True, indent=1),
        ),
        NamedStyle(name=TITLE, font=Font(bold=True, size=16, color=HEADER_FILL)),
        NamedStyle(name=SUBTITLE, font=Font(italic=True, color="595959")),
        NamedStyle(
            name=NOTE,
            font=Font(italic=True, color="595959"),
            alignment=Alignment(horizontal="left", vertical="top", wrap_text=True),
        ),
        NamedStyle(name=LABEL, font=Font(bold=True), alignment=Alignment(vertical="top")),
        NamedStyle(name=TOTAL_LABEL, font=Font(bold=True), border=Border(top=thin)),
        NamedStyle(
            name=TOTAL_USD,
            font=Font(bold=True),
            border=Border(top=thin),
            number_format=money_format(currency),
        ),
        NamedStyle(
            name=TOTAL_USD_CENTS,
            font=Font(bold=True),
            border=Border(top=thin),
            number_format=money_format(currency, 2),
        ),
    ]
    for style in styles:
        wb.add_named_style(style)
