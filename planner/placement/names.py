"""Names a scenario gives (GPUs, systems, providers, regions, quotes) checked against the catalog before any
offer is built (stage 3): a typo would silently shrink the choice or drop a discount or a quota."""

from __future__ import annotations

from planner.catalog.schema import Catalog
from planner.errors import ScenarioError
from planner.memory.lookup import suggestion
from planner.placement.offers import gpu_named
from planner.scenario.schema import Scenario


def check_names(scenario: Scenario, catalog: Catalog) -> None:
    """Names in ``hardware`` must exist in the catalog: a typo would silently shrink the choice."""
    hw = scenario.hardware
    for index, name in enumerate(hw.gpus or ()):
        gpu_named(catalog, name, f"hardware.gpus[{index}]")
    systems = {s.id for s in catalog.systems}
    providers = {c.provider for c in catalog.cloud}
    lists: list[tuple[str, tuple[str, ...] | None, set[str]]] = [
        ("systems", hw.systems, systems | {c.id for c in scenario.custom_offers}),
        ("providers", hw.providers, providers),
        ("regions", hw.regions, {c.region for c in catalog.cloud}),
    ]
    for field, given, known in lists:
        for index, name in enumerate(given or ()):
            if name not in known:
                choices = ", ".join(sorted(known))
                where = f"hardware.{field}[{index}]"
                kind = field[:-1]
                raise ScenarioError(
                    f"{where}: unknown {kind} {name!r}{suggestion(name, known)} (known: {choices}); a {kind} "
                    "of your own comes from a catalog directory (--catalog-dir)"
                )
    for field, names in (
        ("reserved_discounts", scenario.reserved_discounts),
        ("limits.max_gpus_per_provider", scenario.limits.max_gpus_per_provider),
    ):
        for name in names:
            if name not in providers:
                # A misspelt provider here was ignored, leaving the catalog's discount or no quota in place.
                choices = ", ".join(sorted(providers))
                raise ScenarioError(f"{field}.{name}: unknown provider {name!r} (known: {choices})")
    for index, quote in enumerate(scenario.custom_offers):
        if quote.id in systems:
            raise ScenarioError(
                f"custom_offers[{index}].id: {quote.id!r} is a catalog system; price it with "
                "purchase_prices_usd, or give the quote another id"
            )
