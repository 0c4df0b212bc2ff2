"""A sweep as an SVG line chart, written by hand: no plotting library for one chart of a few lines.

Cost against the first varied value: the total and the up-front cost where one value is varied, one total
line per combination of the others where several are. Dashed verticals mark where the chosen mix changes
(the break-evens), halfway between the two points that bound the change. Plain SVG 1.1 that browsers,
GitHub's README view and office suites all show.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    import pandas as pd

WIDTH, HEIGHT = 820, 460
LEFT, RIGHT, TOP, BOTTOM = 90, 30, 50, 90
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")
MAX_LINES = len(COLORS)
CHAR_W = 7.0
"""A generous average width of a 12 px Helvetica character: the legend is laid out by it, since an SVG
written without a font engine cannot measure its text."""
LEGEND_ROW = 18
LEGEND_KEY = 28
"""The line sample and the gap before an entry's text."""
LEGEND_GAP = 24


def nice_ticks(high: float, count: int = 5) -> list[float]:
    """Round tick values from 0 to at least ``high`` (steps of 1, 2 or 5 times a power of ten)."""
    if high <= 0 or not math.isfinite(high):
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return [i * step for i in range(math.ceil(high / step - 1e-9) + 1)]


def _label(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def svg_plot(frame: pd.DataFrame, breaks: pd.DataFrame) -> str:
    """The chart as an SVG document (text)."""
    paths: list[str] = list(frame.attrs.get("vary", [frame.columns[0]]))
    currency = str(frame.attrs.get("currency", "USD"))
    x_path = paths[0]
    x_values = list(dict.fromkeys(frame[x_path].tolist()))
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in x_values)
    if numeric and len(x_values) > 1:
        lo, hi = float(min(x_values)), float(max(x_values))
    else:
        lo, hi = 0.0, float(max(len(x_values) - 1, 1))
    span = (hi - lo) or 1.0
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x_of(value: Any) -> float:
        position = float(value) if numeric and len(x_values) > 1 else float(x_values.index(value))
        return LEFT + (position - lo) / span * plot_w

    lines = _lines(frame, paths)
    fixed = _held(frame, paths[1:])
    held = f" ({', '.join(f'{p}={_label(v)}' for p, v in fixed)})" if fixed else ""
    finite = [y for _, pts in lines for _, y in pts if math.isfinite(y)]
    ticks = nice_ticks(max(finite, default=1.0))
    top_y = ticks[-1] or 1.0

    def y_of(value: float) -> float:
        return TOP + plot_h - value / top_y * plot_h

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="white"/>',
        f'<text x="{LEFT}" y="24" font-size="15" font-weight="bold">'
        f"{escape(str(frame.attrs.get('scenario', '')))}: cost against {escape(x_path)}{escape(held)}</text>",
    ]
    for tick in ticks:
        y = y_of(tick)
        out.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + plot_w}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        out.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:,.0f}</text>')
    out.append(
        f'<text transform="translate(18,{TOP + plot_h / 2:.0f}) rotate(-90)" text-anchor="middle">'
        f"{escape(currency)} over the horizon</text>"
    )
    for value in x_values:
        x = x_of(value)
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP + plot_h}" x2="{x:.1f}" y2="{TOP + plot_h + 5}" stroke="#333"/>'
        )
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 18}" text-anchor="middle">{escape(_label(value))}</text>'
        )
    out.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{TOP + plot_h + 38}" text-anchor="middle">'
        f"{escape(x_path)}</text>"
    )
    out.append(f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="#333"/>')
    changes = breaks[breaks["axis"] == x_path].drop_duplicates(["from_value", "to_value"])
    for i, (_, change) in enumerate(changes.iterrows()):
        x = (x_of(change["from_value"]) + x_of(change["to_value"])) / 2
        out.append(
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + plot_h}" stroke="#555" '
            'stroke-dasharray="5,4"/>'
        )
        # Labels step down so that neighbouring changes do not print over each other.
        out.append(f'<text x="{x + 4:.1f}" y="{TOP + 14 + 14 * (i % 4)}" fill="#555">mix changes</text>')
    legend_y = TOP + plot_h + 58
    places = _legend_places([name for name, _ in lines])
    for i, (name, points) in enumerate(lines):
        color = COLORS[i % len(COLORS)]
        dash = ' stroke-dasharray="7,4"' if name.startswith("Up-front") else ""
        segment: list[str] = []
        for x_value, y in [*points, (None, math.nan)]:
            if x_value is not None and math.isfinite(y):
                segment.append(f"{x_of(x_value):.1f},{y_of(y):.1f}")
                continue
            if len(segment) > 1:
                out.append(
                    f'<polyline points="{" ".join(segment)}" fill="none" stroke="{color}" '
                    f'stroke-width="2"{dash}/>'
                )
            segment = []
        for x_value, y in points:
            if math.isfinite(y):
                out.append(f'<circle cx="{x_of(x_value):.1f}" cy="{y_of(y):.1f}" r="3.5" fill="{color}"/>')
        lx, row, shown = places[i]
        ly = legend_y + row * LEGEND_ROW
        out.append(
            f'<line x1="{lx:.0f}" y1="{ly - 4}" x2="{lx + 22:.0f}" y2="{ly - 4}" stroke="{color}" '
            f'stroke-width="2"{dash}/>'
        )
        out.append(f'<text x="{lx + LEGEND_KEY:.0f}" y="{ly}">{escape(shown)}</text>')
    out.append("</svg>")
    rows = 1 + max((row for _, row, _ in places), default=0)
    height = max(HEIGHT, legend_y + (rows - 1) * LEGEND_ROW + 14)
    if height != HEIGHT:  # legend rows below the chart: the picture grows to hold them
        out[0] = (
            out[0]
            .replace(f'height="{HEIGHT}"', f'height="{height}"', 1)
            .replace(f'viewBox="0 0 {WIDTH} {HEIGHT}"', f'viewBox="0 0 {WIDTH} {height}"', 1)
        )
        out[1] = f'<rect width="{WIDTH}" height="{height}" fill="white"/>'
    return "\n".join(out) + "\n"


