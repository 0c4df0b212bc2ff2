"""The options a plan may use and their cost over the horizon: bought systems, owned inventory, cloud.

Cost model, all in the scenario's currency:
- bought: purchase price (scenario override > catalog whole-system price > base + cards) - its residual value
  at the horizon's end + base power and the GPUs' idle power while the machine is on + colocation per
  kW-month of peak IT power (none in an office, none for a desk-side desktop or workstation); each GPU's draw
  above idle follows the workloads (patterns).
- owned: the same without the purchase and the residual.
- cloud on-demand / spot: price per hour x the hours class (every workload on the instance runs within them);
  spot pays ``hardware.spot_overhead`` more hours for the work preemptions lose.
- cloud reserved 1y / 3y: discounted price x every hour of each started term (730 h per month), except the
  months past the last whole term, rented on demand all day where that is cheaper than one more term
  (``rates.on_demand_months``).
Cloud offers that the same machine (GPU, count, linking) beats at a lower price, and that count no less on
any limit row, are dropped: they can never beat it, so the optimum is unchanged (``ilp.dominance``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from planner.catalog.pricing import system_price_date, system_price_source, system_price_usd
from planner.catalog.schema import Catalog, CloudOffer, Fabric, GpuSpec, SystemOffer
from planner.errors import ScenarioError
from planner.ilp.dominance import Standing
from planner.ilp.dominance import undominated as undominated_units
from planner.placement.rates import DESK_SIDE, CostRates, energy_cost, on_demand_months, reserved_rent
from planner.plan import TERM_MONTHS, Pricing, UnitKind
from planner.scenario.schema import CustomOffer, Scenario
from planner.units import HOURS_PER_MONTH

UnitCosts = Callable[["Offer"], tuple[float, ...]]
"""What one unit of an offer costs on the objective and counts on every limit row (placement.limits)."""


@dataclass(frozen=True)
class Offer:
    """One option before it becomes solver data: what a unit is and what it costs."""

    key: str
    """Unique, human-readable: ``<catalog id>|<pricing>|<hours>``."""
    option: str
    """Catalog offer id (system id, cloud offer id, ``owned:<name>``)."""
    name: str
    kind: UnitKind
    pricing: Pricing
    gpu: GpuSpec
    gpus: int
    gpus_linked: bool
    hours_class: float | None
    """On-demand and spot: the hours per month every workload on it runs; None elsewhere."""
    interruptible_only: bool
    capex: float
    fixed_energy: float
    hosting: float
    rent: float
    unit_price: float
    power_w: float
    rack_units: int
    max_units: int | None
    provider: str = ""
    region: str = ""
    price_source: str = ""
    price_date: dt.date | None = None
    residual: float = 0.0
    """What a bought unit is still worth at the horizon's end (``finance``); 0 for owned and cloud units."""
    busy_w_per_gpu: float = 0.0
    """Power one GPU adds while it computes: TDP x utilisation less the idle draw an always-on machine pays
    anyway, or plus its share of the base power where the machine is on only while its GPUs work."""
    facility_power_w: float = 0.0
    """``power_w`` x PUE: the facility load (cooling and distribution included)."""
    billed_hours: float | None = None
    """On-demand and spot: hours paid per month, the hours class (x (1 + spot overhead) on spot)."""
    fabric: Fabric | None = None
    """The network between units of this offer: a replica may span several identical units only where
    there is one (and their GPUs are linked inside each unit)."""
    on_demand_price: float | None = None
    """Reserved: the instance's on-demand price per hour (scenario currency), which the months past the last
    whole term pay where cheaper than one more term (``rates.on_demand_months``); None elsewhere."""
    on_demand_months: int = 0
    """Reserved: the months past the last whole term of the horizon rented on demand (0: none)."""

    @property
    def spans_nodes(self) -> bool:
        """Whether one replica may run over several units of this offer (multi-node serving)."""
        return self.fabric is not None and self.gpus_linked

    @property
    def running(self) -> float:
        """Cost of one unit over the horizon whatever runs on it (base and idle power, hosting, rent)."""
        return self.fixed_energy + self.hosting + self.rent

    @property
    def fixed_cost(self) -> float:
        """Purchase less the residual value, plus the running cost: what one unit costs the plan."""
        return self.capex - self.residual + self.running


