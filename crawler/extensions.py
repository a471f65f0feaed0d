"""How a crawl ended: the crawl-run status and error, from Scrapy's stats and close reason.

Statuses (README "Crawl runs"): ``ok``; ``partial`` (some pages or articles failed, or the run
was stopped by its page cap or time limit: what it did not reach is fetched next run);
``interrupted`` (SIGTERM or Ctrl-C: the stored articles stay, the rest is fetched next run);
``failed`` (also when the database became full or read-only mid-crawl); ``robots_unavailable``;
``suspect_empty``; ``unreachable`` (no page fetched because the host cannot be reached: DNS,
refused, no route; the error says which). The service adds
``timeout`` (killed at its wall-clock limit).
"""

from __future__ import annotations

from typing import Any

from crawler.pipelines.pool import RETRY_REASONS

#: the stat saying the database took no more writes (full, read-only): the run failed
UNWRITABLE_STAT = "carewatch/database_unwritable"
#: Scrapy close reasons of a run stopped by one of its caps (CLOSESPIDER_*)
CAPS = {"closespider_pagecount": "the page cap", "closespider_timeout": "the time limit",
        "closespider_itemcount": "the item cap"}


def failed_pages(stats: dict[str, Any]) -> int:
    """Pages whose links or article were not dealt with: fetch errors, extraction timeouts and
    crashes, articles the writer could not store."""
    return (int(stats.get("carewatch/pages/article_failed", 0)) + int(stats.get("carewatch/start_failed", 0))
            + int(stats.get("carewatch/articles/failed", 0))
            + sum(int(stats.get(f"carewatch/dropped/{r}", 0)) for r in RETRY_REASONS))


def run_outcome(stats: dict[str, Any], reason: str) -> tuple[str, str | None]:
    """(status, error) for a crawl that closed with Scrapy's ``reason``."""
    responses = int(stats.get("response_received_count", 0))
    if stats.get(UNWRITABLE_STAT):  # crawler.runstate.CrawlContext.stop_unwritable
        not_stored = " and ".join(f"{n} {what}(s)" for what in ("article", "report")
                                  if (n := int(stats.get(f"carewatch/{what}s/failed", 0))))
        return "failed", f"{stats[UNWRITABLE_STAT]}: {not_stored or 'some items'} not stored, fetched again next run"
    if reason == "shutdown":
        return "interrupted", f"stopped by a signal after {responses} page(s)"
    if reason != "finished" and reason not in CAPS:
        return "failed", f"crawl closed: {reason}"
    if responses == 0:
        if stats.get("carewatch/unreachable_detail"):  # crawler.middlewares.retry
            return "unreachable", str(stats["carewatch/unreachable_detail"])
        return "failed", "no page could be fetched"
    if stats.get("carewatch/robots_unavailable"):
        detail = stats.get("carewatch/robots_unavailable_detail")
        why = f" ({str(detail).strip()})" if detail else ""
        return "robots_unavailable", f"robots.txt could not be fetched{why}: host not crawled this run"
    if stats.get("carewatch/retry_after/gave_up"):  # crawler.middlewares.retry
        gave_up = f"{stats.get('carewatch/retry_after/gave_up_detail')}: host given up for this run"
        return ("partial" if stats.get("carewatch/pages/article", 0) else "failed"), gave_up
    starts_ok = (stats.get("carewatch/feeds/entries", 0) + stats.get("carewatch/listings/links", 0)
                 + stats.get("carewatch/links/article", 0) + stats.get("carewatch/start_ok", 0))
    if reason in CAPS:
        if starts_ok == 0:  # nothing dealt with: a failure, not a partial success
            return "timeout", f"stopped at {CAPS[reason]} before any feed, listing or sitemap answered"
        return "partial", f"stopped at {CAPS[reason]} after {responses} page(s): the rest is fetched next run"
    if stats.get("carewatch/suspect_empty"):
        return "suspect_empty", str(stats.get("carewatch/suspect_empty_detail", "start pages yielded no links"))
    if starts_ok == 0:
        return "suspect_empty", "feeds and listings yielded no article links"
    errors = int(stats.get("downloader/exception_count", 0)) + int(stats.get("log_count/ERROR", 0))
    failed = failed_pages(stats)
    if errors or failed:
        stored_failed = int(stats.get("carewatch/articles/failed", 0))
        extra = f", {stored_failed} article(s) could not be stored" if stored_failed else ""
        return "partial", f"{errors + failed} page(s) failed{extra}"
    return "ok", None
