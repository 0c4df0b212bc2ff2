"""SkyPilot vms.csv import: prices per instance, GCP host + GPU joined, anomalies skipped, CSV round trip."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from planner.catalog.load import StaleCatalogWarning, load_catalog, read_cloud_csv
from planner.catalog.schema import Catalog
from planner.catalog.skypilot import gpu_memory_bytes, import_skypilot, parse_gpu_info, write_cloud_csv
from planner.errors import CatalogError
from planner.units import MIB

from .conftest import FRESH

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "skypilot"


def test_aws_rows_become_one_offer_per_instance_and_region(shipped: Catalog) -> None:
    result = import_skypilot(
        FIXTURES / "aws_vms.csv", "aws", shipped, region="us-east-1", source_commit="abc"
    )
    by_type = {o.instance_type: o for o in result.offers}
    assert set(by_type) == {"g5.xlarge", "p5.48xlarge", "p5.4xlarge"}  # m5.large has no GPU
    p5 = by_type["p5.48xlarge"]
    # On-demand 55.04 (recorded from catalogs/v8/aws/vms.csv); spot: the cheaper zone, not az1's 55.04.
    assert (p5.gpu, p5.gpu_count, p5.price_usd_per_hour, p5.spot_price_usd_per_hour) == (
        "H100 SXM5",
        8,
        55.04,
        17.6289,
    )
    assert p5.gpus_linked and not by_type["g5.xlarge"].gpus_linked
    assert by_type["p5.4xlarge"].spot_price_usd_per_hour is None
    assert p5.host_memory_bytes == 2048 * 2**30 and p5.vcpus == 192
    reasons = {s.instance_type: s.reason for s in result.skipped}
    assert "no on-demand price" in reasons["p5e.48xlarge"]
    assert "fractional" in reasons["g6f.2xlarge"]
    assert "not in the GPU catalog" in reasons["inf2.xlarge"]


def test_lambda_layout_and_pcie_variant(shipped: Catalog) -> None:
    # Lambda's file has no AvailabilityZone, SpotPrice last and empty; gpu_1x_h100_pcie says only "H100".
    result = import_skypilot(FIXTURES / "lambda_vms.csv", "lambda", shipped, region="us-east-1")
    gpus = {o.instance_type: (o.gpu, o.price_usd_per_hour, o.spot_price_usd_per_hour) for o in result.offers}
    assert gpus == {
        "gpu_1x_h100_pcie": ("H100 PCIe", 3.29, None),
        "gpu_1x_h100_sxm5": ("H100 SXM5", 4.29, None),
        "gpu_8x_a100_80gb_sxm4": ("A100 80GB SXM4", 22.32, None),
    }


def test_region_filter(shipped: Catalog) -> None:
    result = import_skypilot(FIXTURES / "aws_vms.csv", "aws", shipped, region="us-west-2")
    assert [(o.instance_type, o.spot_price_usd_per_hour) for o in result.offers] == [("g5.xlarge", 0.3912)]


def test_gcp_host_and_gpu_rows_are_combined(shipped: Catalog) -> None:
    result = import_skypilot(FIXTURES / "gcp_vms.csv", "gcp", shipped)
    by_id = {o.id: o for o in result.offers}
    a3 = by_id["gcp:a3-highgpu-8g:us-east4"]
    # Host 9.46006 + 8x H100 78.37241 = 87.83247 $/h, GCP's published a3-highgpu-8g price (catalog_notes.md);
    # spot: cheapest zone of each part, 2.15966 + 17.8848.
    assert a3.price_usd_per_hour == pytest.approx(87.83247)
    assert a3.spot_price_usd_per_hour == pytest.approx(20.04446)
    assert (a3.vcpus, a3.gpu_count, a3.gpu) == (208, 8, "H100 SXM5")
    t4 = by_id["gcp:n1-standard-8 + 1x T4:us-central1"]
    assert t4.price_usd_per_hour == pytest.approx(0.379998 + 0.35)
    reasons = {(s.accelerator, s.instance_type): s.reason for s in result.skipped}
    assert "no host VM row" in reasons[("V100", "n1-standard-16")]
    assert "host VM 'a4-highgpu-8g' has no price" in reasons[("B200", "a4-highgpu-8g")]
    assert "e2-standard-4" not in {o.instance_type for o in result.offers}


def test_round_trip_through_planner_cloud_csv(shipped: Catalog, tmp_path: Path) -> None:
    offers = [
        *import_skypilot(FIXTURES / "aws_vms.csv", "aws", shipped, as_of=FRESH).offers,
        *import_skypilot(FIXTURES / "gcp_vms.csv", "gcp", shipped, as_of=FRESH).offers,
    ]
    out = tmp_path / "mycat" / "cloud.csv"
    write_cloud_csv(offers, out)
    assert read_cloud_csv(out) == offers
    catalog = load_catalog([out.parent], today=FRESH)
    loaded = {o.id: o for o in catalog.cloud}
    # The catalog adds each instance type's fabric (fabrics.yaml, which SkyPilot's files do not carry).
    assert all(loaded[o.id] == o.model_copy(update={"fabric": loaded[o.id].fabric}) for o in offers)
    fabrics = {o.instance_type: o.fabric.kind for o in loaded.values() if o.fabric is not None}
    assert fabrics.get("a3-highgpu-8g") == "gpudirect-tcpx"


def test_gpu_info_is_parsed_never_evaluated(tmp_path: Path, shipped: Catalog) -> None:
    assert gpu_memory_bytes(parse_gpu_info("{'Gpus': [{'MemoryInfo': {'SizeInMiB': 22888}}]}")) == 22888 * MIB
    assert parse_gpu_info("") == {}
    with pytest.raises(ValueError, match="not a Python literal"):
        parse_gpu_info("__import__('os').system('touch pwned')")
    header = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region\n"
    evil = "g5.xlarge,A10G,1,4,16,\"__import__('os').getcwd()\",1.0,,us-east-1\n"
    (tmp_path / "vms.csv").write_text(header + evil)
    with pytest.raises(CatalogError, match=r"vms\.csv:2: field 'GpuInfo'"):
        import_skypilot(tmp_path / "vms.csv", "aws", shipped)


def test_a_file_that_is_not_skypilot_format_is_rejected(tmp_path: Path, shipped: Catalog) -> None:
    (tmp_path / "vms.csv").write_text("name,price\nx,1\n")
    with pytest.raises(CatalogError, match="missing column"):
        import_skypilot(tmp_path / "vms.csv", "aws", shipped)


@given(
    st.dictionaries(st.sampled_from(["Name", "Count", "Manufacturer"]), st.integers() | st.text(max_size=8))
)
def test_gpu_info_literal_round_trip(info: dict[str, object]) -> None:
    # Any dict SkyPilot writes with repr() comes back unchanged through the safe parser.
    assert parse_gpu_info(repr({"Gpus": [info]})) == {"Gpus": [info]}


ODD_ROWS = """InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region
spot0,L4,1,4,16,,0.8,0,us-east-1
pricenan,L4,1,4,16,,nan,,us-east-1
priceinf,L4,1,4,16,,inf,,us-east-1
negcpu,L4,1,-4,16,,0.8,,us-east-1
meminfo,L4,1,4,16,"{'Gpus': [{'MemoryInfo': 5}]}",0.8,,us-east-1
,L4,1,4,16,,0.8,,us-east-1
dupacc,L4,1,4,16,,0.8,,us-east-1
dupacc,A10G,1,4,16,,0.9,,us-east-1
noregion,L4,1,4,16,,0.8,,
million,L4,1000000,4,16,,0.8,,us-east-1
"""


def test_odd_rows_are_skipped_with_a_reason_and_the_file_written_loads(
    shipped: Catalog, tmp_path: Path
) -> None:
    """Each of these once gave a traceback, or a cloud.csv the loader refused, or (a million GPUs in one
    machine) a solve that ran for minutes past its time limit."""
    (tmp_path / "vms.csv").write_text("\ufeff" + ODD_ROWS, encoding="utf-8")  # a spreadsheet's BOM, too
    result = import_skypilot(tmp_path / "vms.csv", "aws", shipped, as_of=FRESH)
    assert sorted(o.instance_type for o in result.offers) == ["dupacc", "meminfo", "spot0"]
    assert next(o for o in result.offers if o.instance_type == "spot0").spot_price_usd_per_hour is None
    reasons = {s.instance_type: s.reason for s in result.skipped}
    assert "not a positive, finite price" in reasons["pricenan"] and "finite" in reasons["priceinf"]
    assert reasons["negcpu"].startswith("vcpus:")
    assert reasons[""] == "no instance type" and reasons["noregion"] == "no region"
    assert "more than 64" in reasons["million"]
    assert "listed again" in reasons["dupacc"]
    out = tmp_path / "mycat" / "cloud.csv"
    write_cloud_csv(result.offers, out)
    assert {o.id for o in load_catalog([out.parent], today=FRESH).cloud} >= {o.id for o in result.offers}


def test_import_needs_a_provider_and_a_writable_place(shipped: Catalog, tmp_path: Path) -> None:
    (tmp_path / "vms.csv").write_text(ODD_ROWS)
    with pytest.raises(CatalogError, match="--cloud: a provider name is needed"):
        import_skypilot(tmp_path / "vms.csv", " ", shipped)
    (tmp_path / "file").write_text("")
    with pytest.raises(CatalogError, match="cannot write"):
        write_cloud_csv([], tmp_path / "file" / "cloud.csv")


def test_an_old_imported_price_file_warns(shipped: Catalog, tmp_path: Path) -> None:
    """The staleness warning read gpus.yaml, systems.yaml, reserved.yaml and energy.yaml, never cloud.csv."""
    result = import_skypilot(FIXTURES / "aws_vms.csv", "aws", shipped, as_of=dt.date(2020, 1, 1))
    write_cloud_csv(result.offers, tmp_path / "old" / "cloud.csv")
    with pytest.warns(StaleCatalogWarning, match=r"old[/\\]cloud\.csv"):
        load_catalog([tmp_path / "old"], today=FRESH)


def test_a_price_that_is_not_a_number_skips_its_row_not_the_file(shipped: Catalog) -> None:
    """One garbled cell ("n/a" for a price) stopped the whole import, and with it ``planner catalog update``
    of a hosted file nobody can edit; the docs said rows without a positive, finite price are skipped and
    listed. Now the row is skipped with its reason, an unreadable spot price leaves out only its zone, and the
    other rows import: g6e.xlarge at 1.50 on demand, 0.65 spot (zone b; zone c's "?" left out)."""
    header = (
        "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,"
        "AvailabilityZone"
    )
    text = "\n".join(
        [
            header,
            "g6e.xlarge,L40S,1,4,32,,1.50,0.70,us-east-1,us-east-1a",
            "g6e.xlarge,L40S,1,4,32,,1.50,0.65,us-east-1,us-east-1b",
            "g6e.xlarge,L40S,1,4,32,,1.50,?,us-east-1,us-east-1c",
            "g5.xlarge,A10G,1,4,16,,n/a,0.30,us-east-1,us-east-1a",
            "g6.xlarge,L4,1,four,16,,0.80,0.30,us-east-1,us-east-1a",
            "",
        ]
    )
    result = import_skypilot(Path("vms.csv"), "aws", shipped, text=text)
    (offer,) = result.offers
    assert (offer.instance_type, offer.price_usd_per_hour, offer.spot_price_usd_per_hour) == (
        "g6e.xlarge",
        1.5,
        0.65,
    )
    assert "spot price not a number (SpotPrice '?' (line 4)): that zone left out" in offer.note
    reasons = {s.instance_type: s.reason for s in result.skipped}
    assert reasons == {
        "g5.xlarge": "on-demand price not a number: Price 'n/a' (line 5)",
        "g6.xlarge": "vCPUs 'four' is not a number",
    }


def test_lambdas_one_a100_instance_is_the_pcie_card_as_the_shipped_row_says(shipped: Catalog) -> None:
    """SkyPilot lists Lambda's gpu_1x_a100 and gpu_1x_a100_sxm4 both as "A100"; the shipped catalog's row
    says the first is the 40 GB PCIe card, but ``catalog update`` imported it as the SXM4 one, changing the
    card of the same instance. The import now gives the shipped row's card and note; SXM4 types stay SXM4."""
    header = "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,Price,Region,GpuInfo,SpotPrice"
    text = "\n".join(
        [
            header,
            "gpu_1x_a100,A100,1.0,30.0,200.0,1.29,us-east-1,,",
            "gpu_1x_a100_sxm4,A100,1.0,30.0,200.0,1.29,us-east-1,,",
            "gpu_2x_a100,A100,2.0,60.0,400.0,2.58,us-east-1,,",
            "",
        ]
    )
    offers = {
        o.instance_type: o for o in import_skypilot(Path("vms.csv"), "lambda", shipped, text=text).offers
    }
    gpus = {name: offer.gpu for name, offer in offers.items()}
    assert gpus == {
        "gpu_1x_a100": "A100 40GB PCIe",
        "gpu_1x_a100_sxm4": "A100 40GB SXM4",
        "gpu_2x_a100": "A100 40GB SXM4",
    }
    row = next(o for o in shipped.cloud if o.id == "lambda:gpu_1x_a100:us-east-1")
    assert (row.gpu, row.note) == (gpus["gpu_1x_a100"], offers["gpu_1x_a100"].note)
