"""Hypothesis strategies for scenarios: valid ones, edge values, and mutations of valid ones.

The values are the kinds hostile input takes (wrong types, huge numbers, unicode names, duplicate names,
zero-hour workloads, 1M-token contexts, 10,000 replicas) plus the boundaries of every schema field. Hardware
is kept to a few GPU types and one or two providers so one solve takes well under a second and the fuzz
tests stay within their CI budget; the loader and validation paths see the full range regardless.
"""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

# Models of the built-in catalog (a spread of sizes and architectures), nominal sizes, and names that do not
# exist; a measured workload ("memory_per_gpu") skips the memory model.
MODELS = (
    "qwen2.5-0.5b",
    "llama-3.1-8b",
    "qwen3-30b-a3b",
    "llama-3.3-70b",
    "llama-3.1-405b",
    "deepseek-v3",
    "7b",
    "0.5b",
    "1000b",
)
BAD_MODELS = ("no-such-model", "", " ", "../../etc/passwd", "llama-3.1-8b\x00", "0b", "-7b", "7 b")
TASKS = ("inference", "lora", "qlora", "full")
PRECISIONS = ("bf16", "fp16", "fp8", "int8", "int4", "nf4", "awq-int4", "gptq-int4", "q4_k_m", "q8_0")
ENGINES = (None, "vllm", "transformers", "llama.cpp")
NAME_TEXT = st.text(min_size=1, max_size=20)
"""Any text, line breaks included: a name or key with one must still give a one-line error."""
PRINTABLE_NAME_TEXT = st.text(st.characters(exclude_categories=("Cc", "Cs")), min_size=1, max_size=20)
"""Names a valid scenario may hold: control characters (terminal escapes) are refused at load."""
UNICODE_NAMES = (
    "chat",
    "two\nlines",
    "line\u2028separator",
    "Чат-ассистент",
    "聊天助手",
    "مساعد",
    "🤖 bot",
    "a" * 100,
    "name with spaces",
    "tab\tname",
    "ünïcödé/…",
    "x'; DROP TABLE plans; --",
)
VALID_SETTINGS: dict[str, tuple[tuple[str, str | None], ...]] = {
    "inference": (
        ("bf16", None),
        ("fp8", "vllm"),
        ("awq-int4", "vllm"),
        ("bf16", "transformers"),
        ("q4_k_m", "llama.cpp"),
    ),
    "lora": (("bf16", None), ("bf16", "transformers")),
    "qlora": (("nf4", None), ("nf4", "transformers")),
    "full": (("bf16", None),),
}
"""(precision, engine) pairs that make sense for each task (a valid scenario uses only these)."""
HUGE = (10**6, 10**9, 2**63, 10**30, 1e308, math.inf, -math.inf, math.nan)
JUNK: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1.5,
    "",
    "abc",
    "🤖",
    [],
    [1, 2],
    {},
    {"a": 1},
    *HUGE,
)
# Small hardware sets (GPU types, providers) that keep one solve quick; the last GPU name does not exist.
GPU_SETS: tuple[tuple[str, ...], ...] = (
    ("L4", "H100 SXM5"),
    ("A100 80GB SXM4", "L40S"),
    ("RTX 4090", "H100 SXM5"),
    ("T4", "A10G", "L40S"),
    ("L4",),
    ("no-such-gpu",),
)
PROVIDER_SETS: tuple[tuple[str, ...], ...] = (("aws",), ("aws", "gcp"), ("lambda", "runpod"), ("nobody",))

contexts = st.sampled_from((1, 512, 4096, 32_768, 131_072, 1_000_000, 0, -5, 10**12))
batches = st.sampled_from((1, 4, 64, 1024, 0, -1, 10**9))
replicas = st.sampled_from((1, 2, 3, 10_000, 0, 100_001))
hours = st.sampled_from((0, 0.0, 1, 40, 220.5, 730, 731, -1, math.nan, math.inf))
headrooms = st.sampled_from((None, 0, 0.2, 0.5, 0.99, 1, 1.5, -0.1, math.nan))


def _either(valid: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], wild: bool) -> st.SearchStrategy[Any]:
    """Mostly a valid value; in wild mode one draw in five comes from ``bad``."""
    if not wild:
        return valid
    return st.integers(0, 4).flatmap(lambda i: bad if i == 0 else valid)


