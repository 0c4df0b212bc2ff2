"""The shipped catalog files: they validate, every reference is resolvable, every price is sourced and dated,
and the figures match the reference data they were copied from (cited per test)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from planner.catalog.pricing import system_price_usd
from planner.catalog.schema import Catalog, _normalise
from planner.errors import CatalogError
from planner.units import GIB, MIB

COMPILED = dt.date(2026, 11, 25)
"""The day the shipped catalog was compiled: no price's source date."""

# Cards the cloud catalogs use, and the reference table's 42 names in short form.
CLOUD_GPUS = [
    "T4",
    "L4",
    "A10G",
    "V100",
    "A100",
    "A100-80GB",
    "H100",
    "H200",
    "B200",
    "L40S",
    "MI300X",
    "RTX PRO 6000",
    "RTX PRO Server 6000",
    "A6000",
    "RTX6000",
    "GH200",
    "B300",
    "H100-MEGA",
    "H200-SXM",
]


def test_at_least_the_42_reference_cards_and_the_cloud_ones(shipped: Catalog) -> None:
    assert len(shipped.gpus) >= 42
    for name in CLOUD_GPUS:
        shipped.gpu(name)  # raises KeyError if missing


def test_no_alias_points_at_two_gpus(shipped: Catalog) -> None:
    owner: dict[str, str] = {}
    for gpu in shipped.gpus:
        for key in {_normalise(gpu.name), *(_normalise(a) for a in gpu.aliases)}:
            assert owner.setdefault(key, gpu.name) == gpu.name, f"{key!r}: {owner[key]} and {gpu.name}"


def test_usable_memory_is_what_nvidia_smi_reports_where_known(shipped: Catalog) -> None:
    # nvidia-smi totals in public logs: T4 15,360 MiB, L4 23,034, A10G 23,028, L40S 46,068 (ECC on), RTX 4090
    # 24,564, H100 81,559, RTX 5090 32,607, RTX PRO 6000 Blackwell 97,887, RTX A6000 49,140 (ECC off), B200
    # 183,359 (the Lambda catalog's 184,320 MiB is the nominal 180 GiB); without a usable figure, "a 24 GB
    # card has 24 GiB".
    usable = {
        "T4": 15_360,
        "L4": 23_034,
        "A10G": 23_028,
        "L40S": 46_068,
        "RTX 4090": 24_564,
        "H100": 81_559,
        "RTX 5090": 32_607,
        "RTX PRO 6000 Blackwell (Workstation Edition)": 97_887,
        "RTX A6000": 49_140,
        "B200": 183_359,
    }
    for name, mib in usable.items():
        gpu = shipped.gpu(name)
        assert gpu.vram_bytes == mib * MIB, name
        assert gpu.nominal_vram_bytes is not None and gpu.vram_bytes < gpu.nominal_vram_bytes, name
        assert "nvidia-smi" in gpu.usable_vram_source, name
    assert shipped.gpu("T4").nominal_vram_bytes == 16 * GIB
    rtx3090 = shipped.gpu("RTX 3090")
    assert rtx3090.vram_bytes == 24 * GIB and rtx3090.nominal_vram_bytes is None
    assert shipped.gpu("MI300X").vram_bytes == 192 * GIB


def test_every_gpu_price_has_kind_date_and_source(shipped: Catalog) -> None:
    for gpu in shipped.gpus:
        assert gpu.source, gpu.name
        if gpu.price_usd is not None:
            assert gpu.price_kind and gpu.price_source, gpu.name
            # A price is dated by its source, never by the day the catalog was compiled (2026-11-25); an
            # estimate from undated reports ("2024-25") has no date rather than that one.
            assert gpu.price_date != COMPILED, gpu.name
            assert gpu.price_date is not None or gpu.price_kind == "estimate", gpu.name
        if gpu.price_kind == "launch_msrp":
            assert gpu.price_date is not None, gpu.name
        if gpu.price_kind == "estimate":
            assert "estimate" in gpu.price_source, gpu.name  # the basis says it is one
    # Datacenter parts have no public list price: each one is a labelled estimate, never a launch MSRP.
    assert shipped.gpu("H100").price_kind == "estimate"
    # Launch MSRP from the reference table: RTX 4090 USD 1,599 (Oct 2022).
    assert (shipped.gpu("RTX 4090").price_usd, shipped.gpu("RTX 4090").price_kind) == (1599, "launch_msrp")
    assert shipped.gpu("RTX 4090").price_date == dt.date(2022, 10, 1)
    # The one dated estimate: B200 from "between $30,000 and $40,000" (Jensen Huang, CNBC, 2024-03-19).
    assert shipped.gpu("B200").price_date == dt.date(2024, 3, 19)
    assert shipped.gpu("H100").price_date is None


