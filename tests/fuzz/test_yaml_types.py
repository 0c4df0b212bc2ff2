"""YAML's implicit types never change what a user wrote: a date-like name stays text, ``yes`` is no number.

PyYAML resolves plain scalars by YAML 1.1: ``2026-02-30`` became a date (and crashed, no such day), ``yes``
became true (``hours_per_month: yes`` was 1 hour), ``010`` octal 8 and ``1:30`` 90. planner's loader
resolves by YAML 1.2's core schema, and the schemas refuse a boolean where a number belongs.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planner.catalog.load import load_catalog
from planner.errors import CatalogError, ScenarioError
from planner.safe_yaml import safe_load
from planner.scenario.load import parse_scenario

from .hostile import assert_one_clean_line

YAML11_BOOLEANS = ("yes", "no", "on", "off", "y", "n", "Yes", "NO", "On", "OFF", "Y", "N")
# Dates that exist and dates that do not, in every shape YAML 1.1 took for a timestamp.
dates = st.builds(
    lambda y, m, d, sep, time: f"{y:04d}-{m:02d}-{d:02d}{sep}{time}",
    st.integers(1, 9999),
    st.integers(0, 19),
    st.integers(0, 45),
    st.sampled_from(("", "", "T", " ")),
    st.sampled_from(("", "", "10:30:00", "25:61:61Z")),
).map(str.rstrip)
implicit = (
    dates
    | st.sampled_from(YAML11_BOOLEANS)
    | st.sampled_from(("010", "0o17", "0x1F", "1:30", "190:20:30", "1_000", ".5", "1e3", "=", "<<"))
)


def _scenario(field: str, plain: str) -> str:
    """A scenario with ``plain`` written unquoted, as a user types it."""
    workload = {"name": "w", "model": "7b"}
    top = {"name": "s"}
    if field in ("name", "description"):
        top[field] = plain
    else:
        workload[field] = plain
    lines = [f"{k}: {v}" for k, v in top.items()]
    lines.append("workloads:")
    lines.append("  - " + "\n    ".join(f"{k}: {v}" for k, v in workload.items()))
    return "\n".join(lines) + "\n"


@given(plain=implicit)
@settings(max_examples=60)
def test_a_text_field_keeps_what_was_written(plain: str) -> None:
    for field in ("name", "description"):
        text = _scenario(field, plain)
        try:
            scenario = parse_scenario(text, source="s.yaml")
        except ScenarioError as error:  # a number where text belongs is an error, never a crash
            assert_one_clean_line(str(error))
            assert field in str(error)
            continue
        assert getattr(scenario, field) == plain


@given(plain=implicit | st.sampled_from(("true", "false", "True", "FALSE")))
@settings(max_examples=60)
def test_a_number_field_never_takes_a_date_or_a_boolean(plain: str) -> None:
    for field in ("hours_per_month", "replicas", "context", "batch"):
        text = _scenario(field, plain)
        try:
            scenario = parse_scenario(text, source="s.yaml")
        except ScenarioError as error:
            assert_one_clean_line(str(error))
            assert field in str(error)
            continue
        value = safe_load(text)["workloads"][0][field]
        # Accepted only as the number YAML 1.2 reads (1_000, .5, 1e3) or decimal digits as written (010 is
        # 10), never a date, a boolean or octal.
        if isinstance(value, str):
            assert value.isdigit(), (plain, value)
            value = int(value)
        assert isinstance(value, int | float) and not isinstance(value, bool), (plain, value)
        assert getattr(scenario.workloads[0], field) == value


@pytest.mark.parametrize("plain", YAML11_BOOLEANS)
def test_yaml11_booleans_are_text(plain: str) -> None:
    assert safe_load(f"a: {plain}") == {"a": plain}


def test_only_core_schema_scalars_are_resolved() -> None:
    assert safe_load("[true, false, null, ~, 12, -3, 1_000, 1.5, 1e3, .inf, 2026-01-01, 010, 1:30]") == [
        True, False, None, None, 12, -3, 1000, 1.5, 1000.0, float("inf"), "2026-01-01", "010", "1:30"
    ]  # fmt: skip


@given(date=dates)
@settings(max_examples=20)
@pytest.mark.filterwarnings("ignore::planner.catalog.load.StaleCatalogWarning")
def test_a_catalog_as_of_is_a_date_that_exists_or_one_line(
    tmp_path_factory: pytest.TempPathFactory, date: str
) -> None:
    directory = tmp_path_factory.mktemp("cat")
    (directory / "reserved.yaml").write_text(
        textwrap.dedent(
            f"""\
            as_of: {date}
            discounts:
              - {{provider: aws, one_year: 0.3, three_year: 0.5, verified: true, source: test}}
            """
        ),
        encoding="utf-8",
    )
    try:
        expected = dt.date.fromisoformat(date) if len(date) == 10 else None
    except ValueError:
        expected = None
    try:
        catalog = load_catalog((directory,), today=dt.date(2026, 12, 1))
    except CatalogError as error:
        assert expected is None, f"{date} exists: {error}"
        assert "as_of" in str(error)
        assert_one_clean_line(str(error))
        return
    assert expected is not None, f"{date} is no date, yet it loaded"
    assert catalog.as_of <= expected


@pytest.mark.parametrize("field", ["replicas", "hours_per_month", "context"])
def test_a_boolean_is_no_number(field: str) -> None:
    with pytest.raises(ScenarioError, match=f"{field}: .*expected a number, not true"):
        parse_scenario(_scenario(field, "true"), source="s.yaml")


def test_an_energy_file_with_an_impossible_date_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "energy.yaml").write_text("as_of: 2026-13-45\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="as_of") as caught:
        load_catalog((tmp_path,))
    assert_one_clean_line(str(caught.value))