def _allowed_gpu(scenario: Scenario, catalog: Catalog, gpu: GpuSpec) -> bool:
    allowed = scenario.hardware.gpus
    return allowed is None or any(_gpu_or_none(catalog, name) == gpu for name in allowed)


def _gpu_or_none(catalog: Catalog, name: str) -> GpuSpec | None:
    try:
        return catalog.gpu(name)
    except KeyError:
        return None


def _local(
    *,
    key: str,
    option: str,
    name: str,
    kind: UnitKind,
    gpu: GpuSpec,
    gpus: int,
    linked: bool,
    price_usd: float,
    base_w: float,
    rack: int,
    max_units: int | None,
    rates: CostRates,
    source: str,
    date: dt.date | None,
    desk_side: bool = False,
    fabric: Fabric | None = None,
) -> Offer:
    power_w = gpu.tdp_w * gpus + base_w
    colocation = 0.0 if desk_side else rates.colocation_usd_per_kw_month
    hosting = power_w / 1000 * colocation * rates.months * rates.fx
    idle_w, busy_w = rates.idle_w(gpu), gpu.tdp_w * rates.gpu_utilisation
    return Offer(
        key=key,
        option=option,
        name=name,
        kind=kind,
        pricing="purchase" if kind == "bought" else "owned",
        gpu=gpu,
        gpus=gpus,
        gpus_linked=linked,
        hours_class=None,
        interruptible_only=False,
        capex=price_usd * rates.fx,
        residual=price_usd * rates.fx * rates.residual_share,
        fixed_energy=energy_cost(base_w + idle_w * gpus, HOURS_PER_MONTH, rates) if rates.always_on else 0.0,
        busy_w_per_gpu=max(busy_w - idle_w, 0.0) if rates.always_on else busy_w + base_w / gpus,
        facility_power_w=power_w * rates.pue,
        hosting=hosting,
        rent=0.0,
        unit_price=price_usd * rates.fx,
        power_w=power_w,
        rack_units=rack,
        max_units=max_units,
        price_source=source,
        price_date=date,
        fabric=fabric,
    )


def owned_option_id(name: str | None, index: int, taken: set[str]) -> str:
    """Owned machines are called what the user called them (``lab-box#1``), where that name is free and
    can be an id (no ``#``, ``|`` or ``:``, the separators of unit ids, keys and cloud ids); else
    ``owned-<n>``."""
    if name and name.strip() == name and not set(name) & set("#|:") and name not in taken:
        return name
    number = index + 1
    while f"owned-{number}" in taken:
        number += 1
    return f"owned-{number}"


def local_offers(scenario: Scenario, catalog: Catalog, rates: CostRates) -> list[Offer]:
    """Owned inventory, then buyable systems (catalog, then custom quotes)."""
    known_ids = {s.id for s in catalog.systems} | {c.id for c in scenario.custom_offers}
    stock = scenario.limits.stock
    for field, keys in (("limits.stock", stock), ("purchase_prices_usd", scenario.purchase_prices_usd)):
        for key in keys:
            if key not in known_ids:
                quoted = [c.id for c in scenario.custom_offers]
                raise ScenarioError(f"{field}.{key}: {catalog.unknown_system(key, also=quoted)}")
    offers = _owned_offers(scenario, catalog, rates)
    if scenario.hardware.bought:
        offers += _system_offers(scenario, catalog, rates) + _quoted_offers(scenario, catalog, rates)
    return offers


