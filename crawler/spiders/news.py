"""The generic news spider: RSS/Atom feeds, sitemaps and listing pages -> article pages.

Fresh first (issue 11): requests carry priorities, highest first, and the scheduler's queues are
FIFO within a priority, so feed links go before listing links, listing links before the next
listing page, and sitemap URLs (newest ``lastmod`` first, under a per-run budget) last. Links of
one URL shape (digits and query values aside: calendar days, ``?date=…`` pages) sink a step per
``SHAPE_STEP`` links, so a page of traps cannot push its few real articles to the back.
"""

from __future__ import annotations

import asyncio
import calendar
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import feedparser
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.gz import gunzip

from crawler.items import PageItem
from crawler.middlewares.conditional import link_is_due, skipped_by_policy
from crawler.middlewares.retry import HostGivenUp
from crawler.spiders.base import SourceSpider
from crawler.spiders.incremental import iter_feed, iter_sitemap, newest_first
from storage.cleantext import one_line

#: request priorities (higher first): start points, then article links by where they came from
PRIORITY = {"feed": 40, "listing": 35, "feed_link": 30, "listing_link": 20, "next_listing": 15,
            "revisit": 10, "sitemap": 5, "sitemap_link": 0}
#: links of one shape that keep their origin's priority; each further SHAPE_STEP sink one step
SHAPE_STEP = 5
SHAPE_FLOOR = 10
#: a link to one of these is a document, never an article page, whatever its bytes are
DOCUMENT_SUFFIXES = (".pdf", ".doc", ".docx", ".odt", ".rtf", ".xls", ".xlsx", ".ods", ".csv",
                     ".ppt", ".pptx", ".odp", ".zip", ".epub")
DOCUMENT_TYPES = ("application/pdf", "application/msword", "application/vnd.", "application/zip",
                  "application/octet-stream", "application/epub")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json", "application/xml",
              "text/xml")
_DIGITS = re.compile(r"\d+")


def url_shape(url: str) -> str:
    """A URL's shape: host and path with digit runs as ``#``, and its query's parameter names."""
    parts = urlsplit(url)
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return f"{parts.hostname}{_DIGITS.sub('#', parts.path.split(';')[0])}?{'&'.join(names)}"


def is_document_url(url: str) -> bool:
    return urlsplit(url).path.lower().endswith(DOCUMENT_SUFFIXES)


