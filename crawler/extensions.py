"""Crawl-run bookkeeping: open the run row at start, copy Scrapy's stats onto it at the end."""

from __future__ import annotations

import logging
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler

from crawler.runstate import run_state
from storage.db import session_scope
from storage.repository import finish_run

logger = logging.getLogger(__name__)

_COUNTS = {
    "articles_new": "carewatch/articles/new",
    "articles_unchanged": "carewatch/articles/unchanged",
    "articles_revised": "carewatch/articles/revised",
    "articles_syndicated": "carewatch/articles/syndicated",
    "reports_new": "carewatch/reports/new",
    "not_modified": "carewatch/pages/not_modified",
}


def run_status(stats: dict[str, Any], reason: str) -> tuple[str, str | None]:
    """(status, error) for a finished crawl, from its stats and Scrapy's close reason."""
    responses = stats.get("response_received_count", 0)
    if reason not in ("finished", "closespider_pagecount"):
        return ("timeout" if reason == "closespider_timeout" else "failed"), f"crawl closed: {reason}"
    if responses == 0:
        if stats.get("carewatch/unreachable_detail"):  # crawler.middlewares.retry
            return "unreachable", str(stats["carewatch/unreachable_detail"])
        return "failed", "no page could be fetched"
    if stats.get("carewatch/robots_unavailable"):
        detail = stats.get("carewatch/robots_unavailable_detail")
        why = f" ({str(detail).strip()})" if detail else ""
        return "robots_unavailable", f"robots.txt could not be fetched{why}: host not crawled this run"
    errors = stats.get("downloader/exception_count", 0) + stats.get("log_count/ERROR", 0)
    if stats.get("carewatch/retry_after/gave_up"):  # crawler.middlewares.retry
        gave_up = f"{stats.get('carewatch/retry_after/gave_up_detail')}: host given up for this run"
        return ("partial" if stats.get("carewatch/pages/article", 0) else "failed"), gave_up
    failed_pages = stats.get("carewatch/pages/article_failed", 0) + stats.get("carewatch/start_failed", 0)
    if stats.get("carewatch/suspect_empty"):
        return "suspect_empty", str(stats.get("carewatch/suspect_empty_detail", "start pages yielded no links"))
    starts_ok = (stats.get("carewatch/feeds/entries", 0) + stats.get("carewatch/listings/links", 0)
                 + stats.get("carewatch/links/article", 0) + stats.get("carewatch/start_ok", 0))
    if starts_ok == 0:
        return "suspect_empty", "feeds and listings yielded no article links"
    if errors or failed_pages:
        return "partial", f"{errors + failed_pages} page(s) failed"
    return "ok", None


class CrawlRunRecorder:
    """Opens the crawl-run row when the spider opens and closes it with counts and status."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        state = run_state(self.crawler)
        logger.info("carewatch crawl run %d of %s%s", state.run_id, state.source,
                    " (baseline: stored, not alerted)" if state.baseline else "")

    def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        state = run_state(self.crawler)
        status, error = run_status(stats, reason)
        counts = {col: int(stats.get(key, 0)) for col, key in _COUNTS.items()}
        counts["articles_aliased"] = int(stats.get("carewatch/articles/alias", 0)) + int(
            stats.get("carewatch/articles/same_body", 0)
        )
        counts["pages_fetched"] = int(stats.get("response_received_count", 0))
        counts["errors"] = int(stats.get("downloader/exception_count", 0)) + int(stats.get("log_count/ERROR", 0))
        dropped = {k.rsplit("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("carewatch/dropped/")}
        plain = {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in stats.items()}
        with session_scope(state.engine) as session:
            finish_run(session, state.run_id, status=status, error=error, dropped=dropped, stats=plain, **counts)
        logger.info("carewatch crawl run %d of %s: %s %s", state.run_id, state.source, status, counts)
        state.engine.dispose()
