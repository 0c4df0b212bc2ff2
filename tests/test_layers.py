"""The packages import one way, in the order the data flows (catalogs -> scenario -> memory and speed
models -> options -> integer program -> solving -> assembly -> plan -> reports, with the CLI and the web page
on top): a module may import from its own layer or an earlier one, never a later one, so each stage can be
read, tested and changed knowing only what comes before it. Read from the source (``ast``), lazy imports
inside functions included: they are dependencies too, only deferred."""

from __future__ import annotations

import ast
from pathlib import Path

import planner

ROOT = Path(planner.__file__).parent

LAYERS: tuple[tuple[str, ...], ...] = (
    # What every stage uses: errors, units, bounds of inputs, files written atomically, the run's deadline.
    ("errors", "units", "bounds", "base", "safe_yaml", "deadline", "files"),
    ("catalog",),
    # The memory model takes plain arguments (a model, a precision, a context), not a scenario, so the
    # scenario's checks can ask it which frameworks and formats exist.
    ("memory",),
    ("perf",),
    ("scenario", "arguments"),
    # The plan's data model: the stages below fill it in (options carry its pricings, solving its
    # alternatives), so it comes before them; the report stages read it.
    ("plan",),
    # The integer program's data and solvers know nothing of models or cards: options are built into them.
    ("ilp",),
    ("placement",),
    ("solving",),
    ("assemble",),
    ("check",),
    ("pipeline",),
    ("report",),
    ("explore",),
    ("cli", "web", "__init__", "__main__"),
)

ALLOWED_BACKWARD: dict[tuple[str, str], str] = {
    ("catalog/models.py", "planner.memory.architecture"): (
        "a catalog model is an architecture, read by the memory model's config.json parser (one reader for "
        "the catalog's configs and the user's)"
    ),
    ("catalog/browse.py", "planner.memory.lookup"): "the closest model name, one matcher for every command",
    ("plan.py", "planner.explore.frames"): "Plan.to_frames(), public API, a thin door to explore's frames",
}
"""Imports against the flow, each with why it stays; a new one fails the test until removed or listed."""


def _layer(package: str) -> int:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    raise AssertionError(f"package planner.{package} is in no layer of tests/test_layers.py: add it")


def _package(path: Path) -> str:
    parts = path.relative_to(ROOT).parts
    return parts[0].removesuffix(".py")


def _imports(tree: ast.AST) -> list[str]:
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "planner":
                names += [f"planner.{alias.name}" for alias in node.names]
            else:
                names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
    return [n for n in names if n.startswith("planner.")]


def backward_imports() -> list[tuple[str, str]]:
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        source = _package(path)
        for name in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            target = name.split(".")[1]
            if target == "__version__":  # a fact of the package, set before anything is imported
                continue
            if target != source and _layer(target) > _layer(source):
                found.append((path.relative_to(ROOT).as_posix(), name))
    return found


def test_every_package_imports_only_its_own_layer_or_earlier_ones() -> None:
    unexpected = [edge for edge in backward_imports() if edge not in ALLOWED_BACKWARD]
    assert not unexpected, "against the data's flow: " + ", ".join(f"{f} -> {m}" for f, m in unexpected)


def test_every_listed_exception_still_exists() -> None:
    """A listed import that is gone is removed from the list, so the list stays the true set."""
    assert set(ALLOWED_BACKWARD) <= set(backward_imports())


def test_the_check_can_fail() -> None:
    tree = ast.parse("from planner.report.workbook import write_workbook\n")
    assert _imports(tree) == ["planner.report.workbook"]
    assert _layer("report") > _layer("catalog")
