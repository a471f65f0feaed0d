"""Store extracted articles through storage.repository, one short transaction each."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import PageItem
from crawler.runstate import run_state
from storage.db import session_scope
from storage.repository import Outcome, store_article


class StorePipeline:
    """Writes each article and counts the outcome under ``carewatch/articles/<outcome>``."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem) or item.article is None:
            return item
        state = run_state(self.crawler)
        with session_scope(state.engine) as session:
            result = store_article(session, item.article)
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/articles/{result.outcome.value}")
        if result.outcome is Outcome.UNCHANGED:
            raise DropItem(f"unchanged: {item.url}", log_level="DEBUG")
        return item
