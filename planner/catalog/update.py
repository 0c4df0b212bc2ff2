"""Stage 1 refresh: fetch SkyPilot's hosted price catalogs and import them into a user catalog directory.

``planner catalog update`` downloads ``vms.csv`` per cloud from a URL template (SkyPilot's published catalog
on GitHub by default; any mirror by ``--url``), converts each with the ``import-skypilot`` code, and writes
the directory's ``cloud.csv``: rows of the clouds fetched are replaced, other rows kept. Each row records its
source (the URL) and its date: the server's ``Last-Modified`` date where it sends one, else the day it was
fetched (the hosted file is the catalog as of that moment). Nothing is written unless every cloud is fetched
and imported.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from planner.catalog.load import CLOUD_FILE, read_cloud_csv
from planner.catalog.schema import Catalog, CloudOffer
from planner.catalog.skypilot import SkippedRow, import_skypilot, write_cloud_csv
from planner.errors import CatalogError

SKYPILOT_URL = (
    "https://raw.githubusercontent.com/skypilot-org/skypilot-catalog/master/catalogs/v8/{cloud}/vms.csv"
)
"""SkyPilot's published catalog (github.com/skypilot-org/skypilot-catalog, format v8), one file per cloud: the
directory SkyPilot itself reads (``HOSTED_CATALOG_DIR_URL`` in its service catalog constants)."""
DEFAULT_CLOUDS = ("aws", "gcp", "lambda", "nebius", "runpod")
"""The providers of the shipped catalog that format v8 has a vms.csv for. Azure has none in v8 (the shipped
Azure rows come from v6): ``--cloud azure --url .../catalogs/v6/{cloud}/vms.csv``."""
TIMEOUT_S = 30.0
MAX_BYTES = 256 * 2**20
"""SkyPilot's largest vms.csv (AWS) is tens of MB; more than this is not a price catalog."""


@dataclass(frozen=True)
class Fetched:
    """One cloud's file: where it came from, its date and its text."""

    cloud: str
    url: str
    as_of: dt.date
    text: str


@dataclass(frozen=True)
class UpdateResult:
    path: Path
    fetched: tuple[Fetched, ...]
    offers: dict[str, int]
    """Cloud -> offers imported."""
    skipped: tuple[SkippedRow, ...]
    kept: int
    """Rows of other clouds kept from the directory's previous cloud.csv."""


def fetch(
    cloud: str, url_template: str, *, timeout_s: float = TIMEOUT_S, today: dt.date | None = None
) -> Fetched:
    """Download one cloud's vms.csv; any failure (offline, a 404, a timeout) is one line naming the URL."""
    try:
        url = url_template.format(cloud=cloud)
    except (KeyError, IndexError, ValueError) as error:
        raise CatalogError(f"--url: use {{cloud}} for the provider name ({error})") from None
    if not url.startswith(("http://", "https://")):
        raise CatalogError(f"--url: {url!r} is not an http(s) URL")
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = response.read(MAX_BYTES + 1)
            modified = response.headers.get("Last-Modified")
    except urllib.error.HTTPError as error:
        raise CatalogError(f"cannot fetch {url}: HTTP {error.code} {error.reason}") from None
    except urllib.error.URLError as error:
        raise CatalogError(f"cannot fetch {url}: {error.reason} (offline? --url names a mirror)") from None
    except (OSError, ValueError) as error:  # a timeout, a reset connection, a malformed URL
        raise CatalogError(f"cannot fetch {url}: {error}") from None
    if len(body) > MAX_BYTES:
        raise CatalogError(f"cannot fetch {url}: larger than {MAX_BYTES // 2**20} MiB, not a price catalog")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CatalogError(f"{url}: not UTF-8 text, not a SkyPilot vms.csv") from None
    return Fetched(cloud, url, _date_of(modified) or today or dt.date.today(), text)


def _date_of(header: str | None) -> dt.date | None:
    """The date of an HTTP ``Last-Modified`` header, None where there is none or it does not parse."""
    if not header:
        return None
    try:
        return email.utils.parsedate_to_datetime(header).date()
    except (TypeError, ValueError):
        return None


def update_catalog(
    directory: Path,
    catalog: Catalog,
    *,
    clouds: Sequence[str] = DEFAULT_CLOUDS,
    url_template: str = SKYPILOT_URL,
    region: str | None = None,
    timeout_s: float = TIMEOUT_S,
    today: dt.date | None = None,
) -> UpdateResult:
    """Fetch every cloud, import it, then write ``directory/cloud.csv`` once (atomically)."""
    if directory.exists() and not directory.is_dir():
        raise CatalogError(f"{directory}: not a directory")
    names = [c.strip().lower() for c in clouds]
    if len(set(names)) > 1 and "{cloud}" not in url_template:
        # One file read as every provider's: AWS's instances and prices listed again under Lambda, RunPod, ...
        raise CatalogError(
            f"--url {url_template} has no {{cloud}} and would be read as the price file of each of "
            f"{', '.join(dict.fromkeys(names))}: put {{cloud}} where the provider's name goes, or fetch one "
            "--cloud"
        )
    fetched = [fetch(c, url_template, timeout_s=timeout_s, today=today) for c in names]
    offers: list[CloudOffer] = []
    skipped: list[SkippedRow] = []
    counts: dict[str, int] = {}
    for item in fetched:
        label = Path(f"{item.cloud}-vms.csv")
        try:
            result = import_skypilot(
                label,
                item.cloud,
                catalog,
                region=region,
                source_commit="unknown (hosted file)",
                as_of=item.as_of,
                text=item.text,
            )
        except CatalogError as error:  # name the URL, not the stand-in file name
            raise CatalogError(str(error).replace(str(label), item.url, 1)) from None
        offers += [o.model_copy(update={"source_file": item.url}) for o in result.offers]
        skipped += result.skipped
        counts[item.cloud] = len(result.offers)
    path = directory / CLOUD_FILE
    previous = read_cloud_csv(path) if path.is_file() else []
    kept = [o for o in previous if o.provider not in counts]
    write_cloud_csv([*kept, *offers], path)
    return UpdateResult(path, tuple(fetched), counts, tuple(skipped), len(kept))
