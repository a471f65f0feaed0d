"""One spider per configured source, so ``scrapy list`` lists sources and ``scrapy crawl ID`` works."""

from __future__ import annotations

import builtins
from typing import Any, Self

from scrapy import Request, Spider
from scrapy.settings import BaseSettings

from crawler.sources import SourceConfig, enabled_sources, load_sources


def spider_class_for(source: SourceConfig) -> type[Spider]:
    """A Spider subclass named after the source, from the source's spider kind."""
    base: type[Spider]
    if source.spider == "ofsted":
        from crawler.spiders.ofsted import OfstedSpider

        base = OfstedSpider
    elif source.spider == "govuk":
        from crawler.spiders.govuk import GovukSpider

        base = GovukSpider
    else:
        from crawler.spiders.news import NewsSpider

        base = NewsSpider
    attrs: dict[str, Any] = {
        "name": source.id,
        "source": source,
        "allowed_domains": list(source.domains),
        "__doc__": f"{source.name} ({source.kind}, {source.spider} spider)",
    }
    return type(f"{base.__name__}_{source.id}", (base,), attrs)


class SourceSpiderLoader:
    """Spider loader building spiders from crawler/sources.toml and carewatch.toml."""

    def __init__(self, settings: BaseSettings) -> None:
        self._config = settings.get("CAREWATCH_CONFIG")
        self._sources = enabled_sources(self._config)

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> Self:
        return cls(settings)

    def load(self, spider_name: str) -> type[Spider]:
        source = self._sources.get(spider_name)
        if source is None:
            every = load_sources(self._config)
            if spider_name in every:
                raise KeyError(f"Source {spider_name!r} is disabled (enabled = false)")
            raise KeyError(f"Spider not found: {spider_name}")
        return spider_class_for(source)

    def list(self) -> list[str]:
        return sorted(self._sources)

    def find_by_request(self, request: Request) -> builtins.list[str]:
        return [sid for sid, src in self._sources.items() if src.allows(request.url)]
