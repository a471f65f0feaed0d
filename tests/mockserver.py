"""Local mock HTTP server for the site replicas in ``tests/sites/`` (stdlib only).

Run ``python -m tests.mockserver [--sites DIR] [--verbose]`` from the repository root. It starts
one threaded HTTP server per site directory (127.0.0.1, port 0), prints ONE JSON line to stdout::

    {"sites": {"communitycare": "http://127.0.0.1:PORT", ...}}

and serves until SIGTERM/SIGINT or until stdin is closed (stdin is only watched when it is a
pipe or a terminal, so ``</dev/null`` does not stop it at once).

Site directory layout (see ``tests/sites/README.md`` for the full protocol)::

    tests/sites/<site>/site.toml    routes, [[route]] tables (keys below)
    tests/sites/<site>/handler.py   optional: def handle(req: Request, site: Site) -> Response | None
    tests/sites/<site>/...          page files

``[site]`` table (optional): ``last_modified`` (HTTP date used for routes that do not give one),
``robots`` (robots.txt text used when no route serves /robots.txt).

``[[route]]`` keys:

* ``path``            exact path (compared percent-decoded); required
* ``query``           absent = any query; a string = the exact raw query string ("" = none);
                      a table = parameters that must be present with these (decoded) values
* ``file``            page file, relative to the site dir
* ``body``            inline body text instead of ``file``
* ``status``          default 200
* ``content_type``    default from the file extension; sent verbatim, so it can lie about the charset
* ``headers``         table of extra response headers
* ``scenario``        route only active while this scenario flag is on
* ``unless_scenario`` route only active while this flag is off
* ``conditional``     default true: ETag + Last-Modified and 304 on a matching conditional request
* ``last_modified``   HTTP date for this route
* ``delay``           seconds to wait before answering
* ``redirect``        Location (placeholders allowed); status defaults to 301 (use 301 or 302)

The first matching route wins, so scenario routes go before the default route for a path.
Text bodies get ``{{base}}`` (this site's base URL) and ``{{base:<site>}}`` (another site's)
replaced when served.

Control endpoints on every port: ``/__mock__/scenario?set=NAME`` | ``?unset=NAME`` | ``?reset=1``
(flags are global to the process; the answer is the JSON list of flags on),
``/__mock__/hits`` (JSON ``{"<path?query>": {"<status>": n}}`` for this site) and
``/__mock__/reset-hits`` (this site only; ``?all=1`` for every site).
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import importlib.util
import json
import os
import re
import signal
import stat
import sys
import threading
import tomllib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

# When run as ``python -m tests.mockserver`` this module is ``__main__``; handler modules import
# ``tests.mockserver`` for the Request/Response types, so make both names the same module object.
if __name__ == "__main__":
    sys.modules.setdefault("tests.mockserver", sys.modules[__name__])

DEFAULT_SITES_DIR = Path(__file__).resolve().parent / "sites"
DEFAULT_LAST_MODIFIED = "Mon, 04 Sep 2017 07:47:09 GMT"
DEFAULT_ROBOTS = "User-agent: *\nAllow: /\n"
# Where a {{base:<site>}} placeholder points when that site has no replica: a closed local port.
MISSING_SITE_BASE = "http://127.0.0.1:9"

CONTENT_TYPES: dict[str, str] = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=UTF-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".css": "text/css",
    ".js": "application/javascript",
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".gz": "application/gzip",
}
TEXT_SUFFIXES = {".html", ".htm", ".xml", ".rss", ".atom", ".txt", ".json", ".css", ".js", ".csv"}
_SITE_PLACEHOLDER = re.compile(rb"\{\{base:([A-Za-z0-9_\-]+)\}\}")


# ---------------------------------------------------------------------------------------------
# Public types used by handler.py modules


@dataclass(frozen=True)
class Request:
    """One incoming request, as a handler sees it.

    :ivar method: ``GET``, ``HEAD`` or ``POST``.
    :ivar path: the path as sent (still percent-encoded), without the query.
    :ivar raw_query: the query string as sent, without ``?`` ("" if none).
    :ivar query: parsed query, multi-valued and percent-decoded (``parse_qs``, blanks kept).
    :ivar headers: request headers with lower-cased names.
    :ivar body: request body (POST), else ``b""``.
    """

    method: str
    path: str
    raw_query: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""

    @property
    def target(self) -> str:
        """``path?query`` as sent: the key used by the hit counter."""
        return f"{self.path}?{self.raw_query}" if self.raw_query else self.path

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of a query parameter."""
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Response:
    """What a handler returns.

    ``body`` is bytes (``Content-Length`` is added) or an iterable of byte chunks, streamed
    with no ``Content-Length`` (the connection is closed at the end). ``delay`` seconds are
    waited before the status line is sent.
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterable[bytes] = b""
    delay: float = 0.0


class Site:
    """What a handler knows about its site and the server (one object per site directory)."""

    def __init__(self, name: str, directory: Path, server: MockServer) -> None:
        self.name = name
        self.dir = directory
        self._server = server
        self.base = ""  # set once the port is bound
        config: dict[str, Any] = {}
        toml_path = directory / "site.toml"
        if toml_path.exists():
            config = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        site_cfg: dict[str, Any] = config.get("site", {})
        self.last_modified: str = site_cfg.get("last_modified", DEFAULT_LAST_MODIFIED)
        self.robots: str = site_cfg.get("robots", DEFAULT_ROBOTS)
        self.routes: list[Route] = [Route.from_toml(r, name) for r in config.get("route", [])]
        self.handler: Callable[[Request, Site], Response | None] | None = None
        handler_path = directory / "handler.py"
        if handler_path.exists():
            module = _load_module(f"tests_sites_{name}_handler", handler_path)
            self.handler = module.handle
        self._hits: dict[str, dict[str, int]] = {}
        self._hits_lock = threading.Lock()

    # -- what handlers use ------------------------------------------------------------------
    @property
    def bases(self) -> dict[str, str]:
        """Base URL of every site served by this process, by site name."""
        return self._server.bases

    def base_of(self, site: str) -> str:
        return self._server.bases.get(site, MISSING_SITE_BASE)

    def scenario(self, name: str) -> bool:
        """Is this scenario flag on?"""
        return self._server.scenario_on(name)

    @property
    def scenarios(self) -> frozenset[str]:
        return self._server.scenarios()

    def substitute(self, data: bytes) -> bytes:
        """Replace ``{{base}}`` and ``{{base:<site>}}`` placeholders."""
        data = data.replace(b"{{base}}", self.base.encode())
        return _SITE_PLACEHOLDER.sub(lambda m: self.base_of(m.group(1).decode()).encode(), data)

    def load(self, file: str, *, substitute: bool | None = None) -> bytes:
        """Read a page file of this site; placeholders are replaced in text files."""
        path = (self.dir / file).resolve()
        if self.dir.resolve() not in path.parents:
            raise ValueError(f"{file!r} is outside site {self.name!r}")
        data = path.read_bytes()
        if substitute is None:
            substitute = path.suffix.lower() in TEXT_SUFFIXES
        return self.substitute(data) if substitute else data

    def serve_bytes(
        self,
        req: Request,
        body: bytes,
        *,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        last_modified: str | None = None,
        conditional: bool = True,
    ) -> Response:
        """A response with ETag/Last-Modified that answers 304 to a matching conditional request."""
        out = {"Content-Type": content_type, **(headers or {})}
        if status == 200 and conditional:
            etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
            lm = last_modified or self.last_modified
            out.setdefault("ETag", etag)
            out.setdefault("Last-Modified", lm)
            if _not_modified(req, out["ETag"], out["Last-Modified"]):
                keep = {
                    k: v for k, v in out.items() if k in ("ETag", "Last-Modified", "Cache-Control")
                }
                return Response(304, keep, b"")
        return Response(status, out, body)

    def serve_file(self, req: Request, file: str, **kwargs: Any) -> Response:
        """``serve_bytes`` for a page file (content type from its extension unless given)."""
        kwargs.setdefault("content_type", content_type_for(file))
        return self.serve_bytes(req, self.load(file), **kwargs)

    def sleep(self, seconds: float) -> bool:
        """Sleep, waking early when the server shuts down. True if the full time elapsed."""
        return not self._server.stopping.wait(seconds)

    def hit_count(self, target: str, status: int | None = None) -> int:
        """Hits so far on ``path?query`` (all statuses, or one)."""
        with self._hits_lock:
            counts = self._hits.get(target, {})
            if status is None:
                return sum(counts.values())
            return counts.get(str(status), 0)

    # -- internal -----------------------------------------------------------------------------
    def record_hit(self, target: str, status: int) -> None:
        with self._hits_lock:
            counts = self._hits.setdefault(target, {})
            counts[str(status)] = counts.get(str(status), 0) + 1

    def hits_snapshot(self) -> dict[str, dict[str, int]]:
        with self._hits_lock:
            return {k: dict(v) for k, v in self._hits.items()}

    def reset_hits(self) -> None:
        with self._hits_lock:
            self._hits.clear()

    def respond(self, req: Request) -> Response:
        if self.handler is not None:
            resp = self.handler(req, self)
            if resp is not None:
                return resp
        for route in self.routes:
            if route.matches(req, self._server):
                return route.respond(req, self)
        if unquote(req.path) == "/robots.txt":
            return Response(
                200, {"Content-Type": "text/plain; charset=utf-8"}, self.robots.encode()
            )
        return not_found(req)


@dataclass
class Route:
    """One ``[[route]]`` of a site.toml (see the module docstring for the keys)."""

    path: str
    query: str | dict[str, str] | None = None
    file: str | None = None
    body: str | None = None
    status: int = 200
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    scenario: str | None = None
    unless_scenario: str | None = None
    conditional: bool = True
    last_modified: str | None = None
    delay: float = 0.0
    redirect: str | None = None

    KEYS = frozenset(
        "path query file body status content_type headers scenario unless_scenario "
        "conditional last_modified delay redirect".split()
    )

    @classmethod
    def from_toml(cls, raw: dict[str, Any], site: str) -> Route:
        unknown = set(raw) - cls.KEYS
        if unknown:
            raise ValueError(f"site {site!r}: unknown route key(s) {sorted(unknown)} in {raw}")
        if "path" not in raw:
            raise ValueError(f"site {site!r}: route without path: {raw}")
        route = cls(**raw)
        if route.redirect is None and route.file is None and route.body is None:
            raise ValueError(f"site {site!r}: route {route.path} needs file, body or redirect")
        if route.redirect is not None and "status" not in raw:
            route.status = 301
        if isinstance(route.query, dict):
            route.query = {str(k): str(v) for k, v in route.query.items()}
        return route

    def matches(self, req: Request, server: MockServer) -> bool:
        if unquote(req.path) != unquote(self.path):
            return False
        if self.scenario is not None and not server.scenario_on(self.scenario):
            return False
        if self.unless_scenario is not None and server.scenario_on(self.unless_scenario):
            return False
        if self.query is None:
            return True
        if isinstance(self.query, str):
            return req.raw_query == self.query
        return all(req.query.get(k, [None])[0] == v for k, v in self.query.items())

    def respond(self, req: Request, site: Site) -> Response:
        if self.redirect is not None:
            location = site.substitute(self.redirect.encode()).decode()
            resp = Response(self.status, {"Location": location, **self.headers}, b"")
            resp.headers.setdefault("Content-Type", "text/html; charset=utf-8")
            resp.delay = self.delay
            return resp
        if self.file is not None:
            body = site.load(self.file)
            ctype = self.content_type or content_type_for(self.file)
        else:
            body = site.substitute((self.body or "").encode("utf-8"))
            ctype = self.content_type or "text/html; charset=utf-8"
        resp = site.serve_bytes(
            req,
            body,
            content_type=ctype,
            status=self.status,
            headers=dict(self.headers),
            last_modified=self.last_modified,
            conditional=self.conditional,
        )
        resp.delay = self.delay
        return resp


# ---------------------------------------------------------------------------------------------
# Helpers


def content_type_for(file: str) -> str:
    return CONTENT_TYPES.get(Path(file).suffix.lower(), "application/octet-stream")


def not_found(req: Request) -> Response:
    body = (
        "<!DOCTYPE html><html><head><title>Page not found</title></head>"
        f"<body><h1>404 Not Found</h1><p>No route for {req.target}</p></body></html>"
    ).encode()
    return Response(404, {"Content-Type": "text/html; charset=utf-8"}, body)


def _not_modified(req: Request, etag: str, last_modified: str) -> bool:
    inm = req.headers.get("if-none-match")
    if inm is not None:
        tags = [t.strip().removeprefix("W/") for t in inm.split(",")]
        return "*" in tags or etag in tags
    ims = req.headers.get("if-modified-since")
    if ims is not None:
        try:
            since = email.utils.parsedate_to_datetime(ims)
            modified = email.utils.parsedate_to_datetime(last_modified)
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def _load_module(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# ---------------------------------------------------------------------------------------------
# The server


class MockServer:
    """All sites of one process: one ThreadingHTTPServer per site, shared scenario flags."""

    def __init__(self, sites_dir: Path, *, verbose: bool = False) -> None:
        self.verbose = verbose
        self.stopping = threading.Event()
        self._flags: set[str] = set()
        self._flags_lock = threading.Lock()
        self.bases: dict[str, str] = {}
        self.sites: dict[str, Site] = {}
        self._httpds: list[ThreadingHTTPServer] = []
        dirs = sorted(
            d
            for d in sites_dir.iterdir()
            if d.is_dir() and ((d / "site.toml").exists() or (d / "handler.py").exists())
        )
        for d in dirs:
            self.sites[d.name] = Site(d.name, d, self)

    # scenario flags
    def scenario_on(self, name: str) -> bool:
        with self._flags_lock:
            return name in self._flags

    def scenarios(self) -> frozenset[str]:
        with self._flags_lock:
            return frozenset(self._flags)

    def set_scenario(self, name: str, on: bool) -> None:
        with self._flags_lock:
            (self._flags.add if on else self._flags.discard)(name)

    def reset_scenarios(self) -> None:
        with self._flags_lock:
            self._flags.clear()

    def start(self) -> None:
        for name, site in self.sites.items():
            httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(site, self))
            httpd.daemon_threads = True
            port = httpd.server_address[1]
            site.base = f"http://127.0.0.1:{port}"
            self.bases[name] = site.base
            self._httpds.append(httpd)
            threading.Thread(target=httpd.serve_forever, name=f"mock-{name}", daemon=True).start()

    def stop(self) -> None:
        self.stopping.set()
        for httpd in self._httpds:
            httpd.shutdown()
            httpd.server_close()


def _make_handler(site: Site, server: MockServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "carewatch-mock/1"

        def version_string(self) -> str:
            return self.server_version

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (stdlib name)
            if server.verbose:
                sys.stderr.write(f"[{site.name}] {format % args}\n")

        def do_GET(self) -> None:
            self._serve()

        def do_HEAD(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _request(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length > 0 else b""
            return Request(
                method=self.command,
                path=parts.path or "/",
                raw_query=parts.query,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )

        def _serve(self) -> None:
            req = self._request()
            try:
                if req.path.startswith("/__mock__/"):
                    resp = self._control(req)
                else:
                    resp = site.respond(req)
                    site.record_hit(req.target, resp.status)
            except Exception as exc:  # a broken fixture must show up, not hang the client
                import traceback

                traceback.print_exc()
                resp = Response(
                    500, {"Content-Type": "text/plain"}, f"mockserver: {exc!r}".encode()
                )
                site.record_hit(req.target, 500)
            self._send(req, resp)

        def _control(self, req: Request) -> Response:
            action = req.path.removeprefix("/__mock__/").rstrip("/")
            if action == "scenario":
                for name in req.query.get("set", []):
                    server.set_scenario(name, True)
                for name in req.query.get("unset", []):
                    server.set_scenario(name, False)
                if req.param("reset"):
                    server.reset_scenarios()
                data: Any = sorted(server.scenarios())
            elif action == "hits":
                data = site.hits_snapshot()
            elif action == "reset-hits":
                for s in server.sites.values() if req.param("all") else [site]:
                    s.reset_hits()
                data = {"ok": True}
            elif action == "sites":
                data = server.bases
            else:
                return not_found(req)
            body = json.dumps(data, sort_keys=True).encode()
            return Response(
                200, {"Content-Type": "application/json", "Cache-Control": "no-store"}, body
            )

        def _send(self, req: Request, resp: Response) -> None:
            if resp.delay and not site.sleep(resp.delay):
                return
            try:
                self.send_response(resp.status)
                streamed = not isinstance(resp.body, bytes | bytearray)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                if not streamed:
                    assert isinstance(resp.body, bytes | bytearray)
                    if "content-length" not in {k.lower() for k in resp.headers}:
                        self.send_header("Content-Length", str(len(resp.body)))
                self.send_header("Connection", "close")
                self.end_headers()
                if req.method == "HEAD" or resp.status in (204, 304):
                    return
                if streamed:
                    assert not isinstance(resp.body, bytes | bytearray)
                    for chunk in resp.body:
                        self.wfile.write(chunk)
                        self.wfile.flush()
                else:
                    self.wfile.write(resp.body)  # type: ignore[arg-type]
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeouts, size limits): expected in fault tests
            self.close_connection = True

    return Handler


def _watch_stdin(stop: threading.Event) -> None:
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or sys.stdin.isatty()):
        return

    def read_until_eof() -> None:
        try:
            while sys.stdin.buffer.read(4096):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=read_until_eof, name="stdin-watch", daemon=True).start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.mockserver", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--sites", type=Path, default=DEFAULT_SITES_DIR, help="site directories root"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    args = parser.parse_args(argv)
    server = MockServer(args.sites, verbose=args.verbose)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    _watch_stdin(stop)
    sys.stdout.write(json.dumps({"sites": server.bases}) + "\n")
    sys.stdout.flush()
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


def iter_chunks(data: bytes, size: int = 65536) -> Iterator[bytes]:
    """Split bytes into chunks (for streamed handler responses)."""
    for i in range(0, len(data), size):
        yield data[i : i + size]


if __name__ == "__main__":
    raise SystemExit(main())
