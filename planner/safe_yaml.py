"""YAML loading for every planner file: safe (tags never construct Python objects) and fast.

``yaml.CSafeLoader`` is libyaml's implementation of the safe loader, about 7x faster than the pure-Python one
on ``catalogs/models.yaml`` (12 ms against 87 ms), which matters for a CLI that must answer in half a second.
PyYAML builds without libyaml fall back to ``yaml.SafeLoader``; both refuse ``!!python/...`` tags.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"


class SafeLoader(_Base):  # type: ignore[misc]
    """The safe loader, refusing a key given twice in one mapping.

    YAML requires unique keys, but PyYAML keeps the last: ``hours_per_month: 100`` then
    ``hours_per_month: 700`` in one workload planned 700 hours without a word. Keys brought in by a merge
    (``<<: *defaults``) may still be overridden, as YAML intends."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                continue
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool):
                continue  # unhashable keys are the base constructor's to refuse
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {key!r}",
                    key_node.start_mark,
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


def safe_load(text: str) -> Any:
    """Parse one YAML document with the safe loader; raises ``yaml.YAMLError`` like ``yaml.safe_load``."""
    return yaml.load(text, Loader=SafeLoader)