def _owned_offers(scenario: Scenario, catalog: Catalog, rates: CostRates) -> list[Offer]:
    offers: list[Offer] = []
    taken = {s.id for s in catalog.systems} | {c.id for c in scenario.custom_offers}
    for index, owned in enumerate(scenario.owned):
        field = f"owned[{index}]"
        option_id = owned_option_id(owned.name, index, taken)
        taken.add(option_id)
        if owned.system is not None:
            matches = [s for s in catalog.systems if s.id == owned.system]
            if not matches:
                raise ScenarioError(f"{field}.system: unknown system id {owned.system!r}")
            system = matches[0]
            gpu, count, linked = gpu_named(catalog, system.gpu, field), system.gpu_count, system.gpus_linked
            base_w, rack, label = system.base_power_w, system.rack_units, owned.name or system.name
            desk, fabric = system.system_type in DESK_SIDE, system.fabric
        else:
            gpu = gpu_named(catalog, owned.gpu or "", f"{field}.gpu")
            count, base_w, rack = owned.gpu_count, owned.base_power_w, 0
            linked = _linked(owned.gpus_linked, gpu, count)
            label = owned.name or f"{count}x {gpu.name}"
            desk, fabric = _owned_desk_side(owned.system_type, gpu.segment), None
        offers.append(
            _local(
                key=f"owned:{index}",
                option=option_id,
                name=f"{label} (owned)",
                kind="owned",
                gpu=gpu,
                gpus=count,
                linked=linked,
                price_usd=0.0,
                base_w=base_w,
                rack=rack,
                max_units=owned.count,
                rates=rates,
                source="owned inventory",
                date=None,
                desk_side=desk,
                fabric=fabric,
            )
        )
    return offers


def _purchase(
    scenario: Scenario,
    rates: CostRates,
    system: SystemOffer | CustomOffer,
    gpu: GpuSpec,
    *,
    linked: bool,
    price_usd: float,
    source: str,
    date: dt.date | None,
) -> Offer:
    """A system to buy, whether the catalog lists it or the scenario quotes it: one key, stock limit and
    hosting rule for both."""
    return _local(
        key=f"{system.id}|purchase",
        option=system.id,
        name=system.name,
        kind="bought",
        gpu=gpu,
        gpus=system.gpu_count,
        linked=linked,
        price_usd=price_usd,
        base_w=system.base_power_w,
        rack=system.rack_units,
        max_units=scenario.limits.stock.get(system.id),
        rates=rates,
        source=source,
        date=date,
        desk_side=system.system_type in DESK_SIDE,
        fabric=system.fabric if isinstance(system, SystemOffer) else None,
    )


def _system_offers(scenario: Scenario, catalog: Catalog, rates: CostRates) -> list[Offer]:
    """The catalog's systems the scenario allows, each with a price."""
    offers: list[Offer] = []
    allowed = scenario.hardware.systems
    for system in catalog.systems:
        if allowed is not None and system.id not in allowed:
            continue
        if (
            scenario.hardware.system_types is not None
            and system.system_type not in scenario.hardware.system_types
        ):
            continue
        gpu = gpu_named(catalog, system.gpu, f"catalog system {system.id}")
        price = scenario.purchase_prices_usd.get(system.id)
        if price is None and (system.total_price_usd is not None or gpu.price_usd is not None):
            price = system_price_usd(system, catalog)
        if price is None or not _allowed_gpu(scenario, catalog, gpu):
            continue  # a system without any price cannot be bought (never free)
        overridden = system.id in scenario.purchase_prices_usd
        offers.append(
            _purchase(
                scenario,
                rates,
                system,
                gpu,
                linked=system.gpus_linked,
                price_usd=price,
                source="scenario purchase_prices_usd" if overridden else system_price_source(system, catalog),
                date=None if overridden else system_price_date(system, catalog),
            )
        )
    return offers


def _linked(given: bool | None, gpu: GpuSpec, count: int) -> bool:
    """What the scenario says, else the catalog's rule: multi-GPU SXM/OAM boards are linked."""
    from planner.catalog.load import default_gpus_linked

    return default_gpus_linked(gpu, count) if given is None else given


