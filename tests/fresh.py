"""Running Python lines in a fresh interpreter: what a module imports shows only in a process that has not
imported anything yet (the test process itself may already hold pandas, pulp or openpyxl)."""

from __future__ import annotations

import subprocess
import sys


def fresh_python(*lines: str) -> str:
    """What ``lines`` print, run as a program of their own in a new interpreter, stripped of white space."""
    done = subprocess.run(
        [sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()