def _legend_places(names: Sequence[str]) -> list[tuple[float, int, str]]:
    """(x, row, text) of each legend entry: left to right, a new row where the next would pass the right
    edge, and a name longer than a whole row cut with an ellipsis. Three to a row at fixed steps printed a
    sweep's long names ("Total, workloads.chat.hours_per_month=100") over each other and off the edge."""
    right = WIDTH - RIGHT
    room = int((right - LEFT - LEGEND_KEY) / CHAR_W)
    places: list[tuple[float, int, str]] = []
    x, row = float(LEFT), 0
    for name in names:
        shown = name if len(name) <= room else name[: room - 1] + "\u2026"
        width = LEGEND_KEY + len(shown) * CHAR_W
        if x > LEFT and x + width > right:
            x, row = float(LEFT), row + 1
        places.append((x, row, shown))
        x += width + LEGEND_GAP
    return places


def _lines(frame: pd.DataFrame, paths: Sequence[str]) -> list[tuple[str, list[tuple[Any, float]]]]:
    """(legend, [(x, cost)]) per line; NaN where a point is infeasible (the line breaks there)."""
    x_path, others = paths[0], list(paths[1:])

    def points(rows: pd.DataFrame, column: str) -> list[tuple[Any, float]]:
        return [(x, float(y)) for x, y in zip(rows[x_path], rows[column], strict=True)]

    if not others:
        return [("Total", points(frame, "total_cost")), ("Up-front", points(frame, "capex"))]
    out = []
    held = dict(_held(frame, others))
    for key, rows in frame.groupby(others, sort=False):
        values = key if isinstance(key, tuple) else (key,)
        named = [f"{p}={_label(v)}" for p, v in zip(others, values, strict=True) if p not in held]
        out.append((", ".join(["Total", *named]), points(rows, "total_cost")))
    return out[:MAX_LINES]


def _held(frame: pd.DataFrame, others: Sequence[str]) -> list[tuple[str, Any]]:
    """The other varied paths with one value at every point: said once in the title, not in every legend
    entry."""
    return [(p, frame[p].iloc[0]) for p in others if len(frame) and frame[p].nunique(dropna=False) == 1]
