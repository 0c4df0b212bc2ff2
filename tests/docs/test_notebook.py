"""docs/explore.ipynb runs: every code cell, in order, from docs/ (its own checks included)."""

from __future__ import annotations

import json
from pathlib import Path

from .notebook import run_notebook

NOTEBOOK = Path(__file__).resolve().parents[2] / "docs" / "explore.ipynb"


def test_the_notebook_runs_and_shows_what_its_text_says() -> None:
    (fresh,) = run_notebook(NOTEBOOK)
    outputs = [o for c in fresh["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    texts = [o["data"]["text/plain"] for o in outputs if "data" in o]
    assert texts[0] == repr(
        ["alternatives", "assignments", "cash_flow", "cost_by_category", "units", "workloads"]
    )
    assert any("+ Buy 1 x Desktop" in t for t in texts)  # the horizon's break-even
    # The stored outputs are a run's, not hand-written: the same cells, the same number of outputs.
    stored = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    assert [len(c.get("outputs", [])) for c in stored["cells"]] == [
        len(c.get("outputs", [])) for c in fresh["cells"]
    ]
