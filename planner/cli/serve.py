"""``planner serve``: the local web page. Binds 127.0.0.1 unless ``--host`` says otherwise."""

from __future__ import annotations

import sys

import click


@click.command()
@click.option("--port", type=click.IntRange(min=0, max=65_535), default=8000, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Interface to listen on; 0.0.0.0 opens the page to the network (no authentication).",
)
def serve(port: int, host: str) -> None:
    """Serve the local page: memory estimate and fit, scenario editor, solve, compare. Ctrl-C stops it."""
    from planner.web.server import make_server

    server = make_server(host, port)
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"planner: serving on http://{bound_host!s}:{bound_port} (Ctrl-C stops)", err=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        sys.exit(130)
    finally:
        server.server_close()