def _quoted_offers(scenario: Scenario, catalog: Catalog, rates: CostRates) -> list[Offer]:
    """The scenario's own vendor quotes (``custom_offers``) that ``hardware.systems`` and
    ``hardware.system_types`` allow, as they allow catalog systems."""
    offers: list[Offer] = []
    allowed, types = scenario.hardware.systems, scenario.hardware.system_types
    for index, quote in enumerate(scenario.custom_offers):
        if allowed is not None and quote.id not in allowed:
            continue
        if types is not None and quote.system_type not in types:
            continue
        gpu = gpu_named(catalog, quote.gpu, f"custom_offers[{index}].gpu")
        offers.append(
            _purchase(
                scenario,
                rates,
                quote,
                gpu,
                linked=_linked(quote.gpus_linked, gpu, quote.gpu_count),
                price_usd=scenario.purchase_prices_usd.get(quote.id, quote.price_usd),
                source=quote.source,
                date=None,
            )
        )
    return offers


def gpu_named(catalog: Catalog, name: str, field: str) -> GpuSpec:
    spec = _gpu_or_none(catalog, name)
    if spec is None:
        raise ScenarioError(f"{field}: {catalog.unknown_gpu(name)}")
    return spec


def cloud_offers(
    scenario: Scenario, catalog: Catalog, rates: CostRates, hours_classes: list[float], costs: UnitCosts
) -> list[Offer]:
    """Cloud instances x pricing (x hours class), without those the same machine beats elsewhere at a lower
    price (the dominance rule, ``costs`` giving what a unit counts on the objective and every limit row)."""
    hw = scenario.hardware
    if not hw.cloud:
        return []
    discounts = _discounts(scenario, catalog)
    built: list[Offer] = []
    for offer in sorted(catalog.cloud, key=lambda c: c.id):
        if hw.providers is not None and offer.provider not in hw.providers:
            continue
        if hw.regions is not None and offer.region not in hw.regions:
            continue
        gpu = _gpu_or_none(catalog, offer.gpu)
        if gpu is None or not _allowed_gpu(scenario, catalog, gpu):
            continue
        for pricing, per_hour, term, discount_source in _prices(offer, discounts):
            if pricing not in hw.pricing:
                continue
            classes: list[float | None] = list(hours_classes) if term is None else [None]
            for hours in classes:
                billed: float | None = None
                tail = 0
                if term is None:
                    assert hours is not None
                    # Rounded to a nanosecond's share of an hour: 100 x 1.1 is 110.00000000000001 in binary
                    # floating point, which the JSON and the workbook would print as the hours billed.
                    billed = round(hours * (1 + rates.spot_overhead), 9) if pricing == "spot" else hours
                    rent = per_hour * billed * rates.months
                else:
                    rent = reserved_rent(per_hour, rates.months, term, offer.price_usd_per_hour)
                    tail = on_demand_months(per_hour, rates.months, term, offer.price_usd_per_hour)
                source = f"{offer.source_file}@{offer.source_commit[:10]}"
                if discount_source:
                    source += f"; discount: {discount_source}"
                built.append(
                    Offer(
                        key=f"{offer.id}|{pricing}|{hours}",
                        option=offer.id,
                        name=f"{offer.provider} {offer.instance_type} ({offer.region})",
                        kind="cloud",
                        pricing=pricing,
                        gpu=gpu,
                        gpus=offer.gpu_count,
                        gpus_linked=offer.gpus_linked,
                        hours_class=hours,
                        interruptible_only=pricing == "spot",
                        capex=0.0,
                        fixed_energy=0.0,
                        hosting=0.0,
                        rent=rent * rates.fx,
                        unit_price=per_hour * rates.fx,
                        power_w=0.0,
                        rack_units=0,
                        max_units=None,
                        provider=offer.provider,
                        region=offer.region,
                        price_source=source,
                        price_date=offer.as_of,
                        billed_hours=billed,
                        fabric=offer.fabric,
                        on_demand_price=None if term is None else offer.price_usd_per_hour * rates.fx,
                        on_demand_months=tail,
                    )
                )
    kept = undominated_units(
        built,
        standing=lambda o: Standing(o.gpus, o.max_units is not None, costs(o)),
        holds=lambda a, b: True,  # the same machine at the same pricing holds the same
        order=lambda o: (o.unit_price, o.option),
        # An instance with a fabric holds replicas over several instances that one without cannot.
        group=lambda o: (o.gpu.name, o.gpus_linked, o.pricing, o.hours_class, o.spans_nodes),
    )
    return sorted(kept, key=lambda o: o.key)


