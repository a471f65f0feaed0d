"""Scrapy settings for carewatch (RELIABILITY.md §4.1).

Rules for adding a setting: carewatch's own settings are named ``CAREWATCH_*`` and are read by
components in ``from_crawler`` (never as module globals). Values that come from the
environment are read here once, so ``scrapy crawl`` by hand behaves like a scheduled crawl.
"""

from __future__ import annotations

import os

from scrapy.settings.default_settings import EXTENSIONS_BASE as _SCRAPY_EXTENSIONS

BOT_NAME = "carewatch"
SPIDER_MODULES: list[str] = []
SPIDER_LOADER_CLASS = "crawler.spiderloader.SourceSpiderLoader"

# --- carewatch ---------------------------------------------------------------------------
#: path of carewatch.toml (None: $CAREWATCH_CONFIG or ./carewatch.toml or built-ins only)
CAREWATCH_CONFIG = os.environ.get("CAREWATCH_CONFIG")
#: SQLAlchemy URL (None: [database] url in carewatch.toml, $CAREWATCH_DATABASE_URL, ./data)
CAREWATCH_DATABASE_URL = os.environ.get("CAREWATCH_DATABASE_URL")
#: crawl-run row created by the scheduler for this crawl (None: the crawl records its own)
CAREWATCH_RUN_ID = os.environ.get("CAREWATCH_RUN_ID")
CAREWATCH_TRIGGER = os.environ.get("CAREWATCH_TRIGGER", "manual")
#: largest HTML page handed to the extractor, bytes
CAREWATCH_MAX_HTML_BYTES = 5_000_000
#: largest GOV.UK search-API answer parsed, bytes (feeds: CAREWATCH_FEED_WHOLE_BYTES below)
CAREWATCH_MAX_FEED_BYTES = 5_000_000
#: extraction worker processes, seconds one page may take before its worker is killed (§4.5),
#: and pages a worker handles before it is replaced (crawler.pipelines.pool)
CAREWATCH_EXTRACT_WORKERS = 1
CAREWATCH_EXTRACT_TIMEOUT = 20.0
CAREWATCH_EXTRACT_MAX_TASKS = 1000
#: database writes (one writer thread): articles per transaction, and the longest a write waits
#: for others to share its transaction (ms; crawler.pipelines.batch)
CAREWATCH_WRITE_BATCH = 50
CAREWATCH_WRITE_INTERVAL_MS = 250
#: conditional requests and the revisit policy (crawler.middlewares.conditional)
CAREWATCH_CONDITIONAL_ENABLED = True
CAREWATCH_REVISIT_ENABLED = True
#: spider types (sources' ``spider``) that get conditional requests and revisits
CAREWATCH_CONDITIONAL_SPIDERS = ["news"]
#: longest wait for a Retry-After before a retry, seconds; a host asking for longer (or for more
#: than the crawl has left) is given up for the run (crawler.middlewares.retry)
CAREWATCH_RETRY_AFTER_MAX = 60.0
#: bytes of a robots.txt downloaded and parsed (RFC 9309: at least 500 KiB; crawler.middlewares.robots)
CAREWATCH_ROBOTS_MAX_BYTES = 500 * 1024
#: article URLs taken from sitemaps per run (newest lastmod first) and sitemap files read per run;
#: a source's ``sitemap_max_urls`` wins (crawler.spiders.news)
CAREWATCH_SITEMAP_MAX_URLS = 1000
CAREWATCH_SITEMAP_MAX_FILES = 20
#: article links taken from one feed (a source's ``feed_max_links`` wins), and the largest feed
#: parsed whole by feedparser: a bigger one is read entry by entry (crawler.spiders.incremental)
CAREWATCH_FEED_MAX_LINKS = 500
CAREWATCH_FEED_WHOLE_BYTES = 1_000_000

# --- identity and politeness -----------------------------------------------------------------
USER_AGENT = "carewatch/0.1 (+https://github.com/carewatch/carewatch)"  # contact added from config
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 5.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
RETRY_ENABLED = True
RETRY_TIMES = 2
#: items processed at once per response. Scrapy starts this many asyncio tasks for every
#: response's output, however few items it yields (its default, 100, cost ~1.4 ms of crawl-process
#: CPU per page in benchmarks/bench_crawl.py). An article page yields one item and the extraction
#: pool bounds the real concurrency (two pages per worker), so a few are enough.
CONCURRENT_ITEMS = 8

# --- resource bounds ---------------------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_FAIL_ON_DATALOSS = True
REDIRECT_MAX_TIMES = 5
DEPTH_LIMIT = 3
CLOSESPIDER_TIMEOUT = 1800
CLOSESPIDER_PAGECOUNT = 2000
CLOSESPIDER_ERRORCOUNT = 50
MEMUSAGE_ENABLED = True
MEMUSAGE_WARNING_MB = 768
MEMUSAGE_LIMIT_MB = 1024

# --- attack surface (Scrapy security.rst) ------------------------------------------------------
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19's HTTP "remote control" server is on by default; a crawler has no use for it
REMOTE_CONTROL_ENABLED = False
DOWNLOAD_HANDLERS = {"file": None, "data": None, "ftp": None, "s3": None}
DOWNLOAD_VERIFY_CERTIFICATES = True

# --- components ----------------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # robots.txt that fails closed: 5xx/timeout = host not crawled this run (RELIABILITY.md A8)
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.robots.FailClosedRobotsTxtMiddleware": 100,
    # retries wait for Retry-After (A7)
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.retry.RetryAfterMiddleware": 550,
    # conditional requests; sees responses after decompression (590), before retries (550)
    "crawler.middlewares.conditional.ConditionalRequestMiddleware": 585,
}
SPIDER_MIDDLEWARES = {
    # each PageItem takes its page-state row from Request.meta (crawler.middlewares.conditional)
    "crawler.middlewares.conditional.PageStateMiddleware": 850,
    # known article pages due for a revision check
    "crawler.middlewares.conditional.RevisitMiddleware": 900,
}
ITEM_PIPELINES = {
    "crawler.pipelines.extract.ExtractPipeline": 300,
    "crawler.pipelines.store.StorePipeline": 500,
    "crawler.pipelines.reports.ReportStorePipeline": 550,
}
EXTENSIONS = {
    # what the crawl's components share, and the crawl-run row (crawler.runstate)
    "crawler.runstate.CrawlContext": 100,
}
#: Scrapy's own extensions without the remote control and the telnet console (off above): Scrapy
#: imports the module of every extension listed, even one set to None in EXTENSIONS, and the
#: remote control's imports aiohttp (~0.3 CPU s per crawl process)
EXTENSIONS_BASE = {
    path: order for path, order in _SCRAPY_EXTENSIONS.items()
    if path not in ("scrapy.extensions.remote_control.RemoteControl", "scrapy.extensions.telnet.TelnetConsole")
}

#: ``scrapy crawl`` exits 1 when it could not close its run (crawler.commands.crawl)
COMMANDS_MODULE = "crawler.commands"
LOG_LEVEL = "INFO"
#: a dropped item in one line, without the article it carries (crawler.logformat)
LOG_FORMATTER = "crawler.logformat.OneLineDropFormatter"
#: one page, one fetch: fingerprints on storage's URL identity (crawler.fingerprint)
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprint.CanonicalRequestFingerprinter"
FEED_EXPORT_ENCODING = "utf-8"
