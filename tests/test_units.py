"""Units at the edges: sizes users type become bytes, and back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.units import GB, GIB, MIB, fmt_gib, parse_bytes, to_gib


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24GiB", 24 * 2**30),
        ("24 GiB", 24 * 2**30),
        ("80GB", 80 * 10**9),
        ("22888MiB", 22_888 * 2**20),  # A10G usable memory as AWS reports it
        ("24", 24 * 2**30),  # a bare number means GiB
        ("0.5gib", 2**29),
    ],
)
def test_parse_bytes(text: str, expected: int) -> None:
    assert parse_bytes(text) == expected


@pytest.mark.parametrize(
    "text", ["", "GiB", "24 parsecs", "-3GiB", "1e3GB", "9" * 400 + "GiB", "2000000000GiB"]
)
def test_parse_bytes_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"memory size|unknown unit|too large"):
        parse_bytes(text)


def test_gib_and_gb_differ() -> None:
    # 18.2 GB (the rule of thumb's 7B FP16 figure) is 16.95 GiB.
    assert fmt_gib(18.2 * GB) == "16.95 GiB"
    assert MIB * 1024 == GIB


@given(st.integers(min_value=0, max_value=2**50))
def test_gib_round_trip(n_bytes: int) -> None:
    assert parse_bytes(f"{to_gib(n_bytes):.12f}GiB") == pytest.approx(n_bytes, abs=2**10)
