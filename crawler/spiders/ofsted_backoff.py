"""Back-off for the Ofsted hosts (RELIABILITY.md A7): slower after 403/408/429/5xx."""

from __future__ import annotations

from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler.middlewares.retry import retry_after_seconds


class BackoffMiddleware:
    """Slows a host down after 403/408/429/5xx (RELIABILITY.md A7): the host's download delay
    doubles (at least ``CAREWATCH_BACKOFF_BASE`` s, or Retry-After) up to
    ``CAREWATCH_BACKOFF_MAX`` s, and halves back towards DOWNLOAD_DELAY on each good answer
    when AutoThrottle is off (AutoThrottle does that itself when on)."""

    CODES = frozenset({403, 408, 429, 500, 502, 503, 504, 522, 524})

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        s = crawler.settings
        self.base = s.getfloat("CAREWATCH_BACKOFF_BASE", 10.0)
        self.cap = s.getfloat("CAREWATCH_BACKOFF_MAX", 120.0)
        self.min_delay = s.getfloat("DOWNLOAD_DELAY")
        self.decay = not s.getbool("AUTOTHROTTLE_ENABLED")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_response(self, request: Request, response: Response) -> Response:
        engine = self.crawler.engine
        if engine is None:
            return response
        downloader = engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        if slot is None:
            return response
        if response.status in self.CODES:
            wait = retry_after_seconds(response.headers.get(b"Retry-After")) or 0.0
            slot.delay = min(self.cap, max(slot.delay * 2, self.base, wait))
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("carewatch/backoff")
            self.crawler.spider.logger.info(  # type: ignore[union-attr]
                "HTTP %d from %s: backing off, delay now %.1f s", response.status,
                request.url, slot.delay,
            )  # fmt: skip
        elif self.decay and response.status < 400 and slot.delay > self.min_delay:
            slot.delay = max(self.min_delay, slot.delay / 2)
        return response
