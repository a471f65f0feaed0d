"""Extract the article from a fetched page; drop pages that are not articles, counting why."""

from __future__ import annotations

import asyncio
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extraction import ExtractionFailed
from crawler.items import PageItem
from crawler.middlewares.conditional import record_dropped_page
from crawler.pipelines.pool import extraction_pool, prepare_in_pool
from crawler.runstate import run_state
from crawler.sources import SourceConfig
from storage.cleantext import one_line
from storage.repository import ArticleInput


class ExtractPipeline:
    """PageItem -> ArticleInput (on ``item.article``), or DropItem with a counted reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("CAREWATCH_MAX_HTML_BYTES")
        extraction_pool(crawler)  # worker processes start with the first document (crawler.pipelines.pool)
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def _spider_opened(self) -> None:
        # A source's first crawl will extract a whole archive: start the workers now, while
        # robots.txt, feeds and sitemaps are fetched, instead of making the first pages wait for
        # them. A re-crawl, which usually extracts little or nothing, starts them on demand.
        if run_state(self.crawler).baseline:
            asyncio.ensure_future(extraction_pool(self.crawler).start())

    def _drop(self, reason: str, item: PageItem, detail: str = "") -> DropItem:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/dropped/{reason}")
        record_dropped_page(self.crawler, item.url, reason)
        return DropItem(f"{reason}: {item.url}" + (f" ({detail})" if detail else ""), log_level="INFO")

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        spider = self.crawler.spider
        source: SourceConfig = spider.source  # type: ignore[union-attr]
        try:
            page = await prepare_in_pool(
                self.crawler,
                item.body,
                item.url,
                encoding=item.encoding,
                prune_xpaths=tuple(source.prune_xpath),
                prune_css=tuple(source.prune_css),
                max_bytes=self.max_bytes,
                domains=tuple(source.domains),
            )
        except ExtractionFailed as exc:
            raise self._drop(exc.reason, item, str(exc)) from None
        if source.topic_filter and not page.on_topic:
            raise self._drop("off_topic", item)
        extracted = page.extracted
        canonical = page.canonical_url
        others = [u for u in [item.url, *item.seen_urls, *page.aliases] if u != canonical]
        state = run_state(self.crawler)
        item.article = ArticleInput(
            source=source.id,
            canonical_url=canonical,
            other_urls=others,
            fetched_url=item.url,
            title=one_line(extracted.title) or one_line(item.feed_title),
            body=extracted.body,
            author=extracted.author,
            published_at=extracted.published_at or item.feed_published,
            site_name=extracted.site_name,
            language=extracted.language,
            access=extracted.access,
            la_codes=page.la_codes,
            minhash=page.minhash,
            strip_params=source.strip_params,
            baseline=state.baseline,
            crawl_run_id=state.run_id,
        )
        return item
