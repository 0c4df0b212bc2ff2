"""Prices derived from catalog records, in one place so the optimizer and the reports agree on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from planner.catalog.schema import Catalog, SystemOffer
from planner.errors import CatalogError

PRICE_STALE_AFTER_DAYS = 180
"""Cloud prices and street prices move within months: a plan relying on an older price says so."""


@dataclass(frozen=True)
class PriceAge:
    """The oldest dated price a plan relies on, and the prices whose source date nobody recorded.

    An undated price is not assumed fresh: the reports name it beside the oldest dated one."""

    oldest_date: dt.date | None
    """Source date of the oldest dated price; None where no price is dated."""
    oldest_item: str
    """What that price is for (offer and pricing), empty where none is dated."""
    age_days: int | None
    """Days from ``oldest_date`` to ``today``."""
    undated: tuple[str, ...]
    """Prices the plan uses whose source date is unknown."""
    today: dt.date
    stale_after_days: int = PRICE_STALE_AFTER_DAYS

    @property
    def stale(self) -> bool:
        return self.age_days is not None and self.age_days > self.stale_after_days

    def sentence(self) -> str:
        """One line for the reports: the oldest price, its age and, past the limit, a warning."""
        parts = []
        if self.oldest_date is not None:
            parts.append(
                f"Oldest price used: {self.oldest_item}, as of {self.oldest_date.isoformat()} "
                f"({self.age_days:,} days before {self.today.isoformat()})"
            )
            if self.stale:
                parts.append(
                    f"warning: older than {self.stale_after_days} days, check a current price "
                    "(planner catalog update, or a quote in your own catalog)"
                )
        if self.undated:
            more = len(self.undated) - 3
            shown = ", ".join(self.undated[:3]) + (f" and {more} more" if more > 0 else "")
            parts.append(f"source date unknown for {shown}")
        if not parts:
            return "No priced offer in this plan."
        text = "; ".join(parts) + "."
        return text[0].upper() + text[1:]

    def to_dict(self) -> dict[str, object]:
        return {
            "oldest_date": None if self.oldest_date is None else self.oldest_date.isoformat(),
            "oldest_item": self.oldest_item,
            "age_days": self.age_days,
            "stale": self.stale,
            "stale_after_days": self.stale_after_days,
            "undated": list(self.undated),
            "today": self.today.isoformat(),
            "sentence": self.sentence(),
        }


def price_age(items: Iterable[tuple[str, dt.date | None]], today: dt.date) -> PriceAge:
    """The oldest of ``(what, source date)`` pairs; each undated one listed once, in order."""
    pairs = list(items)
    dated = [(date, what) for what, date in pairs if date is not None]
    undated = tuple(dict.fromkeys(what for what, date in pairs if date is None))
    if not dated:
        return PriceAge(None, "", None, undated, today)
    date, what = min(dated)
    return PriceAge(date, what, (today - date).days, undated, today)


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


def system_price_date(system: SystemOffer, catalog: Catalog) -> dt.date | None:
    """Source date of ``system_price_usd``: the system's, or where the cards are priced apart the oldest of
    the dated parts (chassis and card); None only where no part is dated.

    A desktop priced as an undated chassis estimate plus a card at its 2020 launch price relies on a 2020
    price: the plan must say so and warn that it is stale, not call the whole price undated."""
    if system.total_price_usd is not None:
        return system.price_date
    dates = [d for d in (system.price_date, catalog.gpu(system.gpu).price_date) if d is not None]
    return min(dates, default=None)


def system_price_source(system: SystemOffer, catalog: Catalog) -> str:
    """Where ``system_price_usd`` comes from: the system's source, and its GPUs' where they are priced apart.

    A desktop's 10,000 USD is a 1,500 USD chassis and an 8,500 USD card; the source once named the chassis
    only ("desktop without GPU"), so the card's price appeared in no report."""
    if system.total_price_usd is not None:
        return system.price_source
    gpu = catalog.gpu(system.gpu)
    card = f"{system.gpu_count} x {gpu.name} at {gpu.price_usd:,.0f} USD each"
    return f"{system.price_source}; {card}: {gpu.price_source or gpu.price_kind or 'catalog GPU price'}"
