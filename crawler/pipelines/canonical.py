"""Choosing an article's canonical URL (DESIGN.md "One article, many URLs")."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from parsel import Selector

from storage.dedup import same_site


def declared_canonical(html: str, base_url: str) -> str | None:
    """rel=canonical, else og:url, resolved against the page URL."""
    sel = Selector(text=html[:300_000])
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content"):
        value = sel.xpath(xpath).get()
        if value and value.strip():
            return urljoin(base_url, value.strip())
    return None


def declared_aliases(html: str, base_url: str) -> list[str]:
    """Other URLs a page declares for itself on its own site (WordPress ``rel=shortlink``)."""
    sel = Selector(text=html[:300_000])
    out = []
    for value in sel.xpath("//link[@rel='shortlink']/@href").getall():
        url = urljoin(base_url, value.strip())
        if urlsplit(url).scheme in ("http", "https") and same_site(url, base_url):
            out.append(url)
    return out


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
