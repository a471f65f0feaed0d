"""What a news site offers a crawler, found from its home page (``carewatch sources add``).

From the home page and robots.txt: feeds (``<link rel="alternate">`` and links to feeds, by
trafilatura's ``determine_feed``; then common feed paths), sitemaps (robots.txt ``Sitemap:``
lines by trafilatura's ``extract_robots_sitemaps``; then its usual sitemap paths) and a news
listing (the page with most headline links: the home page or a "News" menu link). Then a few
candidate article pages from the best start point go through carewatch's own extractor, as in
a crawl; the first start point that gives readable articles is the one proposed. Feeds and
sitemaps are parsed with the same libraries the news spider uses (feedparser, Scrapy's
Sitemap), so what is found here is what a crawl will find.

``carewatch sources add`` runs ``python -m crawler.discovery URL`` as a child process (the CLI,
like the service, loads neither Scrapy nor untrusted pages itself) and reads one JSON object.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml.html import HtmlElement
from scrapy.utils.sitemap import Sitemap
from trafilatura.feeds import FeedParameters, determine_feed
from trafilatura.sitemaps import GUESSES, extract_robots_sitemaps, is_plausible_sitemap

from crawler.extraction import ExtractionFailed, extract_article
from crawler.laguess import LAProposal, propose_la
from crawler.sitefetch import FetchError, Page, SiteFetcher
from crawler.urlshapes import (
    Link,
    allow_pattern,
    headline_links,
    is_newsy,
    is_page_url,
    news_links,
    next_selector,
    page_links,
    same_site,
)
from storage.dedup import clean_url

#: paths tried when the home page announces no feed (WordPress, Drupal, generic CMSs)
COMMON_FEED_PATHS = ("/feed/", "/rss", "/rss.xml", "/news/feed", "/news/rss", "/news/rss.xml", "/feed.xml")
#: sitemap paths tried when robots.txt names none (trafilatura's guesses, uncompressed ones)
SITEMAP_PATHS = tuple("/" + g for g in GUESSES if not g.endswith(".gz"))
#: child sitemaps of a sitemap index read for candidates
MAX_CHILD_SITEMAPS = 3
#: "News" menu links looked at for a listing
MAX_LISTING_CANDIDATES = 2
#: articles shown, and candidate pages tried per start point
SAMPLES = 5
TRIES = 7


class DiscoveryError(Exception):
    """The site cannot be added (unreachable, not HTML, nothing found): the message says why."""


@dataclass(frozen=True)
class FeedFound:
    url: str
    title: str | None
    #: links of its entries that are on the site
    links: tuple[str, ...]


@dataclass(frozen=True)
class SitemapFound:
    url: str
    #: from robots.txt ("robots.txt") or guessed ("guessed")
    origin: str
    urls: int
    #: page URLs that look like news, newest first when the sitemap says
    news: tuple[str, ...]


@dataclass(frozen=True)
class ListingFound:
    url: str
    links: tuple[str, ...]
    next_css: str | None


@dataclass(frozen=True)
class Sample:
    #: the link followed (feed entry, sitemap loc, listing href) and the page's final URL
    link: str
    url: str
    title: str
    published: datetime | None
    words: int
    body: str


@dataclass
class Discovery:
    url: str
    host: str
    site_name: str | None
    feeds: list[FeedFound] = field(default_factory=list)
    sitemaps: list[SitemapFound] = field(default_factory=list)
    listing: ListingFound | None = None
    #: "feed", "sitemap" or "listing": the start point proposed
    mode: str | None = None
    samples: list[Sample] = field(default_factory=list)
    #: candidate pages the extractor refused: (url, reason)
    refused: list[tuple[str, str]] = field(default_factory=list)
    #: regex on path + query for sitemap and listing sources (None for feeds)
    allow: str | None = None
    la: LAProposal | None = None


def discover(url: str, fetcher: SiteFetcher) -> Discovery:
    """Look at the site at ``url``. Raises DiscoveryError when it cannot be added."""
    try:
        fetcher.robots(url)  # HostUnavailable (a FetchError) when the host cannot be reached
        home = fetcher.get(url, required=True)
    except FetchError as exc:
        raise DiscoveryError(str(exc)) from None
    assert home is not None
    host = (urlsplit(home.url).hostname or "").lower()
    if not home.is_html:
        return _from_feed(home, fetcher, host)
    root = home.root
    if root is None:
        raise DiscoveryError(f"{home.url} is an empty or unreadable page")
    links = page_links(root, home.url)
    found = Discovery(url=home.url, host=host, site_name=_site_name(root))
    found.feeds = _feeds(home, fetcher, host)
    found.sitemaps = _sitemaps(home, fetcher, host)
    found.listing = _listing(home.url, root, links, fetcher, host)
    _choose(found, fetcher)
    found.la = propose_la(host, [link.url for link in links], _visible_text(root),
                          found.site_name or "", [(s.title, s.body) for s in found.samples])
    return found


def _from_feed(page: Page, fetcher: SiteFetcher, host: str) -> Discovery:
    """The URL given is a feed, not a home page: that feed is the start point."""
    feed = _parse_feed(page, host)
    if feed is None:
        raise DiscoveryError(f"{page.url} is neither an HTML page nor a feed with links to its site "
                             f"(Content-Type {page.content_type})")
    found = Discovery(url=page.url, host=host, site_name=feed.title, feeds=[feed])
    _choose(found, fetcher)
    found.la = propose_la(host, [], "", feed.title or "", [(s.title, s.body) for s in found.samples])
    return found


# -- start points ---------------------------------------------------------------------------


def _feeds(home: Page, fetcher: SiteFetcher, host: str) -> list[FeedFound]:
    params = FeedParameters(f"{urlsplit(home.url).scheme}://{urlsplit(home.url).netloc}", host, home.url)
    announced = determine_feed(home.text, params)
    feeds = [f for f in (_read_feed(u, fetcher, host) for u in announced[:3]) if f]
    if feeds:
        return _unique(feeds)
    for path in COMMON_FEED_PATHS:
        feed = _read_feed(urljoin(home.url, path), fetcher, host)
        if feed:
            return [feed]
    return []


def _fetch(url: str, fetcher: SiteFetcher) -> Page | None:
    """The page at ``url``, or None when it cannot be had (robots.txt, network, HTTP error)."""
    try:
        return fetcher.get(url)
    except FetchError:
        return None


def _read_feed(url: str, fetcher: SiteFetcher, host: str) -> FeedFound | None:
    page = _fetch(url, fetcher)
    return _parse_feed(page, host) if page is not None and not page.is_html else None


def _parse_feed(page: Page, host: str) -> FeedFound | None:
    parsed = feedparser.parse(page.body, response_headers={
        "content-location": page.url, "content-type": page.content_type or "application/xml"})
    links = tuple(dict.fromkeys(
        urljoin(page.url, e.get("link")) for e in parsed.entries if e.get("link")))
    links = tuple(u for u in links if same_site(u, host))
    if not links:
        return None
    return FeedFound(page.url, parsed.feed.get("title"), links)


def _unique(feeds: list[FeedFound]) -> list[FeedFound]:
    out: dict[str, FeedFound] = {}
    for feed in feeds:
        out.setdefault(feed.url, feed)
    return list(out.values())


def _sitemaps(home: Page, fetcher: SiteFetcher, host: str) -> list[SitemapFound]:
    root = urljoin(home.url, "/")
    listed = extract_robots_sitemaps(fetcher.robots(home.url).text, root.rstrip("/"))
    found = [s for s in (_read_sitemap(u, "robots.txt", fetcher, host) for u in listed[:3]) if s]
    if found or listed:
        return found
    for path in SITEMAP_PATHS:
        sitemap = _read_sitemap(urljoin(root, path), "guessed", fetcher, host)
        if sitemap:
            return [sitemap]
    return []


def _sitemap_entries(url: str, fetcher: SiteFetcher) -> tuple[str, list[dict[str, str]]] | None:
    page = _fetch(url, fetcher)
    if page is None or not is_plausible_sitemap(page.url, page.text):
        return None
    try:
        sitemap = Sitemap(page.body)
    except Exception:  # lxml raises several kinds on hostile input (as in the news spider)
        return None
    return str(sitemap.type), [dict(e) for e in sitemap if e.get("loc")]


def _read_sitemap(url: str, origin: str, fetcher: SiteFetcher, host: str) -> SitemapFound | None:
    top = _sitemap_entries(url, fetcher)
    if top is None:
        return None
    kind, entries = top
    if kind == "sitemapindex":
        children = sorted((e["loc"] for e in entries), key=lambda u: not re.search(r"news|post|article", u))
        entries = []
        for child in children[:MAX_CHILD_SITEMAPS]:
            sub = _sitemap_entries(child, fetcher)
            if sub and sub[0] == "urlset":
                entries.extend(sub[1])
    pages = [e for e in entries if same_site(e["loc"], host) and is_page_url(e["loc"])]
    if not pages:
        return None
    pages.sort(key=lambda e: e.get("lastmod", ""), reverse=True)
    news = tuple(e["loc"] for e in pages if is_newsy(e["loc"]))
    return SitemapFound(url, origin, len(pages), news)


def _listing(home: str, root: HtmlElement, links: list[Link], fetcher: SiteFetcher,
             host: str) -> ListingFound | None:
    best = ListingFound(home, tuple(x.url for x in headline_links(links, host, exclude=[home])),
                        next_selector(root))
    for url in news_links(links, host)[:MAX_LISTING_CANDIDATES]:
        page = _fetch(url, fetcher) if url.rstrip("/") != home.rstrip("/") else None
        if page is None or not page.is_html or page.root is None:
            continue
        heads = headline_links(page_links(page.root, page.url), host, exclude=[page.url, home])
        if len(heads) > len(best.links):
            best = ListingFound(page.url, tuple(x.url for x in heads), next_selector(page.root))
    return best if len(best.links) >= 3 else None


# -- choosing and sampling --------------------------------------------------------------------


def _choose(found: Discovery, fetcher: SiteFetcher) -> None:
    """Try each start point's candidate pages, best kind first; keep the first that reads."""
    options: list[tuple[str, list[str]]] = []
    if found.feeds:
        options.append(("feed", [u for f in found.feeds for u in f.links]))
    news_in_sitemaps = [u for s in found.sitemaps for u in s.news]
    if news_in_sitemaps:
        options.append(("sitemap", news_in_sitemaps))
    if found.listing:
        options.append(("listing", list(found.listing.links)))
    if not options:
        raise DiscoveryError(f"found no feed, no sitemap with news pages and no news listing on {found.url}")
    for mode, candidates in options:
        samples = _sample(candidates, fetcher, found)
        if samples:
            found.mode, found.samples = mode, samples
            if mode != "feed":
                # matched at crawl time against links without tracking parameters (SourceConfig.allows)
                found.allow = allow_pattern([clean_url(s.link) for s in samples])
            return
    raise DiscoveryError(f"none of the candidate article pages on {found.url} could be read as articles "
                         f"({'; '.join(f'{u}: {r}' for u, r in found.refused[:3])})")


