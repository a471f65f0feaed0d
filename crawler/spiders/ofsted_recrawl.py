"""Re-crawls of the Ofsted provider pages: most likely news first, conditionally when allowed.

* **Order.** Provider pages are requested with a priority raised by
  :func:`storage.ofsted_plan.provider_scores` (an inadequate judgement, a recent monitoring
  visit, an inspection due, trade-press coverage mentioning Ofsted in the last days), so with
  one request at a time a new report on such an LA is found in the first minutes of a run.
  Files published in the last :data:`RECENT_DAYS` days are fetched as soon as they are seen;
  older ones (a baseline's backlog) after every provider page.
* **Conditional requests, behind a check.** Whether the real site honours validators is
  unconfirmed (SOURCES.md §1.6, §8). A provider page is asked conditionally only when an
  earlier 200 gave an ETag or Last-Modified, a full (unconditional) sweep ran within
  ``CAREWATCH_OFSTED_FULL_SWEEP_HOURS`` (24) and no full sweep caught a 304 hiding a report
  (then conditional requests stop for 30 days); otherwise the run is a full sweep.
  ``CAREWATCH_OFSTED_CONDITIONAL = False`` switches them off.
* **Retries do not depend on the provider page:** files stored with a retryable status are
  queued at the start, so an unchanged (304) page never hides a retry.
* Provider-page validators are kept only when the run ends ``ok`` (with the start pages',
  by :class:`crawler.runstate.CrawlContext`), so a run cut short never hides a report from the
  next one.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawler.runstate import run_state
from storage.ofsted_plan import (
    FULL_SWEEP_STAT,
    PROVIDER_KIND,
    UNRELIABLE_STAT,
    OfstedPlan,
    conditional_allowed,
    load_plan,
)
from storage.pagestate import PageRecord, body_hash
from storage.reports import MAX_FETCH_ATTEMPTS, RETRYABLE_PDF_STATUSES
from storage.types import utcnow

__all__ = ["PRIORITY_PROVIDER", "PRIORITY_SEARCH", "ProviderPages", "file_priority"]

#: request priorities: search pages, then files published in the last days, then provider
#: pages (most likely news first), then older files newest first (priority = YYYYMMDD)
PRIORITY_SEARCH = 1 << 30
PRIORITY_RECENT_FILE = 1 << 29
PRIORITY_PROVIDER = 1 << 28
RECENT_DAYS = 60
DEFAULT_FULL_SWEEP_HOURS = 24.0


def file_priority(published: date | None, today: date | None = None) -> int:
    if published is None:
        return 0
    recent = published >= (today or date.today()) - timedelta(days=RECENT_DAYS)
    base = PRIORITY_RECENT_FILE if recent else 0
    return base + int(published.strftime("%Y%m%d"))


class ProviderPages:
    """One crawl's provider-page plan and the page state it will write (see module docstring)."""

    def __init__(self, spider: Any) -> None:
        self.spider = spider
        self.plan = OfstedPlan()
        self.conditional = False

    def load(self, session: Any) -> None:
        settings = self.spider.settings
        self.plan = load_plan(session, self.spider.name, retryable=RETRYABLE_PDF_STATUSES,
                              max_attempts=MAX_FETCH_ATTEMPTS)
        hours = settings.getfloat("CAREWATCH_OFSTED_FULL_SWEEP_HOURS", DEFAULT_FULL_SWEEP_HOURS)
        self.conditional = settings.getbool("CAREWATCH_OFSTED_CONDITIONAL", True) and conditional_allowed(
            self.plan, full_sweep_hours=hours)
        stats = self.spider.crawler.stats
        if not self.conditional:
            stats.set_value(FULL_SWEEP_STAT, 1)
        self.spider.logger.info(
            "Ofsted provider pages: %s; %d provider(s) with signs of news first",
            "conditional requests" if self.conditional else "full sweep",
            sum(1 for s in self.plan.scores.values() if s > 0))

    def request(self, url: str, urn: str, **kwargs: Any) -> Request:
        headers: dict[str, str] = {}
        v = self.plan.validators.get(url) if self.conditional else None
        if v is not None:
            if v.etag:
                headers["If-None-Match"] = v.etag
            if v.last_modified:
                headers["If-Modified-Since"] = v.last_modified
        meta = kwargs.pop("meta")
        meta["handle_httpstatus_list"] = [304]
        return Request(url, headers=headers, meta=meta,
                       priority=PRIORITY_PROVIDER + self.plan.scores.get(urn, 0), **kwargs)

    def not_modified(self, response: Response) -> bool:
        """A 304: note the check and tell the caller to skip the page."""
        if response.status != 304:
            return False
        self.spider.count("providers/not_modified")
        run_state(self.spider.crawler).writer.touch(response.url, utcnow())
        return True

    def seen(self, response: Response, new_files: list[date | None]) -> None:
        """A 200: remember its validators; on a full sweep, check the earlier 304s' word."""
        digest = body_hash(response.body)
        known = self.plan.validators.get(response.url)
        changed = known is None or known.content_hash != digest
        header = response.headers.get
        run_state(self.spider.crawler).start_pages.append(PageRecord(
            url=response.url, source=self.spider.name, kind=PROVIDER_KIND, fetched_at=utcnow(),
            etag=(header(b"ETag") or b"").decode("latin-1") or None,
            last_modified=(header(b"Last-Modified") or b"").decode("latin-1") or None,
            content_hash=digest, http_status=200, changed=changed))
        last_change, last_check = self.plan.checked.get(response.url, (None, None))
        if self.conditional or not changed or last_check is None:
            return
        if last_change is not None and last_check <= last_change:
            return  # no "not modified" answer since the last change
        hidden = [d for d in new_files if d is not None and d < last_check.date()]
        if hidden:
            self.spider.crawler.stats.set_value(UNRELIABLE_STAT, 1)
            self.spider.logger.warning(
                "Provider page %s answered 'not modified' on %s but lists a report published on %s: "
                "its validators are not trusted; full sweeps for %d days", response.url,
                last_check.date(), min(hidden), 30)
