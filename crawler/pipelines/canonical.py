"""Choosing an article's canonical URL (DESIGN.md "One article, many URLs")."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector

from storage.dedup import same_site


def declared_urls(html: str, base_url: str) -> tuple[str | None, list[str]]:
    """What a page declares about its own URL: rel=canonical (else og:url), and shortlinks.

    Both are resolved against the page URL; shortlinks are kept only on the page's own site.
    """
    # canonical, og:url and shortlink live in <head>: parse only that when the page has one
    end = html.find("</head>")
    if end < 0:
        end = html.find("</HEAD>")
    sel = Selector(text=html[: end + 7] if end >= 0 else html)
    declared = None
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        value = sel.xpath(xpath).get()
        if value and value.strip():
            declared = urljoin(base_url, value.strip())
            break
    aliases = []
    for value in sel.xpath("//link[@rel='shortlink']/@href").getall():
        url = urljoin(base_url, value.strip())
        if urlsplit(url).scheme in ("http", "https") and same_site(url, base_url):
            aliases.append(url)
    return declared, aliases


def choose_canonical(fetched_url: str, declared: str | None, domains: tuple[str, ...] = ()) -> str:
    """The declared canonical when trustworthy, else the fetched URL.

    Trustworthy: http(s), on the fetched page's site or one of the source's domains, and not
    the site's home page (a common CMS misconfiguration points every page at "/").
    """
    if not declared:
        return fetched_url
    parts = urlsplit(declared)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return fetched_url
    host = parts.hostname.lower()
    on_site = same_site(declared, fetched_url) or any(host == d or host.endswith("." + d) for d in domains)
    if not on_site or parts.path in ("", "/"):
        return fetched_url
    return declared
