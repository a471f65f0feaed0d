"""Source configuration: the built-in sources (sources.toml) merged with a user's carewatch.toml.

No Scrapy import here, so the scheduler and the CLI can read sources cheaply.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from cssselect import GenericTranslator, SelectorError
from lxml import etree

from crawler.config import ConfigError, config_path, load_toml, table_fields
from storage.dedup import clean_url

KINDS = ("council", "trade_press", "local_news", "regulator")
SPIDERS = ("news", "ofsted", "govuk")
BUILTIN_FILE = "crawler/sources.toml"


@dataclass(frozen=True, kw_only=True)
class Listing:
    """A listing page. ``{page}`` (1, 2, …) or ``{start}`` (0, step, …) in ``url`` pages it."""

    url: str
    max_pages: int = 1
    #: CSS selector of the "next page" link (used when the URL has no placeholder)
    next: str | None = None
    #: CSS selector limiting where article links are taken from (default: the whole page)
    links: str | None = None
    #: increment of ``{start}`` between pages
    step: int = 100

    def page_urls(self) -> list[str]:
        if "{page}" in self.url:
            return [self.url.replace("{page}", str(n)) for n in range(1, self.max_pages + 1)]
        if "{start}" in self.url:
            return [self.url.replace("{start}", str(n * self.step)) for n in range(self.max_pages)]
        return [self.url]


@dataclass(frozen=True, kw_only=True)
class Revisit:
    """When a known article URL is due to be fetched again (for revisions)."""

    #: articles first seen less than this many days ago are "young"
    young_days: float = 3.0
    #: young articles are re-checked after this many hours
    young_hours: float = 6.0
    #: older articles are re-checked after this many days (0 = never)
    old_days: float = 30.0


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    """One source carewatch crawls."""

    id: str
    name: str
    kind: str
    spider: str = "news"
    domains: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    #: regexes on a URL's path + query; a link is followed if it matches one (all if empty)
    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    #: query parameters dropped from canonical URLs (utm_* and friends always are)
    strip_params: tuple[str, ...] = ()
    #: boilerplate to remove before extraction
    prune_xpath: tuple[str, ...] = ()
    prune_css: tuple[str, ...] = ()
    interval_minutes: int | None = 60
    cron: str | None = None
    enabled: bool = True
    #: seconds between requests to one host (None: the crawler default)
    download_delay: float | None = None
    concurrency: int | None = None
    #: most pages one crawl of this source may fetch
    max_pages: int = 500
    #: wall-clock limit of one crawl, minutes
    max_crawl_minutes: int = 20
    #: article URLs one crawl takes from sitemaps (newest lastmod first), links from one feed
    #: (None: CAREWATCH_SITEMAP_MAX_URLS, CAREWATCH_FEED_MAX_LINKS)
    sitemap_max_urls: int | None = None
    feed_max_links: int | None = None
    #: keep only articles about children's services (for sources that carry all sorts)
    topic_filter: bool = False
    revisit: Revisit = field(default_factory=Revisit)
    #: rebase every URL of this source onto this scheme://host[:port] (mirror or test replica)
    base_url: str | None = None

    @property
    def start_urls(self) -> list[str]:
        urls = list(self.feeds) + list(self.sitemaps)
        for listing in self.listings:
            urls.extend(listing.page_urls())
        return urls

    def allows(self, url: str) -> bool:
        """Whether a link to ``url`` may be followed as an article of this source.

        Patterns are matched against the path and query with tracking parameters
        (``utm_*``, ``strip_params``, …) removed.
        """
        parts = urlsplit(clean_url(url, self.strip_params))
        host = (parts.hostname or "").lower()
        if not any(host == d or host.endswith("." + d) for d in self.domains):
            return False
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        if any(re.search(p, target) for p in self.deny):
            return False
        return not self.allow or any(re.search(p, target) for p in self.allow)

    @property
    def schedule(self) -> str:
        return f"cron {self.cron}" if self.cron else f"every {self.interval_minutes} min"


def rebase(url: str, base: str | None) -> str:
    """``url`` moved onto ``base``'s scheme://host[:port] (a source's ``base_url``), if any."""
    if not base:
        return url
    b, u = urlsplit(base), urlsplit(url)
    return urlunsplit((b.scheme, b.netloc, u.path, u.query, u.fragment))


#: keys whose values are expressions: what each is, how it is checked, the error it raises
_EXPRESSIONS: dict[str, tuple[str, Callable[[str], object], type[Exception]]] = {
    "prune_xpath": ("XPath", etree.XPath, etree.XPathSyntaxError),
    "prune_css": ("CSS selector", GenericTranslator().css_to_xpath, SelectorError),
    "allow": ("regex", re.compile, re.error),
    "deny": ("regex", re.compile, re.error),
}


def _parse_fields(sid: str, raw: dict[str, Any], *, file: Path | str | None) -> dict[str, Any]:
    section = f"sources.{sid}"
    out = table_fields(SourceConfig, raw, file=file, section=section, exclude={"id"})
    for key, (what, check, error) in _EXPRESSIONS.items():
        for value in out.get(key, ()):
            try:
                check(value)
            except error as exc:
                raise ConfigError(file, section, f"key {key!r}: bad {what} {value!r}: {exc}") from exc
    return out


def _validate(src: SourceConfig, *, file: Path | str | None) -> SourceConfig:
    section = f"sources.{src.id}"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", src.id):
        raise ConfigError(file, section, "source ids are lower-case letters, digits and _")
    if src.kind not in KINDS:
        raise ConfigError(file, section, f"key 'kind' must be one of {', '.join(KINDS)}")
    if src.spider not in SPIDERS:
        raise ConfigError(file, section, f"key 'spider' must be one of {', '.join(SPIDERS)}")
    if not src.domains:
        raise ConfigError(file, section, "missing key 'domains'")
    if src.enabled and not src.start_urls:
        raise ConfigError(file, section, "needs at least one of 'feeds', 'sitemaps', 'listings'")
    if src.interval_minutes is not None and src.interval_minutes < 1 and not src.cron:
        raise ConfigError(file, section, "key 'interval_minutes' must be at least 1")
    if src.base_url:
        parts = urlsplit(src.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(file, section, f"key 'base_url' is not an http(s) URL: {src.base_url!r}")
        host = parts.hostname
        src = replace(
            src,
            feeds=tuple(rebase(u, src.base_url) for u in src.feeds),
            sitemaps=tuple(rebase(u, src.base_url) for u in src.sitemaps),
            listings=tuple(replace(lst, url=rebase(lst.url, src.base_url)) for lst in src.listings),
            domains=(host,),
        )
    return src


@cache
def _builtin_raw() -> dict[str, Any]:
    text = resources.files("crawler").joinpath("sources.toml").read_text(encoding="utf-8")
    return tomllib.loads(text).get("sources", {})


def load_sources(config_file: str | Path | None = None, *, data: dict[str, Any] | None = None) -> dict[str, SourceConfig]:
    """All sources (enabled or not), built-ins merged with the user's ``[sources.*]`` tables.

    ``data`` is an already-parsed carewatch.toml (avoids reading it twice).
    """
    path = config_path(config_file) if data is None else (Path(config_file) if config_file else None)
    user = load_toml(path) if data is None else data
    user_sources = user.get("sources", {})
    if not isinstance(user_sources, dict):
        raise ConfigError(path, "sources", "must be a table of [sources.<id>] tables")

    merged: dict[str, dict[str, Any]] = {}
    for sid, raw in _builtin_raw().items():
        merged[sid] = _parse_fields(sid, raw, file=BUILTIN_FILE)
    origin: dict[str, Path | str | None] = {sid: BUILTIN_FILE for sid in merged}
    for sid, raw in user_sources.items():
        if not isinstance(raw, dict):
            raise ConfigError(path, f"sources.{sid}", "must be a table")
        parsed = _parse_fields(sid, raw, file=path)
        if sid in merged:
            merged[sid].update(parsed)
        else:
            for required in ("name", "kind", "domains"):
                if required not in parsed:
                    raise ConfigError(path, f"sources.{sid}", f"missing key {required!r}")
            merged[sid] = parsed
        origin[sid] = path

    sources = {}
    for sid, kwargs in merged.items():
        sources[sid] = _validate(SourceConfig(id=sid, **kwargs), file=origin[sid])
    return sources


def enabled_sources(config_file: str | Path | None = None) -> dict[str, SourceConfig]:
    return {sid: s for sid, s in load_sources(config_file).items() if s.enabled}
