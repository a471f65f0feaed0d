"""The shapes of a site's links: which look like articles, which lead to news, and the
``allow`` pattern that covers a set of article URLs (used by ``carewatch sources add``).

Kinds, not strings of one site: a headline link is a link on the site's own host whose text
reads like a sentence (several words) and whose URL is not a navigation, login or file URL
(courlan's filters); headline links of one listing share their first path segment; a link
"to the news" has a news word in its text or its path.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import courlan
from courlan.filters import extension_filter
from lxml.html import HtmlElement

#: words naming a site's news section (a path segment, or a word of a menu link's text)
NEWS_WORDS = ("news", "newsroom", "press", "press-releases", "media", "stories", "articles", "article")
_NEWS_TEXT = re.compile(r"\b(news|newsroom|press releases?|press office|media centre|latest)\b", re.I)
#: words a headline has at least
HEADLINE_WORDS = 4
#: "next page" links, most specific first (rel=next, Drupal's pager, common pagination classes)
NEXT_SELECTORS = ('a[rel="next"]', "li.pager__item--next a", ".pagination .next a", "a.next",
                  "li.next a", "a.next-page")


@dataclass(frozen=True)
class Link:
    url: str
    text: str


def same_site(url: str, host: str) -> bool:
    """Whether ``url`` is on ``host`` (a ``www.`` prefix on either side does not matter)."""
    other = (urlsplit(url).hostname or "").lower().removeprefix("www.")
    return other == host.lower().removeprefix("www.")


def page_links(root: HtmlElement, base_url: str) -> list[Link]:
    """Every ``a[href]`` of a page, absolute, with its text (whitespace collapsed), in order."""
    out = []
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        url = urljoin(base_url, href).split("#", 1)[0]
        if urlsplit(url).scheme in ("http", "https"):
            out.append(Link(url, " ".join(a.text_content().split())))
    return out


def is_page_url(url: str) -> bool:
    """Not a navigation (tag, category, page N), login/admin, feed or file URL."""
    path = urlsplit(url).path.lower()
    if courlan.is_navigation_page(url) or courlan.is_not_crawlable(url) or not extension_filter(url):
        return False
    return not re.search(r"/(feed|rss|atom|comments|wp-json|search)(/|$)|\.(xml|rss|php)$", path)


def headline_links(links: Iterable[Link], host: str, *, exclude: Sequence[str] = ()) -> list[Link]:
    """Links on ``host`` that read like headlines, in page order, each URL once.

    The largest group sharing a first path segment wins, so menus and footers drop out
    (their links rarely share a segment with the articles).
    """
    seen = {courlan.normalize_url(u) for u in exclude}
    found: dict[str, Link] = {}
    for link in links:
        if (len(link.text.split()) < HEADLINE_WORDS or not same_site(link.url, host)
                or not is_page_url(link.url) or urlsplit(link.url).path.strip("/") == ""):
            continue
        key = courlan.normalize_url(link.url)
        if key not in seen and key not in found:
            found[key] = link
    if not found:
        return []
    groups = Counter(_first_segment(link.url) for link in found.values())
    top, _ = groups.most_common(1)[0]
    return [link for link in found.values() if _first_segment(link.url) == top]


def _first_segment(url: str) -> str:
    segments = urlsplit(url).path.strip("/").split("/")
    return segments[0] if len(segments) > 1 else ""  # /slug/ sites: all in one group


def news_links(links: Iterable[Link], host: str) -> list[str]:
    """Links on ``host`` that lead to a news section (menu text or path), best first."""
    scored: dict[str, int] = {}
    for link in links:
        if not same_site(link.url, host) or not is_page_url(link.url):
            continue
        segments = urlsplit(link.url).path.strip("/").lower().split("/")
        score = (2 if _NEWS_TEXT.search(link.text) and len(link.text.split()) <= 4 else 0) \
            + (1 if segments and segments[-1] in NEWS_WORDS else 0)
        if score:
            scored[link.url] = max(score, scored.get(link.url, 0))
    return sorted(scored, key=lambda u: -scored[u])


def next_selector(root: HtmlElement) -> str | None:
    """The first of NEXT_SELECTORS that matches a link on the page, if any."""
    for selector in NEXT_SELECTORS:
        if any(a.get("href") for a in root.cssselect(selector)):
            return selector
    return None


def is_newsy(url: str) -> bool:
    """A URL with a news word among its path segments (before the last one)."""
    segments = urlsplit(url).path.strip("/").lower().split("/")
    return any(s in NEWS_WORDS for s in segments[:-1])


def allow_pattern(urls: Sequence[str]) -> str:
    """A regex on path + query that matches every one of ``urls`` and pages shaped like them.

    Numeric path segments become ``\\d+``; other leading ones shared by all (or a news word) stay
    literal; the rest (the slug above all) become ``[^/]+``; paths of different depths end in
    ``.+``. The pattern never names a slug, so new articles match.
    """
    paths = [[s for s in urlsplit(u).path.split("/") if s] for u in urls]
    depth = {len(p) for p in paths}
    shortest = min(depth)
    parts: list[str] = []
    for i in range(shortest):
        column = {p[i] for p in paths}
        last = i == shortest - 1
        if all(s.isdigit() for s in column):
            parts.append(r"\d+")
        elif len(column) == 1 and not last and (len(urls) > 1 or next(iter(column)).lower() in NEWS_WORDS):
            parts.append(re.escape(next(iter(column))))
        else:
            parts.append("[^/]+")
    if len(depth) > 1:  # depths differ: keep the leading literal segments only
        literal = [p for p in parts[:next((i for i, p in enumerate(parts) if p == "[^/]+"), len(parts))]]
        parts = [*literal, ".+"]
    has_query = any(urlsplit(u).query for u in urls)
    pattern = "^/" + "/".join(parts) + ("/?(\\?|$)" if has_query else "/?$")
    for url in urls:
        target = urlsplit(url).path + (f"?{urlsplit(url).query}" if urlsplit(url).query else "")
        assert re.search(pattern, target), (pattern, url)
    return pattern