def _sample(candidates: list[str], fetcher: SiteFetcher, found: Discovery) -> list[Sample]:
    samples: list[Sample] = []
    for url in list(dict.fromkeys(candidates))[:TRIES]:
        if len(samples) >= SAMPLES:
            break
        try:
            page = fetcher.get(url)
        except FetchError as exc:
            found.refused.append((url, str(exc)))
            continue
        if page is None or not page.is_html:
            found.refused.append((url, "not an HTML page" if page else "HTTP error"))
            continue
        try:
            article = extract_article(page.body, page.url, encoding=page.charset)
        except ExtractionFailed as exc:
            found.refused.append((url, exc.reason))
            continue
        samples.append(Sample(url, page.url, article.title, article.published_at, article.word_count, article.body))
    return samples


# -- page text ----------------------------------------------------------------------------------


def _site_name(root: HtmlElement) -> str | None:
    """og:site_name, else the last part of the home page's title ("News | Leeds City Council")."""
    name = " ".join(root.xpath("string(//meta[@property='og:site_name']/@content)").split())
    if name:
        return name
    title = " ".join(root.xpath("string(//title)").split())
    return re.split(r"\s[|\u2013\u2014-]\s", title)[-1] if title else None


def _visible_text(root: HtmlElement) -> str:
    return "".join(root.xpath("//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]"))


