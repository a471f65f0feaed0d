"""The generic news spider: RSS/Atom feeds, sitemaps and listing pages -> article pages."""

from __future__ import annotations

import calendar
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import feedparser
from scrapy import Request
from scrapy.http import Response, TextResponse
from scrapy.utils.sitemap import Sitemap

from crawler.items import PageItem
from crawler.middlewares.conditional import link_is_due, skipped_by_policy
from crawler.spiders.base import SourceSpider
from storage.types import utcnow


def _entry_datetime(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        value = entry.get(key)
        if value:
            return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
    return None


class NewsSpider(SourceSpider):
    """Follows a source's feeds, sitemaps and listings to its article pages."""

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            yield Request(url, callback=self.parse_feed, dont_filter=True, meta={"cw_kind": "feed"})
        for url in self.source.sitemaps:
            yield Request(url, callback=self.parse_sitemap, dont_filter=True, meta={"cw_kind": "sitemap"})
        for n, listing in enumerate(self.source.listings):
            pages = listing.page_urls()
            if "{page}" in listing.url or "{start}" in listing.url:
                for url in pages:
                    yield Request(url, callback=self.parse_listing, dont_filter=True,
                                  meta={"cw_kind": "listing", "cw_listing": n, "cw_page": 1})
            else:
                yield Request(pages[0], callback=self.parse_listing, dont_filter=True,
                              meta={"cw_kind": "listing", "cw_listing": n, "cw_page": 1})

    # -- start points --------------------------------------------------------------------------

    def parse_feed(self, response: Response) -> Iterator[Request]:
        limit = self.settings.getint("CAREWATCH_MAX_FEED_BYTES")
        if len(response.body) > limit:
            self.logger.warning("Feed %s is %d bytes, over the %d-byte limit: skipped",
                                response.url, len(response.body), limit)
            self.count("feeds/too_large")
            return
        # Bytes only: feedparser fetches or opens files when given a string (RELIABILITY.md B6).
        parsed = feedparser.parse(response.body, response_headers={
            "content-location": response.url,
            "content-type": (response.headers.get("Content-Type") or b"application/xml").decode("latin-1"),
        })
        if parsed.bozo and not parsed.entries:
            self.logger.warning("Feed %s could not be parsed: %s", response.url, parsed.get("bozo_exception"))
            self.count("feeds/bad")
            return
        self.count("feeds/entries", len(parsed.entries))
        for entry in parsed.entries:
            link = entry.get("link")
            if not link:
                continue
            link = response.urljoin(link)
            yield from self._article_request(
                link, response, feed_title=entry.get("title"), feed_published=_entry_datetime(entry)
            )

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        try:
            sitemap = Sitemap(response.body)
        except Exception as exc:  # lxml raises several kinds on hostile input
            self.logger.warning("Sitemap %s could not be parsed: %s", response.url, exc)
            self.count("sitemaps/bad")
            return
        for entry in sitemap:
            loc = entry.get("loc")
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield Request(response.urljoin(loc), callback=self.parse_sitemap, meta={"cw_kind": "sitemap"})
            else:
                yield from self._article_request(response.urljoin(loc), response)

    def parse_listing(self, response: Response) -> Iterator[Request]:
        if not isinstance(response, TextResponse):
            self.count("listings/not_html")
            return
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
                yield Request(response.urljoin(nxt), callback=self.parse_listing,
                              meta={"cw_kind": "listing", "cw_listing": n, "cw_page": page + 1})

    # -- articles --------------------------------------------------------------------------------

    def _article_request(self, url: str, origin: Response, **meta: Any) -> Iterator[Request]:
        if not self.source.allows(url):
            self.count("links/not_allowed")
            return
        self.count("links/article")
        if not link_is_due(self, url):  # known article, not yet due for a re-check
            self.count("links/not_due")
            return
        # Article pages over the extractor's limit are cancelled while downloading, so a
        # decompression bomb never reaches memory whole (RELIABILITY.md A1, A2).
        maxsize = self.settings.getint("CAREWATCH_MAX_HTML_BYTES")
        yield Request(url, callback=self.parse_article, errback=self.article_failed,
                      meta={"cw_kind": "article", "cw_link": url, "download_maxsize": maxsize, **meta})

    def parse_article(self, response: Response) -> Iterator[PageItem]:
        self.count("pages/article")
        meta = response.meta
        seen = [*meta.get("redirect_urls", []), meta.get("cw_link", ""), response.request.url if response.request else ""]
        yield PageItem(
            source=self.source.id,
            url=response.url,
            seen_urls=[u for u in dict.fromkeys(seen) if u and u != response.url],
            body=response.body,
            encoding=response.encoding if isinstance(response, TextResponse) else None,
            content_type=(response.headers.get("Content-Type") or b"").decode("latin-1"),
            http_status=response.status,
            etag=(response.headers.get("ETag") or b"").decode("latin-1") or None,
            last_modified=(response.headers.get("Last-Modified") or b"").decode("latin-1") or None,
            feed_title=meta.get("feed_title"),
            feed_published=meta.get("feed_published"),
            fetched_at=utcnow(),
        )

    def article_failed(self, failure: Any) -> None:
        if skipped_by_policy(failure):
            return  # unchanged since the last run (304), or robots.txt says no
        self.count("pages/article_failed")
        self.logger.warning("Article fetch failed: %s", failure.getErrorMessage())
