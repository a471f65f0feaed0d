"""The GOV.UK spider: Ofsted news, statistics and publications (SOURCES.md §3).

Start points are the source's ``feeds``: GOV.UK search API URLs (``/api/search.json?…``, JSON)
and/or Atom feeds (finder or organisation ``.atom``). Each result's page is fetched and goes
through the normal extract → store pipelines as a PageItem of this source, so GOV.UK articles
are stored, deduplicated and alerted like any other article.

The search API answers 422 to any parameter it does not know: this spider never adds
parameters of its own (the configured URL is requested as given).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.http import Response

from crawler.middlewares.conditional import skipped_by_policy
from crawler.sources import rebase
from crawler.spiders.news import NewsSpider


def _timestamp(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def is_search_api(url: str) -> bool:
    return urlsplit(url).path.endswith(".json")


class GovukSpider(NewsSpider):
    """GOV.UK search API (JSON) and Atom feeds -> content pages."""

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.feeds:
            parse = self.parse_search_api if is_search_api(url) else self.parse_feed
            yield Request(url, callback=parse, errback=self.start_failed, dont_filter=True,
                          meta={"cw_kind": "feed"})
        for url in self.source.sitemaps:
            yield Request(url, callback=self.parse_sitemap, dont_filter=True, meta={"cw_kind": "sitemap"})

    def _article_request(self, url: str, origin: Response | None, **meta: Any) -> Iterator[Request]:
        # Atom entries link to https://www.gov.uk/…: follow them on the mirror/replica too
        yield from super()._article_request(rebase(url, self.source.base_url), origin, **meta)

    def start_failed(self, failure: Any) -> None:
        if skipped_by_policy(failure):  # unchanged since the last run (304), or robots.txt says no
            return
        self.count("start_failed")
        self.logger.warning("GOV.UK start point failed: %s", failure.getErrorMessage())

    def parse_search_api(self, response: Response) -> Iterator[Request]:
        limit = self.settings.getint("CAREWATCH_MAX_FEED_BYTES")
        if len(response.body) > limit:
            self.logger.warning("Search API answer %s is %d bytes, over %d: skipped",
                                response.url, len(response.body), limit)
            self.count("feeds/too_large")
            return
        try:
            data = json.loads(response.body)
        except ValueError as exc:
            self.logger.warning("Search API answer %s is not JSON: %s", response.url, exc)
            self.count("feeds/bad")
            return
        results = data.get("results") if isinstance(data, dict) else None
        if not isinstance(results, list):
            self.logger.warning("Search API answer %s has no results list", response.url)
            self.count("feeds/bad")
            return
        self.count("feeds/entries", len(results))
        for result in results:
            if not isinstance(result, dict):
                continue
            link = result.get("link")
            if not isinstance(link, str) or not link:
                continue
            # ``link`` is a path on www.gov.uk (urljoin keeps absolute links as they are)
            url = response.urljoin(link)
            yield from self._article_request(
                url, response, feed_title=result.get("title"),
                feed_published=_timestamp(result.get("public_timestamp")),
            )  # fmt: skip
