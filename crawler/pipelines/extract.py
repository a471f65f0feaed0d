"""Extract the article from a fetched page; drop pages that are not articles, counting why."""

from __future__ import annotations

from typing import Any, Self

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.extraction import ExtractionFailed
from crawler.items import PageItem
from crawler.middlewares.conditional import record_dropped_page
from crawler.pipelines.canonical import choose_canonical, declared_aliases, declared_canonical
from crawler.pipelines.pool import extract_in_pool, extraction_pool
from crawler.runstate import run_state
from crawler.sources import SourceConfig
from crawler.topics import about_childrens_services
from storage.gazetteer import tag_las
from storage.repository import ArticleInput


class ExtractPipeline:
    """PageItem -> ArticleInput (on ``item.article``), or DropItem with a counted reason."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_bytes = crawler.settings.getint("CAREWATCH_MAX_HTML_BYTES")
        extraction_pool(crawler)  # worker processes start with the spider (crawler.pipelines.pool)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

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
        body: bytes | str = item.body
        try:
            extracted = await extract_in_pool(
                self.crawler,
                body,
                item.url,
                prune_xpaths=source.prune_xpath,
                prune_css=source.prune_css,
                max_bytes=self.max_bytes,
            )
        except ExtractionFailed as exc:
            raise self._drop(exc.reason, item, str(exc)) from None
        if source.topic_filter and not about_childrens_services(extracted.title, extracted.body):
            raise self._drop("off_topic", item)

        html = item.body.decode(item.encoding or "utf-8", errors="replace")
        canonical = choose_canonical(item.url, declared_canonical(html, item.url), source.domains)
        others = [u for u in [item.url, *item.seen_urls, *declared_aliases(html, item.url)] if u != canonical]
        state = run_state(self.crawler)
        item.article = ArticleInput(
            source=source.id,
            canonical_url=canonical,
            other_urls=others,
            title=extracted.title or item.feed_title or "",
            body=extracted.body,
            author=extracted.author,
            published_at=extracted.published_at or item.feed_published,
            site_name=extracted.site_name,
            language=extracted.language,
            access=extracted.access,
            la_codes=tag_las(extracted.title, extracted.body),
            strip_params=source.strip_params,
            baseline=state.baseline,
            crawl_run_id=state.run_id,
        )
        return item