@st.composite
def workloads(draw: st.DrawFn, *, wild: bool = True) -> dict[str, Any]:
    """One workload; ``wild`` mixes in values the schema or the memory model must reject or strain."""
    task = draw(st.sampled_from(TASKS))
    precision, engine = draw(st.sampled_from(VALID_SETTINGS[task]))
    w: dict[str, Any] = {
        "name": draw(st.sampled_from(UNICODE_NAMES) | (NAME_TEXT if wild else PRINTABLE_NAME_TEXT)),
        "model": draw(_either(st.sampled_from(MODELS[:4]), st.sampled_from(MODELS + BAD_MODELS), wild)),
        "task": draw(_either(st.just(task), st.sampled_from(("training", "INFERENCE", "")), wild)),
        "precision": draw(
            _either(st.just(precision), st.sampled_from((*PRECISIONS, "fp4", "int3", "")), wild)
        ),
    }
    engine = draw(_either(st.just(engine), st.sampled_from((*ENGINES, "tgi")), wild))
    if engine is not None:
        w["engine"] = engine
    w["context"] = draw(_either(st.sampled_from((512, 4096, 16_384)), contexts, wild))
    w["batch"] = draw(_either(st.sampled_from((1, 4, 16)), batches, wild))
    w["replicas"] = draw(_either(st.integers(1, 3), replicas, wild))
    w["hours_per_month"] = draw(_either(st.sampled_from((40, 220, 730)), hours, wild))
    w["interruptible"] = draw(st.booleans())
    if draw(st.booleans()):
        w["headroom"] = draw(_either(st.sampled_from((0.0, 0.1, 0.3)), headrooms, wild))
    if draw(st.integers(0, 3)) == 0:
        w["memory_per_gpu"] = draw(
            _either(
                st.sampled_from(("2GiB", "18GiB", "30GiB")),
                st.sampled_from(
                    ("500GiB", "0GiB", "24", "lots", "1e3GiB", "99999999999GiB", "9" * 400 + "GiB")
                ),
                wild,
            )
        )
        if draw(st.booleans()):
            w["gpus_per_replica"] = draw(_either(st.sampled_from((1, 2)), st.sampled_from((8, 3, 0)), wild))
    if wild and draw(st.integers(0, 9)) == 0:
        w[draw(st.sampled_from(("name", "model", "context", "replicas", "unknown_field")))] = draw(
            st.sampled_from(JUNK)
        )
    return w


@st.composite
def scenarios(draw: st.DrawFn, *, wild: bool = True, max_workloads: int = 4) -> dict[str, Any]:
    """A scenario as ``yaml.safe_load`` would give it; names are unique unless a duplicate is drawn."""
    items = draw(st.lists(workloads(wild=wild), min_size=1, max_size=max_workloads))
    for i, item in enumerate(items):
        if isinstance(item.get("name"), str):
            item["name"] = f"{item['name'][:90]}-{i}"
    if wild and draw(st.integers(0, 9)) == 0:
        items = draw(st.sampled_from(([], [*items, dict(items[0])])))  # empty, or a duplicate name
    s: dict[str, Any] = {
        "name": draw(st.sampled_from(UNICODE_NAMES)),
        "horizon_months": draw(_either(st.sampled_from((12, 36)), st.sampled_from((1, 240, 0, 241)), wild)),
        "headroom": draw(_either(st.just(0.2), st.sampled_from((0.0, 0.9, 1.0)), wild)),
        "hardware": {
            "gpus": list(draw(_either(st.sampled_from(GPU_SETS[:-1]), st.just(GPU_SETS[-1]), wild)) or ()),
            "providers": list(
                draw(_either(st.sampled_from(PROVIDER_SETS[:-1]), st.just(PROVIDER_SETS[-1]), wild)) or ()
            ),
        },
        "workloads": items,
    }
    bought, cloud = draw(st.sampled_from(((True, True), (True, False), (False, True), (False, False))))
    if wild or bought or cloud:
        s["hardware"].update(bought=bought, cloud=cloud)
    if draw(st.integers(0, 3)) == 0:
        s["owned"] = draw(
            st.sampled_from(
                (
                    [{"gpu": "RTX 4090", "count": 2}],
                    [{"system": "desktop-1x-rtx-3090"}],
                    [{"gpu": "H100 SXM5", "gpu_count": 8, "gpus_linked": True, "name": "lab box"}],
                    [{"gpu": "no-such-gpu"}] if wild else [],
                    [{"system": "no-such-system"}] if wild else [],
                )
            )
        )
    if draw(st.integers(0, 3)) == 0:
        quote = {
            "id": "quote-1",
            "name": "vendor quote",
            "gpu": "L40S",
            "gpu_count": 4,
            "price_usd": 40_000.0,
        }
        s["custom_offers"] = [quote]
        s["limits"] = {"stock": {"quote-1": draw(st.integers(0, 2))}}
        s["purchase_prices_usd"] = {"quote-1": draw(st.sampled_from((20_000.0, 60_000.0)))}
    if draw(st.integers(0, 4)) == 0:
        s["budgets"] = {"monthly_usd": draw(st.sampled_from((0, 100, 10_000)))}
    budget = draw(_either(st.sampled_from((None, None, 50_000, 10**12)), st.sampled_from((0, 1_000)), wild))
    if budget is not None:
        s.setdefault("budgets", {})["capex_usd"] = budget
    power = draw(_either(st.sampled_from((None, None, 5, 1000)), st.just(0.5), wild))
    if power is not None:
        s.setdefault("limits", {})["power_kw"] = power
    if wild and draw(st.integers(0, 9)) == 0:
        s[draw(st.sampled_from(("horizon_months", "currency", "hardware", "workloads", "typo_field")))] = (
            draw(st.sampled_from(JUNK))
        )
    return s


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside nested dicts and lists (the root excluded)."""
    out: list[tuple[Any, ...]] = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        out.append((*prefix, key))
        out.extend(_paths(child, (*prefix, key)))
    return out


@st.composite
def mutated(draw: st.DrawFn, base: dict[str, Any]) -> dict[str, Any]:
    """``base`` (deep-copied) with one to three mutations: a value replaced by junk, a key deleted, an unknown
    key added, or a list item duplicated."""
    import copy

    doc = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(doc)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = doc
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = draw(st.sampled_from(("replace", "replace", "delete", "add", "duplicate")))
        if action == "replace":
            parent[key] = draw(st.sampled_from(JUNK) | st.text(max_size=8) | st.integers())
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(NAME_TEXT)] = draw(st.sampled_from(JUNK))
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[key]))
    return doc
