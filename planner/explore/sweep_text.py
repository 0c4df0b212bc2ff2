"""A sweep for the terminal: one line per point, then where the chosen mix changes."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from planner.report.text import TextColumn, render_table, wrap

if TYPE_CHECKING:
    import pandas as pd


def _money(value: Any) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:,.0f}"


def _value(value: Any) -> str:
    return f"{value:,.4g}" if isinstance(value, float) else str(value)


def render_sweep(frame: pd.DataFrame, breaks: pd.DataFrame, width: int = 110) -> str:
    paths: list[str] = list(frame.attrs.get("vary", []))
    currency = frame.attrs.get("currency", "USD")
    lines = [f"Sweep of {frame.attrs.get('scenario', '')}: {len(frame)} points, money in {currency}", ""]
    columns = [
        *(TextColumn(p, ">") for p in paths),
        TextColumn("Status"),
        TextColumn("Total", ">"),
        TextColumn("Up-front", ">"),
        TextColumn("Per month", ">"),
        TextColumn("Mix", flexible=True, min_width=20),
    ]
    rows = [
        [
            *(_value(row[p]) for p in paths),
            str(row["status"]),
            _money(row["total_cost"]),
            _money(row["capex"]),
            _money(row["opex_per_month"]),
            str(row["mix"] or row["message"]),
        ]
        for _, row in frame.iterrows()
    ]
    lines += render_table(columns, rows, width)
    lines += ["", "Where the mix changes"]
    if breaks.empty:
        lines.append("  nowhere: the same mix at every point")
    for _, b in breaks.iterrows():
        fixed = f" (with {b['fixed']})" if b["fixed"] else ""
        text = (
            f"between {b['axis']}={_value(b['from_value'])} and {_value(b['to_value'])}{fixed}: "
            f"{_money(b['from_total'])} -> {_money(b['to_total'])} {currency}, {b['change'] or b['to_mix']}"
        )
        lines += wrap(text, width, indent=2)
    return "\n".join(lines)