def test_a_price_source_that_names_a_chip_names_the_cards_own(shipped: Catalog) -> None:
    """The RTX 3060 (GA106, announced 2021-01-12 at 329 USD) cited NVIDIA's GA102 whitepaper for its price, a
    paper from September 2020 about other cards that holds no 3060 price: a chip named in a price's source
    is the card's own, and the 3060's is NVIDIA's announcement of the card."""
    for gpu in shipped.gpus:
        for chip in re.findall(r"\b(ga|ad|gh|gb|tu|gv)-?(1\d\d)\b", gpu.price_source.lower()):
            assert "".join(chip) in gpu.architecture.lower(), (gpu.name, gpu.price_source)
    card = shipped.gpu("RTX 3060")
    assert card.architecture == "Ampere GA106" and card.price_usd == 329
    assert card.price_date == dt.date(2021, 1, 12)
    assert "nvidia.com/en-us/geforce/news/geforce-rtx-3060/" in card.price_source


def test_every_system_gpu_exists_and_every_price_is_sourced(shipped: Catalog) -> None:
    for system in shipped.systems:
        assert shipped.gpu(system.gpu).name == system.gpu  # stored under the canonical name
        assert system.price_source and system.price_date != COMPILED
        assert system.price_date is not None or system.price_kind == "estimate"
        assert system_price_usd(system, shipped) > 0


def test_system_kinds_the_issue_asks_for(shipped: Catalog) -> None:
    have = {(s.gpu, s.gpu_count) for s in shipped.systems}
    for name, count in [
        ("H100", 8),
        ("H200", 8),
        ("MI300X", 8),
        ("L40S", 4),
        ("A100-80GB", 8),
        ("RTX 4090", 1),
        ("RTX 4090", 2),
        ("RTX 6000 Ada", 4),
        ("RTX PRO 6000", 4),
        ("RTX PRO Server 6000", 8),
    ]:
        assert (shipped.gpu(name).name, count) in have, (name, count)
    linked = {s.id: s.gpus_linked for s in shipped.systems}
    assert linked["server-8x-h100-sxm"] and not linked["server-4x-l40s"]


def test_system_price_is_base_plus_gpus_unless_quoted(shipped: Catalog) -> None:
    server = next(s for s in shipped.systems if s.id == "server-8x-h100-sxm")
    gpu_price = shipped.gpu("H100").price_usd
    assert gpu_price is not None
    assert system_price_usd(server, shipped) == server.base_price_usd + 8 * gpu_price
    quoted = server.model_copy(update={"total_price_usd": 250_000.0})
    assert system_price_usd(quoted, shipped) == 250_000.0


def test_a_system_whose_gpu_has_no_price_is_an_error_not_zero(shipped: Catalog) -> None:
    server = next(s for s in shipped.systems if s.id == "server-8x-h100-sxm")
    with pytest.raises(CatalogError, match=r"A10G.*no purchase price"):
        system_price_usd(server.model_copy(update={"gpu": "A10G"}), shipped)


def test_every_cloud_offer_is_sourced_dated_and_resolvable(shipped: Catalog) -> None:
    assert len(shipped.cloud) + len(shipped.excluded_cloud) == 118  # every row of cloud_instances.csv
    for offer in shipped.cloud:
        assert shipped.gpu(offer.gpu).name == offer.gpu
        assert offer.source_file.startswith("skypilot-org/skypilot-catalog catalogs/v")
        assert re.fullmatch(r"[0-9a-f]{40}", offer.source_commit)
        # SkyPilot's commit dates were not recorded: unknown, not the compilation day.
        assert offer.as_of is None
    for row in shipped.excluded_cloud:
        assert row.reason


