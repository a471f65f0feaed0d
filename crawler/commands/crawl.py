"""``scrapy crawl SOURCE``: Scrapy's command, exiting 1 also when the crawl could not close its
run (the database would not take the run's end: crawler.runstate), which a user or a cron job
would otherwise take for success while the run stays ``running``."""

from __future__ import annotations

import argparse

from scrapy import Spider
from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler

from crawler.runstate import context_of


class Command(ScrapyCrawl):
    _run_crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self._run_crawler = super()._create_crawler(spidercls)
        return self._run_crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        ctx = context_of(self._run_crawler)
        if ctx is not None and ctx.unclosed is not None:
            self.exitcode = 1
