"""A comparison as text: the terminal diff and its Markdown twin (for a pull request that changes a scenario).

``+`` marks what the new plan adds, ``-`` what it removes, ``~`` what changed; every figure is the
``Comparison``'s, so the JSON, the terminal and the Markdown agree.
"""

from __future__ import annotations

from planner.explore.compare import Comparison, CostChange, MixChange
from planner.report.figures import hours_text
from planner.report.markdown import escape
from planner.report.markdown import rows_table as md_table
from planner.report.text import TextColumn, render_table


def _mix_text(m: MixChange) -> str:
    return f"{m.action} {m.option_name} ({hours_text(m.hours_per_month)})"


def _sign(m: MixChange) -> str:
    return "+" if m.new_count > m.old_count else "-"


def _cost_rows(c: Comparison) -> list[list[str]]:
    return [[row.label, f"{row.old:,.0f}", f"{row.new:,.0f}", row.text(c.currency)] for row in c.costs]


def headline(c: Comparison, arrow: str = "->") -> str:
    """``Total 33,893 -> 34,006 USD: +113 USD (+0.3 %)``."""
    t: CostChange = c.total
    return f"Total {t.old:,.0f} {arrow} {t.new:,.0f} {c.currency}: {t.text(c.currency)}"


def status_lines(c: Comparison, arrow: str = "->") -> list[str]:
    """``Status optimal -> feasible`` where a side's solve stopped short of proving its plan cheapest (part of
    the difference may then be the solver's, not the scenario's); nothing where both sides match."""
    return [f"Status {c.base_status} {arrow} {c.new_status}"] if c.base_status != c.new_status else []


def render_compare(c: Comparison, width: int = 100) -> str:
    """The terminal diff."""
    lines = [f"Compare {c.base} -> {c.new}, money in {c.currency}", headline(c), *status_lines(c)]
    lines += ["", "Costs over the horizon"]
    columns = [
        TextColumn("Line", flexible=True),
        TextColumn("Old", ">"),
        TextColumn("New", ">"),
        TextColumn("Change", "<"),
    ]
    lines += render_table(columns, _cost_rows(c), width)
    lines += ["", "Units"]
    if not c.mix:
        lines.append("  no change")
    for m in c.mix:
        lines.append(
            f"  {_sign(m)} {abs(m.new_count - m.old_count)} x {_mix_text(m)}: "
            f"{m.old_count} -> {m.new_count} units, "
            f"{m.old_cost:,.0f} -> {m.new_cost:,.0f} {c.currency}"
        )
    lines += ["", "Workloads moved"]
    if not c.moves:
        lines.append("  none")
    for mv in c.moves:
        mark = "+" if not mv.old else "-" if not mv.new else "~"
        lines.append(
            f"  {mark} {mv.workload}: {'; '.join(mv.old) or '(not planned)'} -> "
            f"{'; '.join(mv.new) or '(not planned)'}"
        )
    lines += ["", "Assumptions changed"]
    if not c.settings:
        lines.append("  none")
    lines += [f"  ~ {s.category} {s.name}: {s.old} -> {s.new}" for s in c.settings]
    return "\n".join(lines)


def render_compare_markdown(c: Comparison) -> str:
    """The same diff as GitHub-flavoured Markdown."""
    lines = [f"## {escape(c.base)} → {escape(c.new)}", "", f"**{escape(headline(c, '→'))}**", ""]
    lines += [line for status in status_lines(c, "→") for line in (escape(status), "")]
    lines += md_table(
        ["Line", f"Old ({c.currency})", f"New ({c.currency})", "Change"], _cost_rows(c), right=(1, 2)
    )
    lines += ["", "### Units", ""]
    if c.mix:
        rows = [
            [
                _sign(m),
                escape(_mix_text(m)),
                str(m.old_count),
                str(m.new_count),
                f"{m.new_cost - m.old_cost:+,.0f}",
            ]
            for m in c.mix
        ]
        lines += md_table(["", "Units", "Old", "New", f"Cost change ({c.currency})"], rows, right=(2, 3, 4))
    else:
        lines.append("No change.")
    lines += ["", "### Workloads moved", ""]
    if c.moves:
        rows = [
            [
                escape(mv.workload),
                escape("; ".join(mv.old) or "(not planned)"),
                escape("; ".join(mv.new) or "(not planned)"),
            ]
            for mv in c.moves
        ]
        lines += md_table(["Workload", "Old", "New"], rows)
    else:
        lines.append("None.")
    lines += ["", "### Assumptions changed", ""]
    if c.settings:
        rows = [[escape(f"{s.category} {s.name}"), escape(s.old), escape(s.new)] for s in c.settings]
        lines += md_table(["Assumption", "Old", "New"], rows)
    else:
        lines.append("None.")
    return "\n".join(lines)
