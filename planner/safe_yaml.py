"""YAML loading for every planner file: safe (tags never construct Python objects), fast, and literal.

``yaml.CSafeLoader`` is libyaml's implementation of the safe loader, about 7x faster than the pure-Python one
on ``catalogs/models.yaml`` (12 ms against 87 ms), which matters for a CLI that must answer in half a second.
PyYAML builds without libyaml fall back to ``yaml.SafeLoader``; both refuse ``!!python/...`` tags.

Plain scalars resolve by YAML 1.2's core schema, not PyYAML's YAML 1.1 one: only ``true``/``false`` are
booleans (the scenario schema refuses any other value in a boolean field), only ``null``/``~``/nothing is
null, numbers are decimal, and nothing becomes a date. Under YAML 1.1
``hours_per_month: yes`` was 1 hour, ``name: 2026-02-30`` crashed the loader (no such day), ``as_of:
2026-13-45`` too, ``replicas: 010`` was 8 (octal) and ``1:30`` was 90. A date field is validated from its
text by the schema, which names the field when the date does not exist.

Scalars holding control characters (other than tab and line breaks) are refused: an ESC or BEL sequence in a
workload name would reach the terminal raw when the name is printed.
"""

from __future__ import annotations

import re
from typing import Any, ClassVar

import yaml

from planner.errors import CONTROL_CHARACTERS, quote

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MERGE = "tag:yaml.org,2002:merge"

# YAML 1.2 core schema (yaml.org/spec/1.2.2/#1032-tag-resolution), plus the digit separators PyYAML allows
# (``50_000``), which scenario files use. A number must not start with 0 (YAML 1.1 read 010 as octal 8):
# ``010`` stays the text written, which a number field then reads as 10.
_RESOLVERS: tuple[tuple[str, str, str], ...] = (
    ("null", r"^(?:~|null|Null|NULL|)$", "~nN"),
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("int", r"^[-+]?(?:0|[1-9][0-9_]*)$", "-+0123456789"),
    (
        "float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9][0-9_]*\.[0-9_]*|[0-9][0-9_]*(?=[eE]))(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
)


class SafeLoader(_Base):  # type: ignore[misc]
    """The safe loader with YAML 1.2 scalars, refusing a key given twice in one mapping and control
    characters in any scalar.

    YAML requires unique keys, but PyYAML keeps the last: ``hours_per_month: 100`` then
    ``hours_per_month: 700`` in one workload planned 700 hours without a word. Keys brought in by a merge
    (``<<: *defaults``) may still be overridden, as YAML intends."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {}

    def construct_scalar(self, node: yaml.ScalarNode) -> Any:
        value = super().construct_scalar(node)
        if isinstance(value, str) and (found := CONTROL_CHARACTERS.search(value)):
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"control character {found.group()!r} in {quote(value)}: terminal escapes are not text",
                node.start_mark,
            )
        return value

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
                    f"found duplicate key {quote(key)}",
                    key_node.start_mark,
                )
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


for _name, _pattern, _first in _RESOLVERS:
    SafeLoader.add_implicit_resolver(f"tag:yaml.org,2002:{_name}", re.compile(_pattern), list(_first))
SafeLoader.add_implicit_resolver(_MERGE, re.compile(r"^(?:<<)$"), ["<"])
# ``<<`` is a merge only as a key; as a value (``name: <<``) it is the text written, not a loader crash.
SafeLoader.add_constructor(_MERGE, lambda loader, node: loader.construct_scalar(node))


def safe_load(text: str) -> Any:
    """Parse one YAML document with the safe loader; raises ``yaml.YAMLError`` like ``yaml.safe_load``."""
    return yaml.load(text, Loader=SafeLoader)
