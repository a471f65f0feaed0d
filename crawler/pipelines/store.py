"""Store extracted articles through storage.repository, in short batched transactions off the reactor
(crawler.pipelines.batch)."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import PageItem
from crawler.middlewares.conditional import take_page_record
from crawler.pipelines.batch import batch_writer
from storage.repository import Outcome


class StorePipeline:
    """Writes each article and counts the outcome under ``carewatch/articles/<outcome>``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.article is None:
            return item
        writer = batch_writer(self.crawler)
        result = await writer.store(item.article, take_page_record(self.crawler, item.url))
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/articles/{result.outcome.value}")
        if result.outcome is Outcome.UNCHANGED:
            raise DropItem(f"unchanged: {item.url}", log_level="DEBUG")
        return item

    async def close_spider(self) -> None:
        await batch_writer(self.crawler).close()