def _entry_datetime(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


class NewsSpider(SourceSpider):
    """Follows a source's feeds, sitemaps and listings to its article pages."""

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        super().update_settings(settings)
        # the order requests are made in is the order they are yielded in, within a priority
        settings.set("SCHEDULER_MEMORY_QUEUE", "scrapy.squeues.FifoMemoryQueue", priority="spider")
        settings.set("SCHEDULER_DISK_QUEUE", "scrapy.squeues.PickleFifoDiskQueue", priority="spider")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._shapes: Counter[str] = Counter()
        #: feed and listing start pages not read yet, and when they all are
        self._fresh_pending = 0
        self._fresh_read = asyncio.Event()
        #: sitemap article URLs and sitemap files still allowed in this run
        self._sitemap_urls_left: int | None = None
        self._sitemap_files_left: int | None = None

    def _budget(self, field: str, setting: str) -> int:
        value = getattr(self.source, field, None)
        return int(value) if value is not None else self.settings.getint(setting)

    async def start(self) -> AsyncIterator[Any]:
        fresh: list[Request] = [
            Request(url, callback=self.parse_feed, errback=self._fresh_start_failed, dont_filter=True,
                    priority=PRIORITY["feed"], meta={"cw_kind": "feed", "cw_fresh_start": True})
            for url in self.source.feeds
        ]
        for n, listing in enumerate(self.source.listings):
            pages = listing.page_urls()
            if "{page}" not in listing.url and "{start}" not in listing.url:
                pages = pages[:1]
            fresh += [
                Request(url, callback=self.parse_listing, errback=self._fresh_start_failed, dont_filter=True,
                        priority=PRIORITY["listing"] if page_no == 0 else PRIORITY["next_listing"],
                        meta={"cw_kind": "listing", "cw_listing": n, "cw_page": 1, "cw_fresh_start": True})
                for page_no, url in enumerate(pages)
            ]
        self._fresh_pending = len(fresh)
        for request in fresh:
            yield request
        if self.source.sitemaps and self._fresh_pending > 0:
            # Fresh first: sitemaps are asked for once the feeds and listings have been read, so
            # their links are queued (at a higher priority) before any sitemap URL is
            try:
                await asyncio.wait_for(self._fresh_read.wait(), timeout=2 * self.settings.getfloat("DOWNLOAD_TIMEOUT", 30))
            except TimeoutError:
                self.logger.info("Feeds and listings not all read yet: sitemaps asked for anyway")
        for url in self.source.sitemaps:
            yield Request(url, callback=self.parse_sitemap, dont_filter=True, priority=PRIORITY["sitemap"],
                          meta={"cw_kind": "sitemap"})

    # -- start points --------------------------------------------------------------------------

    def _fresh_start_done(self, meta: dict[str, Any]) -> None:
        if meta.pop("cw_fresh_start", False):
            self._fresh_pending -= 1
            if self._fresh_pending <= 0:
                self._fresh_read.set()

    def _fresh_start_failed(self, failure: Any) -> None:
        request = getattr(failure, "request", None)
        if request is not None:
            self._fresh_start_done(request.meta)

    def parse_feed(self, response: Response) -> Iterator[Request]:
        if response.request is not None:
            self._fresh_start_done(response.request.meta)
        budget = self._budget("feed_max_links", "CAREWATCH_FEED_MAX_LINKS")
        whole = self.settings.getint("CAREWATCH_FEED_WHOLE_BYTES")
        entries: Iterator[tuple[str | None, str | None, datetime | None]]
        if len(response.body) > whole:
            # too big for feedparser, which holds it all in memory and takes seconds of the
            # reactor's time per megabyte: read entry by entry
            self.logger.info("Feed %s is %d bytes: read incrementally, first %d links",
                             response.url, len(response.body), budget)
            self.count("feeds/incremental")
            entries = ((e.loc, e.title, e.when) for e in iter_feed(response.body))
        else:
            # Bytes only: feedparser fetches or opens files when given a string (RELIABILITY.md B6).
            parsed = feedparser.parse(response.body, response_headers={
                "content-location": response.url,
                "content-type": (response.headers.get("Content-Type") or b"application/xml").decode("latin-1"),
            })
            if parsed.bozo and not parsed.entries:
                self.logger.warning("Feed %s could not be parsed: %s", response.url, parsed.get("bozo_exception"))
                self.count("feeds/bad")
                return
            entries = ((e.get("link"), e.get("title"), _entry_datetime(e)) for e in parsed.entries)
        taken = 0
        for link, title, published in entries:
            if taken >= budget:
                self.count("feeds/over_budget")
                break
            taken += 1
            if link:
                yield from self._article_request(response.urljoin(link), response,
                                                 feed_title=one_line(title) or None, feed_published=published)
        self.count("feeds/entries", taken)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        if self._sitemap_urls_left is None:
            self._sitemap_urls_left = self._budget("sitemap_max_urls", "CAREWATCH_SITEMAP_MAX_URLS")
            self._sitemap_files_left = self.settings.getint("CAREWATCH_SITEMAP_MAX_FILES")
        body = response.body
        if body[:2] == b"\x1f\x8b":  # sitemap.xml.gz served as a file
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except Exception as exc:  # truncated, corrupt or over the size limit
                self.logger.warning("Sitemap %s could not be decompressed: %s", response.url, exc)
                self.count("sitemaps/bad")
                return
        # one pass, bounded memory: the newest entries up to what this run may still take
        room = max(self._sitemap_urls_left, self._sitemap_files_left or 0)
        entries = newest_first(iter_sitemap(body), room)
        if not entries:
            self.count("sitemaps/empty")
            return
        for entry in entries:
            url = response.urljoin(entry.loc)
            if entry.kind == "sitemap":
                if not self._sitemap_files_left:
                    self.count("sitemaps/over_budget")
                    continue
                self._sitemap_files_left -= 1
                yield Request(url, callback=self.parse_sitemap, priority=PRIORITY["sitemap"],
                              meta={"cw_kind": "sitemap"})
            elif self._sitemap_urls_left > 0:
                self._sitemap_urls_left -= 1
                yield from self._article_request(url, response)
            else:
                self.count("sitemaps/over_budget")
                break

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if response.request is not None:
            self._fresh_start_done(response.request.meta)
        if not isinstance(response, TextResponse):
            self.count("listings/not_html")
            return
        yield from self._announced_feeds(response)
        n = response.meta.get("cw_listing", 0)
        listing = self.source.listings[n] if n < len(self.source.listings) else None
        scope = response.css(listing.links) if listing and listing.links else [response]
        found = 0
        for node in scope:
            for href in node.css("a::attr(href)").getall():
                url = response.urljoin(href.strip())
                if self.source.allows(url):
                    found += 1
                    yield from self._article_request(url, response)
        self.count("listings/links", found)
        page = response.meta.get("cw_page", 1)
        if listing and listing.next and page < listing.max_pages:
            nxt = response.css(listing.next).css("::attr(href)").get() or response.css(listing.next).attrib.get("href")
            if nxt:
                yield Request(response.urljoin(nxt), callback=self.parse_listing, priority=PRIORITY["next_listing"],
                              meta={"cw_kind": "listing", "cw_listing": n, "cw_page": page + 1})

    def _announced_feeds(self, response: TextResponse) -> Iterator[Request]:
        """The feeds a page announces with ``<link rel="alternate">`` (comment feeds left out)."""
        for link in response.css("link[rel~=alternate][href]"):
            kind = (link.attrib.get("type") or "").lower().split(";")[0].strip()
            href = link.attrib["href"].strip()
            title = (link.attrib.get("title") or "").lower()
            if kind not in FEED_TYPES or "comment" in title or "/comments/" in href:
                continue
            url = response.urljoin(href)
            if not self._on_source(url):
                continue
            self.count("listings/announced_feeds")
            # not dont_filter: a feed announced on every page is read once
            yield Request(url, callback=self.parse_feed, priority=PRIORITY["feed"], meta={"cw_kind": "feed"})

    def _on_source(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return urlsplit(url).scheme in ("http", "https") and any(
            host == d or host.endswith("." + d) for d in self.source.domains)

    # -- articles --------------------------------------------------------------------------------

    def _article_request(self, url: str, origin: Response | None, **meta: Any) -> Iterator[Request]:
        if not self.source.allows(url):
            self.count("links/not_allowed")
            return
        if is_document_url(url):  # a report or a spreadsheet, not an article page
            self.count("links/document")
            return
        self.count("links/article")
        if not link_is_due(self, url):  # known article, not yet due for a re-check
            self.count("links/not_due")
            return
        # Article pages over the extractor's limit are cancelled while downloading, so a
        # decompression bomb never reaches memory whole (RELIABILITY.md A1, A2).
        maxsize = self.settings.getint("CAREWATCH_MAX_HTML_BYTES")
        yield Request(url, callback=self.parse_article, errback=self.article_failed,
                      priority=self._link_priority(url, origin),
                      meta={"cw_kind": "article", "cw_link": url, "download_maxsize": maxsize, **meta})

    def _link_priority(self, url: str, origin: Response | None) -> int:
        request = origin.request if origin is not None else None
        kind = request.meta.get("cw_kind") if request is not None else None
        base = PRIORITY.get(f"{kind}_link", PRIORITY["revisit"])
        if kind == "sitemap":
            return base
        shape = url_shape(url)
        self._shapes[shape] += 1
        return max(min(base, SHAPE_FLOOR), base - (self._shapes[shape] - 1) // SHAPE_STEP)

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        content_type = (response.headers.get("Content-Type") or b"").decode("latin-1")
        if is_document_url(response.url) or content_type.lower().startswith(DOCUMENT_TYPES):
            # a link that led to a document (maybe one whose bytes are an HTML page): not an article
            self.count("dropped/document")
            self.count("pages/document")
            return
        self.count("pages/article")
        meta = response.meta
        seen = [*meta.get("redirect_urls", []), meta.get("cw_link", ""), response.request.url if response.request else ""]
        yield PageItem(
            url=response.url,
            seen_urls=[u for u in dict.fromkeys(seen) if u and u != response.url],
            body=response.body,
            encoding=response.encoding if isinstance(response, TextResponse) else None,
            feed_title=one_line(meta.get("feed_title")) or None,
            feed_published=meta.get("feed_published"),
        )

    def article_failed(self, failure: Any) -> None:
        if skipped_by_policy(failure) or failure.check(HostGivenUp):
            return  # unchanged since the last run (304), robots.txt says no, or the host said "later"
        self.count("pages/article_failed")
        self.logger.warning("Article fetch failed: %s", failure.getErrorMessage())
