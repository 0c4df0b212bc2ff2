"""planner: how much GPU memory an LLM workload needs, and the cheapest hardware for a whole fleet.

The public API is re-exported lazily so that ``import planner`` (and ``planner --help``) stays fast: pulp,
pandas and openpyxl are only imported by the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "compare_plans",
    "estimate_memory",
    "estimate_performance",
    "load_catalog",
    "load_scenario",
    "solve",
    "sweep",
]

if TYPE_CHECKING:
    from planner.catalog.load import load_catalog
    from planner.explore.compare import compare_plans
    from planner.explore.sweep import sweep
    from planner.memory.api import estimate_memory
    from planner.perf.api import estimate_performance
    from planner.pipeline import solve
    from planner.scenario.load import load_scenario

_LAZY = {
    "compare_plans": "planner.explore.compare",
    "sweep": "planner.explore.sweep",
    "estimate_memory": "planner.memory.api",
    "estimate_performance": "planner.perf.api",
    "load_catalog": "planner.catalog.load",
    "load_scenario": "planner.scenario.load",
    "solve": "planner.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'planner' has no attribute {name!r}")


def __dir__() -> list[str]:
    """The lazy names too: tab completion and ``help`` read ``dir``, which sees only what is imported."""
    return sorted({*globals(), *_LAZY})
