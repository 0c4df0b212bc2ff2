"""``planner catalog``: browse the hardware and price catalogs, and import SkyPilot's price catalog.

Only click is imported at module level; the library is imported inside each command so ``planner --help``
stays fast.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from planner.cli.options import (
    Choice,
    FiniteFloatRange,
    catalog_dir_option,
    check_output,
    file_option,
    load_catalog_from,
    mkdir_option,
)
from planner.errors import PlannerError

if TYPE_CHECKING:
    pass

FORMATS = ("table", "json", "csv")


def _min_vram(ctx: click.Context, param: click.Parameter, value: str | None) -> int:
    if value is None:
        return 0
    from planner.units import parse_bytes

    try:
        return parse_bytes(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _browse_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options every browsing subcommand shares, declared once."""
    options = [
        click.option(
            "--filter",
            "text",
            default="",
            help="Keep rows whose GPU, alias, provider or id has TEXT as a word (T4: no L40S, no us-east4), "
            "or whose region is TEXT (cloud: us-west-2).",
        ),
        click.option(
            "--min-vram",
            callback=_min_vram,
            metavar="SIZE",
            help="Least memory as sold (per card; nodes, cloud: per machine), e.g. 48GiB; bare number: GiB.",
        ),
        click.option("--format", "fmt", type=Choice(FORMATS), default="table", show_default=True),
        catalog_dir_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def catalog() -> None:
    """Browse GPUs, buyable nodes, cloud offers and models; import or fetch SkyPilot prices.

    \b
    planner catalog cloud --filter H100
    planner catalog gpus --min-vram 48GiB --format csv
    planner catalog import-skypilot vms.csv --cloud aws --region us-east-1 -o mycat/cloud.csv --mkdir
    planner catalog update mycat --cloud aws --cloud lambda
    """


@catalog.command()
@_browse_options
def gpus(text: str, min_vram: int, fmt: str, catalog_dirs: tuple[Path, ...]) -> None:
    """GPUs: usable memory, bandwidth, dense bf16 TFLOPS, TDP and purchase price with its kind and date."""
    from planner.catalog.browse import gpu_names, gpu_rows, no_match, render

    loaded = load_catalog_from(catalog_dirs)
    rows = gpu_rows(loaded, text=text, min_vram_bytes=min_vram)
    click.echo(render(rows, fmt, empty=no_match(text, gpu_names(loaded))), nl=False)


@catalog.command()
@_browse_options
def nodes(text: str, min_vram: int, fmt: str, catalog_dirs: tuple[Path, ...]) -> None:
    """Buyable systems (desktops, workstations, servers): total memory, price, power, rack units."""
    from planner.catalog.browse import gpu_names, no_match, node_rows, render

    loaded = load_catalog_from(catalog_dirs)
    rows = node_rows(loaded, text=text, min_vram_bytes=min_vram)
    names = {**gpu_names(loaded), **{s.id: s.id for s in loaded.systems}}
    click.echo(render(rows, fmt, empty=no_match(text, names)), nl=False)


@catalog.command()
@_browse_options
@click.option("--excluded", is_flag=True, help="Show the source rows left out as anomalies, with the reason.")
def cloud(text: str, min_vram: int, fmt: str, catalog_dirs: tuple[Path, ...], excluded: bool) -> None:
    """Cloud instances: GPU, count, memory, on-demand and spot $/hour, region and price date."""
    from planner.catalog.browse import cloud_rows, excluded_cloud_rows, gpu_names, no_match, render

    if excluded and min_vram:
        # Excluded rows are raw source rows (fractional GPUs, names not matched to the GPU catalog): they
        # have no memory to filter by, and ignoring the flag silently listed 5.6 GiB machines for 100 GiB.
        raise PlannerError("--min-vram does not apply to --excluded rows (filter them by text instead)")
    loaded = load_catalog_from(catalog_dirs)
    if excluded:
        rows = excluded_cloud_rows(loaded, text=text)
        names = {r["provider"]: r["provider"] for r in excluded_cloud_rows(loaded)}
    else:
        rows = cloud_rows(loaded, text=text, min_vram_bytes=min_vram)
        offers = [(o.provider, o.instance_type) for o in loaded.cloud]
        names = {**gpu_names(loaded), **{n: n for offer in offers for n in offer}}
    click.echo(render(rows, fmt, empty=no_match(text, names)), nl=False)


@catalog.command()
@click.option("--filter", "text", default="", help="Keep models whose name or alias contains TEXT.")
@click.option("--format", "fmt", type=Choice(FORMATS), default="table", show_default=True)
def models(text: str, fmt: str) -> None:
    """Models of the model catalog: name, type, parameter count (billions) and source."""
    from planner.catalog.browse import model_rows, no_match, render
    from planner.catalog.models import load_model_catalog

    models = list(load_model_catalog())
    names = {str(n): str(m.name) for m in models for n in (m.name, *getattr(m, "aliases", ()))}
    click.echo(render(model_rows(models, text=text), fmt, empty=no_match(text, names)), nl=False)


@catalog.command("import-skypilot")
@click.argument("vms_csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--cloud", "cloud_name", required=True, help="Which cloud the file is for (aws, gcp, azure, lambda, ...)."
)
@click.option("--region", default=None, help="Keep only this region (default: every region in the file).")
@file_option(
    "-o", "--output", help="Write planner's cloud.csv here (e.g. mycat/cloud.csv); default: standard output."
)
@click.option(
    "--commit", "source_commit", default="unknown", help="The skypilot-catalog commit the file came from."
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date of the file's prices (its commit's date); default: recorded as unknown.",
)
@click.option(
    "--catalog-dir",
    "catalog_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Extra catalog directory whose GPUs (and aliases) the import may use. Repeatable.",
)
@mkdir_option
def import_skypilot_command(
    vms_csv: Path,
    cloud_name: str,
    region: str | None,
    output: Path | None,
    source_commit: str,
    as_of: dt.datetime | None,
    catalog_dirs: tuple[Path, ...],
    mkdir: bool,
) -> None:
    """Convert a SkyPilot vms.csv (github.com/skypilot-org/skypilot-catalog) into planner's cloud.csv."""
    from planner.catalog.skypilot import import_skypilot, write_cloud_csv
    from planner.files import check_output as check_not_input

    if output is not None:
        check_output(output, "csv", mkdir=mkdir)
        check_not_input(output, vms_csv)
    result = import_skypilot(
        vms_csv,
        cloud_name,
        load_catalog_from(catalog_dirs),
        region=region,
        source_commit=source_commit,
        as_of=as_of.date() if as_of else None,
    )
    text = write_cloud_csv(result.offers, output)
    if output is None:
        click.echo(text, nl=False)
    for row in result.skipped:
        click.echo(
            f"skipped {row.instance_type or '-'} ({row.accelerator}, {row.region}): {row.reason}", err=True
        )
    where = f" to {output}" if output else ""
    click.echo(f"imported {len(result.offers)} offers{where}; skipped {len(result.skipped)}", err=True)


