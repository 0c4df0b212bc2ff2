"""``planner catalog update``: SkyPilot's hosted catalogs fetched and imported, from a local HTTP server on
127.0.0.1 serving the fixture files (never the internet).

Figures: p5.48xlarge is 55.04 USD/hour on demand in us-east-1 and its cheapest zone's spot 17.6289 (the
values recorded from catalogs/v8/aws/vms.csv, see tests/fixtures/skypilot/README.md); Lambda's
gpu_1x_h100_sxm5 is 4.29 USD/hour.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from planner.catalog.load import load_catalog, read_cloud_csv
from planner.catalog.schema import Catalog
from planner.catalog.skypilot import import_skypilot, write_cloud_csv
from planner.catalog.update import update_catalog
from planner.cli import main
from planner.errors import CatalogError

from .conftest import FRESH

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "skypilot"
AWS_MODIFIED = "Tue, 18 Nov 2025 10:00:00 GMT"
TODAY = dt.date(2026, 12, 3)


class _Catalogs(BaseHTTPRequestHandler):
    """Serves /catalogs/v8/<cloud>/vms.csv from the fixtures; only AWS's answer carries Last-Modified."""

    def do_GET(self) -> None:
        parts = self.path.strip("/").split("/")
        path = FIXTURES / f"{parts[2]}_vms.csv" if len(parts) == 4 else None
        if path is None or not path.is_file():
            self.send_error(404, "Not Found")
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        if parts[2] == "aws":
            self.send_header("Last-Modified", AWS_MODIFIED)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep the test output quiet
        pass


@pytest.fixture
def url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)  # 127.0.0.1 must never go through a proxy
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Catalogs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/catalogs/v8/{{cloud}}/vms.csv"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_update_imports_each_cloud_with_its_source_and_date(
    url: str, shipped: Catalog, tmp_path: Path
) -> None:
    result = update_catalog(
        tmp_path / "mycat", shipped, clouds=("aws", "lambda"), url_template=url, today=TODAY
    )
    # AWS: g5.xlarge in us-east-1 and us-west-2, p5.48xlarge, p5.4xlarge (the rest skipped, as on import);
    # Lambda: the H100 PCIe in two regions, the H100 SXM5 and the 8x A100 80GB.
    assert result.offers == {"aws": 4, "lambda": 4}
    offers = {o.id: o for o in read_cloud_csv(result.path)}
    p5 = offers["aws:p5.48xlarge:us-east-1"]
    assert (p5.price_usd_per_hour, p5.spot_price_usd_per_hour) == (55.04, 17.6289)
    assert p5.as_of == dt.date(2025, 11, 18)  # the server's Last-Modified, not today
    assert p5.source_file == url.format(cloud="aws")
    sxm = offers["lambda:gpu_1x_h100_sxm5:us-east-1"]
    assert (sxm.price_usd_per_hour, sxm.as_of) == (4.29, TODAY)  # no Last-Modified: the day it was fetched
    loaded = load_catalog([tmp_path / "mycat"], today=FRESH)  # what it wrote loads as a catalog directory
    assert next(o for o in loaded.cloud if o.id == p5.id).as_of == dt.date(2025, 11, 18)


def test_rows_of_clouds_not_fetched_are_kept(url: str, shipped: Catalog, tmp_path: Path) -> None:
    directory = tmp_path / "mycat"
    gcp = import_skypilot(FIXTURES / "gcp_vms.csv", "gcp", shipped, as_of=FRESH).offers
    write_cloud_csv(gcp, directory / "cloud.csv")
    result = update_catalog(directory, shipped, clouds=("aws",), url_template=url, today=TODAY)
    assert result.kept == len(gcp) > 0
    providers = [o.provider for o in read_cloud_csv(result.path)]
    assert providers.count("gcp") == len(gcp) and providers.count("aws") == 4


def test_cli_prints_what_it_fetched(url: str, tmp_path: Path) -> None:
    directory = tmp_path / "mycat"
    args = ["catalog", "update", str(directory), "--cloud", "aws", "--url", url, "--region", "us-east-1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"aws: 3 offers from {url.format(cloud='aws')} (as of 2025-11-18)",
        f"wrote {directory / 'cloud.csv'}; use it with --catalog-dir {directory}",
    ]
    ids = {o.id for o in read_cloud_csv(directory / "cloud.csv")}
    assert ids == {"aws:g5.xlarge:us-east-1", "aws:p5.48xlarge:us-east-1", "aws:p5.4xlarge:us-east-1"}


def test_offline_is_one_line_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("http_proxy", raising=False)
    monkeypatch.delenv("HTTP_PROXY", raising=False)
    url = f"http://127.0.0.1:{_closed_port()}/{{cloud}}/vms.csv"
    result = CliRunner().invoke(main, ["catalog", "update", str(tmp_path / "mycat"), "--url", url])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"error: cannot fetch {url.format(cloud='aws')}: ")
    assert "offline?" in result.stderr
    assert not (tmp_path / "mycat").exists()


def test_one_failed_download_leaves_the_previous_file(url: str, shipped: Catalog, tmp_path: Path) -> None:
    directory = tmp_path / "mycat"
    update_catalog(directory, shipped, clouds=("aws",), url_template=url, today=TODAY)
    before = (directory / "cloud.csv").read_text()
    with pytest.raises(CatalogError, match=r"cannot fetch .*/catalogs/v8/nowhere/vms.csv: HTTP 404"):
        update_catalog(directory, shipped, clouds=("lambda", "nowhere"), url_template=url, today=TODAY)
    assert (directory / "cloud.csv").read_text() == before


def test_a_url_without_a_scheme_or_placeholder_is_refused(shipped: Catalog, tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"not an http\(s\) URL"):
        update_catalog(tmp_path, shipped, clouds=("aws",), url_template="file:///etc/{cloud}")
    with pytest.raises(CatalogError, match=r"use \{cloud\}"):
        update_catalog(tmp_path, shipped, clouds=("aws",), url_template="http://x/{provider}.csv")


def test_one_file_is_not_read_as_every_clouds(url: str, tmp_path: Path) -> None:
    """``--url .../aws/vms.csv`` without ``--cloud`` (or with several) fetched the AWS file once per provider
    and wrote AWS's g5 and p5 instances again as Lambda's, GCP's, Nebius's and RunPod's offers, at AWS's
    prices. Without {cloud} the URL is one cloud's file: more than one cloud is refused in one line, nothing
    written; with one --cloud it is read as that cloud's."""
    aws_file = url.format(cloud="aws")
    directory = tmp_path / "mycat"
    result = CliRunner().invoke(main, ["catalog", "update", str(directory), "--url", aws_file])
    assert result.exit_code == 2
    assert result.stderr.splitlines() == [
        f"error: --url {aws_file} has no {{cloud}} and would be read as the price file of each of aws, gcp, "
        "lambda, nebius, runpod: put {cloud} where the provider's name goes, or fetch one --cloud"
    ]
    assert not directory.exists()
    result = CliRunner().invoke(
        main, ["catalog", "update", str(directory), "--cloud", "aws", "--url", aws_file]
    )
    assert result.exit_code == 0, result.output
    assert {o.provider for o in read_cloud_csv(directory / "cloud.csv")} == {"aws"}
