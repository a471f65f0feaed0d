"""Extract the article from a fetched page; drop pages that are not articles, counting why."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import PageItem
from crawler.middlewares.conditional import unprocessed
from crawler.pipelines.pool import RETRY_REASONS, JobFailed
from crawler.runstate import CrawlContext, run_state
from crawler.sources import SourceConfig
from storage.cleantext import one_line
from storage.repository import ArticleInput


class ExtractPipeline:
    """PageItem -> ArticleInput (on ``item.article``), or DropItem with a counted reason."""

    def __init__(self, crawler: Crawler, ctx: CrawlContext) -> None:
        self.crawler = crawler
        self.ctx = ctx
        self.max_bytes = crawler.settings.getint("CAREWATCH_MAX_HTML_BYTES")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, run_state(crawler))

    def _drop(self, reason: str, item: PageItem, detail: str = "") -> DropItem:
        self.ctx.count(f"dropped/{reason}")
        if item.page is not None:  # remembered (validators kept) unless it was not processed
            self.ctx.writer.record(unprocessed(item.page) if reason in RETRY_REASONS else item.page)
        return DropItem(f"{reason}: {item.url}" + (f" ({detail})" if detail else ""), log_level="INFO")

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        source: SourceConfig = self.crawler.spider.source  # type: ignore[union-attr]
        try:
            page = await self.ctx.extractor.run(
                "crawler.pipelines.document:prepare_page", item.body, item.url, encoding=item.encoding,
                prune_xpaths=tuple(source.prune_xpath), prune_css=tuple(source.prune_css),
                max_bytes=self.max_bytes, domains=tuple(source.domains))
        except JobFailed as exc:
            raise self._drop(exc.reason, item, exc.detail) from None
        if source.topic_filter and not page.on_topic:
            raise self._drop("off_topic", item)
        extracted = page.extracted
        canonical = page.canonical_url
        item.article = ArticleInput(
            source=source.id,
            canonical_url=canonical,
            other_urls=[u for u in [item.url, *item.seen_urls, *page.aliases] if u != canonical],
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
            word_ids=page.word_ids,
            strip_params=source.strip_params,
            baseline=self.ctx.baseline,
            crawl_run_id=self.ctx.run_id,
        )
        return item
