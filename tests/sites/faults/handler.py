"""Generated fault endpoints of the ``faults`` site (RELIABILITY.md §3.A).

* ``/hang``                accepts, never answers (60 s, longer than DOWNLOAD_TIMEOUT = 30 s)
* ``/drip``                200, then one byte every 0.5 s, no Content-Length (A6)
* ``/oversized``           ~6 MB HTML, generated per request, with Content-Length (A2)
* ``/oversized-nolength``  the same streamed with no Content-Length (A2)
* ``/gzip-bomb``           ``Content-Encoding: gzip``, ~12 KB on the wire, 12 MB decompressed (A1)
* ``/truncated``           Content-Length larger than the body sent (A3)
* ``/flaky?fail=N``        503 + Retry-After: 1 for the first N hits on that URL, then 200 (A7)
* scenario ``robots_503``  /robots.txt answers 503 (A8b); ``robots_hang``: it hangs (A8c)
* ``/hostile/…``           hostile kinds of site (issue 11), see tests/sites/faults/hostile.py
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

from tests.mockserver import Request, Response, Site
from tests.sites.faults import hostile

HANG_SECONDS = 60.0
OVERSIZED_BYTES = 6 * 1024 * 1024
BOMB_BYTES = 12 * 1024 * 1024

# Generated once at start-up (in memory): 12 MB of whitespace inside an HTML page.
_BOMB_PLAIN_HEAD = b"<!DOCTYPE html><html><head><title>bomb</title></head><body><p>"
GZIP_BOMB = gzip.compress(_BOMB_PLAIN_HEAD + b" " * BOMB_BYTES + b"</p></body></html>", 9)

_PARAGRAPH = (
    "<p>Filler paragraph for the oversized-page fault. The council’s children’s services "
    "budget is £1.2m – this sentence repeats until the page is about six megabytes.</p>\n"
).encode()


def _oversized() -> Iterator[bytes]:
    yield b"<!DOCTYPE html><html><head><meta charset='utf-8'><title>Oversized</title></head><body>\n"
    sent = 0
    block = _PARAGRAPH * 512
    while sent < OVERSIZED_BYTES:
        yield block
        sent += len(block)
    yield b"</body></html>\n"


def _drip(site: Site) -> Iterator[bytes]:
    for ch in b"<html><body><p>drip drip drip drip drip</p></body></html>":
        if not site.sleep(0.5):
            return
        yield bytes([ch])


def handle(req: Request, site: Site) -> Response | None:
    path = req.path
    answer = hostile.handle(req, site)
    if answer is not None:
        return answer
    if path == "/robots.txt":
        if site.scenario("robots_503"):
            return Response(503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"unavailable")
        if site.scenario("robots_hang"):
            return Response(200, {"Content-Type": "text/plain"}, b"", delay=HANG_SECONDS)
        return None  # default robots from site.toml
    if path == "/hang":
        # Response.delay sleeps in this request's own thread; other requests are unaffected.
        return Response(200, {"Content-Type": "text/html"}, b"<p>too late</p>", delay=HANG_SECONDS)
    if path == "/drip":
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, _drip(site))
    if path == "/oversized":
        body = b"".join(_oversized())
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, body)
    if path == "/oversized-nolength":
        return Response(200, {"Content-Type": "text/html; charset=utf-8"}, _oversized())
    if path == "/gzip-bomb":
        headers = {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"}
        return Response(200, headers, GZIP_BOMB)
    if path == "/truncated":
        body = b"<!DOCTYPE html><html><body><p>This body stops half way thr"
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Length": str(len(body) + 5000),
        }
        return Response(200, headers, body)
    if path == "/flaky":
        fail = int(req.param("fail", "2") or 2)
        if site.hit_count(req.target) < fail:
            return Response(503, {"Content-Type": "text/plain", "Retry-After": "1"}, b"try again")
        return site.serve_file(req, "ok.html", conditional=False)
    return None
