"""Run a Jupyter notebook's code cells without Jupyter: one namespace, in the notebook's folder, the value
of each cell's last expression kept as its text output (what Jupyter's ``text/plain`` shows).

Enough for a documentation notebook of plain Python cells (no magics, no widgets); it avoids a test
dependency on jupyter, nbformat and a kernel. ``python tests/docs/notebook.py docs/explore.ipynb`` rewrites
the notebook's outputs from a fresh run.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any


def run_notebook(path: Path) -> list[dict[str, Any]]:
    """Execute every code cell; return the notebook's cells with fresh outputs."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    cells = notebook["cells"]
    previous = Path.cwd()
    os.chdir(path.parent)
    try:
        count = 0
        for cell in cells:
            if cell["cell_type"] != "code":
                continue
            count += 1
            source = "".join(cell["source"])
            tree = ast.parse(source, filename=f"{path.name} cell {count}")
            last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(compile(tree, f"{path.name} cell {count}", "exec"), namespace)
                value = None
                if last is not None:
                    expression = ast.Expression(last.value)
                    value = eval(compile(expression, f"{path.name} cell {count}", "eval"), namespace)
            outputs: list[dict[str, Any]] = []
            if printed.getvalue():
                outputs.append({"name": "stdout", "output_type": "stream", "text": printed.getvalue()})
            if value is not None:
                outputs.append(
                    {
                        "data": {"text/plain": repr(value)},
                        "execution_count": count,
                        "metadata": {},
                        "output_type": "execute_result",
                    }
                )
            cell["outputs"], cell["execution_count"] = outputs, count
    finally:
        os.chdir(previous)
    notebook["cells"] = cells
    return [notebook]


if __name__ == "__main__":
    target = Path(sys.argv[1])
    (fresh,) = run_notebook(target)
    target.write_text(json.dumps(fresh, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
