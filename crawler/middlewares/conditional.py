"""Conditional, incremental re-crawls (DESIGN.md "Polite by default", RELIABILITY.md A14).

``ConditionalRequestMiddleware`` (downloader middleware) sends ``If-None-Match`` /
``If-Modified-Since`` with every feed, listing, sitemap and article request whose URL has
validators from an earlier run, and:

* a ``304`` costs nothing more: the page's "last checked" time is written (batched) and
  ``carewatch/pages/not_modified`` counted; the response goes on as a 304, which Scrapy's
  HttpErrorMiddleware keeps away from the callbacks (article errbacks ignore it, see
  ``is_not_modified``);
* a ``200`` whose body hash equals the stored one is treated the same way (its new validators
  are stored, ``carewatch/pages/unchanged_body`` counted) and is turned into a 304, so it is
  neither parsed nor extracted;
* a changed feed/listing/sitemap has its new validators written at once; a changed article's
  are held until the item pipelines have dealt with the page (``take_page_record``), so a page
  whose extraction timed out is fetched in full again next run.

``PageTracker`` (one per crawl) holds the page state loaded at start and the revisit policy:
``link_is_due`` tells the spider whether a known article URL is due for a re-check.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.pipelines.batch import BatchWriter, batch_writer
from storage.pagestate import (
    START_KINDS,
    PageRecord,
    PageStateIndex,
    RevisitPolicy,
    body_hash,
    due_pages,
    load_page_state,
)
from storage.types import utcnow

logger = logging.getLogger(__name__)

#: request kinds (``meta["cw_kind"]``) that are fetched conditionally
CONDITIONAL_KINDS = START_KINDS | {"article"}
#: response header marking a 200 turned into a 304 because its body had not changed
UNCHANGED_HEADER = b"X-Carewatch-Unchanged"


class PageTracker:
    """Per-crawl page state: validators and known articles (read once), writes via BatchWriter."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._enabled = crawler.settings.getbool("CAREWATCH_CONDITIONAL_ENABLED", True)
        #: spider types (SourceConfig.spider) whose callbacks expect 304s to be kept from them
        self.spiders = set(crawler.settings.getlist("CAREWATCH_CONDITIONAL_SPIDERS", ["news"]))
        self.revisit_enabled = crawler.settings.getbool("CAREWATCH_REVISIT_ENABLED", True)
        self._index: PageStateIndex | None = None
        self._policy: RevisitPolicy | None = None
        #: article URL -> record waiting for the item pipelines' verdict
        self.pending: dict[str, PageRecord] = {}

    @property
    def enabled(self) -> bool:
        src = getattr(self.crawler.spider, "source", None)
        return self._enabled and getattr(src, "spider", None) in self.spiders

    @property
    def writer(self) -> BatchWriter:
        return batch_writer(self.crawler)

    @property
    def source(self) -> str:
        assert self.crawler.spider is not None
        return self.crawler.spider.name

    @property
    def index(self) -> PageStateIndex:
        if self._index is None:
            from crawler.runstate import run_state
            from storage.db import session_scope

            state = run_state(self.crawler)
            with session_scope(state.engine) as session:
                self._index = load_page_state(session, self.source)
            logger.info("carewatch: page state of %s: %d URL(s) with validators, %d known article URL(s)",
                        self.source, len(self._index.validators), len(self._index.known))
        return self._index

    @property
    def policy(self) -> RevisitPolicy:
        if self._policy is None:
            src = getattr(self.crawler.spider, "source", None)
            rv = getattr(src, "revisit", None)
            self._policy = (RevisitPolicy(rv.young_days, rv.young_hours, rv.old_days)
                            if rv is not None else RevisitPolicy())
        return self._policy

    def is_due(self, url: str) -> bool:
        if not self.revisit_enabled or not self.enabled:
            return True
        return self.index.is_due(url, self.policy)

    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/{key}", n)


def page_tracker(crawler: Crawler) -> PageTracker:
    existing = getattr(crawler, "_carewatch_pages", None)
    if existing is None:
        existing = PageTracker(crawler)
        crawler._carewatch_pages = existing  # type: ignore[attr-defined]
    return existing


# ------------------------------------------------------------------ hooks for spider/pipelines


