"""One database writer per crawl: batched short transactions in a child process, off the reactor.

Articles (``store``) and page-state rows (``record`` / ``touch``) are queued on the reactor
thread and written by a single writer process. Writes are group-committed: when the writer is
idle, what is queued is written at once; while a transaction is in flight, new articles
accumulate and go together in the next one (up to ``CAREWATCH_WRITE_BATCH`` per transaction).
So batches grow with the load and an article never waits for a batch to fill, which would hold
its response in Scrapy's scraper slot and stall the downloads. Page-state rows alone wait up to
``CAREWATCH_WRITE_INTERVAL_MS`` milliseconds to be batched. Only one transaction is in flight
at a time, so a slow write holds back other writes but never the downloads, and SQLite sees one
writer per crawl. The writer is a process, not a thread, so the dedup and storage work runs on
its own core instead of competing with the reactor for the interpreter lock. If the writer
dies, the articles in flight fail (nothing half-written: each batch is one transaction) and
their pages, whose state was not recorded, are fetched again next run.

If a batch fails, it is rolled back and its articles are retried one per transaction, so one
bad article costs only itself.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler.pipelines.pool import settle_process
from storage.batchwrite import write_in_process
from storage.pagestate import PageRecord, PageStateBuffer
from storage.repository import ArticleInput, StoreResult
from storage.types import utcnow

logger = logging.getLogger(__name__)


@dataclass
class _Pending:
    article: ArticleInput
    page: PageRecord | None
    future: asyncio.Future[StoreResult]


class BatchWriter:
    """Queue of writes for one crawl; see the module docstring."""

    def __init__(self, database_url: str, *, batch_size: int = 50, interval: float = 0.25) -> None:
        self.database_url = database_url
        self.batch_size = max(1, batch_size)
        self.interval = max(0.001, interval)
        self._pending: list[_Pending] = []
        self._pages = PageStateBuffer()
        #: started with the first article: a re-crawl that only records "not modified" needs
        #: no process (its page-state rows are written from a thread here)
        self._process: ProcessPoolExecutor | None = None
        self._thread: ThreadPoolExecutor | None = None
        self._flushing: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.transactions = 0

    # -- queueing (reactor thread) --------------------------------------------------------------

    def store(self, article: ArticleInput, page: PageRecord | None = None) -> asyncio.Future[StoreResult]:
        """Queue an article (and its page-state row, linked to the stored article)."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[StoreResult] = loop.create_future()
        self._pending.append(_Pending(article, page, fut))
        if self._flushing is None or self._flushing.done():
            self._kick()  # idle writer: write now (the flush starts on the loop's next turn)
        # else: the running flush loop takes it with the next transaction
        return fut

    def record(self, rec: PageRecord) -> None:
        self._pages.record(rec)
        self._arm()

    def touch(self, url: str, when: datetime | None = None) -> None:
        self._pages.touch(url, when or utcnow())
        self._arm()

    def _arm(self) -> None:
        if self._timer is None and not self._closed:
            try:
                loop = asyncio.get_running_loop()
            except RuntimeError:
                loop = asyncio.get_event_loop()
            self._timer = loop.call_later(self.interval, self._kick)

    def _kick(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._flushing is None or self._flushing.done():
            self._flushing = asyncio.ensure_future(self._flush_loop())

    async def _flush_loop(self) -> None:
        while self._pending or len(self._pages):
            batch, self._pending = self._pending[: self.batch_size], self._pending[self.batch_size:]
            records, touches = self._pages.take()
            loop = asyncio.get_running_loop()
            try:
                if batch:
                    if self._process is None:
                        self._process = ProcessPoolExecutor(
                            max_workers=1, mp_context=multiprocessing.get_context("forkserver"),
                            initializer=settle_process, initargs=("cw-writer",))
                    executor: Executor = self._process
                else:
                    if self._thread is None:
                        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carewatch-db")
                    executor = self._thread
                results = await loop.run_in_executor(
                    executor, write_in_process, self.database_url,
                    [(p.article, p.page) for p in batch], records, touches)
                self.transactions += 1
            except Exception as exc:  # the page-state rows alone failed, or the writer died
                logger.exception("carewatch: database write failed: %s", exc)
                results = [exc] * len(batch)
            for pending, result in zip(batch, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    async def close(self) -> None:
        """Write everything queued, then stop the thread."""
        if self._closed:
            return
        if self._pending or len(self._pages):
            self._kick()
        if self._flushing is not None:
            await self._flushing
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for executor in (self._process, self._thread):
            if executor is not None:
                executor.shutdown(wait=True)



def batch_writer(crawler: Crawler) -> BatchWriter:
    """The crawl's BatchWriter, created on first use (shares the crawl's engine)."""
    existing = getattr(crawler, "_carewatch_writer", None)
    if existing is not None:
        return existing
    from crawler.runstate import run_state

    settings = crawler.settings
    writer = BatchWriter(
        str(run_state(crawler).engine.url.render_as_string(hide_password=False)),
        batch_size=settings.getint("CAREWATCH_WRITE_BATCH", 50),
        interval=settings.getint("CAREWATCH_WRITE_INTERVAL_MS", 250) / 1000,
    )
    crawler._carewatch_writer = writer  # type: ignore[attr-defined]

    async def _closed(*_: Any, **__: Any) -> None:
        await writer.close()

    crawler.signals.connect(_closed, signal=signals.spider_closed, weak=False)
    return writer
