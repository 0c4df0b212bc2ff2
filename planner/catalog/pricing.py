"""Prices derived from catalog records, in one place so the optimizer and the reports agree on them."""

from __future__ import annotations

from planner.catalog.schema import Catalog, SystemOffer
from planner.errors import CatalogError


def system_price_usd(system: SystemOffer, catalog: Catalog) -> float:
    """Purchase price of one system: its quoted ``total_price_usd``, else base + gpu_count x the GPU's price.

    A system whose GPU has no catalog price (cloud-only parts such as the A10G) and no total price cannot be
    bought: that is an error, never a zero.
    """
    if system.total_price_usd is not None:
        return system.total_price_usd
    gpu = catalog.gpu(system.gpu)
    if gpu.price_usd is None:
        raise CatalogError(
            f"system {system.id!r}: GPU {gpu.name!r} has no purchase price; "
            "set total_price_usd on the system or price_usd on the GPU"
        )
    return system.base_price_usd + system.gpu_count * gpu.price_usd


def system_price_source(system: SystemOffer, catalog: Catalog) -> str:
    """Where ``system_price_usd`` comes from: the system's source, and its GPUs' where they are priced apart.

    A desktop's 10,000 USD is a 1,500 USD chassis and an 8,500 USD card; the source once named the chassis
    only ("desktop without GPU"), so the card's price appeared in no report."""
    if system.total_price_usd is not None:
        return system.price_source
    gpu = catalog.gpu(system.gpu)
    card = f"{system.gpu_count} x {gpu.name} at {gpu.price_usd:,.0f} USD each"
    return f"{system.price_source}; {card}: {gpu.price_source or gpu.price_kind or 'catalog GPU price'}"
