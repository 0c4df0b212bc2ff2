"""The local page's HTTP server: the standard library's ``ThreadingHTTPServer``, static files and a JSON API.

Why no web framework: the page is one HTML file, one script and one stylesheet served from the package, and
six JSON endpoints that call ``planner.web.api``. The standard library does that with no dependency to keep
up to date and nothing to fetch at run time (no CDN: the page works offline). It binds 127.0.0.1 unless the
user asks for another interface. Errors are JSON messages shown on the page, never a traceback.
"""

from __future__ import annotations

import json
import sys
import traceback
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from planner.errors import PlannerError
from planner.web import api

STATIC_DIR = Path(__file__).with_name("static")
STATIC_FILES = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/app.js": ("app.js", "text/javascript; charset=utf-8"),
    "/app.css": ("app.css", "text/css; charset=utf-8"),
}
MAX_BODY_BYTES = 2_000_000
INTERNAL_ERROR = (
    "internal error: planner could not answer this request. The terminal running `planner serve` shows "
    "the details; please report them."
)


class PlannerServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, Handler)
        self.store = api.PlanStore()
        self.routes: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
            "/api/estimate": api.estimate,
            "/api/perf": api.perf,
            "/api/validate": api.validate,
            "/api/solve": lambda payload: api.solve(self.store, payload),
            "/api/compare": lambda payload: api.compare(self.store, payload),
        }

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A browser that closed the connection (a reload, a cancelled download) gets one line, not the
        traceback socketserver prints for any error: nothing went wrong on this side."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            sys.stderr.write(f"{client_address[0]} closed the connection before the answer was sent\n")
            return
        super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    server: PlannerServer
    server_version = "planner"

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict[str, Any]) -> None:
        body = json.dumps(data, allow_nan=False, default=str).encode("utf-8")
        self._send(status, body, "application/json")

    def do_GET(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if path in STATIC_FILES:
            name, content_type = STATIC_FILES[path]
            self._send(HTTPStatus.OK, (STATIC_DIR / name).read_bytes(), content_type)
        elif path == "/api/meta":
            self._guarded(api.meta)
        elif path.startswith("/download/"):
            self._download(path.removeprefix("/download/"))
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no page {path}"})

    def _same_origin(self) -> bool:
        """A request from another site (a page the user has open elsewhere posting to localhost) is refused:
        its Origin, where the browser sends one, must name this server's own host."""
        origin = self.headers.get("Origin")
        return origin is None or urllib.parse.urlsplit(origin).netloc == self.headers.get("Host", "")

    def do_POST(self) -> None:
        path = urllib.parse.urlsplit(self.path).path
        if not self._same_origin():
            self._json(HTTPStatus.FORBIDDEN, {"error": "requests from other sites are refused"})
            return
        route = self.server.routes.get(path)
        if route is None:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no endpoint {path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "request too large"})
            return
        try:
            payload = json.loads(self.rfile.read(length) or b"{}")
        except (json.JSONDecodeError, UnicodeDecodeError):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the request is not JSON"})
            return
        if not isinstance(payload, dict):
            self._json(HTTPStatus.BAD_REQUEST, {"error": "the request is not a JSON object"})
            return
        self._guarded(lambda: route(payload))

    def _guarded(self, call: Callable[[], dict[str, Any]]) -> None:
        """Run ``call``; a planner error is a 400 with its one line, anything else a 500 with
        ``INTERNAL_ERROR`` (an exception's own text means nothing to the person at the page)."""
        try:
            data = call()
        except PlannerError as error:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(error), "exit_code": error.exit_code})
            return
        except Exception:  # a bug: the page says so in plain words, the console keeps the traceback
            sys.stderr.write(f"internal error on {self.path}:\n{traceback.format_exc()}")
            self._json(HTTPStatus.INTERNAL_SERVER_ERROR, {"error": INTERNAL_ERROR})
            return
        self._json(HTTPStatus.OK, data)

    def _download(self, rest: str) -> None:
        key, _, suffix = rest.partition(".")
        try:
            body, content_type, name = api.download(self.server.store, key, suffix)
        except PlannerError as error:
            self._json(HTTPStatus.NOT_FOUND, {"error": str(error)})
            return
        quoted = urllib.parse.quote(name)
        self._send(
            HTTPStatus.OK,
            body,
            content_type,
            {"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
        )


def make_server(host: str = "127.0.0.1", port: int = 8000) -> PlannerServer:
    """A server bound to ``host:port`` (port 0: any free port, see ``server_address``), not yet serving."""
    try:
        return PlannerServer((host, port))
    except OSError as error:
        raise PlannerError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