_Discount = tuple[float, float, str]
"""(one-year, three-year, source) of a provider's reserved discount."""


def _discounts(scenario: Scenario, catalog: Catalog) -> dict[str, _Discount]:
    """Reserved discounts by provider: the catalog's, where the scenario does not give its own."""
    discounts = {
        d.provider: (
            d.one_year,
            d.three_year,
            d.source if d.verified else f"unverified headline figure: {d.source}",
        )
        for d in catalog.reserved_discounts
    }
    for provider, override in scenario.reserved_discounts.items():
        discounts[provider] = (override.one_year, override.three_year, "scenario reserved_discounts")
    return discounts


def _prices(
    offer: CloudOffer, discounts: dict[str, _Discount]
) -> list[tuple[Pricing, float, int | None, str]]:
    """(pricing, USD per hour, term in months or None, discount source) of every way to rent ``offer``."""
    prices: list[tuple[Pricing, float, int | None, str]] = [("on_demand", offer.price_usd_per_hour, None, "")]
    if offer.spot_price_usd_per_hour is not None:
        prices.append(("spot", offer.spot_price_usd_per_hour, None, ""))
    if offer.provider in discounts:
        one, three, src = discounts[offer.provider]
        prices.append(("reserved_1y", offer.price_usd_per_hour * (1 - one), TERM_MONTHS["reserved_1y"], src))
        prices.append(
            ("reserved_3y", offer.price_usd_per_hour * (1 - three), TERM_MONTHS["reserved_3y"], src)
        )
    return prices


def undominated(
    offers: list[Offer],
    eligible: dict[str, frozenset[str]],
    *,
    same_gpu: bool,
    costs: UnitCosts,
    spanning: frozenset[str] | None = None,
) -> list[Offer]:
    """Drop cloud offers another cloud offer dominates (``ilp.dominance``), which keeps the optimum.

    Whatever runs on B runs on A when A's GPUs have at least B's memory (memory needs do not depend on the
    GPU type, so every placement on B fits on A), A is linked wherever B is, and A may run every workload B
    may (``eligible``: reserved covers on-demand, which covers spot), and A spans machines wherever B does
    (a fabric), or B holds no replica over machines (``spanning``: the keys of offers that do, once the
    placements are known; None: every offer with a fabric might); cloud patterns cost nothing beyond the
    rent. Equal offers keep the first key. ``same_gpu`` limits this to offers of one GPU type, which keeps
    the best-single-GPU alternative exact.
    """
    kept = undominated_units(
        [o for o in offers if o.kind == "cloud"],
        standing=lambda o: Standing(o.gpus, o.max_units is not None, costs(o)),
        holds=lambda a, b: (
            a.gpu.vram_bytes >= b.gpu.vram_bytes
            and (a.gpus_linked or not b.gpus_linked)
            and (a.spans_nodes or not (b.spans_nodes if spanning is None else b.key in spanning))
            and eligible[a.key] >= eligible[b.key]
        ),
        order=lambda o: (o.fixed_cost, -o.gpu.vram_bytes, o.key),
        group=lambda o: o.gpu.name if same_gpu else "",
    )
    keys = {o.key for o in kept}
    return [o for o in offers if o.kind != "cloud" or o.key in keys]


def _owned_desk_side(system_type: str | None, segment: str) -> bool:
    """Whether owned machines given by GPU stand by a desk (no colocation fee). Unless the scenario says,
    a consumer or workstation card is in a desktop or workstation, as every catalog system with one is: two
    owned RTX 4090s charged colocation had cost more than a new desk-side machine, and the plan left them
    idle."""
    if system_type is not None:
        return system_type in DESK_SIDE
    return segment in ("consumer", "workstation")
