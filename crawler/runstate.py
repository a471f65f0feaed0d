"""What a crawl's components share, in one Scrapy extension: ``CrawlContext``.

Components find it with ``run_state(crawler)`` (``crawler.get_extension(CrawlContext)``). It
holds the database engine (the schema is checked, never migrated, here: migrations are run by
``carewatch run`` at start or ``carewatch db upgrade``), the crawl-run row, whether this is
the source's baseline, the page state read at start, the writer and the extraction pool. When
the spider closes it writes what is queued, keeps start pages' validators only if the run is
``ok``, and closes the run with its status and counts (crawler.extensions.run_outcome).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from sqlalchemy import event

from crawler.context import database_url
from crawler.extensions import UNWRITABLE_STAT, run_outcome
from crawler.pipelines.batch import BatchWriter
from crawler.pipelines.pool import ExtractionPool
from storage.db import make_engine, session_scope, unwritable
from storage.errors import DatabaseUnwritable
from storage.migrate import SchemaBehind, check_schema
from storage.pagestate import PageRecord, PageStateIndex, RevisitPolicy, load_page_state
from storage.runs import UNCLOSED, finish_run, source_state, start_run

logger = logging.getLogger(__name__)


class CrawlContext:
    """The crawl's shared state (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        assert crawler.spider is not None and crawler.stats is not None
        settings, stats = crawler.settings, crawler.stats
        self.crawler = crawler
        self.source = crawler.spider.name
        self.engine = make_engine(database_url(settings))
        if self.engine.dialect.name == "sqlite":
            # a crawl writes a few articles a second and never scans the archive: read through
            # SQLite's own small page cache rather than mapping the whole file into the crawl
            event.listen(self.engine, "connect", _no_mmap)
        try:
            check_schema(self.engine)  # raises SchemaBehind, naming the command that fixes it
            with session_scope(self.engine) as session:
                self.baseline = not source_state(session, self.source).baseline_done
                run_id = settings.get("CAREWATCH_RUN_ID")
                log_file = settings.get("LOG_FILE")  # where a run this crawl cannot close says why
                self.run_id = int(run_id) if run_id else start_run(
                    session, self.source, trigger=settings.get("CAREWATCH_TRIGGER", "manual"), pid=os.getpid(),
                    log_file=os.path.abspath(log_file) if log_file else None).id
        except Exception as exc:  # full or read-only: DatabaseUnwritable, said in one line
            raise unwritable(self.engine, exc) or exc from None
        self.writer = BatchWriter(self.engine, batch_size=settings.getint("CAREWATCH_WRITE_BATCH", 50),
                                  interval=settings.getint("CAREWATCH_WRITE_INTERVAL_MS", 250) / 1000,
                                  on_unwritable=self.stop_unwritable)
        self.extractor = ExtractionPool(workers=settings.getint("CAREWATCH_EXTRACT_WORKERS", 1),
                                        timeout=settings.getfloat("CAREWATCH_EXTRACT_TIMEOUT", 20.0),
                                        max_tasks=settings.getint("CAREWATCH_EXTRACT_MAX_TASKS", 1000))
        self.extractor.on_count = lambda key: stats.inc_value(f"carewatch/extract_pool/{key}")
        src = getattr(crawler.spider, "source", None)
        self.conditional = (settings.getbool("CAREWATCH_CONDITIONAL_ENABLED", True) and getattr(src, "spider", None)
                            in set(settings.getlist("CAREWATCH_CONDITIONAL_SPIDERS", ["news"])))
        self.revisit = self.conditional and settings.getbool("CAREWATCH_REVISIT_ENABLED", True)
        rv = getattr(src, "revisit", None)
        self.policy = RevisitPolicy(rv.young_days, rv.young_hours, rv.old_days) if rv else RevisitPolicy()
        self._pages: PageStateIndex | None = None
        #: feed, listing and sitemap rows (new validators): written only if the run ends ``ok``,
        #: so that a run cut short leaves the next one a full read of its start pages
        self.start_pages: list[PageRecord] = []
        self._closing: asyncio.Future[None] | None = None
        #: why the run could not be closed (the database would not take its end): the crawl
        #: then exits 1 (crawler.commands.crawl, crawler.batch)
        self.unclosed: DatabaseUnwritable | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        try:
            ctx = cls(crawler)
        except (SchemaBehind, DatabaseUnwritable) as exc:  # one clear line and a failed exit, not a traceback
            logger.error("Error: %s", exc)
            raise SystemExit(f"Error: {exc}") from None
        crawler.signals.connect(ctx.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ctx.spider_closed, signal=signals.spider_closed)
        return ctx

    @property
    def pages(self) -> PageStateIndex:
        """The source's page state (validators, known articles), read once per crawl."""
        if self._pages is None:
            with session_scope(self.engine) as session:
                self._pages = load_page_state(session, self.source)
            logger.info("carewatch: page state of %s: %d URL(s) with validators, %d known article URL(s)",
                        self.source, len(self._pages.validators), len(self._pages.known))
        return self._pages

    def is_due(self, url: str) -> bool:
        """Whether an article link should be requested in this run (revisit policy)."""
        return not self.revisit or self.pages.is_due(url, self.policy)

    def count(self, key: str, n: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"carewatch/{key}", n)

    def stop_unwritable(self, exc: DatabaseUnwritable) -> None:
        """The database takes no more writes (full, read-only): say so once, in one line, and
        stop the crawl; the run fails, and what it did not store is fetched again next run."""
        assert self.crawler.stats is not None and self.crawler.engine is not None
        if self.crawler.stats.get_value(UNWRITABLE_STAT):
            return
        self.crawler.stats.set_value(UNWRITABLE_STAT, str(exc))
        logger.error("Error: %s: stopping the crawl of %s (what it could not store is fetched again next run)",
                     exc, self.source)
        self._closing = asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="database_unwritable"))

    def spider_opened(self, spider: Spider) -> None:
        # what is loaded by now (Scrapy, SQLAlchemy, the config) lives as long as the crawl:
        # keep it out of the cyclic collector, whose full passes would otherwise walk it all
        gc.freeze()
        logger.info("carewatch crawl run %d of %s%s", self.run_id, self.source,
                    " (baseline: stored, not alerted)" if self.baseline else "")
        if self.baseline:  # a first crawl extracts a whole archive: start the worker now
            self.extractor.start()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats
        if run_outcome(stats.get_stats(), reason)[0] == "ok":
            for rec in self.start_pages:
                self.writer.record(rec)
        await self.writer.close()
        stats.set_value("carewatch/writer/transactions", self.writer.transactions)
        self.extractor.close()
        status, error = run_outcome(stats.get_stats(), reason)
        counts = run_counts(stats.get_stats())
        self._finish_run(status, error, counts)
        logger.info("carewatch crawl run %d of %s: %s %s", self.run_id, self.source, status,
                    {k: v for k, v in counts.items() if k not in ("stats", "dropped")})
        self.engine.dispose()

    def _finish_run(self, status: str, error: str | None, counts: dict[str, Any]) -> None:
        """Close the run row; if the database will not take it (full, read-only), say so in one
        line, which scheduler.runner reads to close the run as failed, with that reason, once
        the crawl process is gone (at once for the service's crawls; at the next start of
        ``carewatch run`` or ``carewatch crawl`` for a ``scrapy crawl`` with a LOG_FILE). That
        line is an ERROR unless the crawl was stopped by the same fault, already said in one."""
        try:
            with session_scope(self.engine) as session:
                finish_run(session, self.run_id, status=status, error=error, **counts)
        except Exception as exc:
            fault = unwritable(self.engine, exc)
            if fault is None:
                raise
            self.unclosed = fault
            assert self.crawler.stats is not None
            level = logging.WARNING if self.crawler.stats.get_value(UNWRITABLE_STAT) else logging.ERROR
            logger.log(level, "Error: crawl run %d of %s (%s) %s%s", self.run_id, self.source, status,
                       UNCLOSED, fault)


