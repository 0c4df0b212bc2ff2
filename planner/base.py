"""The one pydantic base every planner schema derives from: unknown fields are errors, instances immutable."""

from __future__ import annotations

import types
import typing
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


class FrozenModel(BaseModel):
    """Strict, immutable record. ``extra="forbid"`` turns a typo in a YAML file into a clear error;
    ``allow_inf_nan=False`` refuses YAML's ``.inf`` and ``.nan`` (a capex budget of ``.inf`` reached the
    solver, which cannot take an infinite right-hand side, and gave a traceback).

    A boolean is refused where the field is not one: pydantic's lax mode reads ``true`` as 1, so
    ``replicas: true`` or ``hours_per_month: true`` planned one replica or one hour. Numbers written as text
    (a CSV cell, ``"24"``) are still read, and every number has a range in its ``Field``."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    _boolean_fields: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        cls._boolean_fields = frozenset(
            name for name, info in cls.model_fields.items() if _admits_bool(info.annotation)
        )

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name not in cls._boolean_fields:
            raise ValueError(f"expected {_kind(cls, info.field_name)}, not {str(value).lower()}")
        return value


def _admits_bool(annotation: Any) -> bool:
    if annotation is bool or annotation is Any:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_admits_bool(arg) for arg in typing.get_args(annotation))
    if origin is typing.Literal:
        return any(isinstance(arg, bool) for arg in typing.get_args(annotation))
    return False


def _kind(cls: type[BaseModel], name: str | None) -> str:
    info = cls.model_fields.get(name or "")
    args = () if info is None else typing.get_args(info.annotation) or (info.annotation,)
    if any(arg in (int, float) for arg in args):
        return "a number"
    return "text" if str in args else "a value"
