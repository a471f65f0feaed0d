"""robots.txt that fails closed (RFC 9309 §2.3.1; RELIABILITY.md §1 item 6, A8).

Replaces Scrapy's RobotsTxtMiddleware, which allows everything when robots.txt cannot be
fetched and parses a 5xx error page as if it were robots.txt. Per host, once per crawl:

* 2xx: the rules are parsed with Protego (as Scrapy does) and obeyed; a forbidden request is
  dropped (``IgnoreRequest``, stat ``carewatch/robots/forbidden``).
* 4xx other than 429 ("unavailable"): everything is allowed (RFC 9309 §2.3.1.3).
* 5xx, 429, a timeout or any network error ("unreachable"): **no request to that host is made in
  this crawl** (RFC 9309 §2.3.1.4 "MUST assume complete disallow"). Stats
  ``carewatch/robots_unavailable`` = 1 and ``carewatch/robots_unavailable_detail`` say why, so
  the crawl run ends with status ``robots_unavailable``.

Only the first ``CAREWATCH_ROBOTS_MAX_BYTES`` (500 KiB, the least RFC 9309 §2.5 lets a crawler
parse) of a robots.txt are downloaded and parsed, up to the last whole line; the download of a
bigger file is stopped there (stat ``carewatch/robots/truncated``), so a 5 MB robots.txt costs
what a 500 KiB one does.

Redirects of robots.txt are followed by RedirectMiddleware (up to REDIRECT_MAX_TIMES, at least
the five hops RFC 9309 asks for).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Self

from protego import Protego
from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured, StopDownload
from scrapy.http.request import NO_CALLBACK
from scrapy.robotstxt import decode_robotstxt
from scrapy.utils.httpobj import urlparse_cached

logger = logging.getLogger(__name__)


class RobotsUnavailable(IgnoreRequest):
    """robots.txt of the host could not be fetched: the host is not crawled this run."""


class RobotsForbidden(IgnoreRequest):
    """The host's robots.txt disallows the URL."""


@dataclass(frozen=True)
class RobotsVerdict:
    #: "rules", "allow_all" (4xx) or "unreachable" (5xx, 429, network error)
    kind: str
    parser: Protego | None = None
    detail: str = ""