def link_is_due(spider: Spider, url: str) -> bool:
    """For spiders: whether a link to an article should be requested in this run."""
    return page_tracker(spider.crawler).is_due(url)


def is_not_modified(failure: Failure) -> bool:
    """For errbacks: the failure is the HttpError of a 304 (page unchanged since last run)."""
    from scrapy.spidermiddlewares.httperror import HttpError

    return bool(failure.check(HttpError)) and getattr(failure.value.response, "status", None) == 304


def skipped_by_policy(failure: Failure) -> bool:
    """For errbacks: a 304 (unchanged), or a request robots.txt forbids or whose host's robots.txt
    is unavailable: not a failed page."""
    from crawler.middlewares.robots import RobotsForbidden, RobotsUnavailable

    return is_not_modified(failure) or bool(failure.check(RobotsForbidden, RobotsUnavailable))


def take_page_record(crawler: Crawler, url: str) -> PageRecord | None:
    """For the item pipelines: the held page-state record of an article page (or None)."""
    tracker: PageTracker | None = getattr(crawler, "_carewatch_pages", None)
    return tracker.pending.pop(url, None) if tracker is not None else None


def record_dropped_page(crawler: Crawler, url: str, reason: str) -> None:
    """For the item pipelines: a page that is not stored. Remember its validators, unless the
    reason means "not processed" (timeout, crash): then the page is remembered as never checked,
    without validators, so the next run fetches it in full whether or not its feed changed."""
    from crawler.pipelines.pool import RETRY_REASONS

    rec = take_page_record(crawler, url)
    if rec is None:
        return
    if reason in RETRY_REASONS:
        rec.etag = rec.last_modified = rec.content_hash = None
        rec.fetched_at = None
        rec.changed = True
    page_tracker(crawler).writer.record(rec)


# ------------------------------------------------------------------------------ middleware


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


class ConditionalRequestMiddleware:
    """See the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tracker = page_tracker(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if not self.tracker.enabled or request.method != "GET":
            return
        if request.meta.get("cw_kind") not in CONDITIONAL_KINDS:
            return
        v = self.tracker.index.validators_for(request.url)
        if v is None:
            return
        if v.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = v.etag
        if v.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = v.last_modified
        request.meta["cw_conditional"] = True

    def process_response(self, request: Request, response: Response) -> Response:
        if not self.tracker.enabled:
            return response
        kind = request.meta.get("cw_kind")
        if kind not in CONDITIONAL_KINDS:
            return response
        now = utcnow()
        url = response.url
        if response.status == 304:
            if request.meta.get("cw_conditional"):
                self.tracker.count("pages/not_modified")
                self.tracker.writer.touch(url, now)
                if kind in START_KINDS:
                    self.tracker.count("start_ok")
            return response
        if response.status != 200:
            return response
        digest = body_hash(response.body)
        known = self.tracker.index.validators_for(url)
        changed = known is None or known.content_hash != digest
        rec = PageRecord(
            url=url, source=self.tracker.source, kind=str(kind), fetched_at=now,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=digest, http_status=200, changed=changed,
        )
        if not changed:
            self.tracker.count("pages/unchanged_body")
            self.tracker.count("pages/not_modified")
            self.tracker.writer.record(rec)
            if kind in START_KINDS:
                self.tracker.count("start_ok")
            headers = response.headers.copy()
            headers[UNCHANGED_HEADER] = b"1"
            return response.replace(status=304, body=b"", headers=headers)
        if kind == "article":
            self.tracker.pending[url] = rec
        else:
            self.tracker.writer.record(rec)
        return response

    def process_exception(self, request: Request, exception: Exception) -> Any:
        return None


class RevisitMiddleware:
    """Spider middleware: after a news spider's start requests, the known article pages that are
    due for a re-check (revisit policy), so revisions are found even when the feed is unchanged
    (304) or no longer lists the article. Requests go through the spider's ``_article_request``
    (same checks, counts and callbacks as feed links); the dupefilter drops those the feeds
    already asked for."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.tracker = page_tracker(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield item_or_request
        make = getattr(self.crawler.spider, "_article_request", None)
        if make is None or not self.tracker.enabled or not self.tracker.revisit_enabled:
            return
        due = due_pages(self.tracker.index, self.tracker.policy)
        self.tracker.count("links/revisit_due", len(due))
        for url in due:
            for request in make(url, None):
                yield request
