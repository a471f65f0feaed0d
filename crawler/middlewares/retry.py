"""Retries that honour ``Retry-After`` (RELIABILITY.md A7).

Scrapy's RetryMiddleware retries 429/503 at once. This one waits at least the server's
``Retry-After`` (seconds or an HTTP date), capped at ``CAREWATCH_RETRY_AFTER_MAX`` seconds
(default 60), before handing back the retry request, and pushes the host's download slot back by
the same amount so other requests to that host wait too. Without ``Retry-After`` it behaves like
Scrapy's (AutoThrottle already slows down on error responses).
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
from scrapy.http import Response
from scrapy.utils.response import response_status_message

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


class RetryAfterMiddleware(RetryMiddleware):
    """RetryMiddleware that waits for ``Retry-After`` (capped) before retrying."""

    max_wait: float = 60.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        mw = super().from_crawler(crawler)
        mw.max_wait = crawler.settings.getfloat("CAREWATCH_RETRY_AFTER_MAX", 60.0)
        return mw

    async def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        wait = retry_after_seconds(response.headers.get(b"Retry-After"))
        if wait:
            wait = min(wait, self.max_wait)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("carewatch/retry_after/waits")
            # Scrapy annotates count as int, but the collector adds any number (seconds are floats)
            self.crawler.stats.inc_value("carewatch/retry_after/seconds", wait)  # type: ignore[arg-type]
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
