"""A small polite HTTP client for one-off look-ups outside a crawl (``carewatch sources add``).

Same manners as a crawl, on a much smaller scale: carewatch's User-Agent, robots.txt obeyed
(and, as in a crawl, a host whose robots.txt cannot be fetched is not fetched from at all), a
pause between requests, a timeout, a size cap, a cap on the number of requests, and redirects
only to http(s) URLs that robots.txt allows. Plain ``urllib``: a handful of sequential requests
needs no reactor.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message
from functools import cached_property
from http.client import HTTPMessage
from typing import IO, Any
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

from lxml import html as lxml_html
from lxml.html import HtmlElement
from w3lib.encoding import html_to_unicode

#: bytes read from one response at most (the extractor's own limit, crawler.extraction.MAX_BYTES)
MAX_BYTES = 5_000_000
#: bytes of robots.txt read at most (RFC 9309 §2.5 asks parsers to read at least 500 KiB)
MAX_ROBOTS_BYTES = 500 * 1024


class FetchError(Exception):
    """A URL that could not be fetched (the message says why, naming the URL)."""


class HostUnavailable(FetchError):
    """The host cannot be reached, or its robots.txt cannot be fetched: nothing is fetched from it."""


@dataclass(frozen=True)
class Page:
    """One fetched response (status 2xx)."""

    url: str
    status: int
    content_type: str
    body: bytes
    #: the charset of the Content-Type header, if any
    charset: str | None

    @cached_property
    def text(self) -> str:
        """The body decoded as HTML/XML would be (BOM, header charset, meta charset, UTF-8)."""
        header = f"charset={self.charset}" if self.charset else None
        return html_to_unicode(header, self.body)[1]

    @cached_property
    def root(self) -> HtmlElement | None:
        """The body parsed as HTML, once (None for an empty or unreadable page)."""
        try:
            return lxml_html.fromstring(self.text)
        except (ValueError, lxml_html.etree.ParserError):
            return None

    @property
    def is_html(self) -> bool:
        return self.content_type in ("text/html", "application/xhtml+xml")


@dataclass
class _Robots:
    parser: RobotFileParser | None  # None: allow everything (robots.txt absent)
    text: str = ""


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    def __init__(self, fetcher: SiteFetcher) -> None:
        self.fetcher = fetcher

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: HTTPMessage, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise FetchError(f"{req.full_url} redirects to a non-http(s) URL: {newurl}")
        if not self.fetcher.allowed(newurl):
            raise FetchError(f"{req.full_url} redirects to {newurl}, which robots.txt disallows")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@dataclass
class SiteFetcher:
    """Fetches pages one at a time, politely. ``get`` returns None for a 4xx/5xx answer."""

    user_agent: str
    #: seconds to wait between two requests to the same host (robots.txt's Crawl-delay if longer)
    delay: float = 1.0
    timeout: float = 10.0
    max_bytes: int = MAX_BYTES
    #: requests allowed in all (robots.txt included)
    max_requests: int = 60
    requests: int = 0
    _robots: dict[str, _Robots] = field(default_factory=dict)
    _last: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._opener = urllib.request.build_opener(_RedirectHandler(self))

    # -- robots.txt ----------------------------------------------------------------------------

    def robots(self, url: str) -> _Robots:
        """robots.txt of ``url``'s host, fetched once. Raises HostUnavailable as a crawl would stop."""
        parts = urlsplit(url)
        netloc = parts.netloc.lower()
        known = self._robots.get(netloc)
        if known is not None:
            return known
        robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
        try:
            status, _, body, _ = self._request(robots_url, MAX_ROBOTS_BYTES)
        except FetchError as exc:
            raise HostUnavailable(str(exc)) from None
        if 200 <= status < 300:
            text = body.decode("utf-8", errors="replace")
            parser = RobotFileParser(robots_url)
            parser.parse(text.splitlines())
            verdict = _Robots(parser, text)
        elif 400 <= status < 500 and status != 429:  # RFC 9309 §2.3.1.3: unavailable = allow all
            verdict = _Robots(None)
        else:  # §2.3.1.4: unreachable = disallow all
            raise HostUnavailable(f"robots.txt of {netloc} could not be fetched (HTTP {status}): "
                                  "carewatch does not fetch from a host whose robots.txt is unreachable")
        self._robots[netloc] = verdict
        return verdict

    def allowed(self, url: str) -> bool:
        parser = self.robots(url).parser
        return parser is None or parser.can_fetch(self.user_agent, url)

    # -- pages ---------------------------------------------------------------------------------

    def get(self, url: str, *, required: bool = False) -> Page | None:
        """Fetch ``url``; None when the answer is an HTTP error (FetchError if ``required``).

        Raises FetchError when robots.txt disallows the URL or it cannot be fetched at all.
        """
        if not self.allowed(url):
            raise FetchError(f"robots.txt of {urlsplit(url).netloc} disallows {url}")
        status, final_url, body, headers = self._request(url, self.max_bytes)
        if not 200 <= status < 300:
            if required:
                raise FetchError(f"{url} answered HTTP {status}")
            return None
        message = Message()
        message["content-type"] = headers.get("Content-Type", "")
        return Page(url=final_url, status=status, content_type=message.get_content_type(),
                    body=body, charset=message.get_param("charset") or None)  # type: ignore[arg-type]

    def _request(self, url: str, cap: int) -> tuple[int, str, bytes, Any]:
        if self.requests >= self.max_requests:
            raise FetchError(f"{url}: not fetched, the limit of {self.max_requests} requests is reached")
        host = urlsplit(url).netloc.lower()
        known = self._robots.get(host)
        crawl_delay = known.parser.crawl_delay(self.user_agent) if known and known.parser else None
        wait = self._last.get(host, 0.0) + max(self.delay, float(crawl_delay or 0)) - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self.requests += 1
        request = urllib.request.Request(url, headers={"User-Agent": self.user_agent,
                                                       "Accept-Encoding": "identity"})
        try:
            with self._opener.open(request, timeout=self.timeout) as resp:
                body = resp.read(cap + 1)
                status, final_url, headers = resp.status, resp.geturl(), resp.headers
        except urllib.error.HTTPError as exc:
            exc.close()
            return exc.code, url, b"", exc.headers
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise FetchError(f"cannot fetch {url}: {reason}") from None
        finally:
            self._last[host] = time.monotonic()
        if len(body) > cap:
            raise FetchError(f"{url} is larger than {cap} bytes")
        return status, final_url, body, headers