_COUNTS = {
    "articles_new": "carewatch/articles/new",
    "articles_unchanged": "carewatch/articles/unchanged",
    "articles_revised": "carewatch/articles/revised",
    "articles_syndicated": "carewatch/articles/syndicated",
    "reports_new": "carewatch/reports/new",
    "not_modified": "carewatch/pages/not_modified",
    "pages_fetched": "response_received_count",
}


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl-run row's count columns, ``dropped`` and ``stats``, from Scrapy's stats."""
    counts: dict[str, Any] = {col: int(stats.get(key, 0)) for col, key in _COUNTS.items()}
    counts["articles_aliased"] = int(stats.get("carewatch/articles/alias", 0)) + int(
        stats.get("carewatch/articles/same_body", 0))
    counts["errors"] = int(stats.get("downloader/exception_count", 0)) + int(stats.get("log_count/ERROR", 0))
    counts["dropped"] = {k.rsplit("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("carewatch/dropped/")}
    counts["stats"] = {k: (v if isinstance(v, int | float | str) else str(v)) for k, v in stats.items()}
    return counts


def _no_mmap(dbapi_conn: Any, _record: Any) -> None:
    dbapi_conn.execute("PRAGMA mmap_size=0")


def run_state(crawler: Crawler) -> CrawlContext:
    """The crawl's CrawlContext (the extension must be enabled, as crawler.settings does)."""
    ctx = crawler.get_extension(CrawlContext)
    if ctx is None:
        raise RuntimeError("crawler.runstate.CrawlContext is not in EXTENSIONS")
    return ctx


def context_of(crawler: Crawler | None) -> CrawlContext | None:
    """The crawl's CrawlContext, or None for a crawler built without it (unit tests of spiders)."""
    if crawler is None:
        return None
    try:
        return crawler.get_extension(CrawlContext)
    except RuntimeError:  # the extension manager does not exist yet
        return None