# -- the child process the CLI runs: python -m crawler.discovery URL [--delay S] -------------------


def as_json(found: Discovery, requests: int) -> dict[str, Any]:
    """What ``carewatch sources add`` shows and writes, as JSON-ready data."""
    la = found.la
    return {
        "url": found.url, "host": found.host, "site_name": found.site_name, "requests": requests,
        "feeds": [{"url": f.url, "title": f.title, "items": len(f.links)} for f in found.feeds],
        "sitemaps": [{"url": s.url, "origin": s.origin, "pages": s.urls, "news": len(s.news)}
                     for s in found.sitemaps],
        "listing": found.listing and {"url": found.listing.url, "links": len(found.listing.links),
                                      "next": found.listing.next_css},
        "mode": found.mode, "allow": found.allow,
        "samples": [{"url": clean_url(s.url), "title": s.title, "words": s.words,
                     "published": s.published.isoformat() if s.published else None} for s in found.samples],
        "refused": [[clean_url(u), reason] for u, reason in found.refused],
        "la": la and {"name": la.la.name, "ons_code": la.la.ons_code, "region": la.la.region,
                      "official_name": la.la.official_name, "evidence": list(la.evidence)},
    }


def main(argv: list[str] | None = None) -> int:
    """Print one JSON object: what was found, or ``{"error": "…"}`` (exit status 1)."""
    from scrapy.settings import Settings

    from crawler.config import ConfigError
    from crawler.context import user_agent

    parser = argparse.ArgumentParser(prog="python -m crawler.discovery",
                                     description="What a news site offers a crawler, as JSON.")
    parser.add_argument("url")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to the site")
    args = parser.parse_args(argv)
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")  # CAREWATCH_CONFIG from the environment
    try:
        fetcher = SiteFetcher(user_agent(settings), delay=args.delay)
        found = discover(args.url, fetcher)
    except (DiscoveryError, ConfigError) as exc:
        print(json.dumps({"error": str(exc)}))
        return 1
    print(json.dumps(as_json(found, fetcher.requests)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
