"""The one pydantic base every planner schema derives from: unknown fields are errors, instances immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Strict, immutable record. ``extra="forbid"`` turns a typo in a YAML file into a clear error;
    ``allow_inf_nan=False`` refuses YAML's ``.inf`` and ``.nan`` (a capex budget of ``.inf`` reached the
    solver, which cannot take an infinite right-hand side, and gave a traceback)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
