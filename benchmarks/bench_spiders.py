"""Baseline spiders for bench_crawl.py: ``python benchmarks/bench_spiders.py {bare|trafilatura}
BASE STATS_OUT [-s NAME=VALUE ...]`` (plain Scrapy settings, not carewatch's).

* ``bare``: reads /sitemap.xml and fetches every page it lists, doing nothing with them.
* ``trafilatura``: the same, calling ``trafilatura.extract`` in the callback (the usual way).

Both write their Scrapy stats as JSON to STATS_OUT when they close.
"""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.sitemap import Sitemap


class _Base(scrapy.Spider):
    base = ""
    stats_out = ""

    async def start(self) -> AsyncIterator[Any]:
        yield scrapy.Request(f"{self.base}/sitemap.xml", callback=self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[scrapy.Request]:
        for entry in Sitemap(response.body):
            yield scrapy.Request(entry["loc"], callback=self.parse_page)

    def parse_page(self, response: Response) -> Any:
        return None

    def closed(self, reason: str) -> None:
        assert self.crawler.stats is not None
        started = self.crawler.stats.get_value("start_time")
        if started is not None and not self.crawler.stats.get_value("elapsed_time_seconds"):
            now = datetime.now(tz=started.tzinfo)
            self.crawler.stats.set_value("elapsed_time_seconds", (now - started).total_seconds())
        stats = {k: (v if isinstance(v, int | float | str) else str(v))
                 for k, v in self.crawler.stats.get_stats().items()}
        with open(self.stats_out, "w", encoding="utf-8") as fh:
            json.dump(stats, fh)


class BareSpider(_Base):
    name = "bare"


class TrafilaturaSpider(_Base):
    name = "trafilatura"

    def parse_page(self, response: Response) -> Any:
        import trafilatura

        text = trafilatura.extract(response.text, url=response.url, with_metadata=True)
        self.crawler.stats.inc_value("bench/extracted" if text else "bench/empty")  # type: ignore[union-attr]
        return None


def main(argv: list[str]) -> int:
    from scrapy.crawler import CrawlerProcess

    kind, base, stats_out, *rest = argv
    settings: dict[str, Any] = {}
    for i, arg in enumerate(rest):
        if arg == "-s":
            key, _, value = rest[i + 1].partition("=")
            settings[key] = value
    process = CrawlerProcess(settings)
    spider = {"bare": BareSpider, "trafilatura": TrafilaturaSpider}[kind]
    process.crawl(spider, base=base, stats_out=stats_out)
    process.start()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