class FailClosedRobotsTxtMiddleware:
    """See the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        if not crawler.settings.getbool("ROBOTSTXT_OBEY"):
            raise NotConfigured
        self.crawler = crawler
        ua = crawler.settings.get("ROBOTSTXT_USER_AGENT") or crawler.settings.get("BOT_NAME") or "carewatch"
        self.user_agent = str(ua)
        self.timeout = crawler.settings.getfloat("CAREWATCH_ROBOTS_TIMEOUT",
                                                 min(30.0, crawler.settings.getfloat("DOWNLOAD_TIMEOUT")))
        self._verdicts: dict[str, RobotsVerdict | asyncio.Future[RobotsVerdict]] = {}
        self.max_bytes = crawler.settings.getint("CAREWATCH_ROBOTS_MAX_BYTES", 500 * 1024)
        crawler.signals.connect(self._bytes_received, signal=signals.bytes_received)

    def _bytes_received(self, data: bytes, request: Request, spider: Any) -> None:
        """Stop downloading a robots.txt once it is longer than ``max_bytes`` (keep what came)."""
        if request.meta.get("cw_kind") != "robots":
            return
        got = request.meta.get("cw_robots_bytes", 0) + len(data)
        request.meta["cw_robots_bytes"] = got
        if got > self.max_bytes:
            raise StopDownload(fail=False)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/{key}", n)

    async def process_request(self, request: Request) -> None:
        if request.meta.get("dont_obey_robotstxt"):
            return
        parts = urlparse_cached(request)
        if parts.scheme not in ("http", "https"):
            return
        allowed = getattr(self.crawler.spider, "allowed_domains", None)
        host = (parts.hostname or "").lower()
        if allowed and not any(host == d or host.endswith("." + d) for d in allowed):
            # e.g. a redirect to a look-alike host: never ask that host for anything, and its
            # robots.txt being "unreachable" must not mark our own run as robots_unavailable
            self._count("robots/offsite_skipped")
            raise IgnoreRequest(f"offsite request to {parts.hostname!r} not fetched")
        verdict = await self._verdict(parts.scheme, parts.netloc)
        if verdict.kind == "unreachable":
            self._count("robots/blocked_requests")
            raise RobotsUnavailable(f"robots.txt of {parts.netloc} unavailable ({verdict.detail}): "
                                    "host not crawled this run")
        if verdict.kind == "rules" and verdict.parser is not None:
            if not verdict.parser.can_fetch(request.url, self.user_agent):
                self._count("robots/forbidden")
                logger.debug("Forbidden by robots.txt: %s", request)
                raise RobotsForbidden("Forbidden by robots.txt")

    async def _verdict(self, scheme: str, netloc: str) -> RobotsVerdict:
        known = self._verdicts.get(netloc)
        if isinstance(known, RobotsVerdict):
            return known
        if known is not None:
            return await asyncio.shield(known)
        fut: asyncio.Future[RobotsVerdict] = asyncio.get_running_loop().create_future()
        self._verdicts[netloc] = fut
        verdict = await self._fetch(f"{scheme}://{netloc}/robots.txt", netloc)
        self._verdicts[netloc] = verdict
        fut.set_result(verdict)
        if verdict.kind == "unreachable":
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("carewatch/robots_unavailable", 1)
            details = self.crawler.stats.get_value("carewatch/robots_unavailable_detail") or ""
            line = f"{netloc}: {verdict.detail}"
            self.crawler.stats.set_value("carewatch/robots_unavailable_detail",
                                         f"{details}; {line}" if details else line)
            logger.warning("robots.txt of %s could not be fetched (%s): no page of that host is "
                           "requested in this crawl (RFC 9309 2.3.1.4)", netloc, verdict.detail)
        return verdict

    async def _fetch(self, url: str, netloc: str) -> RobotsVerdict:
        request = Request(
            url, priority=1000, callback=NO_CALLBACK,
            meta={"dont_obey_robotstxt": True, "download_timeout": self.timeout,
                  "max_retry_times": 1, "cw_kind": "robots"},
        )
        assert self.crawler.engine is not None
        self._count("robots/request_count")
        try:
            response = await self.crawler.engine.download_async(request)
        except Exception as exc:
            return RobotsVerdict("unreachable", detail=f"{type(exc).__name__}: {exc}"[:300])
        status = response.status
        self._count(f"robots/status/{status}")
        if 200 <= status < 300:
            body = response.body
            if len(body) > self.max_bytes or "download_stopped" in response.flags:
                # parse what fits, up to the last whole line (RFC 9309 2.5)
                body = body[: self.max_bytes]
                body = body[: body.rfind(b"\n") + 1] or body
                self._count("robots/truncated")
                logger.warning("robots.txt of %s is longer than %d bytes: only its first %d bytes are "
                               "parsed", netloc, self.max_bytes, len(body))
            try:
                text = decode_robotstxt(body, self.crawler.spider)
                return RobotsVerdict("rules", Protego.parse(text))
            except Exception as exc:  # unparseable robots.txt: RFC 9309 parses what it can
                logger.warning("robots.txt of %s could not be parsed (%s): allowing all", netloc, exc)
                return RobotsVerdict("allow_all", detail=f"unparseable: {exc}")
        if 300 <= status < 400:  # more redirects than REDIRECT_MAX_TIMES: RFC 9309 allows "unavailable"
            return RobotsVerdict("allow_all", detail=f"HTTP {status} (redirects)")
        if 400 <= status < 500 and status != 429:
            return RobotsVerdict("allow_all", detail=f"HTTP {status}")
        return RobotsVerdict("unreachable", detail=f"HTTP {status}")
