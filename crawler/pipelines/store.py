"""Store extracted articles through storage.repository, in short batched transactions on the
crawl's writer thread (crawler.pipelines.batch)."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import PageItem
from crawler.runstate import CrawlContext, run_state
from storage.errors import DatabaseUnwritable, short_error
from storage.repository import Outcome

logger = logging.getLogger(__name__)


class StorePipeline:
    """Writes each article and counts the outcome under ``carewatch/articles/<outcome>``;
    an article the writer could not store counts as ``carewatch/articles/failed``. A database that
is full or read-only stops the crawl (CrawlContext.stop_unwritable)."""

    def __init__(self, ctx: CrawlContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(run_state(crawler))

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.article is None:
            return item
        try:
            result = await self.ctx.writer.store(item.article, item.page)
        except DatabaseUnwritable as exc:
            self.ctx.count("articles/failed")
            self.ctx.stop_unwritable(exc)
            raise DropItem(f"not stored: {item.url} (the database {exc.reason})", log_level="WARNING") from None
        except Exception as exc:
            self.ctx.count("articles/failed")
            raise DropItem(f"store_failed: {item.url} ({short_error(exc)})", log_level="WARNING") from None
        self.ctx.count(f"articles/{result.outcome.value}")
        if result.outcome is Outcome.UNCHANGED:
            raise DropItem(f"unchanged: {item.url}", log_level="DEBUG")
        return item
