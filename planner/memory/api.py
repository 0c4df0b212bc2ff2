"""The public entry point of the memory model: ``estimate_memory`` (defined beside the estimate it makes, in
``planner.memory.estimate``) and ``resolve_model``.

Resolution of the model (catalog name, nominal size, config path) is cached, and the estimate itself is
arithmetic on a frozen Architecture, so the fleet optimizer can call this thousands of times.
"""

from __future__ import annotations

from planner.memory.estimate import MemoryEstimate, estimate_memory
from planner.memory.resolve import resolve_model

__all__ = ["MemoryEstimate", "estimate_memory", "resolve_model"]
