"""The one pydantic base every planner schema derives from: unknown fields are errors, instances immutable."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class FrozenModel(BaseModel):
    """Strict, immutable record. ``extra="forbid"`` turns a typo in a YAML file into a clear error."""

    model_config = ConfigDict(extra="forbid", frozen=True)
