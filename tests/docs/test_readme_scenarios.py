"""The README's list of shipped scenarios is the scenarios/ directory: its count and every file's name."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")


def test_readme_names_every_shipped_scenario_and_counts_them() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"`scenarios/` has (\w+): (.*?)\n\n", readme, re.S)
    assert match, "README: the sentence listing the shipped scenarios"
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    listed = sorted(set(re.findall(r"`([\w.-]+\.yaml)`", match.group(2))))
    assert listed == shipped
    assert match.group(1) == NUMBERS[len(shipped) - 1]
