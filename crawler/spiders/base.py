"""Behaviour shared by every source spider."""

from __future__ import annotations

from typing import Any, ClassVar, Self

from scrapy import Spider
from scrapy.crawler import Crawler

from crawler.context import user_agent
from crawler.sources import SourceConfig


class SourceSpider(Spider):
    """A spider built from a SourceConfig (see crawler.spiderloader)."""

    source: ClassVar[SourceConfig]

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        src = getattr(cls, "source", None)
        if src is None:
            return
        if src.download_delay is not None:
            settings.set("DOWNLOAD_DELAY", src.download_delay, priority="spider")
        if src.concurrency is not None:
            settings.set("CONCURRENT_REQUESTS_PER_DOMAIN", src.concurrency, priority="spider")
        settings.set("CLOSESPIDER_PAGECOUNT", src.max_pages, priority="spider")
        settings.set("CLOSESPIDER_TIMEOUT", src.max_crawl_minutes * 60, priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> Self:
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.user_agent = user_agent(crawler.settings)
        return spider

    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/{key}", n)
