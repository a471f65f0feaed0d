"""Crawl several sources in one process: ``python -m crawler.batch [-s KEY=VALUE]... SOURCE=RUN:LIMIT...``

The crawl child started by scheduler.runner. Each ``SOURCE=RUN_ID:LIMIT_SECONDS`` argument
becomes one Scrapy crawler (``CAREWATCH_RUN_ID`` and ``CLOSESPIDER_TIMEOUT`` set on its own
settings) and all of them run in one reactor (Scrapy's CrawlerProcess), so the interpreter, the
imports and the reactor are started once for the lot: that start-up is most of what re-checking
an unchanged source costs. ``-s`` settings apply to every crawler, as with ``scrapy crawl``.

SIGTERM / SIGINT: CrawlerProcess stops every crawler gracefully (each records its run).
Exit status: 0, or 1 if a crawler could not start or could not close its run (crawler.runstate).
"""

from __future__ import annotations

import argparse
import sys

from scrapy.crawler import AsyncCrawlerProcess, CrawlerProcess, CrawlerProcessBase
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from crawler.runstate import context_of

ASYNCIO_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def _crawl_arg(value: str) -> tuple[str, str, str]:
    source, sep, rest = value.partition("=")
    run_id, sep2, limit = rest.partition(":")
    if not (sep and sep2 and source and run_id.isdigit() and limit.isdigit()):
        raise argparse.ArgumentTypeError(f"{value!r} is not SOURCE=RUN_ID:LIMIT_SECONDS")
    return source, run_id, limit


def _setting_arg(value: str) -> tuple[str, str]:
    key, sep, setting = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"{value!r} is not KEY=VALUE")
    return key, setting


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crawler.batch", description=__doc__.split("\n")[0])
    parser.add_argument("-s", dest="settings", action="append", type=_setting_arg, default=[],
                        metavar="KEY=VALUE", help="Scrapy setting for every crawler (repeatable)")
    parser.add_argument("crawls", nargs="+", type=_crawl_arg, metavar="SOURCE=RUN_ID:LIMIT")
    args = parser.parse_args(argv)

    settings: Settings = get_project_settings()
    settings.setdict(dict(args.settings), priority="cmdline")
    # The same choice as ``scrapy crawl`` (scrapy.cmdline.execute).
    process: CrawlerProcessBase
    if (settings["TWISTED_REACTOR"] == ASYNCIO_REACTOR and not settings.getbool("FORCE_CRAWLER_PROCESS")) \
            or not settings.getbool("TWISTED_REACTOR_ENABLED"):
        process = AsyncCrawlerProcess(settings)
    else:
        process = CrawlerProcess(settings)
    crawlers = []
    for source, run_id, limit in args.crawls:
        crawler = process.create_crawler(source)  # settings copied: these are this crawler's own
        crawler.settings.set("CAREWATCH_RUN_ID", run_id, priority="cmdline")
        crawler.settings.set("CLOSESPIDER_TIMEOUT", int(limit), priority="cmdline")
        process.crawl(crawler)
        crawlers.append(crawler)
    process.start()
    unclosed = any((ctx := context_of(c)) is not None and ctx.unclosed is not None for c in crawlers)
    return 1 if process.bootstrap_failed or unclosed else 0


if __name__ == "__main__":
    sys.exit(main())
