"""Did you mean: the valid scenario field nearest in spelling to an unknown one, for the loader's errors."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Sequence
from typing import Any

from pydantic import AliasChoices, BaseModel

from planner.scenario.schema import Scenario


def closest_field(loc: Sequence[str | int], root: type[BaseModel] = Scenario) -> str | None:
    """The valid field nearest in spelling to the unknown one at ``loc`` (``hours_per_mnth`` ->
    ``hours_per_month``), or None when nothing is close (difflib's ratio below 0.6)."""
    model: type[BaseModel] | None = root
    for key in loc[:-1]:
        if isinstance(key, int) or model is None:
            continue
        info = model.model_fields.get(key)
        model = _model_in(info.annotation) if info is not None else None
    if model is None or not loc or not isinstance(loc[-1], str):
        return None
    names = list(model.model_fields)
    for info in model.model_fields.values():
        if isinstance(info.validation_alias, AliasChoices):
            names += [c for c in info.validation_alias.choices if isinstance(c, str)]
    match = difflib.get_close_matches(loc[-1], names, n=1, cutoff=0.6)
    return match[0] if match else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model inside an annotation (``tuple[Workload, ...]``, ``Energy | None``, ``dict[str, X]``)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        if argument is not types.NoneType and (found := _model_in(argument)) is not None:
            return found
    return None
