"""``scrapy crawl SOURCE``: Scrapy's command, exiting 1 also when the crawl could not close its
run (the database would not take the run's end: crawler.runstate), which a user or a cron job
would otherwise take for success while the run stays ``running``."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl

from crawler.runstate import context_of


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1 or self.crawler_process is None:
            super().run(args, opts)  # Scrapy's usage errors
            return
        crawler = self.crawler_process.create_crawler(args[0])
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        ctx = context_of(crawler)
        if self.crawler_process.bootstrap_failed or (ctx is not None and ctx.unclosed is not None):
            self.exitcode = 1
