"""Names in ``hardware`` that the catalog does not hold: one line with the closest name, the known ones, and
where a name of one's own comes from (a catalog directory)."""

from __future__ import annotations

import pytest

from planner.errors import ScenarioError
from planner.placement.names import check_names

from builders import catalog, cloud, gpu, scenario, workload

CAT = catalog([gpu("Card16", 16)], [], [cloud("c1", "Card16", provider="runpod")])


def test_a_misspelt_provider_names_the_one_meant_and_the_catalog_directory() -> None:
    message = (
        r"hardware\.providers\[0\]: unknown provider 'runpd' \(did you mean 'runpod'\?\) \(known: runpod\); "
        r"a provider of your own comes from a catalog directory \(--catalog-dir\)"
    )
    with pytest.raises(ScenarioError, match=message):
        check_names(scenario([workload("a", 8)], hardware={"providers": ["runpd"]}), CAT)


def test_an_unknown_region_is_one_line_too() -> None:
    with pytest.raises(
        ScenarioError, match=r"hardware\.regions\[0\]: unknown region 'eu-west' \(known: r1\); a"
    ):
        check_names(scenario([workload("a", 8)], hardware={"regions": ["eu-west"]}), CAT)
