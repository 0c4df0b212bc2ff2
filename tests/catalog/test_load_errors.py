"""A user's catalog directory: rows override and extend; malformed rows name file, line and field."""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path

import pytest

from planner.catalog.load import StaleCatalogWarning, load_catalog
from planner.errors import CatalogError
from planner.units import GIB

from .conftest import FRESH, UserDir

GPU = """
    as_of: 2026-11-01
    gpus:
      - name: Test Card 48GB
        aliases: [TC48]
        vendor: NVIDIA
        segment: workstation
        architecture: Test
        vram: 48GiB
        mem_bandwidth_gb_per_s: 900
        bf16_dense_tflops: 200
        tdp_w: 300
        form_factor: PCIe
        nvlink: false
        price_usd: 5000
        price_kind: quote
        price_date: 2026-11-01
        price_source: vendor quote Q-1
        source: test
"""

SYSTEM = """
    as_of: 2026-11-01
    systems:
      - id: my-box
        name: My box
        gpu: {gpu}
        gpu_count: 2
        base_price_usd: {base}
        base_power_w: 200
        rack_units: 0
        gpus_linked: false
        price_kind: quote
        price_date: 2026-11-01
        price_source: vendor quote Q-2
"""

CLOUD_HEADER = (
    "provider,instance_type,gpu,gpu_count,vcpus,host_memory_gib,region,price_usd_per_hour,"
    "spot_price_usd_per_hour,source_file,source_commit,as_of,note\n"
)


def test_user_rows_extend_and_override(user_dir: UserDir) -> None:
    directory = user_dir(gpus_yaml=GPU, systems_yaml=SYSTEM.format(gpu="TC48", base=3000))
    catalog = load_catalog([directory], today=FRESH)
    assert catalog.gpu("tc48").vram_bytes == 48 * GIB
    box = next(s for s in catalog.systems if s.id == "my-box")
    assert box.gpu == "Test Card 48GB"  # alias resolved to the canonical name
    override = GPU.replace("Test Card 48GB", "GeForce RTX 4090").replace("[TC48]", "[]")
    catalog = load_catalog(
        [user_dir(gpus_yaml=override, systems_yaml="as_of: 2026-11-01\nsystems: []\n")], today=FRESH
    )
    card = catalog.gpu("GeForce RTX 4090")  # the whole row is replaced, aliases included
    assert card.vram_bytes == 48 * GIB and card.price_kind == "quote"
    assert len(catalog.gpus) == len(load_catalog(today=FRESH).gpus)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        pytest.param(
            {"gpus_yaml": GPU, "systems_yaml": SYSTEM.format(gpu="TC48", base=-1)},
            r"mycat/systems\.yaml:7: system 'my-box': field 'base_price_usd'",
            id="negative price",
        ),
        pytest.param(
            {"systems_yaml": SYSTEM.format(gpu="Imaginary 9000", base=1000)},
            r"mycat/systems\.yaml:5: system 'my-box': field 'gpu': unknown GPU",
            id="unknown GPU in a node",
        ),
        pytest.param(
            {"gpus_yaml": GPU.replace("        vram: 48GiB\n", "")},
            r"mycat/gpus\.yaml:3: gpu 'Test Card 48GB': field 'vram': missing",
            id="missing memory is an error, never zero",
        ),
        pytest.param(
            {"gpus_yaml": GPU.replace("vram: 48GiB", "vram: 48")},
            r"gpus\.yaml:8: field 'vram': write memory with a unit",
            id="memory without a unit",
        ),
        pytest.param(
            {"gpus_yaml": GPU.replace("tdp_w:", "tdp_watts:")},
            r"gpus\.yaml:11: gpu 'Test Card 48GB': field 'tdp_watts': unknown field",
            id="misspelt field",
        ),
    ],
)
def test_a_bad_row_names_file_line_and_field(user_dir: UserDir, files: dict[str, str], message: str) -> None:
    with pytest.raises(CatalogError, match=message):
        load_catalog([user_dir(**files)], today=FRESH)