def test_the_catalog_docs_give_each_cloud_sources_commit_and_its_date(shipped: Catalog) -> None:
    """Reports say a cloud price's date is "unknown"; docs/catalogs.md says why, naming each source file and
    commit the shipped rows come from with the date the rows carry (unknown: the commits' dates were not
    recorded), so a reader can date a row from the catalog's history or replace it."""
    docs = (Path(__file__).resolve().parents[2] / "docs" / "catalogs.md").read_text(encoding="utf-8")
    table = {
        (m[1], m[2], m[3]): m[4]
        for m in re.finditer(
            r"^\| (\w+) \| `(catalogs/v\d/\w+/vms\.csv)` \| `([0-9a-f]{40})` \| ([^|]+) \|$", docs, re.M
        )
    }
    sources = {(o.provider, o.source_file.split()[-1], o.source_commit): o.as_of for o in shipped.cloud}
    assert set(table) == set(sources)
    for key, shown in table.items():
        as_of = sources[key]
        assert shown.startswith("unknown") if as_of is None else shown.strip() == as_of.isoformat()


def test_anomalies_are_corrected_or_excluded(shipped: Catalog) -> None:
    by_id = {o.id: o for o in shipped.cloud}
    # Spot at or above on-demand is no discount: never offered.
    assert all(
        o.spot_price_usd_per_hour is None or o.spot_price_usd_per_hour < o.price_usd_per_hour
        for o in shipped.cloud
    )
    # Azure ND96isr_H100_v5: catalog says 12 GPUs, Azure documents 8.
    assert by_id["azure:Standard_ND96isr_H100_v5:eastus"].gpu_count == 8
    # GCP us-central1 H100 / A100-80GB rows are excluded; the us-east4 H100 row is host + GPU parts.
    assert "gcp:a3-highgpu-8g:us-central1" not in by_id
    assert by_id["gcp:a3-highgpu-8g:us-east4"].price_usd_per_hour == pytest.approx(9.46006 + 78.37241)
    excluded = {(r.provider, r.instance_type, r.region) for r in shipped.excluded_cloud}
    assert ("gcp", "a3-highgpu-8g", "us-central1") in excluded
    assert ("aws", "p5e.48xlarge", "us-east-2") in excluded  # no on-demand price
    assert ("gcp", "a4-highgpu-8g", "us-central1") in excluded  # host price 0.0


def test_cloud_gpus_are_the_right_variant(shipped: Catalog) -> None:
    by_id = {o.id: o for o in shipped.cloud}
    assert by_id["azure:Standard_NC40ads_H100_v5:eastus"].gpu == "H100 NVL"
    assert by_id["aws:p4de.24xlarge:us-east-1"].gpu == "A100 80GB SXM4"
    assert by_id["aws:p4de.24xlarge:us-east-1"].gpus_linked
    assert not by_id["aws:g6e.48xlarge:us-east-1"].gpus_linked  # 8x L40S over PCIe


def test_energy_and_reserved_defaults_are_sourced(shipped: Catalog) -> None:
    energy = shipped.energy
    assert energy.pue == pytest.approx(1.56) and "Uptime" in energy.pue_source
    assert energy.colocation_usd_per_kw_month == pytest.approx(184.06) and "CBRE" in energy.colocation_source
    regions = {e.region: e for e in energy.electricity}
    assert energy.default_region in regions
    assert regions["us-va"].usd_per_kwh == pytest.approx(0.0895)  # EIA 2023, VA commercial 8.95 c/kWh
    assert all(e.source for e in energy.electricity)
    # Each figure carries its source's date, not the file's compile date: EIA released its 2023 state
    # figures 2024-10-17, CBRE its H2 2024 report 2025-02-26; the Uptime survey gives none.
    assert regions["us-va"].as_of == dt.date(2024, 10, 17)
    assert energy.colocation_as_of == dt.date(2025, 2, 26) and energy.pue_as_of is None
    assert all(e.as_of is None or e.as_of.isoformat() in e.source for e in energy.electricity)
    assert {d.provider for d in shipped.reserved_discounts} == {"aws", "gcp", "azure"}
    assert not any(d.verified for d in shipped.reserved_discounts)


def test_an_unknown_gpu_is_answered_with_the_cards_whose_names_hold_it(shipped: Catalog) -> None:
    """``--gpu 4070`` was answered "did you mean 'GeForce RTX 4090'?" by spelling distance alone, though the
    RTX 4070 Ti SUPER carries the number; a model number names the cards that carry it, a misspelling still
    the closest name."""
    assert "(did you mean 'GeForce RTX 4070 Ti SUPER'?)" in shipped.unknown_gpu("4070")
    assert "(did you mean 'GeForce RTX 4060 Ti 16GB'?)" in shipped.unknown_gpu("RTX 4060")
    assert "(did you mean 'H100 PCIe' or 'H100 SXM5' or 'H100 NVL'?)" in shipped.unknown_gpu("h10")
    assert "did you mean" not in shipped.unknown_gpu("xyz")
