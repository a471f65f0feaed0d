"""Behaviour shared by every source spider."""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy import Spider

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
        # carewatch's name plus the operator's contact from carewatch.toml; a -s USER_AGENT wins
        settings.set("USER_AGENT", user_agent(settings), priority="spider")

    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/{key}", n)