def test_bad_cloud_row_names_csv_line_and_field(user_dir: UserDir) -> None:
    good = "lambda,gpu_1x_x,H100,1,26,200,us-east-1,2.5,,mine,abc,2026-11-01,\n"
    bad = "lambda,gpu_2x_x,H100,2,52,400,us-east-1,-5,,mine,abc,2026-11-01,\n"
    directory = user_dir(cloud_csv=CLOUD_HEADER + good + bad)
    with pytest.raises(CatalogError, match=r"cloud\.csv:3: cloud offer .*field 'price_usd_per_hour'"):
        load_catalog([directory], today=FRESH)
    unknown = good.replace("H100", "Imaginary 9000")
    with pytest.raises(
        CatalogError, match=r"cloud\.csv:2: cloud offer 'lambda:gpu_1x_x:us-east-1': field 'gpu'"
    ):
        load_catalog([user_dir(cloud_csv=CLOUD_HEADER + unknown)], today=FRESH)
    missing_price = good.replace(",2.5,", ",,")
    with pytest.raises(CatalogError, match=r"cloud\.csv:2: .*field 'price_usd_per_hour': missing"):
        load_catalog([user_dir(cloud_csv=CLOUD_HEADER + missing_price)], today=FRESH)


def test_user_cloud_row_is_added_with_canonical_gpu(user_dir: UserDir) -> None:
    row = "lambda,gpu_1x_x,H100,1,26,200,us-east-1,2.5,1.1,mine,abc,2026-11-01,negotiated\n"
    catalog = load_catalog([user_dir(cloud_csv=CLOUD_HEADER + row)], today=FRESH)
    offer = next(o for o in catalog.cloud if o.id == "lambda:gpu_1x_x:us-east-1")
    assert (offer.gpu, offer.host_memory_bytes, offer.spot_price_usd_per_hour) == (
        "H100 SXM5",
        200 * GIB,
        1.1,
    )


def test_a_quote_row_without_source_file_or_commit_is_read(user_dir: UserDir) -> None:
    """A user types a negotiated price into cloud.csv with only the columns that describe it: the row is its
    own source (the file and line), never an error about a SkyPilot commit it never had."""
    header = (
        "provider,instance_type,gpu,gpu_count,vcpus,host_memory_gib,region,price_usd_per_hour,as_of,note\n"
    )
    row = "acme,h100x8,H100,8,208,1800,eu-west,17.5,2026-11-20,Acme quote Q-124\n"
    catalog = load_catalog([user_dir(cloud_csv=header + row)], today=FRESH)
    offer = next(o for o in catalog.cloud if o.id == "acme:h100x8:eu-west")
    assert (offer.gpu_count, offer.price_usd_per_hour, offer.as_of) == (8, 17.5, dt.date(2026, 11, 20))
    assert (offer.source_file, offer.source_commit, offer.note) == ("cloud.csv", "line 2", "Acme quote Q-124")


def test_invalid_yaml_and_missing_dir(user_dir: UserDir, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"gpus\.yaml:3: not valid YAML"):
        load_catalog([user_dir(gpus_yaml="as_of: 2026-11-01\ngpus: [\n")], today=FRESH)
    with pytest.raises(CatalogError, match="does not exist"):
        load_catalog([tmp_path / "nowhere"], today=FRESH)


def test_energy_override_merges_regions(user_dir: UserDir) -> None:
    energy = """
        as_of: 2026-11-01
        pue: 1.2
        electricity:
          - {region: home, usd_per_kwh: 0.30, source: my bill}
    """
    catalog = load_catalog([user_dir(energy_yaml=energy)], today=FRESH)
    regions = {e.region for e in catalog.energy.electricity}
    assert catalog.energy.pue == 1.2 and {"home", "us-va"} <= regions


def test_stale_catalog_warns_once_and_fresh_does_not() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_catalog(today=FRESH + dt.timedelta(days=400))
    stale = [w for w in caught if issubclass(w.category, StaleCatalogWarning)]
    assert len(stale) == 1 and "days old" in str(stale[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaleCatalogWarning)
        load_catalog(today=FRESH)


def test_old_user_file_makes_the_catalog_as_of_older(user_dir: UserDir) -> None:
    directory = user_dir(gpus_yaml=GPU.replace("as_of: 2026-11-01", "as_of: 2025-01-01"))
    with pytest.warns(StaleCatalogWarning, match="gpus.yaml"):
        catalog = load_catalog([directory], today=FRESH)
    assert catalog.as_of == dt.date(2025, 1, 1)
