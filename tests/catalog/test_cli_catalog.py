"""``planner catalog``: browsing tables, filters, formats, bad input exit codes and the SkyPilot import."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from planner.catalog.browse import gpu_rows
from planner.catalog.load import load_catalog
from planner.catalog.schema import Catalog
from planner.cli import main
from planner.units import GIB

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "skypilot"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["catalog", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cloud_filter_h100_lists_offers_across_providers_with_prices_and_dates() -> None:
    code, out, _ = run("cloud", "--filter", "H100")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["GPU", "GPU_COUNT", "VRAM_GIB", "PROVIDER"]
    providers = {line.split()[4] for line in lines[1:] if line.startswith("H100 SXM5")}  # name is 2 words
    assert providers == {"aws", "gcp", "azure", "lambda", "nebius"}
    # AWS p5 price; the snapshot's commit dates were not recorded, so no row claims one (the compilation
    # day, 2026-11-25, was once shown as the price date)
    p5 = next(line for line in lines if " p5.48xlarge " in line)
    assert "55.04" in p5 and " us-east-1    unknown  " in p5 and "2026-11-25" not in out
    assert "H200" not in out


def test_cloud_json_is_cheapest_first_within_gpu_and_count() -> None:
    code, out, _ = run("cloud", "--filter", "h100", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    eights = [r["usd_per_hour"] for r in rows if r["gpu"] == "H100 SXM5" and r["gpu_count"] == 8]
    assert eights == sorted(eights) and len(eights) >= 5


def test_gpus_min_vram_and_csv() -> None:
    code, out, _ = run("gpus", "--min-vram", "48GiB", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    # The filter takes the memory a card is sold with: every "48 GB" card passes, though their drivers
    # report less (A6000 49,140 MiB with ECC off, L40S 46,068 MiB with ECC on), which the column shows.
    assert "GeForce RTX 4090" not in {r["gpu"] for r in rows}
    assert {"RTX A6000", "L40S", "H100 SXM5", "Instinct MI300X"} <= {r["gpu"] for r in rows}
    usable = {r["gpu"]: float(r["vram_gib"]) for r in rows}
    assert usable["L40S"] == 45.0 and usable["RTX A6000"] == 48.0 and min(usable.values()) == 45.0


def test_nodes_min_vram_uses_the_whole_machine() -> None:
    code, out, _ = run("nodes", "--min-vram", "600GiB", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert "server-8x-h100-sxm" in {r["id"] for r in rows}  # 8 x 80 GiB
    assert all(r["total_vram_gib"] >= 600 for r in rows)
    server = next(r for r in rows if r["id"] == "server-8x-h100-sxm")
    assert server["price_usd"] == 300_000 and server["power_w"] == 2500 + 8 * 700


def test_a_desktop_priced_from_its_card_lists_the_cards_price_date() -> None:
    """The RTX 3090 desktop's chassis estimate is undated; its card's launch price is dated 2020-09-01 (the
    GPU listing's date), so the machine's price is that old, as the plan reports it."""
    code, out, _ = run("nodes", "--filter", "3090", "--format", "json")
    assert code == 0
    desk = next(r for r in json.loads(out) if r["id"] == "desktop-1x-rtx-3090")
    card = next(r for r in gpu_rows(load_catalog()) if r["gpu"] == "GeForce RTX 3090")
    assert desk["price_date"] == card["price_date"] == "2020-09-01"


def test_excluded_rows_are_visible_with_reasons() -> None:
    code, out, _ = run("cloud", "--excluded", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 13 and all(r["reason"] for r in rows)


def test_excluded_rows_have_no_memory_to_filter_by() -> None:
    """--min-vram 100 with --excluded was ignored and listed a quarter of an L4 (about 5.6 GiB)."""
    code, out, err = run("cloud", "--excluded", "--min-vram", "100")
    assert code == 2 and out == "" and "--min-vram does not apply to --excluded" in err


def test_bad_min_vram_is_a_usage_error() -> None:
    code, _, err = run("gpus", "--min-vram", "lots")
    assert code == 2 and "not a memory size" in err


def test_bad_catalog_row_exits_2_with_one_line(tmp_path: Path) -> None:
    (tmp_path / "systems.yaml").write_text(
        "as_of: 2026-11-01\nsystems:\n  - id: x\n    name: x\n    gpu: Nope 1\n    gpu_count: 1\n"
        "    base_price_usd: 1\n    base_power_w: 1\n    rack_units: 0\n    gpus_linked: false\n"
        "    price_kind: quote\n    price_date: 2026-11-01\n    price_source: q\n"
    )
    code, out, err = run("nodes", "--catalog-dir", str(tmp_path))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and "systems.yaml:5" in err and "'gpu'" in err


def test_import_skypilot_writes_a_catalog_dir_the_cli_then_reads(tmp_path: Path) -> None:
    out_file = tmp_path / "mycat" / "cloud.csv"
    result = CliRunner().invoke(
        main,
        [
            "catalog",
            "import-skypilot",
            str(FIXTURES / "aws_vms.csv"),
            "--cloud",
            "aws",
            "--region",
            "us-east-1",
            "-o",
            str(out_file),
            "--commit",
            "00148f2a",
            "--as-of",
            "2026-11-20",
            "--mkdir",  # mycat/ does not exist yet: made only on request
        ],
    )
    assert result.exit_code == 0, result.output
    assert "imported 3 offers" in result.stderr and "skipped p5e.48xlarge" in result.stderr
    code, out, _ = run(
        "cloud", "--catalog-dir", str(out_file.parent), "--filter", "aws_vms", "--format", "json"
    )
    assert code == 0
    code, out, _ = run("cloud", "--catalog-dir", str(out_file.parent), "--format", "json")
    p5 = [r for r in json.loads(out) if r["instance_type"] == "p5.48xlarge"]
    assert len(p5) == 1 and p5[0]["as_of"] == "2026-11-20"  # the import replaced the built-in row


def test_import_skypilot_to_stdout() -> None:
    result = CliRunner().invoke(
        main, ["catalog", "import-skypilot", str(FIXTURES / "gcp_vms.csv"), "--cloud", "gcp"]
    )
    assert result.exit_code == 0
    assert result.stdout.startswith("provider,instance_type,gpu,") and "a3-highgpu-8g" in result.stdout


@given(st.integers(min_value=0, max_value=300), st.integers(min_value=0, max_value=300))
def test_raising_min_vram_never_adds_gpus(shipped: Catalog, low: int, extra: int) -> None:
    few = {r["gpu"] for r in gpu_rows(shipped, min_vram_bytes=(low + extra) * GIB)}
    many = {r["gpu"] for r in gpu_rows(shipped, min_vram_bytes=low * GIB)}
    assert few <= many
    assert all(shipped.gpu(name).sold_vram_bytes >= (low + extra) * GIB for name in few)


def test_models_lists_name_type_params_and_source() -> None:
    code, out, _ = run("models", "--filter", "llama", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all("llama" in r["name"] for r in rows)
    assert set(rows[0]) == {"name", "model_type", "params_b", "source"}
    sizes = [r["params_b"] for r in rows if isinstance(r["params_b"], float | int)]
    assert sizes == sorted(sizes)


def test_an_unknown_system_id_is_answered_with_the_closest_one(shipped: Catalog) -> None:
    """``server-8x-h100`` is the shipped ``server-8x-h100-sxm`` without its form factor."""
    assert shipped.unknown_system("server-8x-h100") == (
        "unknown system id 'server-8x-h100' (did you mean 'server-8x-h100-sxm'?); see `planner catalog nodes`"
    )
    assert "did you mean" not in shipped.unknown_system("zzz")
    assert "'my-quote'" in shipped.unknown_system("my-quot", also=["my-quote"])


def test_cloud_filter_by_a_whole_region_name() -> None:
    """An engineer comparing quotes by region typed ``--filter us-west-2`` (the spelling of
    ``hardware.regions``) and got "(no rows match)" beside six shipped rows in that region; a GPU name still
    never matches inside a region (T4 is not a word of us-east4)."""
    code, out, _ = run("cloud", "--filter", "us-west-2", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    shipped = list(csv.DictReader((Path(__file__).resolve().parents[2] / "catalogs" / "cloud.csv").open()))
    expected = {(r["provider"], r["instance_type"]) for r in shipped if r["region"] == "us-west-2"}
    assert expected and {(r["provider"], r["instance_type"]) for r in rows} == expected
    assert {r["region"] for r in rows} == {"us-west-2"}
    code, out, _ = run("cloud", "--filter", "T4", "--format", "csv")
    assert code == 0 and {r["gpu"] for r in csv.DictReader(io.StringIO(out))} == {"T4"}


def test_excluded_rows_filter_by_a_whole_region_name_too() -> None:
    """The rows left out as anomalies answered "(no rows match 'us-central1')" beside the GCP us-central1
    A100-80GB rows excluded for their inconsistent price, while the offers' own list found the region."""
    code, out, _ = run("cloud", "--excluded", "--filter", "us-central1", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    shipped = Path(__file__).resolve().parents[2] / "catalogs" / "cloud_excluded.csv"
    expected = {r["instance_type"] for r in csv.DictReader(shipped.open()) if r["region"] == "us-central1"}
    assert expected and {r["instance_type"] for r in rows} == expected
    assert {r["region"] for r in rows} == {"us-central1"}
