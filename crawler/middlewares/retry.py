"""Retries that honour ``Retry-After`` (RELIABILITY.md A7), and hosts that cannot be reached.

Scrapy's RetryMiddleware retries 429/503 at once. This one waits the server's ``Retry-After``
(seconds or an HTTP date) before handing back the retry request, and pushes the host's download
slot back by the same amount so other requests to that host wait too. Without ``Retry-After`` it
behaves like Scrapy's (AutoThrottle already slows down on error responses).

A host that asks for a longer wait than ``CAREWATCH_RETRY_AFTER_MAX`` seconds (default 60), or
than the crawl has left of its time budget (``CLOSESPIDER_TIMEOUT``), is **given up for this
run**: the response goes on as it is, no later request to that host is sent (``HostGivenUp``),
and the stats ``carewatch/retry_after/gave_up`` and ``carewatch/retry_after/gave_up_detail``
say which host asked for how long, so the crawl run records it.

Near the end of the time budget a request's ``download_timeout`` is cut to the time left, so no
download outlives the crawl's budget.

A request that fails because its host cannot be reached at all (DNS lookup failed, connection
refused, no route) is recorded in ``carewatch/unreachable_detail`` (``DNS lookup failed for
www.example.org``), which the crawl run reports when no page could be fetched.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
from datetime import UTC, datetime
from time import monotonic
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import CannotResolveHostError, DownloadConnectionRefusedError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet import error as net_error

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), or None."""
    if not value:
        return None
    text = (value.decode("latin-1") if isinstance(value, bytes) else value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class HostGivenUp(IgnoreRequest):
    """The host asked for a longer wait than this run allows: not requested again this run."""


#: what a connection failure says about its host, by exception type (Scrapy's own since 2.14,
#: Twisted's from older download handlers)
_UNREACHABLE: tuple[tuple[type[BaseException] | tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, net_error.DNSLookupError), "DNS lookup failed for {host}"),
    ((DownloadConnectionRefusedError, net_error.ConnectionRefusedError), "connection refused by {netloc}"),
    (net_error.NoRouteError, "no route to {host}"),
    (net_error.TCPTimedOutError, "connection to {netloc} timed out"),
)


def unreachable_reason(exception: BaseException, request: Request) -> str | None:
    """``DNS lookup failed for www.example.org`` (and the like), or None for other errors."""
    parts = urlparse_cached(request)
    for kind, text in _UNREACHABLE:
        if isinstance(exception, kind):
            return text.format(host=parts.hostname or parts.netloc, netloc=parts.netloc)
    return None


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits for ``Retry-After`` before retrying, or gives the host up."""

    max_wait: float = 60.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = super().from_crawler(crawler)
        mw.max_wait = crawler.settings.getfloat("CAREWATCH_RETRY_AFTER_MAX", 60.0)
        mw.time_budget = crawler.settings.getfloat("CLOSESPIDER_TIMEOUT", 0.0)
        mw.started = monotonic()
        mw.given_up = {}
        return mw

    time_budget: float = 0.0
    started: float = 0.0
    #: host (netloc) -> the wait it asked for, seconds
    given_up: dict[str, float]

    def _stats_inc(self, key: str, value: float = 1) -> None:
        assert self.crawler.stats is not None
        # Scrapy annotates count as int, but the collector adds any number (seconds are floats)
        self.crawler.stats.inc_value(key, value)  # type: ignore[arg-type]

    def _time_left(self) -> float:
        if self.time_budget <= 0:
            return float("inf")
        return self.time_budget - (monotonic() - self.started)

    def process_request(self, request: Request) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.given_up:
            self._stats_inc("carewatch/retry_after/skipped")
            raise HostGivenUp(f"{netloc} asked to wait {self.given_up[netloc]:.0f} s: given up for this run")
        # no download outlives the crawl's time budget (a slow or hanging page near the end)
        left = self._time_left()
        timeout = request.meta.get("download_timeout")
        if left != float("inf") and isinstance(timeout, int | float) and left < timeout:
            request.meta["download_timeout"] = max(1.0, left)

    def _give_up(self, request: Request, wait: float) -> None:
        netloc = urlparse_cached(request).netloc
        if netloc in self.given_up:
            return
        self.given_up[netloc] = wait
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("carewatch/retry_after/gave_up", len(self.given_up))
        self.crawler.stats.set_value("carewatch/retry_after/gave_up_detail", "; ".join(
            f"{host} asked to wait {secs:.0f} s (Retry-After)" for host, secs in self.given_up.items()))
        logger.warning("%s asked to wait %.0f s (Retry-After), more than this run allows: no more "
                       "requests to that host in this crawl", netloc, wait)

    def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:  # type: ignore[override]
        reason = unreachable_reason(exception, request)
        if reason is not None:
            assert self.crawler.stats is not None
            known = str(self.crawler.stats.get_value("carewatch/unreachable_detail") or "")
            if reason not in known.split("; "):
                self.crawler.stats.set_value("carewatch/unreachable_detail",
                                             f"{known}; {reason}" if known else reason)
        return super().process_exception(request, exception)

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait and (wait > self.max_wait or wait >= self._time_left()):
            self._give_up(request, wait)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        if wait:
            self._stats_inc("carewatch/retry_after/waits")
            self._stats_inc("carewatch/retry_after/seconds", wait)
            self._hold_slot(request, wait)
            logger.info("Retry-After %.1fs from %s: waiting before retry", wait, request.url)
            await asyncio.sleep(wait)
        return retry

    def _hold_slot(self, request: Request, wait: float) -> None:
        """Keep other requests to the host back for ``wait`` seconds (when the slot has a delay)."""
        engine = self.crawler.engine
        downloader = getattr(engine, "downloader", None)
        if downloader is None:
            return
        key = request.meta.get("download_slot") or downloader.get_slot_key(request)
        slot = downloader.slots.get(key)
        if slot is not None and slot.delay:
            slot.lastseen = max(slot.lastseen, monotonic() + wait - slot.delay)