@catalog.command("update")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--cloud",
    "clouds",
    multiple=True,
    help="Provider to fetch, repeatable [default: aws, gcp, lambda, nebius, runpod; Azure is not in "
    "format v8: --cloud azure with a v6 --url].",
)
@click.option(
    "--url",
    "url_template",
    default=None,
    help="URL of each cloud's vms.csv, with {cloud} for the provider [default: SkyPilot's catalog on "
    "GitHub, format v8]. Also read from PLANNER_SKYPILOT_URL.",
)
@click.option("--region", default=None, help="Keep only this region (default: every region).")
@click.option(
    "--timeout",
    "timeout_s",
    type=FiniteFloatRange(min=0.1, max=600),
    default=30.0,
    show_default=True,
    help="Seconds to wait for each download.",
)
@catalog_dir_option
def update_command(
    directory: Path,
    clouds: tuple[str, ...],
    url_template: str | None,
    region: str | None,
    timeout_s: float,
    catalog_dirs: tuple[Path, ...],
) -> None:
    """Fetch SkyPilot's published price catalogs into DIRECTORY/cloud.csv (use it with --catalog-dir).

    Rows of the clouds fetched are replaced, other rows kept; each row records its URL and date (the
    server's Last-Modified date, else today's). Offline, or on any failed download, nothing is written.
    """
    import os

    from planner.catalog.update import DEFAULT_CLOUDS, SKYPILOT_URL, update_catalog

    template = url_template or os.environ.get("PLANNER_SKYPILOT_URL") or SKYPILOT_URL
    dirs = (*catalog_dirs, directory) if directory.is_dir() else catalog_dirs
    result = update_catalog(
        directory,
        load_catalog_from(dirs),
        clouds=clouds or DEFAULT_CLOUDS,
        url_template=template,
        region=region,
        timeout_s=timeout_s,
    )
    for row in result.skipped:
        click.echo(
            f"skipped {row.instance_type or '-'} ({row.accelerator}, {row.region}): {row.reason}", err=True
        )
    for item in result.fetched:
        click.echo(f"{item.cloud}: {result.offers[item.cloud]} offers from {item.url} (as of {item.as_of})")
    kept = f"; kept {result.kept} rows of other clouds" if result.kept else ""
    click.echo(f"wrote {result.path}{kept}; use it with --catalog-dir {directory}")
