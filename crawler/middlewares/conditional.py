"""Conditional, incremental re-crawls (DESIGN.md "Polite by default", RELIABILITY.md A14).

``ConditionalRequestMiddleware`` (downloader middleware) sends ``If-None-Match`` /
``If-Modified-Since`` with every feed, listing, sitemap and article request whose URL has
validators from an earlier run (page state in crawler.runstate.CrawlContext), and:

* a ``304`` costs nothing more: the page's "last checked" time is written (batched) and
  ``carewatch/pages/not_modified`` counted; the response goes on as a 304, which Scrapy's
  HttpErrorMiddleware keeps away from the callbacks (article errbacks ignore it, see
  ``skipped_by_policy``);
* a ``200`` whose body hash equals the stored one is treated the same way (its new validators
  are stored, ``carewatch/pages/unchanged_body`` counted) and is turned into a 304, so it is
  neither parsed nor extracted;
* a changed page's new state (a ``PageRecord``) rides in ``Request.meta["cw_page"]``: an
  article's onto its PageItem (``PageStateMiddleware``) and is written with the article, or
  without validators when the page was not processed (timeout, crash: fetched in full next
  run); a feed's, listing's or sitemap's is held by the context until the run ends ``ok``, so a
  run cut short leaves the next one a full read of its start pages and the links it missed.

``RevisitMiddleware`` (spider middleware) adds the known article pages due for a re-check.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.items import PageItem
from crawler.runstate import CrawlContext, context_of, run_state
from storage.pagestate import START_KINDS, PageRecord, body_hash, due_pages
from storage.types import utcnow

logger = logging.getLogger(__name__)

#: request kinds (``meta["cw_kind"]``) that are fetched conditionally
CONDITIONAL_KINDS = START_KINDS | {"article"}
#: response header marking a 200 turned into a 304 because its body had not changed
UNCHANGED_HEADER = b"X-Carewatch-Unchanged"


# ------------------------------------------------------------------ hooks for spider/pipelines


def link_is_due(spider: Spider, url: str) -> bool:
    """For spiders: whether a link to an article should be requested in this run."""
    ctx = context_of(getattr(spider, "crawler", None))
    return ctx is None or ctx.is_due(url)


def skipped_by_policy(failure: Failure) -> bool:
    """For errbacks: the HttpError of a 304 (unchanged since the last run), or a request
    robots.txt forbids or whose host's robots.txt is unavailable: not a failed page."""
    from scrapy.spidermiddlewares.httperror import HttpError

    from crawler.middlewares.robots import RobotsForbidden, RobotsUnavailable

    if failure.check(HttpError) and getattr(failure.value.response, "status", None) == 304:
        return True
    return bool(failure.check(RobotsForbidden, RobotsUnavailable))


def unprocessed(rec: PageRecord) -> PageRecord:
    """The page-state row of a page fetched but not processed (extraction timed out or crashed):
    no validators, never checked, so the next run fetches it in full whatever its feed says."""
    rec.etag = rec.last_modified = rec.content_hash = None
    rec.fetched_at = None
    rec.changed = True
    return rec


# ------------------------------------------------------------------------------ middlewares


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1").strip() or None if value else None


class ConditionalRequestMiddleware:
    """See the module docstring."""

    def __init__(self, ctx: CrawlContext) -> None:
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ctx = run_state(crawler)
        if not ctx.conditional:
            raise NotConfigured("conditional requests are off for this spider")
        return cls(ctx)

    def process_request(self, request: Request) -> None:
        if request.method != "GET" or request.meta.get("cw_kind") not in CONDITIONAL_KINDS:
            return
        v = self.ctx.pages.validators_for(request.url)
        if v is None:
            return
        if v.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = v.etag
        if v.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = v.last_modified
        request.meta["cw_conditional"] = True

    def process_response(self, request: Request, response: Response) -> Response:
        kind = request.meta.get("cw_kind")
        if kind not in CONDITIONAL_KINDS:
            return response
        now, url, ctx = utcnow(), response.url, self.ctx
        if response.status == 304:
            if request.meta.get("cw_conditional"):
                ctx.count("pages/not_modified")
                ctx.writer.touch(url, now)
                if kind in START_KINDS:
                    ctx.count("start_ok")
            return response
        if response.status != 200:
            return response
        digest = body_hash(response.body)
        known = ctx.pages.validators_for(url)
        rec = PageRecord(
            url=url, source=ctx.source, kind=str(kind), fetched_at=now,
            etag=_header(response, b"ETag"), last_modified=_header(response, b"Last-Modified"),
            content_hash=digest, http_status=200, changed=known is None or known.content_hash != digest,
        )
        if kind in START_KINDS:
            ctx.start_pages.append(rec)
        if not rec.changed:
            ctx.count("pages/unchanged_body")
            ctx.count("pages/not_modified")
            if kind in START_KINDS:
                ctx.count("start_ok")
            else:
                ctx.writer.record(rec)
            headers = response.headers.copy()
            headers[UNCHANGED_HEADER] = b"1"
            return response.replace(status=304, body=b"", headers=headers)
        if kind == "article":
            request.meta["cw_page"] = rec
        return response


class PageStateMiddleware:
    """Spider middleware: each PageItem takes its response's page-state row along
    (``meta["cw_page"]``), for the pipelines to write or reset."""

    def process_spider_output(self, response: Response, result: Any) -> Any:
        return (self._attach(response, r) for r in result)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for r in result:
            yield self._attach(response, r)

    @staticmethod
    def _attach(response: Response, out: Any) -> Any:
        if isinstance(out, PageItem) and out.page is None:
            out.page = response.meta.get("cw_page")
        return out


class RevisitMiddleware:
    """Spider middleware: after a news spider's start requests, the known article pages that are
    due for a re-check (revisit policy), so revisions are found even when the feed is unchanged
    (304) or no longer lists the article. Requests go through the spider's ``_article_request``
    (same checks, counts and callbacks as feed links); the dupefilter drops those the feeds
    already asked for."""

    def __init__(self, crawler: Crawler, ctx: CrawlContext) -> None:
        self.crawler = crawler
        self.ctx = ctx

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        ctx = run_state(crawler)
        if not ctx.revisit:
            raise NotConfigured("revisits are off for this spider")
        return cls(crawler, ctx)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield item_or_request
        make = getattr(self.crawler.spider, "_article_request", None)
        if make is None:
            return
        due = due_pages(self.ctx.pages, self.ctx.policy)
        self.ctx.count("links/revisit_due", len(due))
        for url in due:
            for request in make(url, None):
                yield request
